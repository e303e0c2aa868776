export { BacktestMarket, type TokenSeries } from './market';
export { BacktestLedger, PAPER_FILL_MODEL, type FillModel, type LedgerTrade, type LedgerPosition } from './ledger';
export { runStrategyBacktest, type BacktestSpec, type BacktestHooks, type BacktestRun } from './run';
export { computeMetrics, type BacktestMetrics } from './metrics';
export { bundledCandles, parseKlinesCsv, detectTimeframe, findGaps, tradedSymbol, type Gap } from './data';
export {
  runBacktestReport,
  tradesCsv,
  equityCsv,
  parseDate,
  historyFor,
  type BacktestRequest,
  type BacktestReport,
  type BacktestTradeOut,
} from './report';
export { SavedRuns, type SavedRun } from './saved';
export {
  optimise,
  parameterSets,
  evaluateSets,
  sortRows,
  type OptimiseJob,
  type OptimiseRow,
  type SearchSpace,
  type SortKey,
  type Figures,
} from './optimise';
export { BacktestJobs, runReportInWorker, type Job, type JobHooks, type JobKind, type JobState } from './jobs';
