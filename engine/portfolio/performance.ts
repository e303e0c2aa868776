/**
 * Performance per user (issue #5, item 5): equity, the high-water mark,
 * equity snapshots, PnL, win rate, volume, fees, drawdown and return.
 *
 * Units. Equity, cash flows and the high-water mark are micro-USD (USD × 10⁶)
 * as bigint: equity is a valuation at float prices anyway, and one unit across
 * users makes the leaderboard comparable. PnL is kept exact in the quote
 * asset's base units (from the trades and positions) and also shown in USD.
 *
 * Equity = everything the wallet holds, valued at current USD prices: the
 * paper book for a paper user, the last-seen balances (this network) for a
 * live user. Position tokens sit in the wallet, so they are already in it
 * (adding positions again would count them twice).
 *
 * Return is the modified Dietz return from the first snapshot to now: flows
 * are weighted by the share of the period they were in the wallet, so money
 * moved in or out is not counted as profit or loss.
 */
import { isoTime, type Clock } from '../kernel/clock';
import { KNOWN_TOKENS, tokenByMint, WRAPPED_SOL_MINT } from '../market';
import type { CashFlowRow, EquitySnapshotRow, PositionRow, RiskStateRow, Store, TradeRow } from '../store';
import { UserSettingsSchema } from '../users/settings';
import { unrealizedPnl } from './position-math';

export type PriceFn = (mint: string) => number | null;

export const MICRO = 1_000_000;
export const toMicroUsd = (usd: number): bigint => BigInt(Math.round(usd * MICRO));
export const fromMicroUsd = (m: bigint): number => Number(m) / MICRO;

// ---- time ---------------------------------------------------------------------

/** The UTC day of a time, YYYY-MM-DD. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** The start of the UTC day of a time, as ISO text. */
export const utcDayStartIso = (ms: number): string => `${utcDay(ms)}T00:00:00.000Z`;
/** The start of the next UTC day. */
export const nextUtcDayStartIso = (ms: number): string =>
  new Date(Date.parse(utcDayStartIso(ms)) + 86_400_000).toISOString();

// ---- equity -------------------------------------------------------------------

export interface Holding {
  /** 'SOL' for native lamports, else a mint (the wrapped SOL mint stands for SOL in the paper book). */
  mint: string;
  amount: bigint;
}

/** What a user's wallet holds on a network: the paper book for a paper user, last-seen balances otherwise. */
export function walletHoldings(store: Store, userId: number, network: string, mode?: 'paper' | 'live'): Holding[] {
  const m = mode ?? UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {}).mode;
  if (m === 'paper') {
    const book = store.paper.balances(userId);
    if (book.size > 0) return [...book].map(([mint, amount]) => ({ mint, amount }));
  }
  const wallet = store.wallets.byUser(userId);
  if (!wallet) return [];
  return store.holdings.balances(wallet.address, network).map((b) => ({ mint: b.mint, amount: b.amount }));
}

export interface Valuation {
  usd: number;
  /** Assets held (amount > 0) that have no price or are unknown: the value is incomplete. */
  missing: string[];
}

export function valueHoldings(holdings: readonly Holding[], price: PriceFn): Valuation {
  let usd = 0;
  const missing: string[] = [];
  for (const h of holdings) {
    if (h.amount === 0n) continue;
    const mint = h.mint === 'SOL' ? WRAPPED_SOL_MINT : h.mint;
    const token = tokenByMint(mint);
    const p = price(mint);
    if (!token || p === null) {
      missing.push(h.mint);
      continue;
    }
    usd += (Number(h.amount) / 10 ** token.decimals) * p;
  }
  return { usd, missing };
}

// ---- the high-water mark ------------------------------------------------------

/** A deposit raises the mark 1:1. */
export const hwmAfterDeposit = (hwm: bigint, amount: bigint): bigint => hwm + amount;

/**
 * A withdrawal lowers the mark in proportion to the share of equity taken out,
 * so it leaves the drawdown (as a percentage) where it was.
 */
export function hwmAfterWithdrawal(hwm: bigint, amount: bigint, equityBefore: bigint): bigint {
  if (equityBefore <= 0n) return 0n;
  const left = equityBefore - amount;
  if (left <= 0n) return 0n;
  return (hwm * left) / equityBefore;
}

/** New equity above the mark raises it. */
export const hwmAfterMark = (hwm: bigint, equity: bigint): bigint => (equity > hwm ? equity : hwm);

