/**
 * The paper sandbox (issue 18, item 3): where the on-chain sandbox cannot run
 * (LiteSVM ships no binary for this OS, e.g. Windows), the same replayed real
 * market (engine/sandbox/price-replay.ts) drives paper accounts, with no chain.
 * Wallets still exist (keys derived as usual) but hold nothing on chain; the
 * faucet tops up the paper account; strategies, risk, figures and backtests run
 * as on the sandbox. What needs a chain (withdrawals, the ledger reconcile, copy
 * trading of on-chain leaders) is refused with the reason.
 *
 * Nothing here may load LiteSVM: the replay and the token list are imported
 * directly, never through engine/sandbox's index (whose ledger loads it).
 */
import type { Address } from '@solana/kit';
import type { ChainClient, WalletBalances } from '../chain';
import type { Clock } from '../kernel/clock';
import {
  closedWithGapsFilled,
  HISTORY_TIMEFRAME,
  type CandleHistorySource,
  type MarketClock,
  type PriceFeed,
  type PriceTick,
} from '../market';
import { PriceReplay } from '../sandbox/price-replay';
import type { MetaRepo } from '../store';
import { needsChain } from './paper-sandbox-info';

/**
 * A chain with nothing on it: reads answer "empty" (every wallet holds 0, no
 * history, no accounts), so the balance, flow and ledger steps of a cycle find
 * nothing to do; anything that would send or simulate a transaction is refused.
 */
export function emptyChain(): ChainClient {
  const refused = (): Promise<never> => Promise.reject(needsChain('Sending a transaction'));
  return {
    endpoints: [],
    getBalances: async (wallets: readonly Address[]): Promise<WalletBalances[]> =>
      wallets.map((wallet) => ({ wallet, lamports: 0n, tokens: new Map(), slot: 0n })),
    sendAndConfirm: refused,
    getSignatureStatuses: async (sigs) => sigs.map(() => null),
    getTransaction: async () => null,
    getSignaturesForAddress: async () => [],
    getLatestBlockhash: refused,
    getBlockHeight: async () => 0n,
    getMinimumBalanceForRentExemption: refused,
    getAccountInfo: async () => null,
    getMultipleAccounts: async (addresses) => addresses.map(() => null),
    simulateTransaction: refused,
    getFeeForMessage: async () => null,
    getRecentPrioritizationFees: async () => [],
    requestAirdrop: refused,
    clearCache: () => undefined,
    stats: () => ({
      requests: 0,
      retries: 0,
      failovers: 0,
      cacheHits: 0,
      cacheMisses: 0,
      inFlight: 0,
      byMethod: {},
      endpoints: [],
    }),
  };
}

/** The replay's prices as a feed: the paper sandbox's one price source. */
export function replayFeed(replay: PriceReplay, clock: Clock): PriceFeed {
  return {
    name: 'replay',
    prices: async (mints) => {
      const out = new Map<string, PriceTick>();
      const at = clock.now();
      for (const mint of mints) {
        const usd = replay.price(mint);
        if (usd !== null) out.set(mint, { mint, usd, at, source: 'replay' });
      }
      return out;
    },
  };
}

/** The replay's market time, read in this process. */
export function replayMarketClock(replay: PriceReplay): MarketClock {
  return { kind: 'replay', now: () => replay.marketNow(), speed: () => replay.speed, sync: async () => undefined };
}

/** History from the replay's own candles, like the sandbox's `GET /sandbox/candles`, without HTTP. */
export function replayHistory(replay: PriceReplay): CandleHistorySource {
  return {
    name: 'seed:replay',
    history: async (req) => {
      if (!replay.supports(req.mint)) return null;
      const raw = replay.candles(req.mint, req.from, req.to);
      return {
        source: 'seed:replay',
        candles: closedWithGapsFilled(raw, HISTORY_TIMEFRAME, req.from, req.to, replay.marketNow()),
      };
    },
  };
}

const META_PREFIX = 'paper_sandbox.';

/** Opens the replay with its position kept in the engine's meta table, so a restart continues where it stopped. */
export function openPaperReplay(meta: MetaRepo, clock: Clock): PriceReplay {
  return PriceReplay.open({
    clock,
    ledger: {
      getMeta: (key) => meta.get(META_PREFIX + key),
      setMeta: (key, value) => meta.set(META_PREFIX + key, value),
    },
  });
}
