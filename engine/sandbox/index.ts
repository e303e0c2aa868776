import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { silentLogger, type Logger } from '../kernel/logger';
import { OwnerLock } from '../kernel/owner-lock';
import type { DataDirLayout } from '../kernel/paths';
import { SandboxFaucet } from './faucet';
import { SandboxLedger } from './ledger';
import { SandboxMarketMaker } from './market-maker';
import { PriceReplay } from './price-replay';
import { SandboxPythPublisher } from './pyth-publisher';
import { startRpcServer, type RpcServer } from './rpc-server';
import { startSwapApi, type SwapApi } from './swap-api';
import { sendFromOutside, type OutsideSend } from './outside';
import { SandboxWhale, type WhaleRequest, type WhaleStatus } from './whale';
import { SandboxTestTokens, type TestToken, type TestTokenRequest } from './test-tokens';

export { SandboxLedger, type LandedTransaction } from './ledger';
export { SandboxMarketMaker } from './market-maker';
export { PriceReplay } from './price-replay';
export { SandboxFaucet } from './faucet';
export { SandboxPythPublisher } from './pyth-publisher';
export { SANDBOX_TOKENS } from './tokens';
export { SandboxTestTokens, type TestToken, type TestTokenRequest } from './test-tokens';
export { startRpcServer, type RpcServer } from './rpc-server';
export { startSwapApi, type SwapApi } from './swap-api';
export { sendFromOutside, type OutsideSend } from './outside';
export { SandboxWhale, type WhaleConfig, type WhaleRequest, type WhaleStatus, type WhaleTrade } from './whale';

/** Market time of a fresh sandbox: 8 days after the replay data's first candle (1 Dec 2020). */
export const FRESH_MARKET_START = Date.UTC(2020, 11, 9);

export interface SandboxOptions {
  /** The sandbox's own state folder; null keeps the chain in memory (tests, benchmarks). */
  dir: string | null;
  clock: Clock;
  log?: Logger;
  /** Market replay speed-up (market ms per clock ms). */
  speed?: number;
  host?: string;
}

/** What the engine sees of a sandbox: two URLs and a faucet, wherever the sandbox runs. */
export interface SandboxHandle {
  readonly rpcUrl: string;
  readonly swapApiUrl: string;
  /** Started by this process (and stopped with it), or joined from `harvest sandbox start`. */
  readonly inProcess: boolean;
  fund(address: string, req: { lamports: bigint; tokens: { mint: string; amount: bigint }[] }): Promise<string[]>;
  /** A plain transfer to `to` from a wallet outside Harvest (an outside deposit, as on mainnet). */
  sendFromOutside(to: string, what: OutsideSend): Promise<{ signature: string; from: string }>;
  /** The simulated whale (a wallet outside Harvest that trades on a schedule, to follow offline). */
  whale(req: WhaleRequest): Promise<WhaleStatus>;
  /** Makes a test token (a real mint, hostile traits included) the market maker quotes and the replay prices. */
  createTestToken(req: TestTokenRequest): Promise<TestToken>;
  testTokens(): Promise<TestToken[]>;
  close(): Promise<void>;
}

/**
 * The local mainnet twin: a LiteSVM chain behind a real JSON-RPC endpoint, a
 * Jupiter-compatible swap API backed by a market maker, prices replayed from
 * real candles, and a faucet. Everything listens on 127.0.0.1 only.
 */
export class Sandbox implements SandboxHandle {
  readonly inProcess = true;
  private closed = false;

  private constructor(
    readonly ledger: SandboxLedger,
    readonly replay: PriceReplay,
    readonly market: SandboxMarketMaker,
    readonly faucet: SandboxFaucet,
    readonly rpc: RpcServer,
    readonly swapApi: SwapApi,
    /** Pyth push-feed accounts on the ledger, priced from the replay. */
    readonly pyth: SandboxPythPublisher,
    /** The simulated whale: off until started; its schedule is kept in the ledger. */
    readonly whaleWallet: SandboxWhale,
    readonly tests: SandboxTestTokens,
    private readonly onClose: () => void,
  ) {}

  get rpcUrl(): string {
    return this.rpc.url;
  }

  get swapApiUrl(): string {
    return this.swapApi.url;
  }

