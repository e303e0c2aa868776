import { z } from 'zod';
import { command } from './command-spec';

/**
 * Commands of copy trading (issue 16) and the sandbox whale that shows it
 * offline, kept in their own file and spread into the contract's table.
 */
const UserRef = z
  .union([z.string().trim().min(1, 'Name a user.'), z.number().int().positive()])
  .describe('a user name or id');
const LeaderRef = z
  .string()
  .trim()
  .min(1, "Name the leader: a friend's name or a Solana address.")
  .max(64)
  .describe("a friend's name or a Solana address");
const Usd = z.number().positive('a USD amount above zero').max(1e9);
const Symbols = z.array(z.string().trim().min(1).max(44)).max(20);

const FollowOut = z.object({
  id: z.number().int(),
  userId: z.number().int(),
  user: z.string(),
  leader: z.string(),
  /** The friend the leader's wallet belongs to, or null for an outside wallet. */
  leaderName: z.string().nullable(),
  sizing: z.enum(['fixed', 'proportional', 'multiplier']),
  fixedUsd: z.number().nullable(),
  multiplier: z.number().nullable(),
  maxUsd: z.number().nullable(),
  tokensMode: z.enum(['all', 'allow', 'deny']),
  tokens: z.array(z.string()),
  copySells: z.boolean(),
  maxAgeSec: z.number().int(),
  createdAt: z.string(),
  counts: z.object({
    copied: z.number().int(),
    skipped: z.number().int(),
    refused: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
  }),
});

const CopyTradeOut = z.object({
  id: z.number().int(),
  user: z.string(),
  leader: z.string(),
  leaderName: z.string().nullable(),
  signature: z.string(),
  side: z.enum(['buy', 'sell']),
  token: z.string(),
  /** What the leader traded, in whole tokens. */
  leaderAmount: z.string(),
  leaderUsd: z.number().nullable(),
  /** When the leader's trade landed (ISO), when known. */
  at: z.string().nullable(),
  outcome: z.enum(['pending', 'copied', 'skipped', 'refused', 'failed']),
  reason: z.string().nullable(),
  intentId: z.number().int().nullable(),
  seenAt: z.string(),
});

const WhaleOut = z.object({
  address: z.string(),
  enabled: z.boolean(),
  everySec: z.number(),
  usd: z.number(),
  tokens: z.array(z.string()),
  trades: z.number().int(),
  lastTrade: z
    .object({ signature: z.string(), side: z.enum(['buy', 'sell']), token: z.string(), at: z.string() })
    .nullable(),
});

export const copyCommands = {
  'copy.follow': command({
    summary:
      "Follow a leader (a friend or any Solana wallet): copy its swaps within this friend's own risk limits; following again changes the settings",
    mutates: true,
    input: z
      .object({
        user: UserRef,
        leader: LeaderRef,
        sizing: z.enum(['fixed', 'proportional', 'multiplier']),
        fixedUsd: Usd.optional(),
        multiplier: z.number().positive('a multiplier above zero').max(1000).optional(),
        maxUsd: Usd.optional(),
        allow: Symbols.optional(),
        deny: Symbols.optional(),
        copySells: z.boolean().default(true),
        maxAgeSec: z
          .number()
          .int()
          .min(5)
          .max(7 * 24 * 3600)
          .optional(),
      })
      .strict(),
    output: FollowOut,
  }),
  'copy.unfollow': command({
    summary: 'Stop following a leader (what was copied stays, and its history)',
    mutates: true,
    input: z.object({ user: UserRef, leader: LeaderRef }).strict(),
    output: z.object({ userId: z.number().int(), leader: z.string(), ended: z.boolean() }),
  }),
  'copy.list': command({
    summary: "Who follows whom, with each follow's settings and how many leader trades it copied, skipped or refused",
    mutates: false,
    input: z.object({ user: UserRef.optional() }).strict(),
    output: z.object({ follows: z.array(FollowOut) }),
  }),
  'copy.trades': command({
    summary: 'Leader trades seen by follows, newest first: copied, skipped or refused, each with its reason',
    mutates: false,
    input: z.object({ user: UserRef.optional(), limit: z.number().int().min(1).max(1000).default(50) }).strict(),
    output: z.object({ trades: z.array(CopyTradeOut) }),
  }),
  'sandbox.whale': command({
    summary:
      'Sandbox: a simulated whale wallet that swaps on its own schedule, to follow offline (status, start, stop, or trade once now)',
    mutates: true,
    input: z
      .object({
        action: z.enum(['status', 'start', 'stop', 'trade']).default('status'),
        everySec: z.number().min(1).max(86_400).optional(),
        usd: z.number().min(1).max(1_000_000).optional(),
        tokens: Symbols.optional(),
      })
      .strict(),
    output: WhaleOut,
  }),
} as const;
