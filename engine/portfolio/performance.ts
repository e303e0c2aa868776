/**
 * Performance per user (issue #5, item 5): equity, the high-water mark,
 * equity snapshots, PnL, win rate, volume, fees, drawdown and return.
 *
 * Units. Equity, cash flows and the high-water mark are micro-USD (USD × 10⁶)
 * as bigint: equity is a valuation at float prices anyway, and one unit across
 * users makes the leaderboard comparable. Total PnL is equity-based (equity −
 * starting equity − net flows); the trades' realized and unrealized PnL are
 * kept exact in the quote asset's base units as its breakdown.
 *
 * Equity = everything the account holds, valued at current USD prices: the
 * paper book for the paper account, the last-seen balances (this network)
 * for the on-chain wallet. Position tokens sit in the account, so they are
 * already in it (adding positions again would count them twice).
 *
 * Return is the modified Dietz return from the first snapshot to now: flows
 * are weighted by the share of the period they were in the wallet, so money
 * moved in or out is not counted as profit or loss. Every figure comes from
 * figures.ts (one function each); this file loads rows and values holdings.
 *
 * Figures are per account (account.ts): the on-chain wallet and the paper
 * account of a network keep their own snapshots, flows and risk state.
 */
import { isoTime, type Clock } from '../kernel/clock';
import { KNOWN_TOKENS, tokenByMint, WRAPPED_SOL_MINT } from '../market';
import {
  pinFirstSnapshotSlot,
  type CashFlowRow,
  type EquitySnapshotRow,
  type PositionRow,
  type RiskStateRow,
  type Store,
  type TradeRow,
} from '../store';
import { UserSettingsSchema } from '../users/settings';
import { accountKey, accountLabel, accountRows, type AccountMode } from './account';
import {
  dayPnl,
  drawdownPct,
  equityCurveOf,
  hwmAfterDeposit,
  hwmAfterMark,
  hwmAfterWithdrawal,
  netFlows,
  flowsInPeriod,
  returnPct as dietzReturn,
  totalPnl,
  type Flow,
} from './figures';
import { unrealizedPnl } from './position-math';

export { drawdownPct, hwmAfterDeposit, hwmAfterMark, hwmAfterWithdrawal };

export type PriceFn = (mint: string) => number | null;

export const MICRO = 1_000_000;
export const toMicroUsd = (usd: number): bigint => BigInt(Math.round(usd * MICRO));
export const fromMicroUsd = (m: bigint): number => Number(m) / MICRO;

// ---- time ---------------------------------------------------------------------

const DAY_MS = 86_400_000;
/**
 * The texts of the last two days asked for, in a slot by the day's parity: a check asks for today and,
 * for its lookbacks, yesterday, which would push each other out of a single slot.
 */
const slotDay = [Number.NaN, Number.NaN];
/** The day as YYYY-MM-DD, its start as ISO text, and its ISO text up to and with the 'T'. */
const slotDate = ['', ''];
const slotStart = ['', ''];
const slotPrefix = ['', ''];
/** Two- and three-digit zero-padded numbers, so a time of day is text with no branch on its digits. */
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Days since 1970-01-01 of an instant, its ms whole as Date keeps them (truncated, then floored). */
const dayNumber = (ms: number): number => Math.floor(Math.trunc(ms) / DAY_MS);

/** The slot holding the texts of `day` (filled from Date when it holds another day). */
function slotOf(ms: number, day: number): number {
  const slot = day & 1;
  if (slotDay[slot] !== day) {
    const iso = new Date(ms).toISOString();
    slotPrefix[slot] = iso.slice(0, iso.indexOf('T') + 1);
    slotDate[slot] = iso.slice(0, 10);
    slotStart[slot] = `${slotDate[slot]}T00:00:00.000Z`;
    slotDay[slot] = day;
  }
  return slot;
}

/**
 * ISO text of an instant, as Date's toISOString gives it: the day's part kept by day (see utcDay), the
 * time of day worked out from the ms. The gate marks each friend's risk state at every new instant; a
 * cache by instant would take its slow branch at each cycle's first check, which the optimised check
 * then leaves and is compiled again.
 */
