export { composeGates, refuse, type RiskGate, type RiskDecision, type RiskCode, type RiskContext } from './gate';
export { Controls, GLOBAL_SCOPE, userScope, type ControlState } from './controls';
export { controlsGate, orderSizeGate, balanceGate } from './basic-gates';