  static async start(opts: SandboxOptions, onClose: () => void = () => undefined): Promise<Sandbox> {
    const log = opts.log ?? silentLogger;
    const ledger = SandboxLedger.open({ dir: opts.dir, clock: opts.clock });
    const replay = PriceReplay.open({
      ledger,
      clock: opts.clock,
      // A fresh market starts a week and a day into the data, so the engine has real candle history
      // to warm its strategies up on from the first minute (engine/market/candle-history.ts).
      startAt: FRESH_MARKET_START,
      ...(opts.speed !== undefined ? { speed: opts.speed } : {}),
    });
    const faucet = new SandboxFaucet(ledger, log);
    const market = await SandboxMarketMaker.open({ ledger, replay, faucet, log });
    const pyth = new SandboxPythPublisher(ledger, replay, opts.clock);
    const tests = new SandboxTestTokens(ledger, market, faucet);
    await tests.open();
    // Genesis (mints, inventory) must be on disk before anything refers to it.
    ledger.save();
    // Idle upkeep: sweep escrows of expired quotes back to inventory.
    const upkeep = setInterval(() => {
      try {
        market.maintain();
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'sandbox upkeep failed');
      }
    }, 5_000);
    upkeep.unref();
    const host = opts.host ?? '127.0.0.1';
    const whale = new SandboxWhale(ledger, market, faucet, opts.clock, log);
    const rpc = await startRpcServer(ledger, { host, log });
    const swapApi = await startSwapApi({
      ledger,
      market,
      replay,
      faucet,
      host,
      log,
      whale: (r) => runWhale(whale, r),
      testTokens: tests,
    });
    log.info({ rpc: rpc.url, swapApi: swapApi.url }, 'sandbox started');
    return new Sandbox(ledger, replay, market, faucet, rpc, swapApi, pyth, whale, tests, () => {
      clearInterval(upkeep);
      onClose();
    });
  }

  /**
   * The sandbox of a data directory, in `<dataDir>/sandbox`, owned by this
   * process until closed. Fails if another process already runs it.
   */
  static async startForDataDir(opts: {
    dataDir: string;
    clock: Clock;
    log?: Logger;
    speed?: number;
  }): Promise<Sandbox> {
    const paths = sandboxPaths(opts.dataDir);
    mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    const lock = OwnerLock.tryAcquire(paths.layout, {
      pid: process.pid,
      kind: 'engine',
      socket: null,
      startedAt: new Date(opts.clock.now()).toISOString(),
    });
    if (!lock) {
      throw new HarvestError(
        'DATA_DIR_BUSY',
        `The sandbox for ${opts.dataDir} is already running (see ${paths.info}).`,
      );
    }
    try {
      const sandbox = await Sandbox.start(
        {
          dir: paths.dir,
          clock: opts.clock,
          ...(opts.log ? { log: opts.log } : {}),
          ...(opts.speed !== undefined ? { speed: opts.speed } : {}),
        },
        () => {
          rmSync(paths.info, { force: true });
          lock.release();
        },
      );
      writeFileSync(
        paths.info,
        JSON.stringify({ pid: process.pid, rpcUrl: sandbox.rpcUrl, swapApiUrl: sandbox.swapApiUrl }),
        { mode: 0o600 },
      );
      return sandbox;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  fund(address: string, req: { lamports: bigint; tokens: { mint: string; amount: bigint }[] }): Promise<string[]> {
    return this.faucet.fund(address, req);
  }

  sendFromOutside(to: string, what: OutsideSend): Promise<{ signature: string; from: string }> {
    return sendFromOutside(this.ledger, this.faucet, to, what);
  }

  whale(req: WhaleRequest): Promise<WhaleStatus> {
    return runWhale(this.whaleWallet, req);
  }

  createTestToken(req: TestTokenRequest): Promise<TestToken> {
    return this.tests.create(req);
  }

  testTokens(): Promise<TestToken[]> {
    return Promise.resolve(this.tests.list());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.whaleWallet.close();
    await this.swapApi.close();
    await this.rpc.close();
    this.pyth.close();
    this.market.close();
    this.replay.close();
    this.ledger.close();
    this.onClose();
  }
}

async function runWhale(whale: SandboxWhale, req: WhaleRequest): Promise<WhaleStatus> {
  if (req.action === 'trade') {
    await whale.tradeOnce();
    return whale.status();
  }
  if (req.action === 'status' && !req.config) return whale.status();
  return whale.configure({
    ...req.config,
    ...(req.action === 'start' ? { enabled: true } : req.action === 'stop' ? { enabled: false } : {}),
  });
}

export function sandboxPaths(dataDir: string): { dir: string; info: string; layout: DataDirLayout } {
  const dir = join(dataDir, 'sandbox');
  const layout: DataDirLayout = {
    root: dir,
    db: join(dir, 'ledger.db'),
    lock: join(dir, 'sandbox.lock'),
    owner: join(dir, 'owner.json'),
    socket: '',
    logs: join(dataDir, 'logs'),
  };
  return { dir, info: join(dir, 'sandbox.json'), layout };
}

/**
 * The engine's way in: joins the sandbox `harvest sandbox start` runs for this
 * data directory, or starts one in this process if none runs.
 */
export async function joinSandbox(opts: {
  dataDir: string;
  clock: Clock;
  log?: Logger;
  speed?: number;
}): Promise<SandboxHandle> {
  const paths = sandboxPaths(opts.dataDir);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await Sandbox.startForDataDir(opts);
    } catch (e) {
      if (!(e instanceof HarvestError && e.code === 'DATA_DIR_BUSY')) throw e;
    }
    const remote = existsSync(paths.info) ? readRemote(paths.info) : null;
    if (remote && (await reachable(remote.rpcUrl))) return remoteHandle(remote);
    // The other process is still starting (or just stopped): try again shortly.
    await opts.clock.sleep(300);
  }
  throw new HarvestError(
    'DATA_DIR_BUSY',
    `The sandbox for ${opts.dataDir} is held by another process that does not answer.`,
  );
}

