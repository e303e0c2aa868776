export {
  TokenRegistry,
  loadRegisteredTokens,
  allowToken,
  buyPermission,
  tokenInfoOf,
  DEFAULT_PROBE_USD,
  type TokenRegistryDeps,
} from './registry';
export { TokenListClient, type ListedToken } from './token-list';
export {
  mintChecks,
  routeChecks,
  oracleCheck,
  verdictOf,
  IMPACT_WARN_PCT,
  IMPACT_REFUSE_PCT,
  type SafetyCheck,
  type CheckLevel,
  type RouteProbe,
} from './safety';
export { decodeMint, encodeMint, needsToken2022, type MintFacts, type MintSpec } from './mint-layout';
export { tokenSafetyGate } from './safety-gate';
