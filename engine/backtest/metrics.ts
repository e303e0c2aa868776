import type { LedgerTrade } from './ledger';
import type { BacktestRun } from './run';

/** The figures of a backtest report. Percentages are percent (12.5 = 12.5 %); ratios are plain numbers. */
export interface BacktestMetrics {
  startEquityUsd: number;
  endEquityUsd: number;
  totalReturnPct: number;
  /** Compound annual growth over the period (null under a day: an annual rate from hours means nothing). */
  cagrPct: number | null;
  maxDrawdownPct: number;
  /** Annualised from per-candle returns of the equity curve (risk-free rate 0). */
  sharpe: number | null;
  sortino: number | null;
  /** Share of closing trades (sells) that realized a profit. */
  winRatePct: number | null;
  /** Gross profit / gross loss of the sells (null with no losing sell). */
  profitFactor: number | null;
  /** Share of candles with a position open. */
  exposurePct: number;
  tradeCount: number;
  buyHoldReturnPct: number;
}

const YEAR_MS = 365.25 * 86_400_000;

export function computeMetrics(input: {
  equity: ArrayLike<number>;
  hold: ArrayLike<number>;
  trades: readonly LedgerTrade[];
  startEquityUsd: number;
  fromMs: number;
  toMs: number;
  /** Length of one equity step (ms), to annualise. */
  stepMs: number;
  exposedCycles: number;
  cycles: number;
  quoteDecimals: number;
}): BacktestMetrics {
  const eq = input.equity;
  const n = eq.length;
  const start = input.startEquityUsd;
  const end = n > 0 ? eq[n - 1]! : start;
  let peak = start;
  let maxDd = 0;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let prev = start;
  for (let i = 0; i < n; i++) {
    const v = eq[i]!;
    if (v > peak) peak = v;
    if (peak > 0) maxDd = Math.max(maxDd, (peak - v) / peak);
    const r = prev > 0 ? v / prev - 1 : 0;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
    prev = v;
  }
  const perYear = YEAR_MS / input.stepMs;
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? sumSq / n - mean * mean : 0;
  const sd = Math.sqrt(Math.max(0, variance));
  const dd = n > 0 ? Math.sqrt(downSq / n) : 0;
  const years = (input.toMs - input.fromMs) / YEAR_MS;
  let gross = 0;
  let loss = 0;
  let wins = 0;
  let sells = 0;
  const scale = 10 ** input.quoteDecimals;
  for (const t of input.trades) {
    if (t.side !== 'sell') continue;
    sells++;
    const pnl = Number(t.realizedPnl) / scale;
    if (pnl > 0) {
      wins++;
      gross += pnl;
    } else loss -= pnl;
  }
  const holdEnd = input.hold.length > 0 ? input.hold[input.hold.length - 1]! : start;
  return {
    startEquityUsd: start,
    endEquityUsd: end,
    totalReturnPct: start > 0 ? (end / start - 1) * 100 : 0,
    cagrPct: years >= 1 / 365 && start > 0 && end > 0 ? (Math.pow(end / start, 1 / years) - 1) * 100 : null,
    maxDrawdownPct: maxDd * 100,
    sharpe: sd > 0 ? (mean / sd) * Math.sqrt(perYear) : null,
    sortino: dd > 0 ? (mean / dd) * Math.sqrt(perYear) : null,
    winRatePct: sells > 0 ? (wins / sells) * 100 : null,
    profitFactor: loss > 0 ? gross / loss : null,
    exposurePct: input.cycles > 0 ? (input.exposedCycles / input.cycles) * 100 : 0,
    tradeCount: input.trades.length,
    buyHoldReturnPct: start > 0 ? (holdEnd / start - 1) * 100 : 0,
  };
}

/** The metrics of one run over its period (the report and the optimiser read a run the same way). */
export function runMetrics(
  run: BacktestRun,
  period: { fromMs: number; toMs: number; stepMs: number },
): BacktestMetrics {
  return computeMetrics({
    equity: run.equity.equity,
    hold: run.equity.hold,
    trades: run.trades,
    startEquityUsd: run.startEquityUsd,
    ...period,
    exposedCycles: run.exposedCycles,
    cycles: run.cycles,
    quoteDecimals: 6,
  });
}
