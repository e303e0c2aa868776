export { ORDER_CONTEXTS, isRiskReducing, type Order, type OrderSide, type OrderContext } from './order';
