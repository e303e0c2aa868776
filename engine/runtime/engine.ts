import { mkdirSync } from 'node:fs';
import type { CommandName, CommandOutput, Commands, ParsedInput } from '../api';
// A light command is checked against its own part of the contract; the whole contract loads for any other.
import { lightCommands } from '../api/contract-light';
import { parseInputWith } from '../api/input-issues';
import { isoTime, systemClock, type Clock } from '../kernel/clock';
import { serveControlChannel, type ControlServer } from '../kernel/control-channel';
import { HarvestError } from '../kernel/errors';
import { createLogger, type Logger } from '../kernel/logger';
import { OwnerLock, type OwnerInfo } from '../kernel/owner-lock';
import { dataDirLayout, type DataDirLayout } from '../kernel/paths';
import { tightenDataDir } from '../kernel/private-dir';
// The keystore's parts one by one, not its index: that also carries key derivation and
// transaction signing (@solana/kit, noble), which a light command never needs.
import { OsKeychain, type Keychain } from '../keystore/keychain';
import { auditKeyOf, type MasterKey } from '../keystore/seal';
import {
  keychainAccounts,
  loadMasterKey,
  type MasterKeyContext,
  type MasterKeySourceKind,
} from '../keystore/master-key';
import { MASTER_KEY_ID_META } from '../keystore/rotation';
import { assertFileKeyPrivate, loadFileKey, preflightWithFileKey, refusedUnderFileKey } from '../keystore/file-key';
import type { WalletVault } from '../keystore/wallets';
import { EventBus } from '../kernel/event-bus';
import { JobFeed } from '../kernel/job-feed';
import type { TransactionSigner } from '../keystore/signer';
import type { BalanceSync, Whitelist, Withdrawals } from '../funds';
import type { FlowScanner } from '../funds/flows';
import type { LedgerCheck } from '../funds/ledger-check';
import type { ExitMonitor, ReconcileReport, TradeExecutionService, TriggerOrders } from '../execution';
import type { PriceQuorum } from '../market/oracle';
import { Controls } from '../risk/controls';
import { GlobalBreaker } from '../risk/global-breaker';
import { asDatabaseDamage, inspectDatabaseFile, openDatabase, peekMeta, Store } from '../store';
import { assertNothingLost } from './datadir-guard';
import { UserDirectory } from '../users';
import type { Handlers } from './handlers';
import { buildLightHandlers, type LightHandlers } from './light-handlers';
import { isPlayNetwork, readNetworkConfig, type NetworkName } from './network-config';
import type { NetworkContext } from './network';
import type { CandleBuilder, CandleHistory } from '../market';
import type { Performance } from '../portfolio/performance';
import type { StrategyRunReport } from './strategy-runner';
import type { CopyService } from '../copy';
import type { TokenRegistry } from '../tokens';
import { loadRegisteredTokens } from '../store/load-tokens';
import { TradingLoop, type CycleReport } from './loop';

export interface EngineOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  keychain?: Keychain;
  clock?: Clock;
  /**
   * A logger, or a factory for one. A factory is called only once the master
   * key has been proven available and the data directory exists, so a start
   * that fails closed leaves nothing behind (a file logger creates logs/).
   */
  logger?: Logger | (() => Logger);
  /** Who acts, for the audit log: 'cli', 'ui', 'engine'. */
  actor?: string;
  /** A long-running engine ('engine') or a one-shot CLI process ('cli'). */
  ownerKind?: 'engine' | 'cli';
  /** Use this network (and these RPC endpoints) instead of the data directory's configured one. */
  network?: { name?: NetworkName; rpcUrls?: string[] };
  /**
   * May a NEW data directory be sealed under a sandbox-only key file when there is no
   * keychain and no HARVEST_MASTER_KEY? Only for commands that run the sandbox (serve, run);
   * refused anyway when `network` names another network. See keystore/file-key.ts.
   */
  sandboxFileKey?: boolean;
}

