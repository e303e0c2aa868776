import { z } from 'zod';
import { command } from './command-spec';

/**
 * Commands of issue #11 item 3: what each friend's strategy is doing per
 * token (warm-up, indicator values, last signal, last decision and why) and
 * the decision log. Kept in their own file and spread into the contract.
 */
const UserRef = z
  .union([z.string().trim().min(1, 'Name a user.'), z.number().int().positive()])
  .describe('a user name or id');

/** An ISO time or a date (YYYY-MM-DD, UTC midnight). */
const TimeBound = z
  .string()
  .trim()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'a date like 2026-01-01 or an ISO time');

export const DecisionOutcomeOut = z.enum(['entered', 'exited', 'no-signal', 'skipped', 'warming-up', 'error']);

export const DecisionOut = z.object({
  id: z.number().int(),
  token: z.string(),
  strategy: z.string(),
  /** Open time of the candle decided on (ISO), when there was one. */
  candleAt: z.string().nullable(),
  at: z.string(),
  outcome: DecisionOutcomeOut,
  /** A stable reason code (e.g. SIZE_BELOW_MINIMUM, COOLDOWN) and its short label ("size below minimum"). */
  code: z.string(),
  label: z.string(),
  message: z.string(),
  side: z.enum(['buy', 'sell']).nullable(),
  indicators: z.record(z.string(), z.number().nullable()).nullable(),
  orderId: z.number().int().nullable(),
});

export const TokenStateOut = z.object({
  token: z.string(),
  strategy: z.string(),
  timeframe: z.string(),
  warmup: z.object({ have: z.number().int(), needed: z.number().int() }),
  lastCandleAt: z.string().nullable(),
  indicators: z.record(z.string(), z.number().nullable()).nullable(),
  lastSignal: z.object({ side: z.enum(['buy', 'sell']), reason: z.string(), candleAt: z.string() }).nullable(),
  lastDecision: z.object({
    outcome: DecisionOutcomeOut,
    code: z.string(),
    label: z.string(),
    message: z.string(),
    at: z.string(),
  }),
  lastTradeAt: z.string().nullable(),
});

/** One word for what a friend's strategy is doing, most pressing first. */
export const StrategyStateWord = z.enum([
  'off',
  'unfunded',
  'halted',
  'paused',
  'error',
  'starting',
  'warming-up',
  'skipped',
  'traded',
  'waiting',
]);

export const UserStrategyOut = z.object({
  userId: z.number().int(),
  name: z.string(),
  strategy: z.string(),
  enabled: z.boolean(),
  mode: z.enum(['paper', 'live']),
  state: StrategyStateWord,
  /** What the Overview shows instead of "running": "warming up 12/39", "last trade 5 min ago", "skipped: cooldown"... */
  headline: z.string(),
  tokens: z.array(TokenStateOut),
  /** The latest decisions (only when one user is asked for). */
  recent: z.array(DecisionOut),
});

export const strategyStatusCommands = {
  'strategy.status': command({
    summary:
      "What each friend's strategy is doing per token: warm-up, indicator values, last signal, last decision and why",
    mutates: false,
    input: z
      .object({
        user: UserRef.optional(),
        /** Only each friend's state word and headline (no per-token detail): what the Overview needs for many friends. */
        headlinesOnly: z.boolean().optional(),
      })
      .strict(),
    output: z.object({ at: z.string(), users: z.array(UserStrategyOut) }),
  }),
  'strategy.decisions': command({
    summary: "A friend's strategy decision log (newest first): every signal acted on or skipped, with its reason",
    mutates: false,
    input: z
      .object({
        user: UserRef,
        from: TimeBound.optional(),
        to: TimeBound.optional(),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    output: z.object({ userId: z.number().int(), name: z.string(), decisions: z.array(DecisionOut) }),
  }),
};
