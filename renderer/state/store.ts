import { STABLE_SYMBOLS } from '../../engine/api/human-text';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { EngineCallError, type EngineClient } from '../../engine/api/client';
import type { CommandInput, CommandName, CommandOutput } from '../../engine/api/contract';
import type { EngineEvent } from '../../engine/api/events';
import { callOptional, hasCommand, isSensitive } from '../client/commands';
import type { ConnectionStatus } from '../client/ws';
import { applyControlsEvent, mergeEvents, refreshPlan, viewToHash, type RefreshKey } from './reducers';
import type {
  AuditEntry,
  BalancesRow,
  ConfirmRequest,
  ControlsStatus,
  EngineStatus,
  EquityFlow,
  EquityPoint,
  EventRow,
  Health,
  LeaderboardRowLike,
  NetworkStatus,
  Order,
  Position,
  SettingsOut,
  Strategy,
  Toast,
  Trade,
  UserRow,
  UserStatsLike,
  View,
  WhitelistEntry,
  Withdrawal,
} from './types';

export type Theme = 'dark' | 'light';

export interface AppState {
  conn: ConnectionStatus;
  /** When the connection to the engine was lost (ms), while it stays lost; null when connected. */
  connLostAt: number | null;
  /** When the health figures were last read (ms), so they can show their age. */
  healthAt: number | null;
  /** When the network status (block height) was last read (ms). */
  networkAt: number | null;
  /** The first full load finished (successfully or not). */
  loaded: boolean;
  loadError: string | null;
  engineStatus: EngineStatus | null;
  network: NetworkStatus | null;
  networkError: string | null;
  health: Health | null;
  controls: ControlsStatus | null;
  strategies: Strategy[];
  users: UserRow[];
  view: View;
  balances: Record<number, BalancesRow>;
  positions: Record<number, Position[]>;
  trades: Record<number, Trade[]>;
  orders: Record<number, Order[]>;
  settings: Record<number, SettingsOut>;
  whitelist: Record<number, WhitelistEntry[]>;
  withdrawals: Record<number, Withdrawal[]>;
  audit: Record<number, AuditEntry[]>;
  stats: Record<number, UserStatsLike>;
  equity: Record<number, EquityPoint[]>;
  /** Deposits and withdrawals on each user's equity curve (markers, not profit). */
  equityFlows: Record<number, EquityFlow[]>;
  leaderboard: LeaderboardRowLike[] | null;
  events: EventRow[];
  /** USD per token symbol, from the last candle close. */
  prices: Record<string, number>;
  toasts: Toast[];
  confirm: ConfirmRequest | null;
  theme: Theme;
  /** A long action in progress (backup, key rotation, …), shown as a progress overlay. */
  busy: { label: string; startedAt: number } | null;
}

export type RunResult<T> = { ok: true; value: T } | { ok: false; error: EngineCallError; cancelled: boolean };

export interface RunOptions {
  /** Describes the action in the confirmation dialog (sensitive commands, and anything with this set). */
  confirm?: ConfirmRequest;
  /** Toast on success. */
  success?: string;
  /** Don't toast failures (the caller shows them inline). */
  silent?: boolean;
  /** Show a progress overlay with this label while the command runs. */
  progress?: string;
}

const THEME_KEY = 'harvest.theme';
/** A long action shows its progress overlay only once it has run this long. */
const PROGRESS_DELAY_MS = 300;

function initialTheme(): Theme {
  try {
    const saved = globalThis.localStorage?.getItem(THEME_KEY);
    if (saved === 'dark' || saved === 'light') return saved;
    return globalThis.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

export function initialState(): AppState {
  return {
    conn: 'connecting',
    connLostAt: null,
    healthAt: null,
    networkAt: null,
    loaded: false,
    loadError: null,
    engineStatus: null,
    network: null,
    networkError: null,
    health: null,
    controls: null,
    strategies: [],
    users: [],
    view: { kind: 'overview' },
    balances: {},
    positions: {},
    trades: {},
    orders: {},
    settings: {},
    whitelist: {},
    withdrawals: {},
    audit: {},
    stats: {},
    equity: {},
    equityFlows: {},
    leaderboard: null,
    events: [],
    prices: {},
    toasts: [],
    confirm: null,
    theme: initialTheme(),
    busy: null,
  };
}

export const appStore: StoreApi<AppState> = createStore<AppState>()(() => initialState());

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, selector);
}