/** The services that need a network, created on first use. */
export interface Funds {
  net: NetworkContext;
  balances: BalanceSync;
  /** Finds outside deposits and withdrawals on chain (live users, each cycle). */
  flows: FlowScanner;
  /** Proves ledger = chain (at start and hourly). */
  ledger: LedgerCheck;
  whitelist: Whitelist;
  withdrawals: Withdrawals;
  /** Trusted prices (engine/market/oracle): risk, protections, valuation and exits read only these. */
  prices: PriceQuorum;
  exec: TradeExecutionService;
  exits: ExitMonitor;
  /** Limit and stop orders, fired once each through `exec` when a trusted price reaches them. */
  orders: TriggerOrders;
  /** What start-up reconciliation found (orders a crash left unfinished). */
  reconciled: ReconcileReport;
  /** Reads fresh prices for every known token. */
  refreshPrices(): Promise<void>;
  /** Candles built from the price ticks seen by this engine (shared by strategies and charts). */
  candles: CandleBuilder;
  /** The candle store behind `candles`: stored as they close, seeded with history, with source and gap marks. */
  candleHistory: CandleHistory;
  /** Restores stored candles and seeds history, once (on the sandbox, until seeded); the loop and charts wait on it. */
  candlesReady(): Promise<void>;
  /**
   * The time prices belong to: on the sandbox the replay's market time (Dec 2020 - Jul 2021, running
   * `speed` times faster than the clock), elsewhere the engine clock. Candle times are on this clock.
   */
  marketNow(): number;
  performance: Performance;
  reviewRisk(): void;
  /** Opens the paper account (with its starting capital) of every paper friend with a wallet that has none yet. */
  openPaperAccounts(): void;
  /** Feeds this cycle's prices into the shared candles and runs every active user's strategy. */
  runStrategies(): Promise<StrategyRunReport>;
  /** Copy trading: reads followed leaders' new trades from the chain and copies them (engine/copy). */
  copy: CopyService;
  /** Tokens added by mint: reads their mint, runs their safety checks, keeps the acknowledgement (engine/tokens). */
  tokens: TokenRegistry;
}

/**
 * The engine beyond a light command: the other handler groups, the whole API contract, and
 * the classes behind `engine.wallets` and `engine.signer` (key derivation with noble,
 * transaction decoding with @solana/kit). engine-parts.ts hands them over as it loads; the
 * runtime index, the funds services and the Electron main process import it, and a one-shot
 * CLI command loads it on its first command outside the light set (issue 12, item 5).
 */
export interface EngineParts {
  WalletVault: typeof WalletVault;
  TransactionSigner: typeof TransactionSigner;
  buildHandlers: (engine: Engine) => Handlers;
  commands: Commands;
}
let parts: EngineParts | null = null;

/** Called by engine-parts.ts as it loads. */
export function provideEngineParts(provided: EngineParts): void {
  parts = provided;
}

async function loadEngineParts(): Promise<EngineParts> {
  if (!parts) await import('./engine-parts');
  if (!parts) throw new HarvestError('INTERNAL', 'engine-parts.ts loaded without providing the engine parts.');
  return parts;
}

/**
 * One open data directory: the owner lock, the master key, the database and
 * the services over them. Everything that names a command goes through
 * `execute`, which validates the input against the API contract first.
 */