/** Drawdown from the mark, percent (0 when at or above it, or with no mark). */
export function drawdownPct(hwm: bigint, equity: bigint): number {
  if (hwm <= 0n || equity >= hwm) return 0;
  return (Number(hwm - equity) / Number(hwm)) * 100;
}

/**
 * Brings the risk state up to `equity` at `nowMs`: a new UTC day starts its
 * day from this equity; the mark rises with equity. Returns the state (not saved).
 */
/**
 * Brings the risk state up to `equity` now. When a new UTC day starts here,
 * its starting equity is set to what equity was before today's cash flows
 * (`flowsToday`, net deposits), so money moved earlier today is not counted
 * again as a gain or a loss.
 */
export function markState(
  prev: RiskStateRow | null,
  userId: number,
  network: string,
  equity: bigint,
  nowMs: number,
  flowsToday = 0n,
): RiskStateRow {
  const day = utcDay(nowMs);
  const at = new Date(nowMs).toISOString();
  const dayStart = equity - flowsToday;
  if (!prev)
    return {
      userId,
      network,
      highWater: equity,
      day,
      dayStartEquity: dayStart,
      dailyLossDay: null,
      drawdownPausedAt: null,
      updatedAt: at,
    };
  return {
    ...prev,
    highWater: hwmAfterMark(prev.highWater, equity),
    ...(prev.day !== day ? { day, dayStartEquity: dayStart } : {}),
    updatedAt: at,
  };
}

/** Net deposits (deposits minus withdrawals) of a user since the start of the UTC day of `nowMs`, in micro-USD. */
export function netFlowsToday(store: Store, userId: number, network: string, nowMs: number): bigint {
  return store.risk
    .cashFlows(userId, network, utcDayStartIso(nowMs))
    .reduce((s, f) => s + (f.kind === 'deposit' ? f.amountUsd : -f.amountUsd), 0n);
}

/**
 * Records money moved into or out of a wallet (valued in micro-USD when it
 * moved) and moves the mark: deposits 1:1, withdrawals proportionally to
 * `equityBefore` (the equity just before the money left). A flow with a `ref`
 * already recorded is ignored. Returns whether it was recorded.
 */
export function recordCashFlow(
  store: Store,
  f: {
    userId: number;
    network: string;
    kind: 'deposit' | 'withdrawal';
    amountUsd: bigint;
    nowMs: number;
    ref?: string | null;
    equityBefore?: bigint;
    /** A flow found on chain: its transaction signature, asset ('SOL' or a mint) and base units (positive). */
    signature?: string | null;
    mint?: string | null;
    amount?: bigint | null;
    /**
     * Whether the flow moves the high-water mark (default true). A flow older than the user's first
     * equity snapshot (found by a first scan of an existing wallet) is already inside that equity.
     */
    moveMark?: boolean;
  },
): boolean {
  if (f.amountUsd < 0n) throw new Error('a cash flow amount is positive; the kind says which way it went');
  return store.tx(() => {
    const inserted = store.risk.insertCashFlow({
      userId: f.userId,
      network: f.network,
      ts: new Date(f.nowMs).toISOString(),
      kind: f.kind,
      amountUsd: f.amountUsd,
      ref: f.ref ?? null,
      signature: f.signature ?? null,
      mint: f.mint ?? null,
      amount: f.amount ?? null,
    });
    if (!inserted) return false;
    const s = store.risk.state(f.userId, f.network);
    if (s && f.moveMark !== false) {
      const highWater =
        f.kind === 'deposit'
          ? hwmAfterDeposit(s.highWater, f.amountUsd)
          : hwmAfterWithdrawal(s.highWater, f.amountUsd, f.equityBefore ?? s.highWater);
      store.risk.saveState({ ...s, highWater, updatedAt: new Date(f.nowMs).toISOString() });
    }
    return true;
  });
}

/**
 * Confirmed withdrawals of a live user not yet counted as cash flows, valued
 * at current prices; `equityNow` is after they left. Returns how many were added.
 */
