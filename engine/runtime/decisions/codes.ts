/**
 * The reason codes of the strategy decision log (issue #11, item 3): one per
 * cause, so "why is this friend not trading" has an exact answer. Risk-gate
 * refusals keep the gate's own code (COOLDOWN, MAX_POSITIONS, DAILY_LOSS...)
 * and message; the codes here are the runner's own.
 */
export const DECISION_CODES = {
  /** Not enough closed candles yet for the strategy's indicators. */
  WARMING_UP: 'warming up',
  /** Evaluated, no signal on this candle. */
  NO_SIGNAL: 'waiting for signal',
  FILLED: 'order filled',
  ORDER_PENDING: 'order sent, outcome pending',
  STRATEGY_DISABLED: 'strategy off',
  NOT_FUNDED: 'not funded',
  HALTED: 'halted',
  PAUSED_GLOBAL: 'everyone paused',
  PAUSED_USER: 'paused',
  BREAKER_TRIPPED: 'breaker tripped',
  MAX_DRAWDOWN: 'drawdown limit',
  NO_PRICE: 'no price',
  STALE_PRICE: 'stale price',
  PRICE_UNTRUSTED: 'untrusted price',
  SIZE_BELOW_MINIMUM: 'size below minimum',
  NO_POSITION: 'no position to sell',
  /** Several candles closed between two cycles: a later (or exit) signal of the same cycle was acted on. */
  SUPERSEDED: 'superseded by a later signal',
  /** The candle closed while the engine (or this friend's strategy) was not running: too late to act on. */
  MISSED_WHILE_STOPPED: 'missed while not running',
  DUPLICATE: 'already sent',
  STRATEGY_ERROR: 'strategy error',
  ORDER_FAILED: 'order failed',
  ORDER_EXPIRED: 'order expired',
  // The risk gate's refusals (engine/risk/gate.ts RiskCode), by their short names.
  COOLDOWN: 'cooldown',
  MAX_POSITIONS: 'max positions',
  MAX_TRADES_PER_DAY: 'max trades per day',
  DAILY_LOSS: 'daily loss limit',
  LOSS_STREAK: 'loss streak',
  ORDER_TOO_SMALL: 'order too small',
  ORDER_TOO_LARGE: 'order too large',
  POSITION_TOO_LARGE: 'position too large',
  INSUFFICIENT_BALANCE: 'insufficient balance',
  SOL_RESERVE: 'SOL reserve',
  STOP_LOSS_REQUIRED: 'stop-loss required',
  PRICE_IMPACT: 'price impact',
  NO_ROUTE: 'no route',
  BAD_QUOTE: 'bad quote',
  FREEZE_AUTHORITY: 'freeze authority',
  GLOBAL_LIMIT: 'global limit',
  GLOBAL_BREAKER: 'global breaker',
  STALE_BALANCES: 'balances not readable',
} as const satisfies Record<string, string>;

export type DecisionCode = keyof typeof DECISION_CODES;

/** A short label for a code ("size below minimum"); unknown codes read as themselves. */
export function decisionLabel(code: string): string {
  return (DECISION_CODES as Record<string, string>)[code] ?? code.toLowerCase().replace(/_/gu, ' ');
}
