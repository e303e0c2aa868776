import { z } from 'zod';

/** What a token's lost trusted price says (engine/market/oracle): why, and what each source showed. */
const TrustedPriceLost = z.object({
  mint: z.string(),
  reason: z.string(),
  message: z.string(),
  observations: z.array(z.object({ source: z.string(), usd: z.number(), ageMs: z.number() })),
  lastTrustedUsd: z.number().nullable(),
  lastTrustedAgeMs: z.number().nullable(),
});

/**
 * Every event the engine emits, with its payload schema. Events are written
 * to the database first (DB as truth), then published to the UI, the tray and
 * notifications. Severity decides what alerts: warning and above notify.
 */
export const Severity = z.enum(['info', 'warning', 'critical']);
export type Severity = z.infer<typeof Severity>;

const Amount = z.string().regex(/^-?\d+$/u);
/** A flow found on chain: its transaction, asset ('SOL' or a mint), base units and USD value when it happened. */
const FlowPayload = z.object({
  signature: z.string(),
  mint: z.string(),
  symbol: z.string(),
  amount: Amount,
  usd: z.number(),
  at: z.string(),
  /** How `usd` was found: the price then ('now': found as it landed; 'candle': the stored candle of its time) or 'found', flagged by `note`. */
  valuation: z.enum(['now', 'candle', 'found']).optional(),
  note: z.string().optional(),
});

/** A limit or stop order's event: which order, and what happened in words. */
const TriggerOrderEvent = z.object({
  orderId: z.number().int(),
  kind: z.enum(['limit', 'stop']),
  side: z.enum(['buy', 'sell']),
  mint: z.string(),
  message: z.string(),
});

