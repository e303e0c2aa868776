/**
 * The leaderboard: users ranked by return (modified Dietz since their first
 * equity snapshot, net of deposits and withdrawals; the default) or by total
 * PnL (equity − starting equity − net flows, USD), both from figures.ts, so
 * money moved in or out never moves a rank. Users without a number for the chosen
 * measure rank last, by name. Anonymous: names become "Trader N" by rank and
 * user ids are left out.
 */
import type { UserStats } from './performance';

export type LeaderboardBy = 'return' | 'pnl';

export interface LeaderboardRow {
  rank: number;
  userId: number | null;
  name: string;
  returnPct: number | null;
  pnlUsd: number | null;
  equityUsd: number | null;
  tradeCount: number;
  winRate: number | null;
  maxDrawdownPct: number;
  /** The account ranked: the friend's paper account or on-chain wallet. */
  mode: 'paper' | 'live' | null;
}

export function rankLeaderboard(
  entries: readonly { userId: number; name: string; stats: UserStats }[],
  by: LeaderboardBy,
  anonymous: boolean,
): LeaderboardRow[] {
  const key = (s: UserStats): number | null => (by === 'return' ? s.returnPct : s.pnlUsd);
  const sorted = [...entries].sort((a, b) => {
    const ka = key(a.stats);
    const kb = key(b.stats);
    if (ka !== null && kb !== null && ka !== kb) return kb - ka;
    if (ka === null && kb !== null) return 1;
    if (kb === null && ka !== null) return -1;
    return a.name.localeCompare(b.name) || a.userId - b.userId;
  });
  return sorted.map((e, i) => ({
    rank: i + 1,
    userId: anonymous ? null : e.userId,
    name: anonymous ? `Trader ${i + 1}` : e.name,
    returnPct: e.stats.returnPct,
    pnlUsd: e.stats.pnlUsd,
    equityUsd: e.stats.equityUsd,
    tradeCount: e.stats.tradeCount,
    winRate: e.stats.winRate,
    maxDrawdownPct: e.stats.maxDrawdownPct,
    mode: e.stats.mode,
  }));
}
