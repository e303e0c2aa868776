import type { Clock } from '../../kernel/clock';
import type { EventBus } from '../../kernel/event-bus';
import { DEFAULT_MAX_PRICE_AGE_MS, type PriceFeed } from '../price-feed';
import type { PriceTick } from '../types';
import { decideQuorum, DEFAULT_TOLERANCE_BPS, type Observation, type QuorumDecision } from './quorum';

export interface QuorumSource {
  feed: PriceFeed;
  /** Served by the swap venue's own origin (its price must never stand alone). */
  venue: boolean;
}

export interface TrustedPrice {
  usd: number;
  /** Clock ms of the oldest observation behind it. */
  at: number;
  sources: string[];
  singleSource: boolean;
}

/** A change worth telling the operator: a token lost (or got back) its trusted price. */
export type QuorumEvent =
  | {
      type: 'price.disagreement' | 'price.stale';
      mint: string;
      reason: string;
      message: string;
      observations: { source: string; usd: number; ageMs: number }[];
      lastTrustedUsd: number | null;
      lastTrustedAgeMs: number | null;
    }
  | { type: 'price.restored'; mint: string; usd: number; sources: string[] };

export interface PriceQuorumOptions {
  sources: readonly QuorumSource[];
  clock: Clock;
  maxAgeMs?: number;
  toleranceBps?: number;
  /** Whether the operator allowed this token a single-source price (a persisted per-token flag). */
  singleSourceAllowed?: (mint: string) => boolean;
  onEvent?: (e: QuorumEvent) => void;
}

/**
 * The engine's one view of prices: every source is asked each cycle (in parallel, one
 * failing source never stops the others), each source's last tick per token is kept, and
 * `decideQuorum` says which price is trusted. Risk, protections, valuation and exits read
 * prices only from here. `price()` is the trusted price while fresh; `lastTrusted()` keeps
 * the last one with its time, which is what an exit's floor is measured from when the
 * sources fail.
 */
export class PriceQuorum {
  private readonly maxAgeMs: number;
  private readonly toleranceBps: number;
  private readonly ticks = new Map<string, Map<string, { tick: PriceTick; venue: boolean }>>();
  private readonly trustedNow = new Map<string, TrustedPrice>();
  private readonly last = new Map<string, TrustedPrice>();
  private readonly decisions = new Map<string, QuorumDecision>();
  private readonly failures = new Map<string, string>();

  constructor(private readonly opts: PriceQuorumOptions) {
    this.maxAgeMs = opts.maxAgeMs ?? DEFAULT_MAX_PRICE_AGE_MS;
    this.toleranceBps = opts.toleranceBps ?? DEFAULT_TOLERANCE_BPS;
  }

  /** Asks every source for these mints and settles each mint's trusted price. */
  async refresh(mints: readonly string[]): Promise<void> {
    const wanted = [...new Set(mints)];
    await Promise.all(
      this.opts.sources.map(async (s) => {
        try {
          const got = await s.feed.prices(wanted);
          this.failures.delete(s.feed.name);
          for (const t of got.values()) {
            let perSource = this.ticks.get(t.mint);
            if (!perSource) this.ticks.set(t.mint, (perSource = new Map()));
            perSource.set(s.feed.name, { tick: t, venue: s.venue });
          }
        } catch (e) {
          // Its earlier ticks stay and age out on their own: a short outage is not a stale price.
          this.failures.set(s.feed.name, e instanceof Error ? e.message : String(e));
        }
      }),
    );
    for (const m of wanted) this.settle(m);
  }

