export { composeGates, refuse, type RiskGate, type RiskDecision, type RiskCode, type RiskContext } from './gate';
export { Controls, GLOBAL_SCOPE, userScope, CLOSE_ALL_PAUSE_REASON, type ControlState } from './controls';
export { controlsGate, friendNames, orderSizeGate, balanceGate } from './basic-gates';
export {
  GlobalBreaker,
  globalBreakerSettings,
  GLOBAL_BREAKER_DEFAULTS,
  type GlobalBreakerSettings,
  type GlobalBreakerStatus,
} from './global-breaker';
export {
  RISK_PRESETS,
  RISK_PRESET_NAMES,
  RISK_LIMIT_KEYS,
  HARD_BOUNDS,
  RiskLimitsSchema,
  RiskSettingsSchema,
  GlobalLimitsSchema,
  GLOBAL_LIMITS_META_KEY,
  GLOBAL_LIMIT_KEYS,
  userRiskLimits,
  presetSettings,
  setRiskValue,
  effectiveLimits,
  parseGlobalLimits,
  type RiskLimits,
  type RiskSettings,
  type RiskPresetName,
  type GlobalLimits,
  type EffectiveLimits,
} from './presets';
export {
  RiskEngine,
  riskEngineGate,
  standardRiskGate,
  evaluateEntry,
  evaluateAccount,
  entrySizingFacts,
  readGlobalLimits,
  writeGlobalLimits,
  limitsFor,
  type EntryFacts,
  type EntryVerdict,
  type RiskEngineDeps,
  type Trip,
} from './risk-engine';
export {
  sizeEntry,
  orderSizeRefusal,
  usdValue,
  describeBound,
  type EntrySizingFacts,
  type EntryRequest,
  type EntrySize,
  type EntrySkipCode,
  type SizeBound,
  type SizeLimits,
} from './sizing';
export { GateFacts } from './gate-facts';