export function importWithdrawals(
  store: Store,
  userId: number,
  network: string,
  price: PriceFn,
  equityNow: bigint,
  nowMs: number,
): number {
  let added = 0;
  let equity = equityNow;
  const pending = store.funds
    .withdrawals(userId, 1000)
    .filter(
      (w) =>
        w.status === 'confirmed' && w.network === network && !store.risk.hasCashFlowRef(userId, `withdrawal:${w.id}`),
    );
  // Newest first (as the repo lists them): each one's equity before is the equity after it plus what it took.
  // The proportional adjustments of the mark multiply, so their order does not matter.
  for (const w of pending) {
    const mint = w.mint === 'SOL' ? WRAPPED_SOL_MINT : w.mint;
    const token = tokenByMint(mint);
    const p = price(mint);
    if (!token || p === null) continue;
    const usd = toMicroUsd((Number(w.amount) / 10 ** token.decimals) * p);
    const before = equity + usd;
    if (
      recordCashFlow(store, {
        userId,
        network,
        kind: 'withdrawal',
        amountUsd: usd,
        nowMs,
        ref: `withdrawal:${w.id}`,
        equityBefore: before,
      })
    )
      added++;
    equity = before;
  }
  return added;
}

// ---- snapshots ------------------------------------------------------------------

export interface EquityPoint {
  ts: string;
  equityUsd: number;
  highWaterUsd: number;
  drawdownPct: number;
  depositsUsd: number;
  withdrawalsUsd: number;
}

/**
 * Equity per user, per cycle. The loop calls `snapshotEquity(now)` once per
 * cycle (after prices and balances are refreshed); it writes at most one
 * snapshot per user per `minIntervalMs`.
 */
export class Performance {
  constructor(
    private readonly store: Store,
    private readonly network: string,
    private readonly prices: { price: PriceFn },
    private readonly clock: Clock,
    private readonly minIntervalMs = 60_000,
  ) {}

  /** The current equity of one user in micro-USD, or null when a held asset has no price. */
  equity(userId: number): bigint | null {
    const v = valueHoldings(walletHoldings(this.store, userId, this.network), (m) => this.prices.price(m));
    return v.missing.length > 0 ? null : toMicroUsd(v.usd);
  }

  /** Writes a snapshot for every user with a wallet; returns how many were written (users with an unpriced asset are skipped). */
  snapshotEquity(nowMs: number = this.clock.now()): { written: number; skipped: number[] } {
    const { store, network } = this;
    const ts = new Date(nowMs).toISOString();
    let written = 0;
    const skipped: number[] = [];
    for (const w of store.wallets.all()) {
      const userId = w.userId;
      const last = store.risk.lastSnapshot(userId, network);
      if (last && nowMs - Date.parse(last.ts) < this.minIntervalMs) continue;
      const settings = UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {});
      const v = valueHoldings(walletHoldings(store, userId, network, settings.mode), (m) => this.prices.price(m));
      if (v.missing.length > 0) {
        skipped.push(userId);
        continue;
      }
      const equity = toMicroUsd(v.usd);
      store.tx(() => {
        if (settings.mode === 'live')
          importWithdrawals(store, userId, network, (m) => this.prices.price(m), equity, nowMs);
        const state = markState(
          store.risk.state(userId, network),
          userId,
          network,
          equity,
          nowMs,
          netFlowsToday(store, userId, network, nowMs),
        );
        store.risk.saveState(state);
        const flows = store.risk.cashFlows(userId, network);
        store.risk.insertSnapshot({
          userId,
          network,
          ts,
          equity,
          deposits: flows.filter((f) => f.kind === 'deposit').reduce((s, f) => s + f.amountUsd, 0n),
          withdrawals: flows.filter((f) => f.kind === 'withdrawal').reduce((s, f) => s + f.amountUsd, 0n),
          highWater: state.highWater,
        });
      });
      written++;
    }
    return { written, skipped };
  }

  equityCurve(userId: number, opts: { sinceIso?: string; limit?: number } = {}): EquityPoint[] {
    return equityCurve(this.store.risk.snapshots(userId, this.network, opts));
  }

  stats(userId: number, nowMs: number = this.clock.now()): UserStats {
    return userStats(this.store, userId, this.network, (m) => this.prices.price(m), nowMs, this.equity(userId));
  }

  /** Now, as the engine's clock says. */
  nowIso(): string {
    return isoTime(this.clock);
  }
}

export function equityCurve(rows: readonly EquitySnapshotRow[]): EquityPoint[] {
  return rows.map((s) => ({
    ts: s.ts,
    equityUsd: fromMicroUsd(s.equity),
    highWaterUsd: fromMicroUsd(s.highWater),
    drawdownPct: drawdownPct(s.highWater, s.equity),
    depositsUsd: fromMicroUsd(s.deposits),
    withdrawalsUsd: fromMicroUsd(s.withdrawals),
  }));
}