export function isoAt(instant: number): string {
  // Whole ms, as Date keeps them (an instant is never fractional here; this keeps the digits whole if it were).
  const ms = Math.trunc(instant);
  const day = Math.floor(ms / DAY_MS);
  const slot = slotOf(ms, day);
  let t = ms - day * DAY_MS;
  const milli = t % 1000;
  t = (t - milli) / 1000;
  const sec = t % 60;
  t = (t - sec) / 60;
  const min = t % 60;
  const hour = (t - min) / 60;
  return `${slotPrefix[slot]}${PAD2[hour]}:${PAD2[min]}:${PAD2[sec]}.${PAD3[milli]}Z`;
}
/**
 * The UTC day of a time, YYYY-MM-DD. Kept by day (the last two): a cycle asks it for the same instant
 * thousands of times (each risk check), and Date's toISOString costs about a microsecond each; kept by
 * day, not by instant, the text is worked out once a day, not at each cycle's first check (a branch the
 * optimised risk check would otherwise leave and re-enter).
 */
export const utcDay = (ms: number): string => slotDate[slotOf(ms, dayNumber(ms))]!;
/** The start of the UTC day of a time, as ISO text; kept like utcDay (the same text object all day). */
export const utcDayStartIso = (ms: number): string => slotStart[slotOf(ms, dayNumber(ms))]!;
/** The start of the UTC day of a time, in ms (utcDayStartIso as a number). */
export const utcDayStartMs = (ms: number): number => dayNumber(ms) * DAY_MS + 0; // + 0: never -0
/** The start of the next UTC day. */
export const nextUtcDayStartIso = (ms: number): string =>
  new Date(Date.parse(utcDayStartIso(ms)) + 86_400_000).toISOString();

// ---- equity -------------------------------------------------------------------

export interface Holding {
  /** 'SOL' for native lamports, else a mint (the wrapped SOL mint stands for SOL in the paper book). */
  mint: string;
  amount: bigint;
}

/**
 * What an account holds: the paper book for the paper account (empty until it
 * is opened with its starting capital; never the on-chain balances), the
 * wallet's last-seen balances on this network for the live one.
 */
export function walletHoldings(store: Store, userId: number, network: string, mode?: AccountMode): Holding[] {
  const m = mode ?? UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {}).mode;
  if (m === 'paper') return [...store.paper.balances(userId)].map(([mint, amount]) => ({ mint, amount }));
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

// ---- the risk state ------------------------------------------------------------

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
  const at = isoAt(nowMs);
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
  // Field by field, not spreads: the risk gate marks a friend's state on every check of a new instant.
  // Every field read whichever way the day went, so the compiled mark has read them all before.
  const prevDay = prev.day;
  const prevStart = prev.dayStartEquity;
  const newDay = prevDay !== day;
  return {
    userId: prev.userId,
    network: prev.network,
    highWater: hwmAfterMark(prev.highWater, equity),
    day: newDay ? day : prevDay,
    dayStartEquity: newDay ? dayStart : prevStart,
    dailyLossDay: prev.dailyLossDay,
    drawdownPausedAt: prev.drawdownPausedAt,
    updatedAt: at,
  };
}

/** Net deposits (deposits minus withdrawals) into an account (its key) since the start of the UTC day of `nowMs`, in micro-USD. */
export function netFlowsToday(store: Store, userId: number, account: string, nowMs: number): bigint {
  return netFlows(
    store.risk.cashFlows(userId, account, utcDayStartIso(nowMs)).filter((f) => Date.parse(f.ts) <= nowMs),
  );
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
  /** Cumulative deposits and withdrawals of the account up to this point. */
  depositsUsd: number;
  withdrawalsUsd: number;
  /** Total PnL at this point, net of flows: a deposit steps equity, not this. */
  pnlUsd: number;
}

export interface FlowMarker {
  ts: string;
  kind: 'deposit' | 'withdrawal';
  amountUsd: number;
  /** Equity of the curve where the flow happened (null before the first point). */
  equityUsd: number | null;
}

/** The settings' mode of a user (their current account). */
export const userMode = (store: Store, userId: number): AccountMode =>
  UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {}).mode;

/**
 * Equity per user, per cycle. The loop calls `snapshotEquity(now)` once per
 * cycle (after prices and balances are refreshed); it writes at most one
 * snapshot per user per `minIntervalMs`, for the account the user trades now.
 */
