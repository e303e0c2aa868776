import {
  createSolanaRpcFromTransport,
  isAddress,
  isSignature,
  type Address,
  type Base64EncodedWireTransaction,
  type Signature,
  type TransactionMessageBytesBase64,
} from '@solana/kit';
import { HarvestError } from '../kernel/errors';
import { silentLogger } from '../kernel/logger';
import { MAX_ACCOUNTS_PER_REQUEST, readBalances } from './balances';
import { readSignatureStatuses, sendAndConfirmTransaction, type RawSendResult } from './send';
import { ResilientTransport, type RpcStats, type RpcTransportOptions } from './transport';
import type {
  AccountSnapshot,
  Bytes,
  ChainClient,
  LatestBlockhash,
  MintSpec,
  PrioritizationFee,
  SendAndConfirmOptions,
  SendOutcome,
  SignatureInfo,
  SignatureStatus,
  SimulateOptions,
  SimulationResult,
  TokenBalanceEntry,
  TransactionDetails,
  WalletBalances,
} from './types';
import { bytesFromBase64, chunk, rpcCall, toAccountSnapshot, toBytesAndBase64, type SolanaRpc } from './util';

export type ChainClientOptions = RpcTransportOptions;

function assertAddress(value: unknown, what: string): asserts value is Address {
  if (typeof value !== 'string' || !isAddress(value))
    throw new HarvestError('INVALID_INPUT', `${what} is not a Solana address: ${String(value)}.`);
}

function assertSignature(value: unknown): asserts value is Signature {
  if (typeof value !== 'string' || !isSignature(value)) {
    throw new HarvestError('INVALID_INPUT', `Not a transaction signature: ${String(value)}.`);
  }
}

interface RawTokenBalance {
  accountIndex: number;
  mint: Address;
  owner?: Address;
  programId?: Address;
  uiTokenAmount: { amount: string; decimals: number };
}

function toTokenBalances(
  entries: readonly RawTokenBalance[] | undefined | null,
  keys: readonly Address[],
): TokenBalanceEntry[] {
  return (entries ?? []).map((b) => {
    if (!/^\d+$/.test(b.uiTokenAmount.amount)) {
      throw new HarvestError(
        'INTERNAL',
        `Token balance amount ${JSON.stringify(b.uiTokenAmount.amount)} is not a whole number.`,
      );
    }
    return {
      accountIndex: b.accountIndex,
      account: keys[b.accountIndex] ?? null,
      mint: b.mint,
      owner: b.owner ?? null,
      programId: b.programId ?? null,
      amount: BigInt(b.uiTokenAmount.amount),
      decimals: b.uiTokenAmount.decimals,
    };
  });
}

class SolanaChainClient implements ChainClient {
  readonly rpc: SolanaRpc;
  private readonly resilient: ResilientTransport;
  private nextId = 0;

  constructor(private readonly opts: ChainClientOptions) {
    this.resilient = new ResilientTransport(opts);
    this.rpc = createSolanaRpcFromTransport(this.resilient.transport);
  }

  get endpoints(): readonly string[] {
    return this.resilient.endpointLabels;
  }

  clearCache(): void {
    this.resilient.clearCache();
  }

  stats(): RpcStats {
    return this.resilient.stats();
  }

  async getBalances(wallets: readonly Address[], mints: readonly MintSpec[]): Promise<WalletBalances[]> {
    return readBalances(this.rpc, wallets, mints);
  }

  async sendAndConfirm(
    wireTx: Bytes,
    lastValidBlockHeight: bigint,
    options?: SendAndConfirmOptions,
  ): Promise<SendOutcome> {
    const outcome = await sendAndConfirmTransaction(
      {
        rpc: this.rpc,
        clock: this.opts.clock,
        logger: this.opts.logger ?? silentLogger,
        rawSend: (base64, resend) => this.rawSend(base64, resend),
      },
      wireTx,
      lastValidBlockHeight,
      options,
    );
    // State changed on chain: a balance read right after must not come from the pre-trade cache.
    if (outcome.status === 'confirmed' || outcome.status === 'failed') this.resilient.clearStateCache();
    return outcome;
  }

  /**
   * sendTransaction straight through the transport (still rate limited, retried and failed over),
   * because kit turns a preflight failure into an error that drops the node's own message.
   */
  private async rawSend(base64: string, resend: boolean): Promise<RawSendResult> {
    const config = resend
      ? { encoding: 'base64', skipPreflight: true }
      : { encoding: 'base64', skipPreflight: false, preflightCommitment: 'confirmed' };
    const response = (await this.resilient.transport({
      payload: {
        jsonrpc: '2.0',
        id: `harvest-send-${this.nextId++}`,
        method: 'sendTransaction',
        params: [base64, config],
      },
    })) as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
    if (response.error === undefined) return { accepted: true };
    const error = response.error ?? {};
    const data = (typeof error.data === 'object' && error.data !== null ? error.data : {}) as {
      err?: unknown;
      logs?: unknown;
    };
    const message =
      typeof error.message === 'string' && error.message ? error.message : `JSON-RPC error ${String(error.code)}`;
    const logs = Array.isArray(data.logs) ? data.logs.filter((l): l is string => typeof l === 'string') : [];
    return { accepted: false, message, err: data.err ?? null, logs };
  }

