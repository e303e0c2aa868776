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

export type FeedHealth = 'healthy' | 'degraded' | 'stale';

export interface PriceFeedDegradedEvent {
  /**
   * degraded: some prices came from a fallback feed; stale: for some mints no
   * feed had a fresh price (entries are blocked for them).
   */
  status: Exclude<FeedHealth, 'healthy'>;
  /** Per feed that did not give every asked-for mint a fresh price: why. */
  failures: {
    feed: string;
    reason: 'error' | 'stale' | 'missing' | 'cooling-down';
    mints: string[];
    message: string;
  }[];
  /** Which feed answered each mint (fresh or the freshest stale price), by mint. */
  answeredBy: Record<string, string>;
  /** Mints without a fresh price from any feed. */
  staleMints: string[];
  atMs: number;
}

export interface PriceFeedRecoveredEvent {
  atMs: number;
  /** The first feed, now answering every mint fresh again. */
  feed: string;
}

export interface FailoverPriceFeedOptions {
  clock: Clock;
  /** A price older than this is stale and the next feed is asked. Default 60 s. */
  maxAgeMs?: number;
  /** After an error, a feed is skipped for this long (so a dead primary does not cost a timeout every cycle). Default 30 s. */
  cooldownMs?: number;
  /** Name of this feed. Default 'failover'. */
  name?: string;
  /** Called when the feed goes from healthy (or degraded) to worse, with the details. */
  onDegraded?: (event: PriceFeedDegradedEvent) => void;
  /** Called when the first feed answers everything fresh again after a degradation. */
  onRecovered?: (event: PriceFeedRecoveredEvent) => void;
}

export interface FailoverReport {
  status: FeedHealth;
  answeredBy: Record<string, string>;
  staleMints: string[];
  failures: PriceFeedDegradedEvent['failures'];
  atMs: number;
}

const RANK: Record<FeedHealth, number> = { healthy: 0, degraded: 1, stale: 2 };

/**
 * Several feeds in order of preference. Each mint is asked of the first feed;
 * a mint the feed failed on (error), did not know (missing) or priced stale
 * is asked of the next one, and so on. A mint no feed prices fresh gets the
 * freshest stale tick any feed gave (so exits can still use it and the risk
 * gate sees it is stale), or is absent. `PriceTick.source` says which feed
 * answered; `lastReport()` has the details of the last call.
 */
export class FailoverPriceFeed implements PriceFeed {
  readonly name: string;
  private readonly clock: Clock;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly coolingUntil = new Map<PriceFeed, number>();
  private status: FeedHealth = 'healthy';
  private report: FailoverReport | null = null;

  constructor(
    private readonly feeds: readonly PriceFeed[],
    private readonly opts: FailoverPriceFeedOptions,
  ) {
    if (feeds.length === 0) throw new HarvestError('INVALID_INPUT', 'A failover price feed needs at least one feed.');
    this.clock = opts.clock;
    this.name = opts.name ?? 'failover';
    this.maxAgeMs = opts.maxAgeMs ?? DEFAULT_MAX_PRICE_AGE_MS;
    this.cooldownMs = opts.cooldownMs ?? 30_000;
  }

  async prices(mints: readonly string[]): Promise<Map<string, PriceTick>> {
    const wanted = [...new Set(mints)];
    const fresh = new Map<string, PriceTick>();
    const staleBest = new Map<string, PriceTick>();
    const failures: FailoverReport['failures'] = [];
    let remaining = wanted;
    for (let i = 0; i < this.feeds.length && remaining.length > 0; i++) {
      const feed = this.feeds[i]!;
      const isLast = i === this.feeds.length - 1;
      const until = this.coolingUntil.get(feed);
      if (until !== undefined && this.clock.now() < until && !isLast) {
        failures.push({
          feed: feed.name,
          reason: 'cooling-down',
          mints: remaining,
          message: 'skipped after a recent error',
        });
        continue;
      }
      let got: Map<string, PriceTick>;
      try {
        got = await feed.prices(remaining);
        this.coolingUntil.delete(feed);
      } catch (err) {
        this.coolingUntil.set(feed, this.clock.now() + this.cooldownMs);
        failures.push({
          feed: feed.name,
          reason: 'error',
          mints: remaining,
          message: err instanceof Error ? err.message : String(err),
        });
        continue;
      }
      const now = this.clock.now();
      const missing: string[] = [];
      const stale: string[] = [];
      for (const m of remaining) {
        const t = got.get(m);
        if (!t || t.mint !== m || !(t.usd > 0) || !Number.isFinite(t.usd)) {
          missing.push(m);
        } else if (isStale(t, now, this.maxAgeMs)) {
          stale.push(m);
          const prev = staleBest.get(m);
          if (!prev || t.at > prev.at) staleBest.set(m, { ...t, source: t.source ?? feed.name });
        } else {
          fresh.set(m, { ...t, source: t.source ?? feed.name });
        }
      }
      if (missing.length > 0)
        failures.push({ feed: feed.name, reason: 'missing', mints: missing, message: 'no price' });
      if (stale.length > 0) {
        failures.push({ feed: feed.name, reason: 'stale', mints: stale, message: `older than ${this.maxAgeMs} ms` });
      }
      const retry = new Set([...missing, ...stale]);
      remaining = remaining.filter((m) => retry.has(m));
    }
    const out = new Map<string, PriceTick>();
    const answeredBy: Record<string, string> = {};
    const staleMints: string[] = [];
    for (const m of wanted) {
      const t = fresh.get(m) ?? staleBest.get(m);
      if (!fresh.has(m)) staleMints.push(m);
      if (t) {
        out.set(m, t);
        answeredBy[m] = t.source ?? '';
      }
    }
    const atMs = this.clock.now();
    const status: FeedHealth = staleMints.length > 0 ? 'stale' : failures.length > 0 ? 'degraded' : 'healthy';
    this.report = { status, answeredBy, staleMints, failures, atMs };
    const before = this.status;
    this.status = status;
    if (status !== 'healthy' && RANK[status] > RANK[before]) {
      this.opts.onDegraded?.({ status, failures, answeredBy, staleMints, atMs });
    } else if (status === 'healthy' && before !== 'healthy') {
      this.opts.onRecovered?.({ atMs, feed: this.feeds[0]!.name });
    }
    return out;
  }

  /** Health after the last call. */
  health(): FeedHealth {
    return this.status;
  }

  /** Details of the last call: who answered what, what failed. */
  lastReport(): FailoverReport | null {
    return this.report;
  }
}
