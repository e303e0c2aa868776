import type { FollowSettings } from './types';

/**
 * What a copied buy asks for, in USD, before the follower's risk limits size
 * it (engine/risk/sizing.ts): a fixed amount, the leader's amount times a
 * multiplier, or the same share of the follower's equity as the leader's
 * trade was of the leader's; then the follow's own cap per trade. Null when
 * the inputs it needs are missing (no price for the leader's trade, or a
 * leader equity that cannot be valued).
 */
export function copyBuyUsd(
  f: Pick<FollowSettings, 'sizing' | 'fixedUsd' | 'multiplier' | 'maxUsd'>,
  leaderUsd: number | null,
  leaderEquityUsd: number | null,
  followerEquityUsd: number,
): number | null {
  let usd: number;
  if (f.sizing === 'fixed') usd = f.fixedUsd!;
  else if (leaderUsd === null || !(leaderUsd >= 0)) return null;
  else if (f.sizing === 'multiplier') usd = leaderUsd * f.multiplier!;
  else {
    if (leaderEquityUsd === null || !(leaderEquityUsd > 0)) return null;
    // The leader's equity after a swap that kept its value; a trade never counts for more than all of it.
    usd = Math.min(1, leaderUsd / leaderEquityUsd) * Math.max(0, followerEquityUsd);
  }
  return f.maxUsd !== null ? Math.min(usd, f.maxUsd) : usd;
}

/**
 * What a leader's sell makes the follower sell, in base units: the same
 * share of what this follow's copies hold (`held`) as the leader sold of
 * what it held before (`sold` of `heldBefore`), all of it when the leader
 * sold everything, and never more than the open position. Rounds down.
 */
export function copySellAmount(held: bigint, sold: bigint, heldBefore: bigint, open: bigint): bigint {
  if (held <= 0n || sold <= 0n) return 0n;
  const all = heldBefore <= 0n || sold >= heldBefore;
  const amount = all ? held : (held * sold) / heldBefore;
  return amount > open ? (open > 0n ? open : 0n) : amount;
}
