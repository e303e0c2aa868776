/**
 * The Solana client the rest of the engine uses (DESIGN.md, "chain/"): batched balance reads,
 * send + confirm, and a transport with rate limits, retries, failover and a short read cache.
 */
export { createChainClient, type ChainClientOptions } from './client';
export type {
  AccountSnapshot,
  Bytes,
  ChainClient,
  LatestBlockhash,
  MintSpec,
  PrioritizationFee,
  SendAndConfirmOptions,
  SubmitResult,
  SendOutcome,
  SignatureInfo,
  SignatureStatus,
  SimulateOptions,
  SimulationResult,
  TokenBalanceEntry,
  TransactionDetails,
  TransactionMetaSummary,
  WalletBalances,
} from './types';
export {
  ResilientTransport,
  isCacheableMethod,
  redactEndpointUrl,
  type EndpointConfig,
  type EndpointStats,
  type RpcDegradedEvent,
  type RpcStats,
  type RpcTransportOptions,
} from './transport';
export { RateLimiter, DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limiter';
export { MAX_ACCOUNTS_PER_REQUEST } from './balances';
export { MAX_SIGNATURES_PER_REQUEST, signatureOfWireTransaction } from './send';
export {
  ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
  SYSTEM_PROGRAM_ADDRESS,
  TOKEN_2022_PROGRAM_ADDRESS,
  TOKEN_PROGRAM_ADDRESS,
  TOKEN_ACCOUNT_SIZE,
  decodeTokenAccountAmount,
  findAssociatedTokenAddress,
  JITO_TIP_ACCOUNTS,
  isJitoTipAccount,
} from './programs';