export const eventSchemas = {
  /** reason 'no-chain': the paper sandbox, where a friend with a wallet is active without any balance. */
  'user.activated': z.object({
    balanceLamports: Amount,
    minimumLamports: Amount,
    reason: z.literal('no-chain').optional(),
  }),
  'user.deactivated': z.object({ balanceLamports: Amount, minimumLamports: Amount }),
  'wallet.funded': z.object({ mint: z.string(), amount: Amount, signatures: z.array(z.string()) }),
  'wallet.deposit': FlowPayload,
  'wallet.external_withdrawal': FlowPayload,
  'ledger.mismatch': z.object({
    checkId: z.number().int(),
    discrepancies: z.array(
      z.object({
        asset: z.string(),
        chain: Amount,
        ledger: Amount,
        difference: Amount,
        signatures: z.array(z.string()),
      }),
    ),
  }),
  'ledger.acknowledged': z.object({ checkId: z.number().int(), by: z.string() }),
  'withdrawal.sent': z.object({
    withdrawalId: z.number().int(),
    mint: z.string(),
    amount: Amount,
    to: z.string(),
    signature: z.string(),
  }),
  'withdrawal.failed': z.object({ withdrawalId: z.number().int(), reason: z.string() }),
  'whitelist.changed': z.object({
    action: z.enum(['added', 'removed']),
    address: z.string(),
    usableAt: z.string().nullable(),
  }),
  'rpc.degraded': z.object({ endpoint: z.string(), reason: z.string() }),
  'order.rejected': z.object({
    intentId: z.number().int().nullable(),
    clientId: z.string(),
    context: z.string(),
    code: z.string(),
    message: z.string(),
  }),
  'order.failed': z.object({ intentId: z.number().int(), status: z.string(), reason: z.string() }),
  'trade.executed': z.object({
    intentId: z.number().int(),
    tradeId: z.number().int(),
    side: z.enum(['buy', 'sell']),
    context: z.string(),
    baseMint: z.string(),
    quoteMint: z.string(),
    baseAmount: Amount,
    quoteAmount: Amount,
    price: z.number(),
    venue: z.string(),
    signature: z.string().nullable(),
  }),
  'position.closed': z.object({
    positionId: z.number().int(),
    mint: z.string(),
    realizedPnl: Amount,
    quoteMint: z.string(),
  }),
  'breaker.tripped': z.object({ failures: z.number().int(), reason: z.string() }),
  /** Execution failures across all users reached the limit: entries stop for everyone for a cooldown. */
  'breaker.globalTripped': z.object({
    failures: z.number().int(),
    userIds: z.array(z.number().int()),
    windowSeconds: z.number().int(),
    until: z.string(),
    reason: z.string(),
  }),
  'breaker.globalReset': z.object({ by: z.enum(['cooldown', 'operator']), trippedAt: z.string().nullable() }),
  'exit.stuck': z.object({ positionId: z.number().int(), mint: z.string(), reason: z.string() }),
  'feed.stale': z.object({ feed: z.string(), staleMints: z.array(z.string()), reason: z.string() }),
  'feed.recovered': z.object({ feed: z.string() }),
  /** A token lost its trusted price because its sources disagree (or only the venue's own price is left). */
  'price.disagreement': TrustedPriceLost,
  /** A token lost its trusted price because too few sources have a fresh one. */
  'price.stale': TrustedPriceLost,
  'price.restored': z.object({ mint: z.string(), usd: z.number(), sources: z.array(z.string()) }),
  /** An order refused because of the price (no trusted price, or a quote far below it); also audited. */
  'order.priceRefused': z.object({
    intentId: z.number().int().nullable(),
    clientId: z.string(),
    context: z.string(),
    code: z.string(),
    message: z.string(),
  }),
  'strategy.error': z.object({ strategy: z.string(), token: z.string().nullable(), message: z.string() }),
  /** A strategy entry not sent: sized to what the limits and balance allow, it fell below the minimum order (or had no price). */
  'strategy.entrySkipped': z.object({
    strategy: z.string(),
    token: z.string(),
    code: z.enum(['SIZE_BELOW_MINIMUM', 'NO_PRICE']),
    message: z.string(),
    sizeUsd: z.number(),
    minOrderUsd: z.number(),
    limitedBy: z.string().nullable(),
  }),
  /** A leader trade a follow saw (issue 16): copied, skipped or refused, with its reason. */
  'copy.trade': z.object({
    followId: z.number().int(),
    leader: z.string(),
    leaderName: z.string().nullable(),
    signature: z.string(),
    side: z.enum(['buy', 'sell']),
    token: z.string(),
    outcome: z.enum(['pending', 'copied', 'skipped', 'refused', 'failed']),
    reason: z.string().nullable(),
    intentId: z.number().int().nullable(),
  }),
  'risk.dailyLossHit': z.object({
    day: z.string(),
    dayStartEquityUsd: z.number(),
    equityUsd: z.number(),
    lossUsd: z.number(),
    lossPct: z.number(),
    limit: z.string(),
    resumesAt: z.string(),
  }),
  'risk.drawdownPaused': z.object({
    highWaterUsd: z.number(),
    equityUsd: z.number(),
    drawdownPct: z.number(),
    limitPct: z.number(),
    reason: z.string(),
  }),
  'controls.changed': z.object({
    scope: z.string(),
    paused: z.boolean(),
    halted: z.boolean(),
    reason: z.string().nullable(),
  }),
  /** Candle history could not be fetched for a token: its strategies warm up from live prices instead. */
  'candles.seedFailed': z.object({ mint: z.string(), token: z.string(), source: z.string(), message: z.string() }),
  /** Limit and stop orders (issue 14): placed, filled, cancelled, expired, or fired but not filled; `message` says it in words. */
  'triggerOrder.placed': TriggerOrderEvent,
  'triggerOrder.filled': TriggerOrderEvent,
  'triggerOrder.cancelled': TriggerOrderEvent,
  'triggerOrder.expired': TriggerOrderEvent,
  'triggerOrder.failed': TriggerOrderEvent,
  /** A position's stop-loss, take-profit or trailing stop was set, moved or removed (also audited). */
  'position.exitsChanged': z.object({ positionId: z.number().int(), mint: z.string(), message: z.string() }),
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventPayload<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;

export interface EngineEvent<T extends EventType = EventType> {
  id: number;
  ts: string;
  type: T;
  severity: Severity;
  userId: number | null;
  payload: EventPayload<T>;
}
