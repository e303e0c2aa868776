import type { Order } from '../order';

/**
 * Why an order was refused, as a stable code the UI can show and filter on,
 * with a sentence the user can act on.
 */
export type RiskCode =
  | 'HALTED'
  | 'PAUSED_GLOBAL'
  | 'PAUSED_USER'
  | 'BREAKER_TRIPPED'
  | 'ORDER_TOO_LARGE'
  | 'ORDER_TOO_SMALL'
  | 'INSUFFICIENT_BALANCE'
  | 'SOL_RESERVE'
  | 'NO_POSITION'
  | 'POSITION_TOO_LARGE'
  | 'MAX_POSITIONS'
  /** Every open position together would be above the friend's max exposure (% of equity). */
  | 'MAX_EXPOSURE'
  | 'DAILY_LOSS'
  | 'MAX_DRAWDOWN'
  | 'MAX_TRADES_PER_DAY'
  | 'LOSS_STREAK'
  | 'COOLDOWN'
  | 'STOP_LOSS_REQUIRED'
  | 'STALE_PRICE'
  | 'PRICE_IMPACT'
  | 'NO_ROUTE'
  | 'BAD_QUOTE'
  | 'FREEZE_AUTHORITY'
  /** A token added by mint that its safety checks refuse, or that warns and was not yet acknowledged. */
  | 'TOKEN_UNSAFE'
  | 'GLOBAL_LIMIT'
  /** The global breaker (failures across every user) holds new entries for everyone. */
  | 'GLOBAL_BREAKER'
  /** The wallet's history (outside deposits and withdrawals) could not be read before an entry. */
  | 'STALE_BALANCES';

export type RiskDecision = { ok: true } | { ok: false; code: RiskCode; message: string };

/** What a gate may look at besides the order itself. */
export interface RiskContext {
  /** Balances the wallet holds now (base units by mint; 'SOL' for native lamports). */
  balances: ReadonlyMap<string, bigint>;
  /** USD price by mint, when known and fresh. */
  price(mint: string): number | null;
  nowMs: number;
}

/**
 * The risk gate every order passes before it reaches a venue. Gates compose:
 * the first refusal wins. Implementations must not do I/O; everything they
 * need is in the order, the context and the store.
 */
export interface RiskGate {
  check(order: Order, ctx: RiskContext): RiskDecision;
}

/** The decision of a gate that lets an order through (one object: nearly every check ends so). */
export const PASS: RiskDecision = Object.freeze({ ok: true });

export function composeGates(...gates: RiskGate[]): RiskGate {
  return {
    check(order, ctx) {
      for (const g of gates) {
        const d = g.check(order, ctx);
        if (!d.ok) return d;
      }
      return PASS;
    },
  };
}

export const refuse = (code: RiskCode, message: string): RiskDecision => ({ ok: false, code, message });
