import { createChainClient, type ChainClient, type RpcDegradedEvent } from '../chain';
import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type * as SandboxModule from '../sandbox';
import type { SandboxHandle } from '../sandbox';
import type { QuorumSource } from '../market/oracle';
import type { MetaRepo } from '../store';
import { ON_CHAIN_SANDBOX_RUNS_ON } from './paper-sandbox-info';
import {
  BinanceKlinesSource,
  FirstCoveringSource,
  GeckoTerminalSource,
  SandboxMarketClock,
  SandboxReplaySource,
  wallMarketClock,
  type CandleHistorySource,
  type MarketClock,
} from '../market';

export {
  NetworkName,
  PUBLIC_RPC,
  JUPITER_API,
  JITO_BLOCK_ENGINE,
  readNetworkConfig,
  writeNetworkConfig,
  isPlayNetwork,
  defaultNetwork,
  type NetworkConfig,
} from './network-config';
import { type NetworkName, PUBLIC_RPC, type NetworkConfig } from './network-config';

/** Lets a faucet top a wallet up: the sandbox's, or devnet's airdrop. Mainnet has none. */
export interface Faucet {
  fund(address: string, req: { lamports: bigint; tokens: { mint: string; amount: bigint }[] }): Promise<string[]>;
}

/** Everything the engine needs to reach one network. Only this file knows which network it is. */
export interface NetworkContext {
  readonly name: NetworkName;
  readonly chain: ChainClient;
  readonly faucet: Faucet | null;
  readonly jupiterUrl: string;
  /** The operator's Jupiter API key (mainnet/devnet); the sandbox needs none. */
  readonly jupiterApiKey: string | null;
  readonly blockEngineUrl: string;
  readonly whitelistDelayMs: number;
  readonly rpcUrls: readonly string[];
  readonly sandbox: SandboxHandle | null;
  /** The time prices belong to: the sandbox replay's market time, or the engine clock elsewhere. */
  readonly marketClock: MarketClock;
  /** Where candle history comes from: the sandbox's replay, or real OHLCV sources (Binance, GeckoTerminal). */
  readonly candleHistory: CandleHistorySource;
  /** The network's own price sources (the paper sandbox's replay): then the quorum's only ones, trusted alone. */
  readonly priceSources?: readonly QuorumSource[];
  close(): Promise<void>;
}

export { ON_CHAIN_SANDBOX_RUNS_ON };

/**
 * The operator's explanation when the on-chain sandbox cannot start on this system:
 * what is missing, where it runs, and what to do here instead.
 */
export function onChainSandboxUnavailable(
  cause: unknown,
  platform = process.platform,
  arch = process.arch,
): HarvestError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new HarvestError(
    'UNSUPPORTED',
    `The sandbox cannot run on this computer: its local Solana runtime (LiteSVM) has no binary for ${platform}-${arch}. ` +
      `The full sandbox runs on ${ON_CHAIN_SANDBOX_RUNS_ON}. Here, use the paper sandbox (\`harvest network set paper-sandbox --confirm\`: ` +
      `the same replayed prices, paper users, no chain), paper users on devnet or mainnet, or run \`harvest serve\` ` +
      `on such a machine and open it in a browser. (${detail})`,
    { cause },
  );
}

export interface ConnectOptions {
  dataDir: string;
  /** From the keychain, like other secrets. */
  jupiterApiKey?: string | null;
  clock: Clock;
  log: Logger;
  onDegraded?: (endpoint: string, reason: string) => void;
  /** Loads the sandbox module (tests force a failed load here). */
  loadSandbox?: () => Promise<typeof SandboxModule>;
  /** Base URLs of the OHLCV history sources (tests point them at local fakes). */
  ohlcv?: { binanceUrl?: string; geckoTerminalUrl?: string };
  /** The engine's meta table: the paper sandbox keeps its replay position there. */
  meta: MetaRepo;
}

/** The paper sandbox, loaded on demand (the replay's data is read only here). */
async function connectPaperSandbox(cfg: NetworkConfig, opts: ConnectOptions): Promise<NetworkContext> {
  const { openPaperReplay, emptyChain, replayFeed, replayMarketClock, replayHistory } = await import('./paper-sandbox');
  const replay = openPaperReplay(opts.meta, opts.clock);
  return {
    name: 'paper-sandbox',
    chain: emptyChain(),
    faucet: null,
    jupiterUrl: '',
    jupiterApiKey: null,
    blockEngineUrl: '',
    whitelistDelayMs: cfg.whitelistDelayMs,
    rpcUrls: [],
    sandbox: null,
    marketClock: replayMarketClock(replay),
    candleHistory: replayHistory(replay),
    priceSources: [{ feed: replayFeed(replay, opts.clock), venue: false }],
    close: async () => replay.close(),
  };
}

