export type { Strategy, StrategyContext, Signal, EntrySignal, ExitSignal, PositionView } from './types';
export {
  param,
  describeParams,
  formatParamInfo,
  formatParamRange,
  formatParamValue,
  type ParamInfo,
  type ParamMeta,
} from './params';
export { trendStrategy, trendParams, type TrendParams } from './trend';
export { meanReversionStrategy, meanReversionParams, type MeanReversionParams } from './mean-reversion';
export { dcaStrategy, dcaParams, type DcaParams } from './dca';
export { breakoutStrategy, breakoutParams, type BreakoutParams } from './breakout';
export { gridStrategy, gridParams, gridLevels, restingGridOrders, type GridParams } from './grid';
export { evaluateStrategy, checkSignal, neededIndicators, type EvaluateInput, type Evaluation } from './evaluate';
export {
  STRATEGIES,
  STRATEGY_IDS,
  listStrategies,
  getStrategy,
  isStrategyId,
  parseParams,
  bindStrategy,
  type StrategyId,
  type ParamsOf,
  type StrategyInfo,
  type BoundStrategy,
} from './registry';