  async getSignatureStatuses(signatures: readonly Signature[]): Promise<(SignatureStatus | null)[]> {
    return readSignatureStatuses(this.rpc, signatures);
  }

  async getTransaction(signature: Signature): Promise<TransactionDetails | null> {
    assertSignature(signature);
    const tx = await rpcCall('getTransaction', () =>
      this.rpc
        .getTransaction(signature, { encoding: 'json', maxSupportedTransactionVersion: 0, commitment: 'confirmed' })
        .send(),
    );
    if (!tx) return null;
    const meta = tx.meta;
    const accountKeys: Address[] = [
      ...tx.transaction.message.accountKeys,
      ...(meta?.loadedAddresses?.writable ?? []),
      ...(meta?.loadedAddresses?.readonly ?? []),
    ];
    return {
      signature,
      slot: tx.slot,
      blockTime: tx.blockTime ?? null,
      version: tx.version === 0 ? 0 : 'legacy',
      accountKeys,
      meta: meta
        ? {
            err: meta.err,
            fee: meta.fee,
            preBalances: [...meta.preBalances],
            postBalances: [...meta.postBalances],
            preTokenBalances: toTokenBalances(meta.preTokenBalances, accountKeys),
            postTokenBalances: toTokenBalances(meta.postTokenBalances, accountKeys),
            logMessages: [...(meta.logMessages ?? [])],
            computeUnitsConsumed: meta.computeUnitsConsumed ?? null,
          }
        : null,
    };
  }

