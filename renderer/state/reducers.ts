import type { EngineEvent } from '../../engine/api/events';
import type { BalancesRow, ControlsStatus, EventRow, Position, Trade, UserTab, View } from './types';
import { USER_TABS } from './types';
import { usdPrice } from '../../engine/api/human-text';

export const MAX_EVENTS = 500;

/** Adds events (live or fetched), newest first, without duplicates, capped. */
export function mergeEvents(
  existing: readonly EventRow[],
  incoming: readonly (EventRow | EngineEvent)[],
  max = MAX_EVENTS,
): EventRow[] {
  if (incoming.length === 0) return existing as EventRow[];
  const byId = new Map<number, EventRow>();
  for (const e of existing) byId.set(e.id, e);
  for (const e of incoming) byId.set(e.id, e as EventRow);
  return [...byId.values()].sort((a, b) => b.id - a.id).slice(0, max);
}

/** What to re-read after an event: global slices by name, per-user slices as "slice:userId". */
export type RefreshKey =
  | 'users'
  | 'controls'
  | 'health'
  | 'leaderboard'
  | `balances:${number}`
  | `positions:${number}`
  | `trades:${number}`
  | `orders:${number}`
  | `stats:${number}`
  | `whitelist:${number}`
  | `withdrawals:${number}`
  | `equity:${number}`;

export function refreshPlan(event: Pick<EngineEvent, 'type' | 'userId'>): RefreshKey[] {
  const u = event.userId;
  const perUser = (
    ...slices: ('balances' | 'positions' | 'trades' | 'orders' | 'stats' | 'whitelist' | 'withdrawals' | 'equity')[]
  ): RefreshKey[] => (u === null ? [] : slices.map((s) => `${s}:${u}` as RefreshKey));
  switch (event.type) {
    case 'trade.executed':
      return [...perUser('balances', 'positions', 'trades', 'orders', 'stats', 'equity'), 'leaderboard'];
    case 'position.closed':
      return [...perUser('positions', 'trades', 'stats', 'equity'), 'leaderboard'];
    case 'user.activated':
    case 'user.deactivated':
    case 'wallet.funded':
      return [...perUser('balances', 'stats'), 'users'];
    case 'withdrawal.sent':
    case 'withdrawal.failed':
      return perUser('balances', 'withdrawals', 'stats');
    case 'whitelist.changed':
      return perUser('whitelist');
    case 'controls.changed':
    case 'breaker.tripped':
    case 'breaker.globalTripped':
    case 'breaker.globalReset':
      return ['controls', 'health'];
    case 'risk.dailyLossHit':
    case 'risk.drawdownPaused':
      return ['controls', ...perUser('stats')];
    case 'order.rejected':
    case 'order.failed':
      return perUser('orders');
    case 'exit.stuck':
    case 'position.exitsChanged':
      return perUser('positions');
    case 'rpc.degraded':
      return ['health'];
    default:
      return event.type.startsWith('feed.') ? ['health'] : [];
  }
}

/** Applies a controls.changed event at once (the full status is re-read right after). */
export function applyControlsEvent(controls: ControlsStatus | null, event: EngineEvent): ControlsStatus | null {
  if (!controls || event.type !== 'controls.changed') return controls;
  const p = event.payload as { scope: string; paused: boolean; halted: boolean; reason: string | null };
  const state = { paused: p.paused, halted: p.halted, reason: p.reason };
  if (p.scope === 'global') return { ...controls, global: state };
  const m = /^user:(\d+)$/u.exec(p.scope);
  if (!m) return controls;
  const id = Number(m[1]);
  return { ...controls, users: controls.users.map((u) => (u.userId === id ? { ...u, ...state } : u)) };
}

export type UserState = 'active' | 'inactive' | 'paused' | 'breaker' | 'halted' | 'no-wallet';

/** One word for a user's trading state, most severe first. */
export function userState(opts: {
  hasWallet: boolean;
  global: { paused: boolean; halted: boolean } | null;
  control: { paused: boolean; reason: string | null } | null;
  balances: Pick<BalancesRow, 'active'> | null;
}): UserState {
  if (!opts.hasWallet) return 'no-wallet';
  if (opts.global?.halted) return 'halted';
  if (opts.control?.paused && isBreakerReason(opts.control.reason)) return 'breaker';
  if (opts.control?.paused || opts.global?.paused) return 'paused';
  if (opts.balances && !opts.balances.active) return 'inactive';
  return 'active';
}

export function isBreakerReason(reason: string | null | undefined): boolean {
  return typeof reason === 'string' && /^breaker\b/iu.test(reason);
}

// ---- money ------------------------------------------------------------------

const KNOWN_DECIMALS: Record<string, number> = { SOL: 9, USDC: 6, USDT: 6, PYUSD: 6, WETH: 8, WBTC: 8 };