export class Engine {
  readonly layout: DataDirLayout;
  readonly store: Store;
  readonly users: UserDirectory;
  readonly clock: Clock;
  readonly log: Logger;
  readonly actor: string;
  readonly keyCtx: MasterKeyContext;
  readonly bus: EventBus;
  /** Background jobs' progress for the UI transports; never stored (see kernel/job-feed). */
  readonly jobFeed: JobFeed;
  readonly controls: Controls;
  readonly breaker: GlobalBreaker;
  private masterKey: MasterKey;
  private fundsPromise: Promise<Funds> | null = null;
  private keys: { wallets: WalletVault; signer: TransactionSigner } | null = null;
  private loop: TradingLoop | null = null;
  private looping: Promise<void> | null = null;
  readonly networkOverride: EngineOptions['network'];
  /** Built at open: what a light command needs (status, friends, positions, trades). */
  private readonly lightHandlers: LightHandlers;
  /** Every other handler group, built on the first command that needs one. */
  private allHandlers: Handlers | null = null;
  private control: ControlServer | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Aborted the moment close() starts: the loop's wait ends and new commands get "stopping". */
  private readonly stopController = new AbortController();
  /** Commands under way: stopping waits for them, so an order in flight finishes its journal step. */
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    private readonly lock: OwnerLock,
    readonly owner: OwnerInfo,
    private source: MasterKeySourceKind,
    key: MasterKey,
    store: Store,
    keyCtx: MasterKeyContext,
    opts: { clock: Clock; logger: Logger; actor: string; layout: DataDirLayout; network?: EngineOptions['network'] },
  ) {
    this.layout = opts.layout;
    this.masterKey = key;
    this.store = store;
    this.keyCtx = keyCtx;
    this.clock = opts.clock;
    this.log = opts.logger;
    this.actor = opts.actor;
    this.users = new UserDirectory(store, this.clock, this.log);
    this.bus = new EventBus(
      (e) => ({ ...e, id: store.events.insert(e).id }),
      () => isoTime(this.clock),
      (err) => this.log.error({ err: String(err) }, 'event listener failed'),
    );
    this.jobFeed = new JobFeed(this.clock, undefined, (err) =>
      this.log.error({ err: String(err) }, 'job update listener failed'),
    );
    this.controls = new Controls(store, this.bus, this.clock);
    this.breaker = new GlobalBreaker(store, this.bus, this.clock, this.log);
    this.networkOverride = opts.network;
    this.lightHandlers = buildLightHandlers(this);
  }

  /**
   * Opens a data directory, creating it on first use. The master key is
   * proven available before anything is written; with no key, nothing is.
   */
  static open(opts: EngineOptions): Engine {
    const env = opts.env ?? process.env;
    const clock = opts.clock ?? systemClock;
    const layout = dataDirLayout(opts.dataDir);
    const keyCtx: MasterKeyContext = {
      env,
      keychain: opts.keychain ?? new OsKeychain(),
      accounts: keychainAccounts(layout.root),
    };
    const sandboxOnly = opts.sandboxFileKey === true && isPlayNetwork(opts.network?.name ?? 'sandbox');
    const fileKey = preflightWithFileKey(keyCtx, layout.root, layout.db, sandboxOnly);

    mkdirSync(layout.root, { recursive: true, mode: 0o700 });
    // A sandbox key file others could read is refused before tightening would hide that it leaked.
    if (fileKey) assertFileKeyPrivate(layout.root);
    tightenDataDir(layout.root);
    const logger =
      typeof opts.logger === 'function' ? opts.logger() : (opts.logger ?? createLogger({ logDir: layout.logs }));
    const owner: OwnerInfo = {
      pid: process.pid,
      kind: opts.ownerKind ?? 'cli',
      socket: null,
      startedAt: isoTime(clock),
    };
    const lock = OwnerLock.tryAcquire(layout, owner);
    if (!lock) {
      throw new HarvestError('DATA_DIR_BUSY', `Another Harvest process owns ${layout.root}.`);
    }
    if (lock.previous)
      logger.warn({ previous: lock.previous }, 'took over the data directory from a process that died');
    let store: Store | undefined;
    try {
      const dbState = inspectDatabaseFile(layout.db, layout.root);
      const dbKeyId = dbState === 'present' ? peekMeta(layout.db, MASTER_KEY_ID_META) : null;
      if (dbKeyId === null && !fileKey) assertNothingLost(layout, keyCtx, dbState);
      const { key, source } = (fileKey ? loadFileKey(layout.root, dbKeyId) : null) ?? loadMasterKey(keyCtx, dbKeyId);
      store = new Store(openDatabase(layout.db, { nowIso: isoTime(clock) }));
      // Tokens added by mint join the built-in majors in every token lookup.
      loadRegisteredTokens(store);
      const keying = store.audit.useKey(auditKeyOf(key), isoTime(clock), opts.actor ?? 'cli');
      if (keying.kind === 'migrated') logger.info({ rows: keying.rows }, 'audit chain keyed with the master key');
      if (keying.kind === 'migrated-broken')
        logger.error(
          { rows: keying.rows, firstBadId: keying.verdict.firstBadId },
          `audit chain keyed up to its first bad row: ${keying.verdict.message}`,
        );
      if (store.meta.get(MASTER_KEY_ID_META) === null) {
        const s = store;
        s.tx(() => {
          s.meta.set(MASTER_KEY_ID_META, key.id);
          s.audit.append(
            {
              actor: opts.actor ?? 'cli',
              action: 'datadir.initialised',
              userId: null,
              details: { keyId: key.id, keySource: source },
            },
            isoTime(clock),
          );
        });
        logger.info({ keyId: key.id, source }, 'data directory initialised');
      }
      // Again, for what this start created (database, lock file, log) under the umask.
      tightenDataDir(layout.root);
      return new Engine(lock, owner, source, key, store, keyCtx, {
        clock,
        logger,
        actor: opts.actor ?? 'cli',
        layout,
        ...(opts.network ? { network: opts.network } : {}),
      });
    } catch (e) {
      store?.close();
      lock.release();
      throw asDatabaseDamage(e, layout.db, layout.root) ?? e;
    }
  }

  /** The friends' wallets: created, imported, exported and unsealed here (key derivation). */
  get wallets(): WalletVault {
    return this.keyParts().wallets;
  }

  /** Signs a transaction only after its checks (allowed programs, outflow caps, halt). */
  get signer(): TransactionSigner {
    return this.keyParts().signer;
  }

  /**
   * Built on first use from the classes engine-parts.ts provides: key derivation and
   * signing carry noble and @solana/kit, which a light command never needs.
   */
  private keyParts(): { wallets: WalletVault; signer: TransactionSigner } {
    if (this.keys) return this.keys;
    if (!parts)
      throw new HarvestError(
        'INTERNAL',
        'Wallets and signing are not loaded: import engine/runtime (or engine/runtime/engine-parts) first.',
      );
    const wallets = new parts.WalletVault(this.store, () => this.key, this.clock, this.log);
    const signer = new parts.TransactionSigner(this.store, wallets, this.clock, this.log);
    // Once a halt is acknowledged, the keystore signs nothing.
    signer.addGate(() => (this.controls.halted ? 'trading is halted' : null));
    this.keys = { wallets, signer };
    return this.keys;
  }

  /** Where the master key comes from; changes once, from 'file' to the keychain or env, on `keys adopt`. */
  get keySource(): MasterKeySourceKind {
    return this.source;
  }

  get key(): MasterKey {
    if (this.closed) throw new HarvestError('INTERNAL', 'The engine is closed.');
    return this.masterKey;
  }

  /** Called by key rotation (and adoption of a file key) once the new key is committed. */
  replaceKey(next: MasterKey, source: MasterKeySourceKind = this.source): void {
    this.source = source;
    const old = this.masterKey;
    this.masterKey = next;
    old.wipe();
  }

  /** The configured network, connected on first use (on the sandbox this may start it). */
  funds(): Promise<Funds> {
    if (this.source === 'file') {
      // A file key protects play money only: no real network, whatever the settings or flags say.
      const { network } = readNetworkConfig(this.store.meta, {
        ...(this.networkOverride?.name ? { network: this.networkOverride.name } : {}),
      });
      if (!isPlayNetwork(network)) return Promise.reject(refusedUnderFileKey(`Connecting to ${network}`));
    }
    this.fundsPromise ??= import('./services').then(({ buildFunds }) => buildFunds(this, this.networkOverride));
    this.fundsPromise.catch(() => (this.fundsPromise = null));
    return this.fundsPromise;
  }

  /** Starts the trading loop (one cycle per interval) in this process. */
  startTrading(cycleMs: number): void {
    if (this.loop) return;
    if (this.stopSignal.aborted) return;
    this.loop = new TradingLoop(() => this.funds(), this.clock, this.log, cycleMs);
    this.looping = this.loop.run();
  }

  /** The last cycle's report, for health displays; null before the first cycle or without a loop. */
  get lastCycle(): CycleReport | null {
    return this.loop?.last ?? null;
  }

  get trading(): boolean {
    return this.loop !== null;
  }

  /** Aborted once the engine has begun to stop. */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  async execute<K extends CommandName>(name: K, input: unknown): Promise<CommandOutput<K>> {
    // While stopping, a command gets an answer at once instead of waiting on a closing engine (or hanging).
    if (this.stopSignal.aborted) {
      throw new HarvestError(
        'DATA_DIR_BUSY',
        `The engine on ${this.layout.root} is stopping; ${name} was not run. Run it again once Harvest has stopped.`,
      );
    }
    const spec = await this.specOf(name);
    const parsed = parseInputWith(spec.input, name, input) as ParsedInput<K>;
    const running = this.handlerFor(name).then((handler) => handler(parsed));
    this.inFlight.add(running);
    let out: CommandOutput<K>;
    try {
      out = await running;
    } finally {
      this.inFlight.delete(running);
    }
    // Outputs are checked too: a handler that drifts from the contract is a bug, caught here, not in the UI.
    return spec.output.parse(out) as CommandOutput<K>;
  }

  /** A command's schemas: a light one's from its part of the contract, any other's from the whole (loaded then). */
  private async specOf<K extends CommandName>(name: K): Promise<Commands[K]> {
    const light = (lightCommands as Partial<Commands>)[name];
    if (light) return light as Commands[K];
    return (parts ?? (await loadEngineParts())).commands[name];
  }

  /**
   * The handler of a command. The light ones are at hand; the first other command
   * loads the other groups (their chunk carries execution, funds, copy, backtest,
   * telegram and @solana/kit), so a cold `harvest status` never parses them.
   */
  private async handlerFor<K extends CommandName>(
    name: K,
  ): Promise<(input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>> {
    const light = (this.lightHandlers as Partial<Handlers>)[name];
    if (light) return light;
    this.allHandlers ??= (parts ?? (await loadEngineParts())).buildHandlers(this);
    return this.allHandlers[name];
  }

  /**
   * A sensitive command's preconditions, checked before a confirmation is
   * offered (throws the refusal the command would give); returns the sentence
   * to confirm, with names, never ids.
   */
  async preflight(name: string, input: unknown): Promise<string> {
    const [{ preflight }, { parseCommandInput, requireCommandName }] = await Promise.all([
      import('./preflight'),
      import('../api/validate'),
    ]);
    const command = requireCommandName(name);
    return preflight(this, command, parseCommandInput(command, input));
  }

  /** A friend's name by id (null when there is none), for confirmations that must not show ids. */
  userName(id: number): string | null {
    return this.store.users.byId(id)?.name ?? null;
  }

  /** Dispatch by name from an untyped transport (control channel, WebSocket). */
  async executeUntyped(name: string, input: unknown): Promise<unknown> {
    const { requireCommandName } = await import('../api/validate');
    return this.execute(requireCommandName(name), input);
  }

  /** Serves the control channel so CLI commands reach this process while it runs. */
  async serveControl(): Promise<void> {
    this.control = await serveControlChannel(this.layout.socket, (c, i) => this.executeUntyped(c, i), this.log);
    this.lock.update({ ...this.owner, socket: this.layout.socket });
  }

  /**
   * Stops within moments whatever the cycle length: the wait between cycles
   * is interrupted and a running cycle ends after its current step (an order
   * in flight finishes its journal step). The control channel keeps answering
   * "stopping" until the loop has ended, so a CLI call never hangs.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.stopController.abort();
    this.loop?.stop();
    await this.looping;
    this.loop = null;
    await Promise.allSettled([...this.inFlight]);
    await this.control?.close();
    this.control = null;
    if (this.fundsPromise) {
      const funds = await this.fundsPromise.catch(() => null);
      await funds?.net.close();
      this.fundsPromise = null;
    }
    this.closed = true;
    this.store.close();
    this.masterKey.wipe();
    this.lock.release();
  }
}