  private settle(mint: string): void {
    const now = this.opts.clock.now();
    const obs: Observation[] = [...(this.ticks.get(mint)?.entries() ?? [])].map(([source, v]) => ({
      source,
      usd: v.tick.usd,
      at: v.tick.at,
      venue: v.venue,
    }));
    const single = this.opts.singleSourceAllowed?.(mint) ?? false;
    const d = decideQuorum(obs, now, {
      maxAgeMs: this.maxAgeMs,
      toleranceBps: this.toleranceBps,
      minSources: single ? 1 : 2,
      singleSourceAllowed: single,
    });
    const before = this.decisions.get(mint);
    this.decisions.set(mint, d);
    if (d.trusted) {
      const t: TrustedPrice = { usd: d.usd, at: d.at, sources: d.sources, singleSource: d.singleSource };
      this.trustedNow.set(mint, t);
      this.last.set(mint, t);
      if (before && !before.trusted)
        this.opts.onEvent?.({ type: 'price.restored', mint, usd: d.usd, sources: d.sources });
      return;
    }
    this.trustedNow.delete(mint);
    // One event when a token loses its trusted price (or the reason changes), not one per cycle.
    if (before && !before.trusted && before.reason === d.reason) return;
    const failing = [...this.failures.entries()].map(([f, m]) => `${f}: ${m}`);
    const last = this.last.get(mint) ?? null;
    this.opts.onEvent?.({
      type: d.reason === 'disagree' || d.reason === 'venue-only' ? 'price.disagreement' : 'price.stale',
      mint,
      reason: d.reason,
      message: failing.length > 0 ? `${d.message} (${failing.join('; ')})` : d.message,
      observations: obs.map((o) => ({ source: o.source, usd: o.usd, ageMs: Math.max(0, now - o.at) })),
      lastTrustedUsd: last?.usd ?? null,
      lastTrustedAgeMs: last ? Math.max(0, now - last.at) : null,
    });
  }

  /** The trusted USD price while it is fresh, else null (no entries, no valuation at a guess). */
  price(mint: string): number | null {
    const t = this.trusted(mint);
    return t ? t.usd : null;
  }

  /** The trusted price with its sources, while fresh. */
  trusted(mint: string): TrustedPrice | null {
    const t = this.trustedNow.get(mint);
    if (!t || this.opts.clock.now() - t.at > this.maxAgeMs) return null;
    return t;
  }

  /** The last price that was trusted, however old (exits bound its age themselves). */
  lastTrusted(mint: string): { usd: number; at: number } | null {
    const t = this.last.get(mint);
    return t ? { usd: t.usd, at: t.at } : null;
  }

  /** Why a mint has no trusted price, or null when it has one. */
  /** 'none': no source ever answered; 'stale': the prices are too old; 'untrusted': sources disagree or too few. */
  untrustedKind(mint: string): 'none' | 'stale' | 'untrusted' | null {
    if (this.trusted(mint)) return null;
    const d = this.decisions.get(mint);
    if (!d || (!d.trusted && d.reason === 'no-source')) return this.last.has(mint) ? 'stale' : 'none';
    if (d.trusted || d.reason === 'stale') return 'stale';
    return 'untrusted';
  }

  whyUntrusted(mint: string): string | null {
    const d = this.decisions.get(mint);
    if (this.trusted(mint)) return null;
    const failing = [...this.failures.entries()].map(([f, m]) => `${f}: ${m}`);
    const note = failing.length > 0 ? ` (${failing.join('; ')})` : '';
    if (!d) return `no source has answered yet${note}`;
    return (d.trusted ? `the trusted price is older than ${Math.round(this.maxAgeMs / 1000)} s` : d.message) + note;
  }

  /**
   * Records a price as trusted directly: backtests (whose candles are the only truth they
   * have) and tests that pin a price. Never used on a live path.
   */
  set(mint: string, usd: number, at: number = this.opts.clock.now()): void {
    const t: TrustedPrice = { usd, at, sources: ['manual'], singleSource: true };
    this.trustedNow.set(mint, t);
    this.last.set(mint, t);
  }
}

/** Publishes the quorum's events on the engine's bus (engine-wide: prices are not per user). */
export function quorumEventsTo(bus: EventBus): (e: QuorumEvent) => void {
  return (e) => {
    if (e.type === 'price.restored') bus.emit(e.type, null, { mint: e.mint, usd: e.usd, sources: e.sources });
    else {
      const { type, ...payload } = e;
      bus.emit(type, null, payload);
    }
  };
}
