export {
  applyFill,
  markValue,
  unrealizedPnl,
  averageEntryPrice,
  checkExit,
  EMPTY_POSITION,
  type PositionState,
  type Fill,
  type FillResult,
  type ExitLevels,
  type ExitTrigger,
} from './position-math';