// ---- statistics -------------------------------------------------------------------

export interface UserStats {
  network: string;
  quoteMint: string;
  quoteSymbol: string;
  /** Realized PnL of trades quoted in the user's quote asset (base units), exact. */
  realizedPnl: bigint;
  /** Unrealized PnL of open positions quoted in the user's quote asset at current prices (null without prices). */
  unrealizedPnl: bigint | null;
  /** All quote assets, in USD at current quote prices (null without prices). */
  realizedPnlUsd: number | null;
  unrealizedPnlUsd: number | null;
  pnlUsd: number | null;
  tradeCount: number;
  /** Closed positions (round trips), and how many of them realized a gain or a loss. */
  roundTrips: number;
  wins: number;
  losses: number;
  /** wins / round trips, 0..1; null before the first round trip. */
  winRate: number | null;
  /** Quote amounts traded, per quote mint (base units), and in USD. */
  volumeByQuote: Record<string, bigint>;
  volumeUsd: number | null;
  feesLamports: bigint;
  feesUsd: number | null;
  openPositions: number;
  equityUsd: number | null;
  highWaterUsd: number | null;
  depositsUsd: number;
  withdrawalsUsd: number;
  /** Modified Dietz return since the first snapshot, percent (null before the first snapshot). */
  returnPct: number | null;
  /** Largest drawdown from the (flow-adjusted) high-water mark over the snapshots, percent. */
  maxDrawdownPct: number;
  since: string | null;
  snapshots: number;
}

export interface StatsInput {
  network: string;
  quoteMint: string;
  trades: readonly TradeRow[];
  positions: readonly PositionRow[];
  snapshots: readonly EquitySnapshotRow[];
  flows: readonly CashFlowRow[];
  price: PriceFn;
  /** Equity now (micro-USD) when it could be valued; else the last snapshot stands for now. */
  equityNow: bigint | null;
  nowMs: number;
}

const usdOf = (amount: bigint, mint: string, price: PriceFn): number | null => {
  const t = tokenByMint(mint);
  const p = price(mint);
  if (!t || p === null) return null;
  return (Number(amount) / 10 ** t.decimals) * p;
};

const sumOrNull = (values: readonly (number | null)[]): number | null =>
  values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + v!, 0);