function readRemote(file: string): { rpcUrl: string; swapApiUrl: string } | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { rpcUrl?: unknown; swapApiUrl?: unknown };
    return typeof v.rpcUrl === 'string' && typeof v.swapApiUrl === 'string'
      ? { rpcUrl: v.rpcUrl, swapApiUrl: v.swapApiUrl }
      : null;
  } catch {
    return null;
  }
}

async function reachable(rpcUrl: string): Promise<boolean> {
  try {
    const r = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSlot' }),
      signal: AbortSignal.timeout(2000),
    });
    return r.ok;
  } catch {
    return false;
  }
}

function remoteHandle(remote: { rpcUrl: string; swapApiUrl: string }): SandboxHandle {
  return {
    rpcUrl: remote.rpcUrl,
    swapApiUrl: remote.swapApiUrl,
    inProcess: false,
    async fund(address, req) {
      const r = await fetch(`${remote.swapApiUrl}/sandbox/faucet`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          address,
          lamports: req.lamports.toString(),
          tokens: req.tokens.map((t) => ({ mint: t.mint, amount: t.amount.toString() })),
        }),
      });
      const body = (await r.json()) as { signatures?: string[]; error?: string };
      if (!r.ok || !body.signatures) throw new HarvestError('REFUSED', `Sandbox faucet: ${body.error ?? r.statusText}`);
      return body.signatures;
    },
    async sendFromOutside(to, what) {
      const r = await fetch(`${remote.swapApiUrl}/sandbox/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          'lamports' in what
            ? { address: to, lamports: what.lamports.toString() }
            : { address: to, mint: what.mint, amount: what.amount.toString() },
        ),
      });
      const body = (await r.json()) as { signature?: string; from?: string; error?: string };
      if (!r.ok || !body.signature || !body.from)
        throw new HarvestError('REFUSED', `Sandbox send: ${body.error ?? r.statusText}`);
      return { signature: body.signature, from: body.from };
    },
    async whale(req) {
      const r = await fetch(`${remote.swapApiUrl}/sandbox/whale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(req),
      });
      const body = (await r.json()) as WhaleStatus & { error?: string };
      if (!r.ok) throw new HarvestError('REFUSED', `Sandbox whale: ${body.error ?? r.statusText}`);
      return body;
    },
    async createTestToken(req) {
      const r = await fetch(`${remote.swapApiUrl}/sandbox/test-tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(req),
      });
      const body = (await r.json()) as TestToken & { error?: string };
      if (!r.ok) throw new HarvestError('INVALID_INPUT', `Sandbox token: ${body.error ?? r.statusText}`);
      return body;
    },
    async testTokens() {
      const r = await fetch(`${remote.swapApiUrl}/sandbox/test-tokens`);
      const body = (await r.json()) as { tokens: TestToken[] };
      return body.tokens;
    },
    close: async () => undefined,
  };
}
