import {
  positionPnlUsd,
  todaysRealizedUsd,
  userState,
  walletValueUsd,
  isBreakerReason,
  type UserState,
} from './reducers';
import type { AppState } from './store';
import type { BalancesRow, ControlState, UserRow, UserStatsLike } from './types';

export interface UserSummary {
  user: UserRow;
  state: UserState;
  control: ControlState | null;
  breaker: boolean;
  balances: BalancesRow | null;
  equityUsd: number | null;
  /** From the engine's stats (true) or valued here from balances (false). */
  equityFromStats: boolean;
  todayPnlUsd: number | null;
  totalPnlUsd: number | null;
  returnPct: number | null;
  openPositions: number;
  mode: 'paper' | 'live' | null;
  strategy: { id: string; enabled: boolean } | null;
  stats: UserStatsLike | null;
}

type Slices = Pick<
  AppState,
  'users' | 'controls' | 'balances' | 'positions' | 'trades' | 'stats' | 'prices' | 'settings'
>;

export function summarizeUser(s: Slices, user: UserRow, now: number): UserSummary {
  const control = s.controls?.users.find((c) => c.userId === user.id) ?? null;
  const balances = s.balances[user.id] ?? null;
  const stats = s.stats[user.id] ?? null;
  const positions = s.positions[user.id] ?? [];
  const trades = s.trades[user.id] ?? [];
  const settings = s.settings[user.id]?.settings as
    { mode?: unknown; strategy?: { id?: unknown; enabled?: unknown } } | undefined;
  const valued = balances ? walletValueUsd(balances, s.prices) : null;
  const statsEquity = typeof stats?.equityUsd === 'number' ? stats.equityUsd : null;
  // The engine's total PnL is net of flows and agrees with its return; only without engine stats is it summed here.
  let total: number | null = typeof stats?.pnlUsd === 'number' ? stats.pnlUsd : null;
  if (!stats && positions.length > 0) {
    total = 0;
    for (const p of positions) {
      const v = positionPnlUsd(p, s.prices);
      if (v === null) {
        total = null;
        break;
      }
      total += v;
    }
  }
  const mode = settings?.mode === 'paper' || settings?.mode === 'live' ? settings.mode : null;
  const strat = settings?.strategy;
  return {
    user,
    state: userState({ hasWallet: user.address !== null, global: s.controls?.global ?? null, control, balances }),
    control,
    breaker: !!control?.paused && isBreakerReason(control.reason),
    balances,
    equityUsd: statsEquity ?? valued,
    equityFromStats: statsEquity !== null,
    todayPnlUsd: typeof stats?.dayPnlUsd === 'number' ? stats.dayPnlUsd : todaysRealizedUsd(trades, s.prices, now),
    totalPnlUsd: total,
    returnPct: typeof stats?.returnPct === 'number' ? stats.returnPct : null,
    openPositions:
      typeof stats?.openPositions === 'number'
        ? stats.openPositions
        : positions.filter((p) => p.status === 'open').length,
    mode,
    strategy: strat && typeof strat.id === 'string' ? { id: strat.id, enabled: strat.enabled === true } : null,
    stats,
  };
}

export function summarizeAll(s: Slices, now: number): UserSummary[] {
  return s.users.map((u) => summarizeUser(s, u, now));
}

export const selectSlices = (s: AppState): Slices => ({
  users: s.users,
  controls: s.controls,
  balances: s.balances,
  positions: s.positions,
  trades: s.trades,
  stats: s.stats,
  prices: s.prices,
  settings: s.settings,
});
