import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { address, getBase58Decoder, getBase64Decoder, type Address, type Transaction } from '@solana/kit';
import Database from 'better-sqlite3';
import { FailedTransactionMetadata, LiteSVM, type TransactionMetadata } from 'litesvm';
import type { Clock } from '../kernel/clock';
import {
  describeTransactionError,
  RPC_INVALID_PARAMS,
  RPC_PREFLIGHT_FAILURE,
  RPC_SIGNATURE_VERIFICATION_FAILURE,
  RpcError,
  transactionErrorJson,
  type TransactionErrorJson,
} from './errors';

import { LookupTableError, resolveLookups, type AddressTableLookup, type LoadedAddresses } from './lookup-tables';
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './token-programs';
import { messageDecoder, transactionDecoder } from '../chain/wire-codecs';

export { TOKEN_2022_PROGRAM, TOKEN_PROGRAM };
export const COMPUTE_BUDGET_PROGRAM = address('ComputeBudget111111111111111111111111111111');
export const LAMPORTS_PER_SIGNATURE = 5000n;
/** Solana's slot time and how many blocks a blockhash stays valid. */
export const SLOT_MS = 400;
export const BLOCKHASH_VALID_BLOCKS = 150n;

export interface AccountState {
  address: Address;
  lamports: bigint;
  owner: Address;
  data: Uint8Array;
  executable: boolean;
  space: bigint;
}

export interface TokenBalance {
  accountIndex: number;
  mint: string;
  owner: string;
  programId: string;
  amount: bigint;
  decimals: number;
}

/** What the ledger keeps about every transaction that landed (succeeded or failed). */
export interface LandedTransaction {
  signature: string;
  slot: bigint;
  blockTime: number;
  err: TransactionErrorJson | null;
  fee: bigint;
  logs: string[];
  computeUnits: bigint;
  /** Every account the transaction used: static keys, then those loaded from lookup tables. */
  accountKeys: string[];
  /** What its lookup tables resolved to when it ran (absent on records from before tables were supported). */
  loadedAddresses?: LoadedAddresses;
  preBalances: bigint[];
  postBalances: bigint[];
  preTokenBalances: TokenBalance[];
  postTokenBalances: TokenBalance[];
  /** The signed transaction as sent, base64. */
  wire: string;
}

export interface SimulationResult {
  err: TransactionErrorJson | null;
  logs: string[];
  unitsConsumed: bigint;
  accounts: (AccountState | null)[] | null;
  replacementBlockhash: { blockhash: string; lastValidBlockHeight: bigint } | null;
}

export interface LedgerOptions {
  /** Directory for the persisted state; null keeps everything in memory. */
  dir: string | null;
  clock: Clock;
}

const base58 = getBase58Decoder();
const base64 = getBase64Decoder();

/**
 * The sandbox's chain: LiteSVM (a real SVM with the System, Token, Token-2022,
 * ATA and Memo programs) plus what a validator adds around it: slots that
 * follow the sandbox clock, a queue of recent blockhashes that really expire,
 * signature statuses, transaction history with balance changes, fees, and
 * persistence in the data directory.
 */
export class SandboxLedger {
  readonly svm: LiteSVM;
  private readonly db: Database.Database;
  private readonly seed: Buffer;
  private readonly genesisTime: number;
  private readonly genesisSlot: bigint;
  private slot: bigint;
  private readonly recentHashes = new Map<string, bigint>();
  private hashesUpTo: bigint;
  private dirty = false;
  private saveTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(tx: LandedTransaction) => void>();
  private readonly preExecution = new Set<(accounts: readonly Address[]) => void>();
  private readonly preRead = new Set<(account: Address) => void>();
  private inReadHook = false;
  private inHook = false;