export function useAppShallow<T>(selector: (s: AppState) => T): T {
  return useStore(appStore, useShallow(selector));
}

const set = (partial: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void => appStore.setState(partial);
const get = (): AppState => appStore.getState();

const STABLE = STABLE_SYMBOLS;

function errorOf(e: unknown): EngineCallError {
  if (e instanceof EngineCallError) return e;
  return new EngineCallError('INTERNAL', e instanceof Error ? e.message : String(e));
}

/** Loose parsing of stats.equityCurve: any array of {time|ts|at, equityUsd|value|equity}. */
export function parseEquityCurve(out: unknown): EquityPoint[] {
  const arr = Array.isArray(out)
    ? out
    : typeof out === 'object' && out !== null
      ? (Object.values(out as Record<string, unknown>).find((v) => Array.isArray(v)) as unknown[] | undefined)
      : undefined;
  if (!arr) return [];
  const points: EquityPoint[] = [];
  for (const p of arr) {
    if (typeof p !== 'object' || p === null) continue;
    const o = p as Record<string, unknown>;
    const t = o['time'] ?? o['ts'] ?? o['at'] ?? o['takenAt'];
    const v = o['equityUsd'] ?? o['value'] ?? o['equity'];
    const pnl = o['pnlUsd'];
    const ms = typeof t === 'number' ? (t > 1e12 ? t : t * 1000) : typeof t === 'string' ? Date.parse(t) : NaN;
    if (Number.isFinite(ms) && typeof v === 'number' && Number.isFinite(v))
      points.push({
        time: Math.floor(ms / 1000),
        value: v,
        ...(typeof pnl === 'number' && Number.isFinite(pnl) ? { pnl } : {}),
      });
  }
  points.sort((a, b) => a.time - b.time);
  // lightweight-charts needs strictly increasing times.
  return points.filter((p, i) => i === 0 || p.time > points[i - 1]!.time);
}

/** The cash flows of stats.equityCurve (its `flows`), for markers on the equity chart. */
export function parseEquityFlows(out: unknown): EquityFlow[] {
  const arr = typeof out === 'object' && out !== null ? (out as { flows?: unknown }).flows : undefined;
  if (!Array.isArray(arr)) return [];
  const flows: EquityFlow[] = [];
  for (const f of arr) {
    if (typeof f !== 'object' || f === null) continue;
    const o = f as Record<string, unknown>;
    const ms = typeof o['ts'] === 'string' ? Date.parse(o['ts']) : NaN;
    const kind = o['kind'];
    const amount = o['amountUsd'];
    if (Number.isFinite(ms) && (kind === 'deposit' || kind === 'withdrawal') && typeof amount === 'number')
      flows.push({ time: Math.floor(ms / 1000), kind, amountUsd: amount });
  }
  return flows.sort((a, b) => a.time - b.time);
}

function parseLeaderboard(out: unknown): LeaderboardRowLike[] | null {
  const rows =
    typeof out === 'object' && out !== null
      ? ((out as { rows?: unknown; leaderboard?: unknown }).rows ?? (out as { leaderboard?: unknown }).leaderboard)
      : out;
  if (!Array.isArray(rows)) return null;
  return rows.filter(
    (r): r is LeaderboardRowLike =>
      typeof r === 'object' && r !== null && typeof (r as { name?: unknown }).name === 'string',
  );
}

function parseStats(out: unknown): UserStatsLike {
  if (typeof out !== 'object' || out === null) return {};
  const o = out as Record<string, unknown>;
  const inner = o['stats'];
  return (typeof inner === 'object' && inner !== null ? inner : o) as UserStatsLike;
}

/**
 * Everything that talks to the engine: the first load, refreshes driven by
 * events, polling for prices and health, and commands with the confirmation
 * step. One per app; components reach it through `actions()`.
 */
export class Controller {
  private pendingKeys = new Set<RefreshKey>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private unsubs: (() => void)[] = [];
  private confirmResolve: ((ok: boolean) => void) | null = null;
  private toastId = 1;
  private lastEventId = 0;
  private wasOpen = false;

  constructor(readonly client: EngineClient) {}

  start(): void {
    this.unsubs.push(this.client.onEvent((e) => this.onEvent(e)));
    if (this.client.onStatus) {
      this.unsubs.push(
        this.client.onStatus((s) => {
          set((st) => ({
            conn: s,
            connLostAt: s === 'open' ? null : (st.connLostAt ?? (this.wasOpen ? Date.now() : null)),
          }));
          if (s === 'open') {
            // After a reconnect, catch up on whatever happened meanwhile.
            if (this.wasOpen) void this.loadAll();
            this.wasOpen = true;
          }
        }),
      );
    } else set({ conn: 'open' });
    void this.loadAll();
    this.timers.push(
      setInterval(() => void this.refreshHealth(), 5_000),
      // The block height moves every few hundred ms: read again, not frozen at the first load.
      setInterval(() => void (get().conn === 'open' ? this.refreshNetwork() : undefined), 15_000),
      setInterval(() => void this.refreshPrices(), 10_000),
      setInterval(() => void this.refreshOpenPositions(), 10_000),
      setInterval(() => void this.refreshBalances(), 30_000),
      setInterval(() => void this.refreshStatsAll(), 20_000),
    );
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    for (const u of this.unsubs) u();
    this.timers = [];
    this.unsubs = [];
  }

  // ---- reads -----------------------------------------------------------------

  private async q<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K> | null> {
    try {
      return await this.client.call(name, input);
    } catch {
      return null;
    }
  }

  async loadAll(): Promise<void> {
    try {
      const [status, users, controls, strategies, events] = await Promise.all([
        this.client.call('engine.status', {}),
        this.client.call('users.list', {}),
        this.client.call('controls.status', {}),
        this.q('strategy.list', {}),
        this.q('events.list', { limit: 200 }),
      ]);
      set((s) => ({
        engineStatus: status,
        users: users.users,
        controls,
        strategies: strategies?.strategies ?? s.strategies,
        events: mergeEvents(s.events, events?.events ?? []),
        loadError: null,
      }));
      this.lastEventId = Math.max(this.lastEventId, ...(events?.events.map((e) => e.id) ?? [0]));
      set({ loaded: true });
      await Promise.all([this.refreshNetwork(), this.refreshHealth(), this.refreshBalances()]);
      await this.refreshPrices();
      await Promise.all(
        users.users.map((u) =>
          Promise.all([
            this.refreshPositions(u.id),
            this.refreshTrades(u.id),
            this.refreshStats(u.id),
            this.refreshSettings(u.id),
          ]),
        ),
      );
      await this.refreshLeaderboard();
      const v = get().view;
      if (v.kind === 'user') await this.loadUserTab(v.userId, v.tab);
    } catch (e) {
      set({ loaded: true, loadError: errorOf(e).message });
    }
  }

  async refreshUsers(): Promise<void> {
    const r = await this.q('users.list', {});
    if (r) set({ users: r.users });
  }

  async refreshEngineStatus(): Promise<void> {
    const r = await this.q('engine.status', {});
    if (r) set({ engineStatus: r });
  }

  async refreshNetwork(): Promise<void> {
    try {
      set({ network: await this.client.call('network.status', {}), networkError: null, networkAt: Date.now() });
    } catch (e) {
      set({ networkError: errorOf(e).message });
    }
  }

  async refreshHealth(): Promise<void> {
    const r = await this.q('engine.health', {});
    if (r) set({ health: r, healthAt: Date.now() });
  }

  async refreshControls(): Promise<void> {
    const r = await this.q('controls.status', {});
    if (r) set({ controls: r });
  }

  async refreshBalances(userId?: number): Promise<void> {
    const r = await this.q('wallet.balances', userId === undefined ? {} : { user: userId });
    if (!r) return;
    set((s) => {
      const next = userId === undefined ? {} : { ...s.balances };
      for (const b of r.balances) next[b.userId] = b;
      return { balances: next };
    });
  }

  /** A fresh balances row from a command's answer (faucet, …). */
  setBalances(b: BalancesRow): void {
    set((s) => ({ balances: { ...s.balances, [b.userId]: b } }));
  }

  async refreshPositions(userId: number): Promise<void> {
    const r = await this.q('positions.list', { user: userId, status: 'all' });
    if (r) set((s) => ({ positions: { ...s.positions, [userId]: r.positions } }));
  }

  async refreshOpenPositions(): Promise<void> {
    const ids = Object.entries(get().positions)
      .filter(([, ps]) => ps.some((p) => p.status === 'open'))
      .map(([id]) => Number(id));
    await Promise.all(ids.map((id) => this.refreshPositions(id)));
  }

  async refreshTrades(userId: number): Promise<void> {
    const r = await this.q('trades.list', { user: userId, limit: 200 });
    if (r) set((s) => ({ trades: { ...s.trades, [userId]: r.trades } }));
  }

  async refreshOrders(userId: number): Promise<void> {
    const r = await this.q('orders.list', { user: userId, limit: 100 });
    if (r) set((s) => ({ orders: { ...s.orders, [userId]: r.orders } }));
  }

  async refreshSettings(userId: number): Promise<void> {
    const r = await this.q('settings.get', { user: userId });
    if (r) set((s) => ({ settings: { ...s.settings, [userId]: r } }));
  }

  async refreshWhitelist(userId: number): Promise<void> {
    const r = await this.q('whitelist.list', { user: userId });
    if (r) set((s) => ({ whitelist: { ...s.whitelist, [userId]: r.entries } }));
  }

  async refreshWithdrawals(userId: number): Promise<void> {
    const r = await this.q('withdrawals.list', { user: userId, limit: 50 });
    if (r) set((s) => ({ withdrawals: { ...s.withdrawals, [userId]: r.withdrawals } }));
  }

  async refreshAudit(userId: number): Promise<void> {
    const r = await this.q('audit.list', { user: userId, limit: 100 });
    if (r) set((s) => ({ audit: { ...s.audit, [userId]: r.entries } }));
  }

  async refreshUserEvents(userId: number): Promise<void> {
    const r = await this.q('events.list', { user: userId, limit: 200 });
    if (r) set((s) => ({ events: mergeEvents(s.events, r.events, 2000) }));
  }

  async refreshStats(userId: number): Promise<void> {
    try {
      const r = await callOptional<unknown>(this.client, 'stats.user', { user: userId });
      if (r !== undefined) set((s) => ({ stats: { ...s.stats, [userId]: parseStats(r) } }));
    } catch {
      // optional panel
    }
  }

  async refreshStatsAll(): Promise<void> {
    if (!hasCommand('stats.user')) return;
    await Promise.all(get().users.map((u) => this.refreshStats(u.id)));
  }

  async refreshEquity(userId: number): Promise<void> {
    try {
      const r = await callOptional<unknown>(this.client, 'stats.equityCurve', { user: userId });
      if (r !== undefined)
        set((s) => ({
          equity: { ...s.equity, [userId]: parseEquityCurve(r) },
          equityFlows: { ...s.equityFlows, [userId]: parseEquityFlows(r) },
        }));
    } catch {
      // optional panel
    }
  }

  async refreshLeaderboard(): Promise<void> {
    try {
      const r = await callOptional<unknown>(this.client, 'stats.leaderboard', {});
      if (r !== undefined) set({ leaderboard: parseLeaderboard(r) });
    } catch {
      // optional panel
    }
  }

  /** Last close of every non-stable token held or traded, in USD. */
  async refreshPrices(): Promise<void> {
    const s = get();
    const symbols = new Set<string>(['SOL']);
    for (const b of Object.values(s.balances))
      for (const t of b.tokens) if (!STABLE.has(t.symbol) && t.uiAmount !== '0') symbols.add(t.symbol);
    for (const ps of Object.values(s.positions)) for (const p of ps) if (p.status === 'open') symbols.add(p.symbol);
    await Promise.all(
      [...symbols].map(async (sym) => {
        const r = await this.q('market.candles', { token: sym, timeframe: '1m', limit: 1 });
        const last = r?.candles[r.candles.length - 1];
        if (last) this.notePrice(sym, last.close);
      }),
    );
  }

  /**
   * One price per token across panels: every reader of candles (this store's
   * poll, a chart's own load) reports the last close here, and the latest
   * answer wins, so the chart and the ticket never show two prices.
   */
  notePrice(symbol: string, close: number): void {
    if (get().prices[symbol] === close) return;
    set((s) => ({ prices: { ...s.prices, [symbol]: close } }));
  }

  /** Loads what a user tab shows. */
  async loadUserTab(userId: number, tab: string): Promise<void> {
    const jobs: Promise<void>[] = [this.refreshSettings(userId)];
    if (tab === 'wallet')
      jobs.push(this.refreshBalances(userId), this.refreshWhitelist(userId), this.refreshWithdrawals(userId));
    if (tab === 'positions')
      jobs.push(
        this.refreshPositions(userId),
        this.refreshTrades(userId),
        this.refreshOrders(userId),
        this.refreshEquity(userId),
      );
    if (tab === 'activity')
      jobs.push(
        this.refreshTrades(userId),
        this.refreshOrders(userId),
        this.refreshAudit(userId),
        this.refreshUserEvents(userId),
      );
    if (tab === 'risk') jobs.push(this.refreshStats(userId));
    await Promise.all(jobs);
  }

  // ---- events ----------------------------------------------------------------

  private onEvent(e: EngineEvent): void {
    this.lastEventId = Math.max(this.lastEventId, e.id);
    set((s) => ({ events: mergeEvents(s.events, [e]), controls: applyControlsEvent(s.controls, e) }));
    // controls.changed is shown by the banner and the status pills; a toast would only repeat it.
    if (e.severity !== 'info' && e.type !== 'controls.changed') {
      const who = e.userId === null ? '' : (get().users.find((u) => u.id === e.userId)?.name ?? `user ${e.userId}`);
      this.toast(e.severity === 'critical' ? 'error' : 'warning', describeEventTitle(e, who), describeEventBody(e));
    }
    this.schedule(refreshPlan(e));
  }

  schedule(keys: readonly RefreshKey[]): void {
    for (const k of keys) this.pendingKeys.add(k);
    if (this.flushTimer !== null || this.pendingKeys.size === 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const keys = [...this.pendingKeys];
      this.pendingKeys.clear();
      void Promise.all(keys.map((k) => this.refreshKey(k)));
    }, 200);
  }

  private async refreshKey(k: RefreshKey): Promise<void> {
    if (k === 'users') return this.refreshUsers();
    if (k === 'controls') return this.refreshControls();
    if (k === 'health') return this.refreshHealth();
    if (k === 'leaderboard') return this.refreshLeaderboard();
    const [slice, id] = k.split(':') as [string, string];
    const userId = Number(id);
    switch (slice) {
      case 'balances':
        return this.refreshBalances(userId);
      case 'positions':
        return this.refreshPositions(userId);
      case 'trades':
        return this.refreshTrades(userId);
      case 'orders':
        return this.refreshOrders(userId);
      case 'stats':
        return this.refreshStats(userId);
      case 'whitelist':
        return this.refreshWhitelist(userId);
      case 'withdrawals':
        return this.refreshWithdrawals(userId);
      case 'equity':
        return this.refreshEquity(userId);
    }
  }

  // ---- commands --------------------------------------------------------------

  /**
   * Runs a command. Sensitive commands get CONFIRMATION_REQUIRED with an id
   * from the engine first: the dialog describes the action, and only if the
   * operator confirms is the command sent again with that id. Commands given
   * `confirm` that the engine does not guard (halt) ask before being sent.
   */
  async run<K extends CommandName>(
    name: K,
    input: CommandInput<K>,
    opts: RunOptions = {},
  ): Promise<RunResult<CommandOutput<K>>> {
    const sensitive = isSensitive(name, input);
    if (opts.confirm && !sensitive) {
      if (!(await this.askConfirm(opts.confirm)))
        return { ok: false, error: new EngineCallError('CANCELLED', 'Cancelled.'), cancelled: true };
    }
    // The overlay appears only if the call is still running after a moment: a sensitive command's
    // first call (answered at once with a confirmation id) or a quick one never flashes it.
    const withProgress = async <T>(fn: () => Promise<T>): Promise<T> => {
      if (!opts.progress) return fn();
      const label = opts.progress;
      const startedAt = Date.now();
      const timer = setTimeout(() => set({ busy: { label, startedAt } }), PROGRESS_DELAY_MS);
      try {
        return await fn();
      } finally {
        clearTimeout(timer);
        if (get().busy?.startedAt === startedAt) set({ busy: null });
      }
    };
    try {
      let value: CommandOutput<K>;
      try {
        value = await withProgress(() => this.client.call(name, input));
      } catch (e) {
        const err = errorOf(e);
        // The desktop app confirms sensitive commands natively; its Cancel is not a failure.
        if (err.code === 'CANCELLED') return { ok: false, error: err, cancelled: true };
        if (err.code !== 'CONFIRMATION_REQUIRED' || !err.confirmationId) throw err;
        const request: ConfirmRequest = {
          ...(opts.confirm ?? { title: 'Confirm', body: `Run ${name}?` }),
          engineMessage: err.message,
        };
        if (!(await this.askConfirm(request)))
          return { ok: false, error: new EngineCallError('CANCELLED', 'Cancelled.'), cancelled: true };
        const id = err.confirmationId;
        value = await withProgress(() => this.client.call(name, input, { confirmation: id }));
      }
      if (opts.success) this.toast('success', opts.success);
      return { ok: true, value };
    } catch (e) {
      const err = errorOf(e);
      if (!opts.silent)
        this.toast('error', err.code === 'INVALID_INPUT' ? 'Check the input' : 'The engine refused', err.message);
      return { ok: false, error: err, cancelled: false };
    }
  }

  askConfirm(req: ConfirmRequest): Promise<boolean> {
    this.confirmResolve?.(false);
    set({ confirm: req });
    return new Promise((resolve) => {
      this.confirmResolve = resolve;
    });
  }

  resolveConfirm(ok: boolean): void {
    const r = this.confirmResolve;
    this.confirmResolve = null;
    set({ confirm: null });
    r?.(ok);
  }

  // ---- ui --------------------------------------------------------------------

  toast(kind: Toast['kind'], title: string, body?: string): void {
    const id = this.toastId++;
    // At most three at once: a pile of toasts hides the panels (and the buttons) under it.
    set((s) => ({ toasts: [...s.toasts.slice(-2), { id, kind, title, ...(body ? { body } : {}) }] }));
    setTimeout(() => this.dismissToast(id), kind === 'error' ? 10_000 : 5_000);
  }

  dismissToast(id: number): void {
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  }

  navigate(view: View): void {
    set({ view });
    const hash = viewToHash(view);
    if (typeof location !== 'undefined' && location.hash !== hash) history.replaceState(null, '', hash);
    if (view.kind === 'user') void this.loadUserTab(view.userId, view.tab);
    if (view.kind === 'settings') void Promise.all([this.refreshNetwork(), this.refreshEngineStatus()]);
    if (view.kind === 'leaderboard') void this.refreshLeaderboard();
  }

  setTheme(theme: Theme): void {
    // The attribute first: charts re-read the CSS variables when the store changes.
    if (typeof document !== 'undefined') document.documentElement.dataset['theme'] = theme;
    set({ theme });
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // private mode
    }
  }
}