/**
 * Connects to the configured network. On the sandbox, joins the sandbox that
 * already runs for this data directory (`harvest sandbox start`) or starts
 * one in this process; either way the engine reaches it over HTTP only.
 */
export async function connectNetwork(cfg: NetworkConfig, opts: ConnectOptions): Promise<NetworkContext> {
  const degraded = (e: RpcDegradedEvent): void =>
    opts.onDegraded?.(e.from, `${e.method}: ${e.reason}${e.to ? `; now using ${e.to}` : '; no endpoint left'}`);
  if (cfg.network === 'paper-sandbox') return connectPaperSandbox(cfg, opts);
  if (cfg.network === 'sandbox') {
    // Loaded on demand: most commands never touch a chain, and the sandbox (LiteSVM) is heavy.
    // LiteSVM's binary is per OS (none on Windows): a failed load says so instead of a module error,
    // and a fresh folder (no network chosen yet) gets the paper sandbox instead.
    let sandboxModule: typeof SandboxModule;
    try {
      sandboxModule = await (opts.loadSandbox ?? (() => import('../sandbox')))();
    } catch (e) {
      if (!cfg.chosen) {
        opts.log.warn(
          { err: e instanceof Error ? e.message.split('\n')[0] : String(e) },
          'the on-chain sandbox cannot load here; starting the paper sandbox',
        );
        return connectPaperSandbox({ ...cfg, network: 'paper-sandbox' }, opts);
      }
      throw onChainSandboxUnavailable(e);
    }
    const { joinSandbox } = sandboxModule;
    const sandbox = await joinSandbox({ dataDir: opts.dataDir, clock: opts.clock, log: opts.log });
    const chain = createChainClient({
      // A local endpoint: no public rate limit to respect.
      endpoints: [{ url: sandbox.rpcUrl, rateLimit: { requests: 10_000, perMs: 1_000 } }],
      clock: opts.clock,
      logger: opts.log,
      onDegraded: degraded,
    });
    // Candles are bucketed on the replay's market time (read over its control API, wherever it runs).
    const marketClock = new SandboxMarketClock(sandbox.swapApiUrl, opts.clock);
    await marketClock.sync();
    return {
      name: 'sandbox',
      marketClock,
      candleHistory: new SandboxReplaySource(sandbox.swapApiUrl, marketClock),
      chain,
      faucet: { fund: (address, req) => sandbox.fund(address, req) },
      jupiterUrl: sandbox.swapApiUrl,
      jupiterApiKey: null,
      // The sandbox's HTTP API also speaks the block engine's JSON-RPC (engine/sandbox/block-engine.ts).
      blockEngineUrl: sandbox.swapApiUrl,
      whitelistDelayMs: cfg.whitelistDelayMs,
      rpcUrls: [sandbox.rpcUrl],
      sandbox,
      close: () => sandbox.close(),
    };
  }
  const urls = cfg.rpcUrls.length > 0 ? cfg.rpcUrls : [PUBLIC_RPC[cfg.network]];
  if (cfg.network === 'mainnet' && cfg.rpcUrls.length === 0) {
    opts.log.warn('no RPC endpoints configured for mainnet; using the rate-limited public endpoint');
  }
  const chain = createChainClient({ endpoints: urls.map((url) => ({ url })), clock: opts.clock, onDegraded: degraded });
  const faucet: Faucet | null =
    cfg.network === 'devnet'
      ? {
          fund: async (address, req) => {
            if (req.tokens.length > 0) throw new HarvestError('UNSUPPORTED', 'The devnet faucet only gives SOL.');
            return [await chain.requestAirdrop(address as never, req.lamports)];
          },
        }
      : null;
  // Majors from an exchange's klines (deep books, long history, no key); any other token from its DEX pools.
  const candleHistory = new FirstCoveringSource([
    new BinanceKlinesSource({
      clock: opts.clock,
      ...(opts.ohlcv?.binanceUrl ? { baseUrl: opts.ohlcv.binanceUrl } : {}),
    }),
    new GeckoTerminalSource({
      clock: opts.clock,
      ...(opts.ohlcv?.geckoTerminalUrl ? { baseUrl: opts.ohlcv.geckoTerminalUrl } : {}),
    }),
  ]);
  return {
    name: cfg.network,
    marketClock: wallMarketClock(opts.clock),
    candleHistory,
    chain,
    faucet,
    jupiterUrl: cfg.jupiterUrl,
    jupiterApiKey: opts.jupiterApiKey ?? null,
    blockEngineUrl: cfg.blockEngineUrl,
    whitelistDelayMs: cfg.whitelistDelayMs,
    rpcUrls: urls,
    sandbox: null,
    close: async () => undefined,
  };
}
