import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { PriceTick } from './types';

/**
 * A source of USD prices. One interface for the sandbox replay, devnet and
 * mainnet (Jupiter's Price API v3 serves all three) and for tests.
 */
export interface PriceFeed {
  /** Short name used in logs, events and `PriceTick.source`. */
  readonly name: string;
  /**
   * Prices of the given mints. A mint the feed has no price for is absent from
   * the map (never a made-up number). Rejects when the feed cannot answer at all.
   */
  prices(mints: readonly string[]): Promise<Map<string, PriceTick>>;
}

/** A feed failure (network, HTTP status, malformed body). */
export class PriceFeedError extends HarvestError {
  constructor(
    readonly feed: string,
    message: string,
    readonly status: number | null = null,
    options?: { cause?: unknown },
  ) {
    super('RPC_UNAVAILABLE', `Price feed ${feed}: ${message}`, options);
    this.name = 'PriceFeedError';
  }
}

/** Default maximum age of a price before it counts as stale: 60 s. */
export const DEFAULT_MAX_PRICE_AGE_MS = 60_000;

/** Whether a tick is older than `maxAgeMs` at `now` (clock ms). A missing tick is stale. */
export function isStale(tick: Pick<PriceTick, 'at'> | null | undefined, now: number, maxAgeMs: number): boolean {
  if (!tick) return true;
  return now - tick.at > maxAgeMs;
}

/** Age of a tick in ms at `now` (0 for a tick stamped in the future). */
export function priceAge(tick: Pick<PriceTick, 'at'>, now: number): number {
  return Math.max(0, now - tick.at);
}

export type PriceFreshnessDecision = { ok: true } | { ok: false; code: 'STALE_PRICE'; message: string };

/**
 * The rule the risk gate applies: a stale (or missing) price allows exits but
 * no new entries. `intent` is 'entry' for anything that opens or adds to a
 * position, 'exit' for anything that reduces one (sells, stops, emergency
 * closes). The result has the same shape as a RiskDecision.
 */
export function checkPriceFreshness(
  intent: 'entry' | 'exit',
  tick: Pick<PriceTick, 'at' | 'mint'> | null | undefined,
  now: number,
  maxAgeMs: number,
  mint?: string,
): PriceFreshnessDecision {
  if (intent === 'exit' || !isStale(tick, now, maxAgeMs)) return { ok: true };
  const what = tick?.mint ?? mint ?? 'this token';
  const message = tick
    ? `The price of ${what} is ${Math.round(priceAge(tick, now) / 1000)} s old (the limit is ${Math.round(maxAgeMs / 1000)} s): no new entries until the feed is fresh again. Exits still go through.`
    : `There is no price for ${what}: no new entries until a feed answers. Exits still go through.`;
  return { ok: false, code: 'STALE_PRICE', message };
}

/** A feed whose prices are set by hand (tests, paper trading against fixed prices, demos). */
export class ManualPriceFeed implements PriceFeed {
  private readonly ticks = new Map<string, PriceTick>();
  private failure: Error | null = null;
  /** Calls to prices(), with the mints asked for. */
  readonly calls: string[][] = [];

  constructor(
    readonly name: string,
    private readonly clock: Clock,
  ) {}

  /** Sets a price observed at `at` (default: now on the clock). */
  set(mint: string, usd: number, at: number = this.clock.now()): void {
    this.ticks.set(mint, { mint, usd, at, source: this.name });
  }

  remove(mint: string): void {
    this.ticks.delete(mint);
  }

  /** Makes every call fail with `err` until called with null. */
  failWith(err: Error | null): void {
    this.failure = err;
  }

  async prices(mints: readonly string[]): Promise<Map<string, PriceTick>> {
    this.calls.push([...mints]);
    if (this.failure) throw this.failure;
    const out = new Map<string, PriceTick>();
    for (const m of mints) {
      const t = this.ticks.get(m);
      if (t) out.set(m, { ...t });
    }
    return out;
  }
}
