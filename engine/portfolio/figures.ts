/**
 * Every money figure of an account, computed in one place (issue #9, item 2).
 * The stats commands, the CLI, the leaderboard and the risk engine all call
 * these functions, so a figure cannot mean one thing on a screen and another
 * in a limit check.
 *
 * Units: micro-USD (USD × 10⁶) as bigint; percentages are numbers.
 *
 * Every figure nets cash flows (deposits, withdrawals, a paper account's
 * starting capital, resets and top-ups): money moved in or out is never
 * profit or loss.
 *
 * Return method: Modified Dietz, not time-weighted. A true time-weighted
 * return needs the account's value at the instant of every flow; Harvest
 * values equity once per cycle, and flows found on the chain can be recorded
 * after the fact (catch-up at start), so the valuation at a flow's instant is
 * not known. Modified Dietz needs only the start and end values and each
 * flow's time and amount, all of which are stored. Its numerator is exactly
 * total PnL (equity now − starting equity − net flows), so total PnL and
 * return always agree in sign: the denominator (starting equity + time-
 * weighted flows) is positive whenever a return is given (else it is null).
 */

export type FlowKind = 'deposit' | 'withdrawal';

export interface Flow {
  ts: string;
  kind: FlowKind;
  /** Positive; the kind says which way it went. */
  amountUsd: bigint;
}

/** Where an account's figures start: its first equity snapshot. */
export interface Base {
  ts: string;
  equity: bigint;
}

/** A flow as a signed amount: deposits positive, withdrawals negative. */
export const signedFlow = (f: Pick<Flow, 'kind' | 'amountUsd'>): bigint =>
  f.kind === 'deposit' ? f.amountUsd : -f.amountUsd;

/**
 * The flows that count after the base: strictly after it (a flow at or before
 * the base is already inside the starting equity) and not after now.
 */
export function flowsInPeriod<F extends Flow>(base: Base, flows: readonly F[], nowMs: number): F[] {
  const t0 = Date.parse(base.ts);
  return flows.filter((f) => {
    const t = Date.parse(f.ts);
    return t > t0 && t <= nowMs;
  });
}

/** Net deposits (deposits − withdrawals) of a list of flows. */
export const netFlows = (flows: readonly Pick<Flow, 'kind' | 'amountUsd'>[]): bigint =>
  flows.reduce((s, f) => s + signedFlow(f), 0n);

/** Total PnL since the base: equity now − starting equity − net flows since (the Dietz numerator). */
export function totalPnl(base: Base, equityNow: bigint, flows: readonly Flow[], nowMs: number): bigint {
  return equityNow - base.equity - netFlows(flowsInPeriod(base, flows, nowMs));
}

/**
 * Modified Dietz return since the base, percent:
 *   totalPnl / (E0 + Σ wᵢFᵢ), wᵢ = share of the period after flow i.
 * Null when the denominator is not positive (no capital at stake: no return).
 */
export function returnPct(base: Base, equityNow: bigint, flows: readonly Flow[], nowMs: number): number | null {
  const t0 = Date.parse(base.ts);
  const span = nowMs - t0;
  let weighted = 0;
  for (const f of flowsInPeriod(base, flows, nowMs)) {
    const w = span > 0 ? (nowMs - Date.parse(f.ts)) / span : 0;
    weighted += w * Number(signedFlow(f));
  }
  const denominator = Number(base.equity) + weighted;
  if (!(denominator > 0)) return null;
  const pnl = totalPnl(base, equityNow, flows, nowMs);
  // The sign comes from the exact bigint numerator, so it always matches totalPnl's.
  return (Number(pnl) / denominator) * 100;
}

// ---- the day --------------------------------------------------------------------

/**
 * Today's PnL: equity now − the day's starting equity − today's net flows.
 * `dayStartEquity` is the equity before today's flows (see markState).
 */
export const dayPnl = (dayStartEquity: bigint, equityNow: bigint, flowsToday: bigint): bigint =>
  equityNow - dayStartEquity - flowsToday;

/** Today's loss (0 when today is a gain). */
export const dailyLoss = (dayStartEquity: bigint, equityNow: bigint, flowsToday: bigint): bigint => {
  const p = dayPnl(dayStartEquity, equityNow, flowsToday);
  return p < 0n ? -p : 0n;
};

/** What was at stake today, the base of the daily loss %: the day's starting equity plus money deposited since. */
export const dailyLossBase = (dayStartEquity: bigint, flowsToday: bigint): bigint =>
  dayStartEquity + (flowsToday > 0n ? flowsToday : 0n);

/** Today's loss as a percent of what was at stake (0 without a base). */
export function dailyLossPct(dayStartEquity: bigint, equityNow: bigint, flowsToday: bigint): number {
  const base = dailyLossBase(dayStartEquity, flowsToday);
  if (base <= 0n) return 0;
  return (Number(dailyLoss(dayStartEquity, equityNow, flowsToday)) / Number(base)) * 100;
}

// ---- the high-water mark and drawdown ----------------------------------------------

/** A deposit raises the mark 1:1 (the drawdown in USD stays where it was). */
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

// ---- the equity curve ----------------------------------------------------------------

export interface CurvePoint {
  ts: string;
  equity: bigint;
  highWater: bigint;
  drawdownPct: number;
  /** Total PnL at this point (net of the flows between the base and it): what the curve earned. */
  pnl: bigint;
}

export interface CurveFlow extends Flow {
  /** Equity of the last point at or before the flow, for placing its marker on the curve. */
  atEquity: bigint | null;
}

/**
 * The equity curve with flows apart: points carry equity and PnL net of
 * flows (a deposit is a step in equity but not in PnL), and the flows come
 * back as their own list so a chart draws them as markers.
 */
export function equityCurveOf(
  snapshots: readonly { ts: string; equity: bigint; highWater: bigint }[],
  flows: readonly Flow[],
): { points: CurvePoint[]; flows: CurveFlow[] } {
  const first = snapshots[0];
  if (!first) return { points: [], flows: flows.map((f) => ({ ...f, atEquity: null })) };
  const sorted = [...flows].sort((a, b) => a.ts.localeCompare(b.ts));
  const points = snapshots.map((s) => ({
    ts: s.ts,
    equity: s.equity,
    highWater: s.highWater,
    drawdownPct: drawdownPct(s.highWater, s.equity),
    pnl: totalPnl(first, s.equity, sorted, Date.parse(s.ts)),
  }));
  const marked = sorted.map((f) => {
    let at: bigint | null = null;
    for (const p of points) if (p.ts <= f.ts) at = p.equity;
    return { ...f, atEquity: at };
  });
  return { points, flows: marked };
}
