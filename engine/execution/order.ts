import type { Address } from '@solana/kit';

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

/** Orders that reduce risk: they pass a pause (but not a halt). */
export function isRiskReducing(context: OrderContext): boolean {
  return context === 'exit' || context === 'emergency';
}