export class Performance {
  constructor(
    private readonly store: Store,
    private readonly network: string,
    private readonly prices: { price: PriceFn },
    private readonly clock: Clock,
    private readonly minIntervalMs = 60_000,
  ) {}

  /** The current equity of one user's account (default: the one they trade now) in micro-USD, or null when a held asset has no price. */
  equity(userId: number, mode?: AccountMode): bigint | null {
    const v = valueHoldings(walletHoldings(this.store, userId, this.network, mode), (m) => this.prices.price(m));
    return v.missing.length > 0 ? null : toMicroUsd(v.usd);
  }

  /** Writes a snapshot for every user with a wallet; returns how many were written (users with an unpriced asset are skipped). */
  snapshotEquity(nowMs: number = this.clock.now()): { written: number; skipped: number[] } {
    const { store, network } = this;
    const ts = new Date(nowMs).toISOString();
    const price: PriceFn = (m) => this.prices.price(m);
    let written = 0;
    const skipped: number[] = [];
    for (const w of store.wallets.all()) {
      const userId = w.userId;
      const settings = UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {});
      const key = accountKey(network, settings.mode);
      const last = store.risk.lastSnapshot(userId, key);
      if (last && nowMs - Date.parse(last.ts) < this.minIntervalMs) continue;
      // A paper account not opened yet (it opens at the first paper order or a reset) has no figures.
      if (settings.mode === 'paper' && store.paper.balances(userId).size === 0) continue;
      const v = valueHoldings(walletHoldings(store, userId, network, settings.mode), price);
      if (v.missing.length > 0) {
        skipped.push(userId);
        continue;
      }
      const equity = toMicroUsd(v.usd);
      store.tx(() => {
        if (settings.mode === 'live') importWithdrawals(store, userId, network, price, equity, nowMs);
        const state = markState(
          store.risk.state(userId, key),
          userId,
          key,
          equity,
          nowMs,
          netFlowsToday(store, userId, key, nowMs),
        );
        store.risk.saveState(state);
        // The first snapshot pins the slot its balances were read at: flows are ordered against it.
        if (!last && settings.mode === 'live') pinFirstSnapshotSlot(store.meta, userId, key, w.address);
        const flows = store.risk.cashFlows(userId, key);
        store.risk.insertSnapshot({
          userId,
          network: key,
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

  equityCurve(userId: number, opts: { sinceIso?: string; limit?: number; mode?: AccountMode } = {}): EquityPoint[] {
    const key = accountKey(this.network, opts.mode ?? userMode(this.store, userId));
    return equityCurve(this.store.risk.snapshots(userId, key, opts), this.store.risk.cashFlows(userId, key));
  }

  stats(userId: number, nowMs: number = this.clock.now(), mode?: AccountMode): UserStats {
    const m = mode ?? userMode(this.store, userId);
    return userStats(this.store, userId, this.network, (p) => this.prices.price(p), nowMs, this.equity(userId, m), m);
  }

  /** Now, as the engine's clock says. */
  nowIso(): string {
    return isoTime(this.clock);
  }
}

/**
 * The curve of one account from its snapshots, oldest first, with PnL net of
 * its flows (figures.ts equityCurveOf). `flows` are the account's cash flows;
 * without them PnL counts the cumulative deposits/withdrawals the snapshots carry.
 */
export function equityCurve(rows: readonly EquitySnapshotRow[], flows?: readonly CashFlowRow[]): EquityPoint[] {
  const first = rows[0];
  const { points } = equityCurveOf(rows, flows ?? []);
  return points.map((p, i) => {
    const s = rows[i]!;
    // Without the flow rows, the snapshots' cumulative totals give the same net.
    const pnl =
      flows !== undefined || !first
        ? p.pnl
        : s.equity - first.equity - (s.deposits - first.deposits) + (s.withdrawals - first.withdrawals);
    return {
      ts: s.ts,
      equityUsd: fromMicroUsd(s.equity),
      highWaterUsd: fromMicroUsd(s.highWater),
      drawdownPct: p.drawdownPct,
      depositsUsd: fromMicroUsd(s.deposits),
      withdrawalsUsd: fromMicroUsd(s.withdrawals),
      pnlUsd: fromMicroUsd(pnl),
    };
  });
}

/** The flows of an account as chart markers, placed on the curve `rows`. */
export function flowMarkers(rows: readonly EquitySnapshotRow[], flows: readonly CashFlowRow[]): FlowMarker[] {
  return equityCurveOf(rows, flows).flows.map((f) => ({
    ts: f.ts,
    kind: f.kind,
    amountUsd: fromMicroUsd(f.amountUsd),
    equityUsd: f.atEquity === null ? null : fromMicroUsd(f.atEquity),
  }));
}

// ---- statistics -------------------------------------------------------------------

export interface UserStats {
  network: string;
  /** The account these figures are of (null when computed over all of a network's trades). */
  mode: AccountMode | null;
  /** "Paper account" or "On-chain wallet". */
  accountLabel: string | null;
  quoteMint: string;
  quoteSymbol: string;
  /** Realized PnL of trades quoted in the user's quote asset (base units), exact. */
  realizedPnl: bigint;
  /** Unrealized PnL of open positions quoted in the user's quote asset at current prices (null without prices). */
  unrealizedPnl: bigint | null;
  /** All quote assets, in USD at current quote prices (null without prices). */
  realizedPnlUsd: number | null;
  unrealizedPnlUsd: number | null;
  /** Realized + unrealized PnL of the trades (the breakdown; fees and price moves of other holdings are not in it). */
  tradePnlUsd: number | null;
  /**
   * Total PnL: equity now − starting equity − net flows since (figures.ts
   * totalPnl, the return's numerator; same sign as returnPct). Null before the first snapshot.
   */
  pnlUsd: number | null;
  /** Today's PnL: equity now − the day's starting equity − today's net flows (figures.ts dayPnl). */
  dayPnlUsd: number | null;
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
  /** Equity at the first snapshot (where return and total PnL start). */
  startEquityUsd: number | null;
  highWaterUsd: number | null;
  /** Drawdown now from the (flow-adjusted) high-water mark, percent. */
  drawdownPct: number;
  depositsUsd: number;
  withdrawalsUsd: number;
  /** Deposits − withdrawals since the first snapshot (what total PnL and return leave out). */
  netFlowsUsd: number;
  /** Modified Dietz return since the first snapshot, percent (null before the first snapshot). */
  returnPct: number | null;
  /** Largest drawdown from the (flow-adjusted) high-water mark over the snapshots, percent. */
  maxDrawdownPct: number;
  since: string | null;
  snapshots: number;
}

export interface StatsInput {
  network: string;
  /** The account: only its trades and positions count (without it, every trade on the network). */
  mode?: AccountMode;
  quoteMint: string;
  trades: readonly TradeRow[];
  positions: readonly PositionRow[];
  /** The account's snapshots and flows (already selected by its key). */
  snapshots: readonly EquitySnapshotRow[];
  flows: readonly CashFlowRow[];
  /** The account's risk state: the day's starting equity for today's PnL. */
  riskState?: RiskStateRow | null;
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
  const own =
    i.mode === undefined
      ? {
          trades: i.trades.filter((t) => t.network === i.network),
          positions: i.positions.filter((p) => p.network === i.network),
        }
      : accountRows(i.trades, i.positions, i.network, i.mode);
  const { trades, positions } = own;
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

  const snaps = [...i.snapshots].sort((a, b) => a.ts.localeCompare(b.ts) || a.id - b.id);
  const flows: Flow[] = [...i.flows].sort((a, b) => a.ts.localeCompare(b.ts));
  let maxDd = 0;
  for (const s of snaps) maxDd = Math.max(maxDd, drawdownPct(s.highWater, s.equity));
  const first = snaps[0] ?? null;
  const last = snaps[snaps.length - 1] ?? null;
  const equityNow = i.equityNow ?? last?.equity ?? null;
  // The mark as of now: the risk state's (flows moved it since the last snapshot: a deposit
  // raises it 1:1, a withdrawal lowers it in proportion), raised by a value above it, as the risk engine does.
  // (Without a value now, the mark as of the last snapshot, like every other figure.)
  const mark = i.equityNow !== null ? (i.riskState?.highWater ?? last?.highWater ?? null) : (last?.highWater ?? null);
  const hwmNow = mark === null ? null : equityNow !== null ? hwmAfterMark(mark, equityNow) : mark;
  const ddNow = hwmNow !== null && equityNow !== null ? drawdownPct(hwmNow, equityNow) : 0;
  maxDd = Math.max(maxDd, ddNow);

  // Without a value now, the figures are as of the last snapshot: flows after it are not in its equity.
  const asOf = i.equityNow === null && last ? Date.parse(last.ts) : i.nowMs;
  const pnl = first && equityNow !== null ? totalPnl(first, equityNow, flows, asOf) : null;
  // Today's PnL from the day's starting equity kept in the risk state; a day not started yet starts now (0).
  const today = utcDay(asOf);
  const flowsToday = netFlows(flows.filter((f) => utcDay(Date.parse(f.ts)) === today && Date.parse(f.ts) <= asOf));
  const dayStart =
    i.riskState && i.riskState.day === today
      ? i.riskState.dayStartEquity
      : equityNow === null
        ? null
        : equityNow - flowsToday;
  const tradePnlUsd = realizedPnlUsd !== null && unrealizedPnlUsd !== null ? realizedPnlUsd + unrealizedPnlUsd : null;

  return {
    network: i.network,
    mode: i.mode ?? null,
    accountLabel: i.mode === undefined ? null : accountLabel(i.mode),
    quoteMint: i.quoteMint,
    quoteSymbol: quote?.symbol ?? i.quoteMint,
    realizedPnl: realizedByQuote.get(i.quoteMint) ?? 0n,
    unrealizedPnl: unrealizedQuote,
    realizedPnlUsd,
    unrealizedPnlUsd,
    tradePnlUsd,
    pnlUsd: pnl === null ? null : fromMicroUsd(pnl),
    dayPnlUsd: dayStart === null || equityNow === null ? null : fromMicroUsd(dayPnl(dayStart, equityNow, flowsToday)),
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
    startEquityUsd: first ? fromMicroUsd(first.equity) : null,
    highWaterUsd: hwmNow === null ? null : fromMicroUsd(hwmNow),
    drawdownPct: ddNow,
    depositsUsd: fromMicroUsd(flows.filter((f) => f.kind === 'deposit').reduce((s, f) => s + f.amountUsd, 0n)),
    withdrawalsUsd: fromMicroUsd(flows.filter((f) => f.kind === 'withdrawal').reduce((s, f) => s + f.amountUsd, 0n)),
    netFlowsUsd: first ? fromMicroUsd(netFlows(flowsInPeriod(first, flows, asOf))) : 0,
    returnPct: first && equityNow !== null ? dietzReturn(first, equityNow, flows, asOf) : null,
    maxDrawdownPct: maxDd,
    since: first?.ts ?? null,
    snapshots: snaps.length,
  };
}

/** Modified Dietz return, percent (figures.ts returnPct; kept under its old name). */
export function modifiedDietz(
  first: { ts: string; equity: bigint },
  equityNow: bigint,
  nowMs: number,
  flows: readonly CashFlowRow[],
): number | null {
  return dietzReturn(first, equityNow, flows, nowMs);
}

/** Loads one account's rows (default: the account the user trades now) and computes its statistics. */
export function userStats(
  store: Store,
  userId: number,
  network: string,
  price: PriceFn,
  nowMs: number,
  equityNow: bigint | null,
  mode?: AccountMode,
): UserStats {
  const settings = UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {});
  const m = mode ?? settings.mode;
  const key = accountKey(network, m);
  const quoteMint =
    settings.quoteAsset === 'SOL' ? WRAPPED_SOL_MINT : KNOWN_TOKENS.find((t) => t.symbol === 'USDC')!.mint;
  return computeStats({
    network,
    mode: m,
    quoteMint,
    trades: store.portfolio.trades(userId, { limit: 10_000_000 }),
    positions: store.portfolio.positions(userId, { limit: 10_000_000 }),
    snapshots: store.risk.snapshots(userId, key),
    flows: store.risk.cashFlows(userId, key),
    riskState: store.risk.state(userId, key),
    price,
    equityNow,
    nowMs,
  });
}
