import type { CommandOutput } from '../../engine/api/contract';

export type UserRow = CommandOutput<'users.list'>['users'][number];
export type BalancesRow = CommandOutput<'wallet.balances'>['balances'][number];
export type Position = CommandOutput<'positions.list'>['positions'][number];
export type Trade = CommandOutput<'trades.list'>['trades'][number];
export type Order = CommandOutput<'orders.list'>['orders'][number];
export type EventRow = CommandOutput<'events.list'>['events'][number];
export type Health = CommandOutput<'engine.health'>;
export type ControlsStatus = CommandOutput<'controls.status'>;
export type ControlState = ControlsStatus['global'];
export type EngineStatus = CommandOutput<'engine.status'>;
export type NetworkStatus = CommandOutput<'network.status'>;
export type SettingsOut = CommandOutput<'settings.get'>;
export type Strategy = CommandOutput<'strategy.list'>['strategies'][number];
export type WhitelistEntry = CommandOutput<'whitelist.list'>['entries'][number];
export type Withdrawal = CommandOutput<'withdrawals.list'>['withdrawals'][number];
export type AuditEntry = CommandOutput<'audit.list'>['entries'][number];
export type Candle = CommandOutput<'market.candles'>['candles'][number];

/**
 * Per-user performance from stats.user, read loosely: the command is being
 * added alongside this UI, so every field is optional and checked at use.
 */
export interface UserStatsLike {
  equityUsd?: number | null;
  /** Total PnL, net of deposits and withdrawals (the same sign as returnPct). */
  pnlUsd?: number | null;
  /** "Paper account" or "On-chain wallet": which account the figures are of. */
  account?: string;
  mode?: 'paper' | 'live';
  realizedPnlUsd?: number | null;
  unrealizedPnlUsd?: number | null;
  todayPnlUsd?: number | null;
  dayPnlUsd?: number | null;
  returnPct?: number | null;
  winRate?: number | null;
  tradeCount?: number;
  maxDrawdownPct?: number | null;
  highWaterUsd?: number | null;
  openPositions?: number;
}

export interface LeaderboardRowLike {
  rank: number;
  userId: number | null;
  name: string;
  returnPct: number | null;
  pnlUsd: number | null;
  equityUsd: number | null;
  tradeCount: number;
  winRate: number | null;
  maxDrawdownPct: number | null;
  /** The account ranked (paper or on-chain), when the engine says. */
  mode?: 'paper' | 'live' | null;
}

export interface EquityPoint {
  time: number;
  value: number;
  /** PnL net of flows at this point (stats.equityCurve pnlUsd), when the engine gives it. */
  pnl?: number;
}

/** A cash flow on the equity curve: drawn as a marker, never as profit. */
export interface EquityFlow {
  time: number;
  kind: 'deposit' | 'withdrawal';
  amountUsd: number;
}

export type UserTab = 'wallet' | 'positions' | 'risk' | 'strategy' | 'activity' | 'telegram';
export const USER_TABS: readonly UserTab[] = ['wallet', 'positions', 'risk', 'strategy', 'activity', 'telegram'];

export type View =
  | { kind: 'overview' }
  | { kind: 'leaderboard' }
  | { kind: 'settings' }
  | { kind: 'backtest' }
  | { kind: 'wizard' }
  | { kind: 'user'; userId: number; tab: UserTab };

export interface Toast {
  id: number;
  kind: 'info' | 'success' | 'warning' | 'error';
  title: string;
  body?: string;
}

export interface ConfirmRequest {
  title: string;
  body: string;
  /** Key facts shown as a list (amount, address, …). */
  details?: [string, string][];
  confirmLabel?: string;
  danger?: boolean;
  /** What the engine said when it asked for the confirmation. */
  engineMessage?: string;
  /** Text the operator must type to enable the confirm button (for the most dangerous actions). */
  typeToConfirm?: string;
}
