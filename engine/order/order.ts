import type { Address } from '@solana/kit';

/**
 * The order as every part of the engine speaks of it. It lives below both
 * risk/ and execution/ (DESIGN.md, "tidy as you pass"): the risk gate judges
 * orders and the execution service carries them out, and neither should have
 * to import the other to know what an order is.
 */
export type OrderSide = 'buy' | 'sell';
/** Who asked for the order. All of them take the same path through risk, queue, journal and venue. */
export type OrderContext = 'manual' | 'strategy' | 'exit' | 'copy' | 'emergency';
export const ORDER_CONTEXTS: readonly OrderContext[] = ['manual', 'strategy', 'exit', 'copy', 'emergency'];

export interface Order {
  userId: number;
  side: OrderSide;
  /** What the wallet pays: the quote asset for a buy, the position's token for a sell. */
  inputMint: Address;
  outputMint: Address;
  /** Input amount in base units. */
  amount: bigint;
  context: OrderContext;
  /** Idempotency key: the same client id twice is one order. */
  clientId: string;
  slippageBps: number;
  /** Exit levels to set on the position an entry opens or adds to. */
  stopLossPrice?: number | null;
  takeProfitPrice?: number | null;
  trailingStopBps?: number | null;
}

/**
 * Orders that reduce risk: they pass every pause (global, per user, a tripped
 * breaker, the drawdown limit) and stop only at a halt. A sell always reduces
 * risk, whoever asks for it (a friend's manual sell, a single-position Close,
 * a copy or strategy exit): the balance gate already holds it to an open
 * position, so it can only shrink one. Exits and emergency closes are sells by
 * construction; their contexts are named too so an order marked as one is
 * never mistaken for an entry.
 */
export function isRiskReducing(order: Pick<Order, 'side' | 'context'>): boolean {
  return order.side === 'sell' || order.context === 'exit' || order.context === 'emergency';
}
