import { z } from 'zod';
import { createChainClient, type ChainClient, type RpcDegradedEvent } from '../chain';
import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type * as SandboxModule from '../sandbox';
import type { SandboxHandle } from '../sandbox';
import type { MetaRepo } from '../store';
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

export const NetworkName = z.enum(['sandbox', 'devnet', 'mainnet']);
export type NetworkName = z.infer<typeof NetworkName>;

export interface NetworkConfig {
  network: NetworkName;
  /** Operator-supplied RPC endpoints, in order of preference (devnet/mainnet). */
  rpcUrls: string[];
  /** Jupiter's API base (devnet/mainnet). */
  jupiterUrl: string;
  /** Jito's block engine for MEV-protected swaps (devnet/mainnet; the sandbox emulates one). */
  blockEngineUrl: string;
  /** How long a new withdrawal address waits before it can be used. */
  whitelistDelayMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const PUBLIC_RPC: Record<Exclude<NetworkName, 'sandbox'>, string> = {
  devnet: 'https://api.devnet.solana.com',
  mainnet: 'https://api.mainnet-beta.solana.com',
};
export const JUPITER_API = 'https://api.jup.ag';
/** Jito's mainnet block engine (docs.jito.wtf, low latency transaction send). */
export const JITO_BLOCK_ENGINE = 'https://mainnet.block-engine.jito.wtf';

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
  close(): Promise<void>;
}

const META_KEY = 'network_config';

const StoredConfig = z.object({
  network: NetworkName,
  rpcUrls: z.array(z.string().url()).default([]),
  jupiterUrl: z.string().url().optional(),
  blockEngineUrl: z.string().url().optional(),
  whitelistDelayMs: z.number().int().min(0).optional(),
});

export function readNetworkConfig(
  meta: MetaRepo,
  override?: { network?: NetworkName; rpcUrls?: string[] },
): NetworkConfig {
  const raw = meta.get(META_KEY);
  const stored = raw ? StoredConfig.parse(JSON.parse(raw)) : StoredConfig.parse({ network: 'sandbox' });
  const network = override?.network ?? stored.network;
  const rpcUrls = override?.rpcUrls?.length ? override.rpcUrls : network === stored.network ? stored.rpcUrls : [];
  return {
    network,
    rpcUrls,
    jupiterUrl: stored.jupiterUrl ?? JUPITER_API,
    blockEngineUrl: stored.blockEngineUrl ?? JITO_BLOCK_ENGINE,
    // A delay configured for one network never carries over to another (a sandbox's 0 must not reach mainnet).
    whitelistDelayMs:
      (network === stored.network ? stored.whitelistDelayMs : undefined) ?? (network === 'sandbox' ? 0 : DAY_MS),
  };
}

export function writeNetworkConfig(
  meta: MetaRepo,
  cfg: { network: NetworkName; rpcUrls: string[]; whitelistDelayMs?: number },
): void {
  meta.set(META_KEY, JSON.stringify(StoredConfig.parse(cfg)));
}

/** Where LiteSVM (the on-chain sandbox's runtime) publishes a binary: no Windows, no 32-bit. */
export const ON_CHAIN_SANDBOX_RUNS_ON = 'Linux (x64, arm64) and macOS (Intel, Apple Silicon)';

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
      `The full sandbox runs on ${ON_CHAIN_SANDBOX_RUNS_ON}. Here, use paper users (simulated fills against real prices) ` +
      `on devnet or mainnet, or run \`harvest serve\` on such a machine and open it in a browser. (${detail})`,
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
}

/**
 * Connects to the configured network. On the sandbox, joins the sandbox that
 * already runs for this data directory (`harvest sandbox start`) or starts
 * one in this process; either way the engine reaches it over HTTP only.
 */
export async function connectNetwork(cfg: NetworkConfig, opts: ConnectOptions): Promise<NetworkContext> {
  const degraded = (e: RpcDegradedEvent): void =>
    opts.onDegraded?.(e.from, `${e.method}: ${e.reason}${e.to ? `; now using ${e.to}` : '; no endpoint left'}`);
  if (cfg.network === 'sandbox') {
    // Loaded on demand: most commands never touch a chain, and the sandbox (LiteSVM) is heavy.
    // LiteSVM's binary is per OS (none on Windows): a failed load says so instead of a module error.
    let sandboxModule: typeof SandboxModule;
    try {
      sandboxModule = await (opts.loadSandbox ?? (() => import('../sandbox')))();
    } catch (e) {
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
