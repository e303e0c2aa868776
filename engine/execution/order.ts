// The order vocabulary lives in engine/order (below risk/ and execution/); re-exported here for execution's callers.
export { ORDER_CONTEXTS, isRiskReducing, type Order, type OrderSide, type OrderContext } from '../order';