/** The statistics of one user from that user's rows alone (a pure function: the isolation property checks it). */
export function computeStats(i: StatsInput): UserStats {
  const trades = i.trades.filter((t) => t.network === i.network);
  const positions = i.positions.filter((p) => p.network === i.network);
  const quote = tokenByMint(i.quoteMint);

  const realizedByQuote = new Map<string, bigint>();
  const volumeByQuote: Record<string, bigint> = {};
  let feesLamports = 0n;
  for (const t of trades) {
    realizedByQuote.set(t.quoteMint, (realizedByQuote.get(t.quoteMint) ?? 0n) + t.realizedPnl);
    volumeByQuote[t.quoteMint] = (volumeByQuote[t.quoteMint] ?? 0n) + t.quoteAmount;
    feesLamports += t.feeLamports;
  }
  const realizedPnlUsd = sumOrNull([...realizedByQuote].map(([m, v]) => usdOf(v, m, i.price)));
  const volumeUsd = sumOrNull(Object.entries(volumeByQuote).map(([m, v]) => usdOf(v, m, i.price)));
  const feesUsd = usdOf(feesLamports, WRAPPED_SOL_MINT, i.price);

  const open = positions.filter((p) => p.status === 'open');
  let unrealizedQuote: bigint | null = 0n;
  const unrealizedUsd: (number | null)[] = [];
  for (const p of open) {
    const base = tokenByMint(p.mint);
    const q = tokenByMint(p.quoteMint);
    const pb = i.price(p.mint);
    const pq = i.price(p.quoteMint);
    if (!base || !q || pb === null || pq === null || pq <= 0) {
      unrealizedUsd.push(null);
      if (p.quoteMint === i.quoteMint) unrealizedQuote = null;
      continue;
    }
    const u = unrealizedPnl(p, base.decimals, q.decimals, pb / pq);
    unrealizedUsd.push((Number(u) / 10 ** q.decimals) * pq);
    if (p.quoteMint === i.quoteMint && unrealizedQuote !== null) unrealizedQuote += u;
  }
  const unrealizedPnlUsd = sumOrNull(unrealizedUsd);

  const closed = positions.filter((p) => p.status === 'closed');
  const wins = closed.filter((p) => p.realizedPnl > 0n).length;
  const losses = closed.filter((p) => p.realizedPnl < 0n).length;

  const snaps = [...i.snapshots]
    .filter((s) => s.network === i.network)
    .sort((a, b) => a.ts.localeCompare(b.ts) || a.id - b.id);
  const flows = i.flows.filter((f) => f.network === i.network);
  let maxDd = 0;
  for (const s of snaps) maxDd = Math.max(maxDd, drawdownPct(s.highWater, s.equity));
  const last = snaps[snaps.length - 1] ?? null;
  const equityNow = i.equityNow ?? last?.equity ?? null;
  if (i.equityNow !== null && last)
    maxDd = Math.max(maxDd, drawdownPct(hwmAfterMark(last.highWater, i.equityNow), i.equityNow));

  return {
    network: i.network,
    quoteMint: i.quoteMint,
    quoteSymbol: quote?.symbol ?? i.quoteMint,
    realizedPnl: realizedByQuote.get(i.quoteMint) ?? 0n,
    unrealizedPnl: unrealizedQuote,
    realizedPnlUsd,
    unrealizedPnlUsd,
    pnlUsd: realizedPnlUsd !== null && unrealizedPnlUsd !== null ? realizedPnlUsd + unrealizedPnlUsd : null,
    tradeCount: trades.length,
    roundTrips: closed.length,
    wins,
    losses,
    winRate: closed.length > 0 ? wins / closed.length : null,
    volumeByQuote,
    volumeUsd,
    feesLamports,
    feesUsd,
    openPositions: open.length,
    equityUsd: equityNow === null ? null : fromMicroUsd(equityNow),
    highWaterUsd: last
      ? fromMicroUsd(i.equityNow !== null ? hwmAfterMark(last.highWater, i.equityNow) : last.highWater)
      : null,
    depositsUsd: fromMicroUsd(flows.filter((f) => f.kind === 'deposit').reduce((s, f) => s + f.amountUsd, 0n)),
    withdrawalsUsd: fromMicroUsd(flows.filter((f) => f.kind === 'withdrawal').reduce((s, f) => s + f.amountUsd, 0n)),
    returnPct: snaps.length > 0 && equityNow !== null ? modifiedDietz(snaps[0]!, equityNow, i.nowMs, flows) : null,
    maxDrawdownPct: maxDd,
    since: snaps[0]?.ts ?? null,
    snapshots: snaps.length,
  };
}

/**
 * Modified Dietz: (E1 − E0 − ΣF) / (E0 + Σ wᵢFᵢ), wᵢ = share of the period
 * after flow i; deposits positive, withdrawals negative. Percent, or null
 * when the denominator is not positive.
 */
export function modifiedDietz(
  first: { ts: string; equity: bigint },
  equityNow: bigint,
  nowMs: number,
  flows: readonly CashFlowRow[],
): number | null {
  const t0 = Date.parse(first.ts);
  const span = nowMs - t0;
  const e0 = fromMicroUsd(first.equity);
  const e1 = fromMicroUsd(equityNow);
  let net = 0;
  let weighted = 0;
  for (const f of flows) {
    const t = Date.parse(f.ts);
    if (t <= t0 || t > nowMs) continue;
    const amount = fromMicroUsd(f.amountUsd) * (f.kind === 'deposit' ? 1 : -1);
    net += amount;
    weighted += (span > 0 ? (nowMs - t) / span : 0) * amount;
  }
  const denominator = e0 + weighted;
  if (!(denominator > 0)) return null;
  return ((e1 - e0 - net) / denominator) * 100;
}

/** Loads one user's rows and computes their statistics. */
export function userStats(
  store: Store,
  userId: number,
  network: string,
  price: PriceFn,
  nowMs: number,
  equityNow: bigint | null,
): UserStats {
  const settings = UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {});
  const quoteMint =
    settings.quoteAsset === 'SOL' ? WRAPPED_SOL_MINT : KNOWN_TOKENS.find((t) => t.symbol === 'USDC')!.mint;
  return computeStats({
    network,
    quoteMint,
    trades: store.portfolio.trades(userId, { limit: 10_000_000 }),
    positions: store.portfolio.positions(userId, { limit: 10_000_000 }),
    snapshots: store.risk.snapshots(userId, network),
    flows: store.risk.cashFlows(userId, network),
    price,
    equityNow,
    nowMs,
  });
}
