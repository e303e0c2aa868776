export { BacktestMarket, type TokenSeries } from './market';
export { BacktestLedger, PAPER_FILL_MODEL, type FillModel, type LedgerTrade, type LedgerPosition } from './ledger';
export { runStrategyBacktest, type BacktestSpec, type BacktestHooks, type BacktestRun } from './run';