// The CLI values token amounts with the same function.
export { usdPrice };

/** Decimals of a quote asset (the known quote assets; 6, the stablecoins', otherwise). */
export function quoteDecimals(t: Pick<Trade, 'quoteSymbol'>): number {
  return KNOWN_DECIMALS[t.quoteSymbol] ?? 6;
}

/** A trade's realized PnL in its quote asset (number, for display sums). */
export function tradePnl(t: Pick<Trade, 'quoteSymbol' | 'realizedPnl'>): number {
  return Number(t.realizedPnl) / 10 ** quoteDecimals(t);
}

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Realized PnL of today's (UTC day, as the engine's daily limits count) trades, in USD; null when a quote asset has no price. */
export function todaysRealizedUsd(
  trades: readonly Trade[],
  prices: Readonly<Record<string, number>>,
  now: number,
): number | null {
  const today = utcDay(now);
  let usd = 0;
  for (const t of trades) {
    if (t.realizedPnl === '0' || utcDay(Date.parse(t.executedAt)) !== today) continue;
    const p = usdPrice(t.quoteSymbol, prices);
    if (p === null) return null;
    usd += tradePnl(t) * p;
  }
  return usd;
}

/** A position's realized (+ unrealized when open and priced) PnL in USD. */
export function positionPnlUsd(p: Position, prices: Readonly<Record<string, number>>): number | null {
  const q = usdPrice(p.quoteSymbol, prices);
  if (q === null) return null;
  const realized = Number(p.uiRealizedPnl);
  const unrealized = p.uiUnrealizedPnl === null ? 0 : Number(p.uiUnrealizedPnl);
  return (realized + unrealized) * q;
}

/** What a wallet holds, in USD at the last prices; null if something held has no price. */
export function walletValueUsd(
  b: Pick<BalancesRow, 'sol' | 'tokens'>,
  prices: Readonly<Record<string, number>>,
): number | null {
  const sol = Number(b.sol);
  let usd = 0;
  if (sol > 0) {
    const p = usdPrice('SOL', prices);
    if (p === null) return null;
    usd += sol * p;
  }
  for (const t of b.tokens) {
    const amount = Number(t.uiAmount);
    if (amount === 0) continue;
    const p = usdPrice(t.symbol, prices);
    if (p === null) return null;
    usd += amount * p;
  }
  return usd;
}

export interface ClientLeaderboardRow {
  rank: number;
  userId: number;
  name: string;
  realizedUsd: number;
  unrealizedUsd: number;
  totalUsd: number;
  closedPositions: number;
  wins: number;
  winRate: number | null;
}

/** The fallback leaderboard: realized + unrealized PnL of every position, in USD at the last prices. */
export function clientLeaderboard(
  users: readonly { id: number; name: string }[],
  positions: Readonly<Record<number, readonly Position[] | undefined>>,
  prices: Readonly<Record<string, number>>,
): ClientLeaderboardRow[] {
  const rows = users.map((u) => {
    let realizedUsd = 0;
    let unrealizedUsd = 0;
    let closed = 0;
    let wins = 0;
    for (const p of positions[u.id] ?? []) {
      const q = usdPrice(p.quoteSymbol, prices) ?? 0;
      realizedUsd += Number(p.uiRealizedPnl) * q;
      if (p.uiUnrealizedPnl !== null) unrealizedUsd += Number(p.uiUnrealizedPnl) * q;
      if (p.status === 'closed') {
        closed += 1;
        if (Number(p.realizedPnl) > 0) wins += 1;
      }
    }
    return {
      userId: u.id,
      name: u.name,
      realizedUsd,
      unrealizedUsd,
      totalUsd: realizedUsd + unrealizedUsd,
      closedPositions: closed,
      wins,
      winRate: closed ? wins / closed : null,
    };
  });
  rows.sort((a, b) => b.totalUsd - a.totalUsd || a.name.localeCompare(b.name));
  return rows.map((r, i) => ({ ...r, rank: i + 1 }));
}

// ---- navigation -------------------------------------------------------------

export function viewToHash(v: View): string {
  return v.kind === 'user' ? `#/user/${v.userId}/${v.tab}` : `#/${v.kind}`;
}

export function hashToView(hash: string): View | null {
  const parts = hash.replace(/^#\/?/u, '').split('/').filter(Boolean);
  const [head, id, tab] = parts;
  if (head === 'overview' || head === 'leaderboard' || head === 'settings' || head === 'wizard') return { kind: head };
  if (head === 'backtest') return { kind: 'backtest' };
  if (head === 'user' && id && /^\d+$/u.test(id)) {
    const t = (USER_TABS as readonly string[]).includes(tab ?? '') ? (tab as UserTab) : 'wallet';
    return { kind: 'user', userId: Number(id), tab: t };
  }
  return null;
}
