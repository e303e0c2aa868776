import type { Address, Blockhash, Commitment, Signature, TransactionError } from '@solana/kit';
import type { RpcStats } from './transport';

/** A token whose balance to read: its mint, the program that owns it (Token or Token-2022) and its decimals. */
export interface MintSpec {
  mint: Address;
  tokenProgram: Address;
  decimals: number;
}

export interface WalletBalances {
  wallet: Address;
  /** Lamports of the wallet account; 0n if the account does not exist. */
  lamports: bigint;
  /** Mint -> amount in base units held in the wallet's associated token account; 0n if that account does not exist. */
  tokens: Map<Address, bigint>;
  /** Lowest context slot among the responses that served this wallet. */
  slot: bigint;
}

export interface AccountSnapshot {
  address: Address;
  lamports: bigint;
  owner: Address;
  executable: boolean;
  data: Uint8Array;
}

export interface SignatureStatus {
  slot: bigint;
  /** null once the block is rooted (finalized). */
  confirmations: bigint | null;
  err: TransactionError | null;
  confirmationStatus: Commitment | null;
}

export type SendOutcome =
  /** Landed without error and reached confirmed (or finalized) commitment. */
  | { status: 'confirmed'; signature: Signature; slot: bigint; err: null; commitment: 'confirmed' | 'finalized' }
  /** Landed (confirmed commitment) with an error: fees were paid, nothing else happened. */
  | { status: 'failed'; signature: Signature; slot: bigint; err: TransactionError }
  /** The blockhash expired and the transaction did not land; it never can any more. */
  | { status: 'expired'; signature: Signature }
  /** The node refused it before it was broadcast (preflight simulation or validation failed). */
  | { status: 'rejected'; signature: Signature; reason: string; err: unknown; logs: string[] };

export interface SendAndConfirmOptions {
  /** Between status polls (each poll also resends the same bytes while not landed). Default 2000 ms. */
  pollIntervalMs?: number;
  /** Give up, as "outcome unknown" (an error, never a result), after this long. Default 180 s. */
  maxWaitMs?: number;
  /** Consecutive failed polls tolerated before giving up as "outcome unknown". Default 5. */
  maxPollFailures?: number;
  /**
   * Where the signed bytes go (first send and every resend) instead of the RPC's sendTransaction,
   * e.g. a Jito block engine (engine/execution/landing.ts); the outcome is still read from the RPC.
   */
  submit?: (base64: string, resend: boolean) => Promise<SubmitResult>;
}

/** What a sendTransaction-like endpoint answered: accepted, or refused with the node's words. */
export type SubmitResult = { accepted: true } | { accepted: false; message: string; err: unknown; logs: string[] };

export interface TokenBalanceEntry {
  accountIndex: number;
  /** The token account (from accountKeys), if the index is in range. */
  account: Address | null;
  mint: Address;
  owner: Address | null;
  programId: Address | null;
  /** Base units, exact. */
  amount: bigint;
  decimals: number;
}

export interface SignatureInfo {
  signature: Signature;
  slot: bigint;
  err: TransactionError | null;
  /** Seconds since the epoch, when the node knows it. */
  blockTime: bigint | null;
}

export interface TransactionMetaSummary {
  err: TransactionError | null;
  fee: bigint;
  /** Indexed like accountKeys. */
  preBalances: bigint[];
  postBalances: bigint[];
  preTokenBalances: TokenBalanceEntry[];
  postTokenBalances: TokenBalanceEntry[];
  logMessages: string[];
  computeUnitsConsumed: bigint | null;
}

export interface TransactionDetails {
  signature: Signature;
  slot: bigint;
  blockTime: bigint | null;
  version: 0 | 'legacy';
  /** Static keys, then loaded writable, then loaded read-only addresses (the order balances are indexed by). */
  accountKeys: Address[];
  meta: TransactionMetaSummary | null;
}

