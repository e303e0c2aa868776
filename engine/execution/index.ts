export { ORDER_CONTEXTS, isRiskReducing, type Order, type OrderSide, type OrderContext } from './order';
export { TradeExecutionService, outcomeOf, hasFreezeAuthority, type ExecutionDeps, type OrderOutcome } from './service';
export {
  JupiterClient,
  JupiterError,
  QuoteSchema,
  BuildSchema,
  type JupiterBuild,
  type JupiterQuote,
  type JupiterClientOptions,
} from './jupiter-client';
export { PriceBook, type PriceSource } from './prices';
export { paperQuote, paperQuoteAt, PAPER_FEE_BPS } from './paper';
export { fillFromTransaction, type ActualFill } from './fills';
export { reconcileIntents, type ReconcileReport } from './reconcile';
export { ExitMonitor } from './exits';
export { WalletQueues } from './queue';
export { quoteMintOf } from './quote-asset';
export { priceInQuote } from './prices';
export {
  TriggerOrders,
  cancelTriggerOrder,
  levelReached,
  triggerClientId,
  describeTriggerOrder,
  formatPrice,
  MIN_EXPIRY_MS,
  MAX_EXPIRY_MS,
  type PlaceTriggerOrder,
  type TriggerOrderDeps,
  type TriggerCycleReport,
} from './trigger-orders';
export { changeExitLevels, describeLevels, type ExitLevelsChange, type ExitLevelsDeps } from './exit-levels';
export { assembleSwap, type AssembledSwap, type SwapPreviewer } from './assemble';
export {
  blockEngineSubmit,
  landingPlanOf,
  percentileFee,
  cappedPrice,
  priorityFeeLamports,
  PRIORITY_PERCENTILE,
  type LandingPlan,
} from './landing';
