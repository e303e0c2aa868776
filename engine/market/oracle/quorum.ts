/**
 * The rule that turns several sources' prices into one price Harvest trusts.
 *
 * Fresh observations (younger than maxAgeMs) are sorted; the agreeing group is the
 * largest run of them whose highest is within `toleranceBps` of its lowest. The price is
 * trusted when that group has at least `minSources` members AND is a strict majority of
 * the fresh sources (so one source against one other is never settled by picking a side),
 * and when the group is not made only of the swap venue's own price. The trusted price is
 * the median of the group; its time is the OLDEST observation in it, so its age is honest.
 */

export interface Observation {
  source: string;
  usd: number;
  /** Clock ms the price was observed or published. */
  at: number;
  /** Served by the swap venue itself (the same origin that quotes and builds swaps). */
  venue: boolean;
}

export interface QuorumPolicy {
  maxAgeMs: number;
  toleranceBps: number;
  /** Sources that must agree: 2 normally, 1 for a token opted in to a single-source price. */
  minSources: number;
  /** The operator accepted this token's single source, even the venue's own price. */
  singleSourceAllowed: boolean;
}

export type QuorumDecision =
  | { trusted: true; usd: number; at: number; sources: string[]; singleSource: boolean }
  | {
      trusted: false;
      reason: 'no-source' | 'stale' | 'too-few' | 'disagree' | 'venue-only';
      message: string;
    };

export const DEFAULT_TOLERANCE_BPS = 150;

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The largest run of sorted observations within tolerance (the tightest among equals). */
function agreeingGroup(sorted: readonly Observation[], toleranceBps: number): Observation[] {
  let best: Observation[] = [];
  let bestSpread = Infinity;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (j < i) j = i;
    while (j + 1 < sorted.length && within(sorted[i]!.usd, sorted[j + 1]!.usd, toleranceBps)) j++;
    const size = j - i + 1;
    const spread = sorted[j]!.usd / sorted[i]!.usd;
    if (size > best.length || (size === best.length && spread < bestSpread)) {
      best = sorted.slice(i, j + 1);
      bestSpread = spread;
    }
  }
  return best;
}

function within(low: number, high: number, toleranceBps: number): boolean {
  return high <= low * (1 + toleranceBps / 10_000);
}

export function decideQuorum(observations: readonly Observation[], now: number, policy: QuorumPolicy): QuorumDecision {
  const valid = observations.filter((o) => Number.isFinite(o.usd) && o.usd > 0);
  if (valid.length === 0) return { trusted: false, reason: 'no-source', message: 'no source has a price' };
  const fresh = valid.filter((o) => now - o.at <= policy.maxAgeMs);
  if (fresh.length === 0) {
    const newest = Math.min(...valid.map((o) => now - o.at));
    return {
      trusted: false,
      reason: 'stale',
      message: `every source's price is older than ${Math.round(policy.maxAgeMs / 1000)} s (the newest is ${Math.round(newest / 1000)} s old)`,
    };
  }
  const need = Math.max(1, policy.minSources);
  if (fresh.length < need) {
    return {
      trusted: false,
      reason: 'too-few',
      message: `only ${fresh.map((o) => o.source).join(', ')} has a fresh price; ${need} independent sources must agree`,
    };
  }
  const group = agreeingGroup(
    [...fresh].sort((a, b) => a.usd - b.usd),
    policy.toleranceBps,
  );
  if (group.length < need || group.length * 2 <= fresh.length) {
    return {
      trusted: false,
      reason: 'disagree',
      message: `the sources disagree by more than ${(policy.toleranceBps / 100).toFixed(2)} %: ${fresh
        .map((o) => `${o.source} ${o.usd}`)
        .join(', ')}`,
    };
  }
  if (group.every((o) => o.venue) && !policy.singleSourceAllowed) {
    return {
      trusted: false,
      reason: 'venue-only',
      message: `only the swap venue's own price (${group.map((o) => o.source).join(', ')}) is available; it is never trusted alone`,
    };
  }
  return {
    trusted: true,
    usd: median(group.map((o) => o.usd)),
    at: Math.min(...group.map((o) => o.at)),
    sources: group.map((o) => o.source),
    singleSource: group.length < 2,
  };
}