export interface SimulateOptions {
  /** Return these accounts' state after the simulated transaction. */
  accounts?: readonly Address[];
  /** Verify signatures (the transaction must then be fully signed). Default false. */
  sigVerify?: boolean;
  /** Simulate against the latest blockhash instead of the transaction's own. Default false; not with sigVerify. */
  replaceRecentBlockhash?: boolean;
}

export interface SimulationResult {
  err: TransactionError | null;
  logs: string[];
  unitsConsumed: bigint | null;
  /** Post-state of the requested accounts, in the order asked (null = does not exist). */
  accounts: (AccountSnapshot | null)[];
  returnData: { programId: Address; data: Uint8Array } | null;
  /** Set when replaceRecentBlockhash was used. */
  replacementBlockhash: { blockhash: Blockhash; lastValidBlockHeight: bigint } | null;
  slot: bigint;
}

export interface LatestBlockhash {
  blockhash: Blockhash;
  lastValidBlockHeight: bigint;
  slot: bigint;
}

export interface PrioritizationFee {
  slot: bigint;
  /** Micro-lamports per compute unit. */
  prioritizationFee: bigint;
}

/** Wire transaction or message bytes, or their base64 encoding. */
export type Bytes = Uint8Array | string;

/** The Solana client the rest of the engine uses; one per network. */
export interface ChainClient {
  /**
   * Lamports and token balances for many wallets: every wallet address and associated token account
   * goes into one list read with getMultipleAccounts in chunks of at most 100, so W wallets and M
   * mints cost exactly ceil(W·(1+M)/100) requests. Results are in the order of `wallets`.
   */
  getBalances(wallets: readonly Address[], mints: readonly MintSpec[]): Promise<WalletBalances[]>;
  /**
   * Send a signed transaction and follow it to an outcome: resends the same bytes until it is
   * confirmed, lands with an error, or its blockhash expires (lastValidBlockHeight passed with no
   * status). Throws (HarvestError) only when the outcome cannot be known; never reports success for
   * an expired transaction.
   */
  sendAndConfirm(wireTx: Bytes, lastValidBlockHeight: bigint, opts?: SendAndConfirmOptions): Promise<SendOutcome>;
  /** Statuses in the order asked (null = unknown), searching history; at most 256 per request. */
  getSignatureStatuses(signatures: readonly Signature[]): Promise<(SignatureStatus | null)[]>;
  getTransaction(signature: Signature): Promise<TransactionDetails | null>;
  /**
   * Signatures of transactions that named `address`, newest first, at confirmed commitment: at most
   * `limit` (≤ 1000), older than `before` and newer than `until` (both exclusive) when given.
   */
  getSignaturesForAddress(
    address: Address,
    opts?: { limit?: number; before?: Signature | null; until?: Signature | null },
  ): Promise<SignatureInfo[]>;
  getLatestBlockhash(): Promise<LatestBlockhash>;
  getBlockHeight(): Promise<bigint>;
  getMinimumBalanceForRentExemption(space: bigint | number): Promise<bigint>;
  getAccountInfo(address: Address): Promise<AccountSnapshot | null>;
  /** Accounts in the order asked (null = missing), batched by 100 per getMultipleAccounts. */
  getMultipleAccounts(addresses: readonly Address[]): Promise<(AccountSnapshot | null)[]>;
  simulateTransaction(wireTx: Bytes, opts?: SimulateOptions): Promise<SimulationResult>;
  /** Fee in lamports for a compiled message, or null if its blockhash is unknown to the node. */
  getFeeForMessage(message: Bytes): Promise<bigint | null>;
  getRecentPrioritizationFees(accounts?: readonly Address[]): Promise<PrioritizationFee[]>;
  requestAirdrop(address: Address, lamports: bigint): Promise<Signature>;
  /** Forgets cached reads, e.g. after funds moved by a path this client did not see (a faucet). */
  clearCache(): void;
  /** Calls per endpoint and method, retries, failovers, cache hits. */
  stats(): RpcStats;
  /** Endpoint labels (redacted) in order of preference. */
  readonly endpoints: readonly string[];
}