  async getSignaturesForAddress(
    address: Address,
    opts: { limit?: number; before?: Signature | null; until?: Signature | null } = {},
  ): Promise<SignatureInfo[]> {
    assertAddress(address, 'Address');
    const limit = opts.limit ?? 1000;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw new HarvestError('INVALID_INPUT', `getSignaturesForAddress takes a limit of 1 to 1000, got ${limit}.`);
    }
    if (opts.before) assertSignature(opts.before);
    if (opts.until) assertSignature(opts.until);
    const rows = await rpcCall('getSignaturesForAddress', () =>
      this.rpc
        .getSignaturesForAddress(address, {
          commitment: 'confirmed',
          limit,
          ...(opts.before ? { before: opts.before } : {}),
          ...(opts.until ? { until: opts.until } : {}),
        })
        .send(),
    );
    return rows.map((r) => ({
      signature: r.signature,
      slot: r.slot,
      err: r.err,
      blockTime: r.blockTime ?? null,
    }));
  }

  async getLatestBlockhash(): Promise<LatestBlockhash> {
    const { context, value } = await rpcCall('getLatestBlockhash', () =>
      this.rpc.getLatestBlockhash({ commitment: 'confirmed' }).send(),
    );
    return { blockhash: value.blockhash, lastValidBlockHeight: value.lastValidBlockHeight, slot: context.slot };
  }

  async getBlockHeight(): Promise<bigint> {
    return rpcCall('getBlockHeight', () => this.rpc.getBlockHeight({ commitment: 'confirmed' }).send());
  }

  async getMinimumBalanceForRentExemption(space: bigint | number): Promise<bigint> {
    if (typeof space === 'number' && !Number.isSafeInteger(space)) {
      throw new HarvestError('INVALID_INPUT', `Account size must be a whole number of bytes, got ${space}.`);
    }
    if (typeof space !== 'number' && typeof space !== 'bigint') {
      throw new HarvestError('INVALID_INPUT', `Account size must be a number of bytes, got ${String(space)}.`);
    }
    const size = BigInt(space);
    if (size < 0n) throw new HarvestError('INVALID_INPUT', `Account size must not be negative, got ${size}.`);
    return rpcCall('getMinimumBalanceForRentExemption', () => this.rpc.getMinimumBalanceForRentExemption(size).send());
  }

  async getAccountInfo(address: Address): Promise<AccountSnapshot | null> {
    assertAddress(address, 'Account');
    const { value } = await rpcCall('getAccountInfo', () =>
      this.rpc.getAccountInfo(address, { encoding: 'base64' }).send(),
    );
    return toAccountSnapshot(address, value);
  }

  async getMultipleAccounts(addresses: readonly Address[]): Promise<(AccountSnapshot | null)[]> {
    for (const a of addresses) assertAddress(a, 'Account');
    const out: (AccountSnapshot | null)[] = [];
    for (const batch of chunk(addresses, MAX_ACCOUNTS_PER_REQUEST)) {
      const { value } = await rpcCall('getMultipleAccounts', () =>
        this.rpc.getMultipleAccounts(batch, { encoding: 'base64' }).send(),
      );
      if (value.length !== batch.length)
        throw new HarvestError(
          'INTERNAL',
          `getMultipleAccounts answered ${value.length} accounts for ${batch.length}.`,
        );
      value.forEach((acc, i) => out.push(toAccountSnapshot(batch[i]!, acc)));
    }
    return out;
  }

  async simulateTransaction(wireTx: Bytes, options: SimulateOptions = {}): Promise<SimulationResult> {
    const { base64 } = toBytesAndBase64(wireTx, 'Transaction');
    const tx = base64 as Base64EncodedWireTransaction;
    const addresses = [...(options.accounts ?? [])];
    addresses.forEach((a) => assertAddress(a, 'Simulated account'));
    if (options.sigVerify && options.replaceRecentBlockhash) {
      throw new HarvestError(
        'INVALID_INPUT',
        'simulateTransaction cannot both verify signatures and replace the blockhash.',
      );
    }
    const verify = options.sigVerify
      ? ({ sigVerify: true } as const)
      : ({ sigVerify: false, replaceRecentBlockhash: options.replaceRecentBlockhash ?? false } as const);
    const { context, value } = await rpcCall('simulateTransaction', async () => {
      if (addresses.length === 0) {
        const r = await this.rpc
          .simulateTransaction(tx, { encoding: 'base64', commitment: 'confirmed', ...verify })
          .send();
        return { context: r.context, value: { ...r.value, accounts: [] } };
      }
      return this.rpc
        .simulateTransaction(tx, {
          encoding: 'base64',
          commitment: 'confirmed',
          ...verify,
          accounts: { addresses, encoding: 'base64' },
        })
        .send();
    });
    const returned = value.accounts;
    if (returned.length !== addresses.length) {
      throw new HarvestError(
        'INTERNAL',
        `simulateTransaction returned ${returned.length} accounts for ${addresses.length} requested.`,
      );
    }
    const accounts = addresses.map((address, i) => toAccountSnapshot(address, returned[i] ?? null));
    const replacement = (
      value as {
        replacementBlockhash?: { blockhash: LatestBlockhash['blockhash']; lastValidBlockHeight: bigint } | null;
      }
    ).replacementBlockhash;
    return {
      err: value.err,
      logs: [...(value.logs ?? [])],
      unitsConsumed: value.unitsConsumed ?? null,
      accounts,
      returnData: value.returnData
        ? { programId: value.returnData.programId, data: bytesFromBase64(value.returnData.data[0], 'Return data') }
        : null,
      replacementBlockhash: replacement
        ? { blockhash: replacement.blockhash, lastValidBlockHeight: replacement.lastValidBlockHeight }
        : null,
      slot: context.slot,
    };
  }

  async getFeeForMessage(message: Bytes): Promise<bigint | null> {
    const { base64 } = toBytesAndBase64(message, 'Message');
    const { value } = await rpcCall('getFeeForMessage', () =>
      this.rpc.getFeeForMessage(base64 as TransactionMessageBytesBase64, { commitment: 'confirmed' }).send(),
    );
    return value;
  }

  async getRecentPrioritizationFees(accounts: readonly Address[] = []): Promise<PrioritizationFee[]> {
    accounts.forEach((a) => assertAddress(a, 'Account'));
    if (accounts.length > 128) {
      throw new HarvestError(
        'INVALID_INPUT',
        `getRecentPrioritizationFees takes at most 128 accounts, got ${accounts.length}.`,
      );
    }
    const fees = await rpcCall('getRecentPrioritizationFees', () =>
      this.rpc.getRecentPrioritizationFees(accounts.length > 0 ? accounts : undefined).send(),
    );
    return fees.map((f) => ({ slot: f.slot, prioritizationFee: f.prioritizationFee }));
  }

  async requestAirdrop(address: Address, lamports: bigint): Promise<Signature> {
    assertAddress(address, 'Airdrop recipient');
    if (typeof lamports !== 'bigint' || lamports <= 0n) {
      throw new HarvestError(
        'INVALID_INPUT',
        `Airdrop amount must be a positive number of lamports, got ${String(lamports)}.`,
      );
    }
    return rpcCall('requestAirdrop', () =>
      this.rpc
        .requestAirdrop(address, lamports as Parameters<SolanaRpc['requestAirdrop']>[1], { commitment: 'confirmed' })
        .send(),
    );
  }
}

/** The Solana client for one network: kit's typed RPC over a rate-limited, retrying, failing-over transport. */
export function createChainClient(options: ChainClientOptions): ChainClient & { readonly rpc: SolanaRpc } {
  return new SolanaChainClient(options);
}
