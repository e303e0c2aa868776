import { z } from 'zod';
import { command } from './command-spec';

/**
 * Limit and stop orders, and editable exits on an open position (issue 14, points 4 and 5), kept in
 * their own file and spread into the contract's table.
 */
const UserRef = z
  .union([z.string().trim().min(1, 'Name a user.'), z.number().int().positive()])
  .describe('a user name or id');
const TokenRef = z
  .string()
  .trim()
  .min(1, 'Name a token: a symbol or a mint address.')
  .max(64)
  .describe('a token symbol or mint address');
/** A price in the friend's quote asset per whole token (USDC by default). */
const Price = z.number({ error: 'a price, as a number' }).positive('a price above zero').max(1e12).finite();
/** A level to set, or null to remove it. */
const LevelChange = Price.nullable().optional();
const DAY_SEC = 86_400;

const TriggerOrderOut = z.object({
  id: z.number().int(),
  kind: z.enum(['limit', 'stop']),
  side: z.enum(['buy', 'sell']),
  symbol: z.string(),
  mint: z.string(),
  quoteSymbol: z.string(),
  /** What the order pays, in whole units of `amountSymbol` (the quote asset for a buy, the token for a sell). */
  uiAmount: z.string(),
  amountSymbol: z.string(),
  price: z.number(),
  status: z.enum(['open', 'triggered', 'filled', 'cancelled', 'expired', 'failed']),
  reason: z.string().nullable(),
  /** The price that reached the level, once it did. */
  firedPrice: z.number().nullable(),
  expiresAt: z.string(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  /** The order in words: "limit buy of 50 USDC of WETH at 2,000 USDC". */
  description: z.string(),
});

const ExitsOut = z.object({
  positionId: z.number().int(),
  symbol: z.string(),
  quoteSymbol: z.string(),
  stopLoss: z.number().nullable(),
  takeProfit: z.number().nullable(),
  trailingStopBps: z.number().int().nullable(),
  message: z.string(),
});

export const orderCommands = {
  'orders.place': command({
    summary:
      'Place a limit order (buy below / sell above the price) or a stop (sell when the price falls to it), with an expiry',
    mutates: true,
    input: z
      .object({
        user: UserRef,
        kind: z.enum(['limit', 'stop']),
        side: z.enum(['buy', 'sell']),
        token: TokenRef,
        amount: z
          .string()
          .trim()
          .regex(/^\d+(\.\d+)?$/u, 'an amount like 1.5 (digits and an optional decimal point)'),
        price: Price,
        expiresInSec: z
          .number()
          .int()
          .min(60, 'An order lasts at least 1 minute.')
          .max(90 * DAY_SEC, 'An order lasts at most 90 days.')
          .default(7 * DAY_SEC),
        slippageBps: z.number().int().min(1).max(5_000).optional(),
      })
      .strict(),
    output: TriggerOrderOut,
  }),
  'orders.open': command({
    summary: "A friend's limit and stop orders, newest first: those still waiting, or all of them",
    mutates: false,
    input: z.object({ user: UserRef, all: z.boolean().default(false) }).strict(),
    output: z.object({ orders: z.array(TriggerOrderOut) }),
  }),
  'orders.cancel': command({
    summary: 'Cancel a waiting limit or stop order',
    mutates: true,
    input: z.object({ user: UserRef, orderId: z.number().int().positive() }).strict(),
    output: TriggerOrderOut,
  }),
  'positions.setExits': command({
    summary:
      "Set, move or remove an open position's stop-loss, take-profit and trailing stop (null removes one; audited)",
    mutates: true,
    input: z
      .object({
        user: UserRef,
        /** The position by id, or by its token. */
        positionId: z.number().int().positive().optional(),
        token: TokenRef.optional(),
        stopLoss: LevelChange,
        takeProfit: LevelChange,
        trailingPct: z
          .number()
          .min(0.1, 'A trailing stop is at least 0.1 % below the high.')
          .max(99, 'A trailing stop is at most 99 % below the high.')
          .nullable()
          .optional(),
      })
      .strict()
      .refine((i) => i.positionId !== undefined || i.token !== undefined, 'Name the position: its token or its id.'),
    output: ExitsOut,
  }),
};