  private constructor(
    private readonly opts: LedgerOptions,
    svm: LiteSVM,
    db: Database.Database,
  ) {
    this.svm = svm.withSigverify(true).withBlockhashCheck(false);
    this.db = db;
    const meta = (k: string): string | null =>
      (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value ?? null;
    const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    if (meta('seed') === null) {
      put.run('seed', randomBytes(32).toString('hex'));
      put.run('genesis_time', String(opts.clock.now()));
      put.run('genesis_slot', String(svm.getClock().slot));
      put.run('slot', String(svm.getClock().slot));
    }
    this.seed = Buffer.from(meta('seed')!, 'hex');
    this.genesisTime = Number(meta('genesis_time'));
    this.genesisSlot = BigInt(meta('genesis_slot')!);
    this.slot = BigInt(meta('slot')!);
    this.hashesUpTo = this.slot - 1n;
    this.advance();
  }

  static open(opts: LedgerOptions): SandboxLedger {
    let svm: LiteSVM;
    let db: Database.Database;
    if (opts.dir) {
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
      const snapshot = join(opts.dir, 'svm.bin');
      svm = existsSync(snapshot) ? LiteSVM.loadFromFile(snapshot) : freshSvm();
      db = new Database(join(opts.dir, 'ledger.db'));
      db.pragma('journal_mode = WAL');
    } else {
      svm = freshSvm();
      db = new Database(':memory:');
    }
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
    db.exec(
      'CREATE TABLE IF NOT EXISTS transactions (signature TEXT PRIMARY KEY, slot INTEGER NOT NULL, record TEXT NOT NULL) STRICT',
    );
    indexAddresses(db);
    return new SandboxLedger(opts, svm, db);
  }

  /** Keeps per-owner state (market maker, replay) next to the chain, in the same file. */
  getMeta(key: string): string | null {
    return (
      (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null
    );
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  onTransaction(fn: (tx: LandedTransaction) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Runs before any transaction is simulated or executed, with its accounts.
   * The market maker uses it to re-mark its quotes at the current price, the
   * way an AMM's state is whatever it is when a swap executes. Transactions
   * sent from inside a hook do not re-enter hooks.
   */
  beforeExecution(fn: (accounts: readonly Address[]) => void): () => void {
    this.preExecution.add(fn);
    return () => this.preExecution.delete(fn);
  }

  /**
   * Runs before an account is read (RPC getAccountInfo / getMultipleAccounts). The sandbox's
   * Pyth publisher uses it to post the replay's current price into its oracle accounts, the way
   * a push oracle keeps them current on mainnet. Reads from inside a hook do not re-enter hooks.
   */
  beforeRead(fn: (account: Address) => void): () => void {
    this.preRead.add(fn);
    return () => this.preRead.delete(fn);
  }

  private runHooks(accounts: readonly Address[]): void {
    if (this.inHook) return;
    this.inHook = true;
    try {
      for (const h of this.preExecution) h(accounts);
    } finally {
      this.inHook = false;
    }
  }

  // ---- time -------------------------------------------------------------

  /** Brings the chain up to the sandbox clock: one slot per 400 ms. */
  private advance(): void {
    const elapsed = BigInt(Math.max(0, Math.floor((this.opts.clock.now() - this.genesisTime) / SLOT_MS)));
    const target = this.genesisSlot + elapsed;
    if (target > this.slot) this.slot = target;
    if (this.slot > this.hashesUpTo) {
      const from =
        this.slot - BLOCKHASH_VALID_BLOCKS > this.hashesUpTo + 1n
          ? this.slot - BLOCKHASH_VALID_BLOCKS
          : this.hashesUpTo + 1n;
      for (let s = from; s <= this.slot; s++) this.recentHashes.set(this.blockhashAt(s), s);
      for (const [h, s] of this.recentHashes) if (s < this.slot - BLOCKHASH_VALID_BLOCKS) this.recentHashes.delete(h);
      this.hashesUpTo = this.slot;
      const c = this.svm.getClock();
      c.slot = this.slot;
      c.unixTimestamp = BigInt(Math.floor(this.opts.clock.now() / 1000));
      this.svm.setClock(c);
    }
  }

  currentSlot(): bigint {
    this.advance();
    return this.slot;
  }

  /** Every slot produces a block here, so block height and slot coincide. */
  blockHeight(): bigint {
    return this.currentSlot();
  }

  private blockhashAt(slot: bigint): string {
    const buf = Buffer.alloc(8);
    buf.writeBigUInt64LE(slot);
    return base58.decode(createHash('sha256').update(this.seed).update(buf).digest());
  }

  latestBlockhash(): { blockhash: string; lastValidBlockHeight: bigint; slot: bigint } {
    const slot = this.currentSlot();
    return { blockhash: this.blockhashAt(slot), lastValidBlockHeight: slot + BLOCKHASH_VALID_BLOCKS, slot };
  }

  isBlockhashValid(blockhash: string): boolean {
    this.advance();
    return this.recentHashes.has(blockhash);
  }

  // ---- accounts ---------------------------------------------------------

  account(addr: Address): AccountState | null {
    this.advance();
    if (this.preRead.size > 0 && !this.inReadHook) {
      this.inReadHook = true;
      try {
        for (const h of this.preRead) h(addr);
      } finally {
        this.inReadHook = false;
      }
    }
    const a = this.svm.getAccount(addr);
    if (!a.exists) return null;
    return {
      address: addr,
      lamports: a.lamports,
      owner: a.programAddress,
      data: new Uint8Array(a.data),
      executable: a.executable,
      space: BigInt(a.data.length),
    };
  }

  /** Direct writes, for sandbox set-up only (genesis mints); never for user-visible transfers. */
  setAccount(acc: Omit<AccountState, 'space'>): void {
    this.svm.setAccount({
      address: acc.address,
      data: acc.data,
      executable: acc.executable,
      lamports: acc.lamports as never,
      programAddress: acc.owner,
      space: BigInt(acc.data.length),
    });
    this.markDirty();
  }

  programAccounts(program: Address): AccountState[] {
    return this.svm.getProgramAccounts(program).map((a) => ({
      address: a.address,
      lamports: a.lamports,
      owner: a.programAddress,
      data: new Uint8Array(a.data),
      executable: a.executable,
      space: BigInt(a.data.length),
    }));
  }

  minimumBalanceForRentExemption(size: bigint): bigint {
    return this.svm.minimumBalanceForRentExemption(size);
  }

  // ---- transactions -----------------------------------------------------

  /**
   * Decodes a transaction and resolves its lookup tables against the chain now, refusing a
   * bad lookup as an RPC node does ("invalid transaction: ..."). `loaded` (what a landed
   * transaction resolved to) is used as is: tables may change after it ran.
   */
  decode(wire: Uint8Array, loaded?: LoadedAddresses): { tx: Transaction; signature: string; message: DecodedMessage } {
    let tx: Transaction;
    let message: DecodedMessage;
    try {
      tx = transactionDecoder.decode(wire);
      message = decodeMessage(new Uint8Array(tx.messageBytes));
    } catch (e) {
      throw new RpcError(RPC_INVALID_PARAMS, `failed to deserialize transaction: ${(e as Error).message}`);
    }
    const sigs = Object.values(tx.signatures);
    if (sigs.length === 0) throw new RpcError(RPC_INVALID_PARAMS, 'transaction has no signatures');
    // An unsigned slot is fine for simulation (mainnet allows it with sigVerify off); send() refuses it.
    const first = sigs[0] ?? new Uint8Array(64);
    try {
      message.loadedAddresses =
        loaded ?? resolveLookups(message.addressTableLookups, (a) => this.account(a), this.currentSlot());
    } catch (e) {
      if (e instanceof LookupTableError) throw new RpcError(RPC_INVALID_PARAMS, `invalid transaction: ${e.message}`);
      throw e;
    }
    return { tx, signature: base58.decode(first), message };
  }

  /**
   * sendTransaction. With preflight, a transaction that would fail is refused
   * and nothing lands; without, it lands with its error and pays its fee, as
   * on mainnet. A transaction whose blockhash has expired never lands.
   */
  send(wire: Uint8Array, opts: { skipPreflight?: boolean } = {}): string {
    const { tx, signature, message } = this.decode(wire);
    if (this.landed(signature)) {
      if (opts.skipPreflight) return signature;
      throw preflightError('AlreadyProcessed', []);
    }
    if (Object.values(tx.signatures).some((s) => s === null)) {
      throw new RpcError(RPC_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
    }
    if (!this.isBlockhashValid(message.lifetimeToken)) {
      // A validator drops it; without preflight the sender only learns by the blockhash expiring.
      if (opts.skipPreflight) return signature;
      throw preflightError('BlockhashNotFound', []);
    }
    this.runHooks(accountKeysOf(message));
    if (!opts.skipPreflight) {
      const sim = this.svm.simulateTransaction(tx);
      if (sim instanceof FailedTransactionMetadata) {
        const err = transactionErrorJson(sim.err());
        if (err === 'SignatureFailure') {
          throw new RpcError(RPC_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
        }
        throw preflightError(err, sim.meta().logs(), sim.meta().computeUnitsConsumed());
      }
    }
    try {
      this.execute(tx, signature, message, wire);
    } catch (e) {
      // Without preflight a validator just drops a transaction that cannot land (unknown fee
      // payer, no funds for the fee): the sender gets its signature and it never confirms.
      if (opts.skipPreflight && e instanceof RpcError && e.code === RPC_PREFLIGHT_FAILURE) return signature;
      throw e;
    }
    return signature;
  }

  private execute(tx: Transaction, signature: string, message: DecodedMessage, wire: Uint8Array): LandedTransaction {
    const keys = accountKeysOf(message);
    const pre = keys.map((k) => this.account(k));
    const result = this.svm.sendTransaction(tx);
    let err: TransactionErrorJson | null = null;
    let meta: TransactionMetadata;
    if (result instanceof FailedTransactionMetadata) {
      err = transactionErrorJson(result.err());
      meta = result.meta();
      // Errors found before execution (bad signature, unknown fee payer) never land on a real chain either.
      if (typeof err === 'string' && NOT_LANDING.has(err)) {
        if (err === 'SignatureFailure') {
          throw new RpcError(RPC_SIGNATURE_VERIFICATION_FAILURE, 'Transaction signature verification failure');
        }
        throw preflightError(err, meta.logs());
      }
    } else {
      meta = result;
    }
    const post = keys.map((k) => this.account(k));
    const fee = feeForMessage(message);
    // LiteSVM rejects some load-time failures (e.g. InvalidProgramForExecution) without
    // charging the fee payer or changing any account: such a transaction did not land.
    if (err !== null && fee > 0n && (pre[0]?.lamports ?? 0n) === (post[0]?.lamports ?? 0n)) {
      throw preflightError(err, meta.logs(), meta.computeUnitsConsumed());
    }
    const record: LandedTransaction = {
      signature,
      slot: this.slot,
      blockTime: Math.floor(this.opts.clock.now() / 1000),
      err,
      fee,
      logs: meta.logs(),
      computeUnits: meta.computeUnitsConsumed(),
      accountKeys: keys,
      ...(message.addressTableLookups.length > 0 ? { loadedAddresses: message.loadedAddresses } : {}),
      preBalances: pre.map((a) => a?.lamports ?? 0n),
      postBalances: post.map((a) => a?.lamports ?? 0n),
      preTokenBalances: this.tokenBalances(pre),
      postTokenBalances: this.tokenBalances(post),
      wire: base64.decode(wire),
    };
    this.db
      .prepare('INSERT INTO transactions (signature, slot, record) VALUES (?, ?, ?)')
      .run(signature, Number(record.slot), JSON.stringify(record, bigintReplacer));
    this.indexTransaction(record);
    this.markDirty();
    for (const l of this.listeners) l(record);
    return record;
  }

  simulate(
    wire: Uint8Array,
    opts: {
      sigVerify?: boolean;
      replaceRecentBlockhash?: boolean;
      accounts?: Address[];
      /** this.decode(wire), when the caller already has it (the RPC handler): decoded once, not twice. */
      decoded?: { tx: Transaction; message: DecodedMessage };
    } = {},
  ): SimulationResult {
    const { tx, message } = opts.decoded ?? this.decode(wire);
    const replacement = opts.replaceRecentBlockhash ? this.latestBlockhash() : null;
    if (!replacement && !this.isBlockhashValid(message.lifetimeToken)) {
      return { err: 'BlockhashNotFound', logs: [], unitsConsumed: 0n, accounts: null, replacementBlockhash: null };
    }
    this.runHooks(accountKeysOf(message));
    const svm = opts.sigVerify ? this.svm : this.svm.withSigverify(false);
    try {
      const sim = svm.simulateTransaction(tx);
      if (sim instanceof FailedTransactionMetadata) {
        return {
          err: transactionErrorJson(sim.err()),
          logs: sim.meta().logs(),
          unitsConsumed: sim.meta().computeUnitsConsumed(),
          accounts: null,
          replacementBlockhash: null,
        };
      }
      const postByAddress = new Map(sim.postAccounts().map((a) => [a.address as string, a]));
      const accounts =
        opts.accounts?.map((addr) => {
          const p = postByAddress.get(addr);
          if (!p) return this.account(addr);
          if (p.lamports === 0n && p.data.length === 0) return null;
          return {
            address: addr,
            lamports: p.lamports,
            owner: p.programAddress,
            data: new Uint8Array(p.data),
            executable: p.executable,
            space: BigInt(p.data.length),
          };
        }) ?? null;
      return {
        err: null,
        logs: sim.meta().logs(),
        unitsConsumed: sim.meta().computeUnitsConsumed(),
        accounts,
        replacementBlockhash: replacement
          ? { blockhash: replacement.blockhash, lastValidBlockHeight: replacement.lastValidBlockHeight }
          : null,
      };
    } finally {
      if (!opts.sigVerify) this.svm.withSigverify(true);
    }
  }

  /** requestAirdrop: lands like any transfer from the faucet, with a signature and a history entry. */
  airdrop(to: Address, lamports: bigint): string {
    this.advance();
    const before = this.account(to)?.lamports ?? 0n;
    // LiteSVM signs airdrops with its own (otherwise constant) blockhash: without a fresh one a
    // second airdrop of the same amount to the same address is the same transaction and fails
    // with AlreadyProcessed.
    this.svm.expireBlockhash();
    const r = this.svm.airdrop(to, lamports as never);
    if (!r || r instanceof FailedTransactionMetadata) {
      throw new RpcError(
        RPC_INVALID_PARAMS,
        `airdrop failed: ${r ? JSON.stringify(transactionErrorJson(r.err())) : 'unknown'}`,
      );
    }
    const signature = base58.decode(r.signature());
    const record: LandedTransaction = {
      signature,
      slot: this.slot,
      blockTime: Math.floor(this.opts.clock.now() / 1000),
      err: null,
      fee: 0n,
      logs: r.logs(),
      computeUnits: r.computeUnitsConsumed(),
      accountKeys: [to],
      preBalances: [before],
      postBalances: [this.account(to)?.lamports ?? 0n],
      preTokenBalances: [],
      postTokenBalances: [],
      wire: '',
    };
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO transactions (signature, slot, record) VALUES (?, ?, ?)')
      .run(signature, Number(record.slot), JSON.stringify(record, bigintReplacer));
    if (inserted.changes === 1) this.indexTransaction(record);
    this.markDirty();
    return signature;
  }

  private indexTransaction(record: LandedTransaction): void {
    const put = this.db.prepare('INSERT INTO address_signatures (address, slot, signature) VALUES (?, ?, ?)');
    for (const a of new Set(record.accountKeys)) put.run(a, Number(record.slot), record.signature);
  }

  /**
   * getSignaturesForAddress: transactions that named `address` among their
   * accounts, newest first (by slot, then by landing order within a slot, as
   * a validator lists them), starting below `before` and stopping at `until`
   * (both exclusive), at most `limit`.
   */
  signaturesFor(
    address: string,
    opts: { limit: number; before?: string | null; until?: string | null },
  ): LandedTransaction[] {
    const seqOf = (sig: string | null | undefined): number | null => {
      if (!sig) return null;
      const r = this.db
        .prepare('SELECT seq FROM address_signatures WHERE address = ? AND signature = ?')
        .get(address, sig) as { seq: number } | undefined;
      // An unknown signature bounds nothing (Solana ignores a `before`/`until` it cannot find).
      return r ? r.seq : null;
    };
    const before = seqOf(opts.before);
    const until = seqOf(opts.until);
    const rows = this.db
      .prepare(
        'SELECT signature FROM address_signatures WHERE address = ? AND seq < ? AND seq > ? ORDER BY seq DESC LIMIT ?',
      )
      .all(address, before ?? Number.MAX_SAFE_INTEGER, until ?? -1, opts.limit) as { signature: string }[];
    return rows.map((r) => this.landed(r.signature)).filter((t): t is LandedTransaction => t !== null);
  }

  landed(signature: string): LandedTransaction | null {
    const row = this.db.prepare('SELECT record FROM transactions WHERE signature = ?').get(signature) as
      { record: string } | undefined;
    return row ? (JSON.parse(row.record, bigintReviver) as LandedTransaction) : null;
  }

  feeForMessage(messageBytes: Uint8Array): bigint {
    return feeForMessage(decodeMessage(messageBytes));
  }

  private tokenBalances(accounts: (AccountState | null)[]): TokenBalance[] {
    const out: TokenBalance[] = [];
    accounts.forEach((a, i) => {
      const parsed = a ? parseTokenAccount(a) : null;
      if (!a || !parsed) return;
      const mint = this.account(parsed.mint);
      out.push({
        accountIndex: i,
        mint: parsed.mint,
        owner: parsed.owner,
        programId: a.owner,
        amount: parsed.amount,
        decimals: mint ? (mint.data[44] ?? 0) : 0,
      });
    });
    return out;
  }

  // ---- persistence ------------------------------------------------------

  private markDirty(): void {
    if (!this.opts.dir) return;
    this.dirty = true;
    // Coalesce bursts: a snapshot costs tens of ms with thousands of accounts.
    this.saveTimer ??= setTimeout(() => {
      this.saveTimer = null;
      this.save();
    }, 200);
  }

  /** Writes the snapshot now if anything changed (also called on a timer after changes, and on close). */
  save(): void {
    if (!this.opts.dir || !this.dirty) return;
    const tmp = join(this.opts.dir, 'svm.bin.tmp');
    this.svm.saveToFile(tmp);
    renameSync(tmp, join(this.opts.dir, 'svm.bin'));
    this.setMeta('slot', String(this.slot));
    this.dirty = false;
  }

  close(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.save();
    this.db.close();
  }
}

/**
 * The address -> signature index behind getSignaturesForAddress. `seq` is the
 * landing order. A ledger saved before the index existed is indexed once from
 * its transaction records, in slot order.
 */
function indexAddresses(db: Database.Database): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'address_signatures'").get();
  if (exists) return;
  db.exec(`CREATE TABLE address_signatures (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    address   TEXT NOT NULL,
    slot      INTEGER NOT NULL,
    signature TEXT NOT NULL
  ) STRICT;
  CREATE INDEX address_signatures_by_address ON address_signatures(address, seq);`);
  const put = db.prepare('INSERT INTO address_signatures (address, slot, signature) VALUES (?, ?, ?)');
  const all = db.prepare('SELECT signature, slot, record FROM transactions ORDER BY slot, rowid').all() as {
    signature: string;
    slot: number;
    record: string;
  }[];
  db.transaction(() => {
    for (const r of all) {
      const keys = (JSON.parse(r.record) as { accountKeys: string[] }).accountKeys;
      for (const a of new Set(keys)) put.run(a, r.slot, r.signature);
    }
  })();
}

/** The airdrop pool of a default LiteSVM (about 1M SOL) runs dry in long sandbox sessions. */
function freshSvm(): LiteSVM {
  return new LiteSVM().withLamports(10n ** 9n * 10n ** 9n);
}

const NOT_LANDING = new Set([
  'SignatureFailure',
  'AccountNotFound',
  'InsufficientFundsForFee',
  'AlreadyProcessed',
  'BlockhashNotFound',
  'SanitizeFailure',
  'MissingSignatureForFee',
  'InvalidAccountForFee',
]);

function preflightError(err: TransactionErrorJson, logs: string[], unitsConsumed = 0n): RpcError {
  return new RpcError(RPC_PREFLIGHT_FAILURE, `Transaction simulation failed: ${describeTransactionError(err)}`, {
    accounts: null,
    err,
    innerInstructions: null,
    loadedAccountsDataSize: null,
    logs,
    replacementBlockhash: null,
    returnData: null,
    unitsConsumed,
  });
}

export interface DecodedMessage {
  version: 'legacy' | 0;
  header: { numSignerAccounts: number; numReadonlySignerAccounts: number; numReadonlyNonSignerAccounts: number };
  staticAccounts: Address[];
  instructions: { programAddressIndex: number; accountIndices?: number[]; data?: Uint8Array }[];
  addressTableLookups: AddressTableLookup[];
  /** Filled by SandboxLedger.decode from the tables (empty until then). */
  loadedAddresses: LoadedAddresses;
  lifetimeToken: string;
}

/** The message's account keys as the runtime indexes them: static, then loaded writable, then loaded readonly. */
export function accountKeysOf(message: DecodedMessage): Address[] {
  const { writable, readonly } = message.loadedAddresses;
  return writable.length + readonly.length === 0
    ? message.staticAccounts
    : [...message.staticAccounts, ...writable, ...readonly];
}

/** Legacy and v0 messages, the ones mainnet RPC nodes accept today. */
export function decodeMessage(bytes: Uint8Array): DecodedMessage {
  const m = messageDecoder.decode(bytes);
  if (m.version === 1) throw new Error('version 1 transactions are not supported');
  return {
    version: m.version,
    header: m.header,
    staticAccounts: m.staticAccounts,
    instructions: m.instructions.map((ix) => ({
      programAddressIndex: ix.programAddressIndex,
      ...(ix.accountIndices ? { accountIndices: [...ix.accountIndices] } : {}),
      ...(ix.data ? { data: new Uint8Array(ix.data) } : {}),
    })),
    addressTableLookups: 'addressTableLookups' in m ? [...(m.addressTableLookups ?? [])] : [],
    loadedAddresses: { writable: [], readonly: [] },
    lifetimeToken: m.lifetimeToken,
  };
}

/**
 * Builtin (native) programs: without a SetComputeUnitLimit instruction, Agave (and LiteSVM)
 * reserve 3,000 CU for each instruction to one of these (compute-budget instructions included)
 * and 200,000 CU for every other instruction.
 */
const BUILTIN_PROGRAMS = new Set<string>([
  '11111111111111111111111111111111',
  'Vote111111111111111111111111111111111111111',
  'ComputeBudget111111111111111111111111111111',
  'BPFLoader1111111111111111111111111111111111',
  'BPFLoader2111111111111111111111111111111111',
  'BPFLoaderUpgradeab1e11111111111111111111111',
  'LoaderV411111111111111111111111111111111111',
  'ZkE1Gama1Proof11111111111111111111111111111',
]);

/** Base fee per signature plus the priority fee the compute-budget instructions ask for. */
export function feeForMessage(message: DecodedMessage): bigint {
  const signatures = BigInt(message.header.numSignerAccounts);
  let unitLimit: bigint | null = null;
  let microLamports = 0n;
  let defaultLimit = 0n;
  for (const ix of message.instructions) {
    const program = message.staticAccounts[ix.programAddressIndex];
    const data = ix.data ?? new Uint8Array();
    if (program === COMPUTE_BUDGET_PROGRAM && data.length > 0) {
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      if (data[0] === 2 && data.length >= 5) unitLimit = BigInt(view.getUint32(1, true));
      if (data[0] === 3 && data.length >= 9) microLamports = view.getBigUint64(1, true);
    }
    defaultLimit += program !== undefined && BUILTIN_PROGRAMS.has(program) ? 3_000n : 200_000n;
  }
  const requested = unitLimit ?? defaultLimit;
  const limit = requested > 1_400_000n ? 1_400_000n : requested;
  const priority = (microLamports * limit + 999_999n) / 1_000_000n;
  return signatures * LAMPORTS_PER_SIGNATURE + priority;
}

/** mint, owner and amount of an SPL token account (Token or Token-2022), or null. */
export function parseTokenAccount(a: AccountState): { mint: Address; owner: Address; amount: bigint } | null {
  if (a.owner !== TOKEN_PROGRAM && a.owner !== TOKEN_2022_PROGRAM) return null;
  const d = a.data;
  const isAccount = d.length === 165 || (a.owner === TOKEN_2022_PROGRAM && d.length > 165 && d[165] === 2);
  if (!isAccount) return null;
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return {
    mint: base58.decode(d.subarray(0, 32)) as Address,
    owner: base58.decode(d.subarray(32, 64)) as Address,
    amount: view.getBigUint64(64, true),
  };
}

function bigintReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? { $bigint: v.toString() } : v;
}

function bigintReviver(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && '$bigint' in v) return BigInt((v as { $bigint: string }).$bigint);
  return v;
}