export function describeEventTitle(e: Pick<EngineEvent, 'type'>, who: string): string {
  const titles: Record<string, string> = {
    'breaker.tripped': 'Breaker tripped',
    'breaker.globalTripped': 'Global breaker tripped: entries paused for everyone',
    'exit.stuck': 'Exit stuck',
    'controls.changed': 'Controls changed',
    'withdrawal.failed': 'Withdrawal failed',
    'order.failed': 'Order failed',
    'rpc.degraded': 'RPC degraded',
    'user.deactivated': 'Wallet below minimum',
    'whitelist.changed': 'Whitelist changed',
    'strategy.error': 'Strategy error',
    'strategy.entrySkipped': 'Entry skipped',
    'risk.dailyLossHit': 'Daily loss limit hit',
    'risk.drawdownPaused': 'Drawdown limit: paused',
    'candles.seedFailed': 'Price history unavailable: warming up from live prices',
    'triggerOrder.placed': 'Order placed',
    'triggerOrder.filled': 'Order filled',
    'triggerOrder.cancelled': 'Order cancelled',
    'triggerOrder.expired': 'Order expired',
    'triggerOrder.failed': 'Order reached its price but did not fill',
    'position.exitsChanged': 'Exits changed',
  };
  const t = titles[e.type] ?? e.type;
  return who ? `${t} · ${who}` : t;
}

export function describeEventBody(e: Pick<EngineEvent, 'type' | 'payload'>): string {
  const p = (e.payload ?? {}) as Record<string, unknown>;
  const pick = (k: string): string | null =>
    typeof p[k] === 'string' || typeof p[k] === 'number' ? String(p[k]) : null;
  if (e.type === 'controls.changed') {
    const state = p['halted'] ? 'halted' : p['paused'] ? 'paused' : 'running';
    const scope = pick('scope') === 'global' ? 'Everyone' : 'User';
    return `${scope}: ${state}${pick('reason') ? ` (${pick('reason')})` : ''}`;
  }
  return pick('reason') ?? pick('message') ?? '';
}

let controller: Controller | null = null;

export function startController(client: EngineClient): Controller {
  controller?.stop();
  controller = new Controller(client);
  controller.start();
  return controller;
}

/** The app's controller (throws before start-up: components render only after it). */
export function actions(): Controller {
  if (!controller) throw new Error('The engine client is not started.');
  return controller;
}
