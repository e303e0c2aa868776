import { z } from 'zod';
import { command } from './command-spec';

/**
 * The part of the API contract the light commands need (status, the friend list,
 * positions, trades): contract.ts spreads it in like every contract-*.ts, and the
 * engine validates a light command against it without building the rest of the
 * contract, whose schemas cost a cold CLI command more than anything else it does
 * (issue 12, item 5; engine/runtime/light-handlers.ts serves these commands).
 */

export const UserRef = z
  .union([z.string().trim().min(1, 'Name a user.'), z.number().int().positive()])
  .describe('a user name or id');

export const User = z.object({ id: z.number().int(), name: z.string(), createdAt: z.string() });

export const Empty = z.object({}).strict();

/** Set when the network is the paper sandbox: what it is called and what is missing here. */
export const PaperSandboxOut = z.object({ label: z.string(), notice: z.string() }).nullable().optional();

const PositionOut = z.object({
  id: z.number().int(),
  symbol: z.string(),
  mint: z.string(),
  quoteSymbol: z.string(),
  status: z.enum(['open', 'closed']),
  /** The account it lives in: paper (the virtual book) or live (the on-chain wallet). */
  account: z.enum(['paper', 'live']),
  quantity: z.string(),
  uiQuantity: z.string(),
  costBasis: z.string(),
  averageEntryPrice: z.number().nullable(),
  price: z.number().nullable(),
  unrealizedPnl: z.string().nullable(),
  realizedPnl: z.string(),
  uiRealizedPnl: z.string(),
  uiUnrealizedPnl: z.string().nullable(),
  stopLoss: z.number().nullable(),
  takeProfit: z.number().nullable(),
  trailingStopBps: z.number().nullable(),
  stuck: z.boolean(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
});
const TradeOut = z.object({
  id: z.number().int(),
  side: z.enum(['buy', 'sell']),
  context: z.string(),
  venue: z.string(),
  symbol: z.string(),
  quoteSymbol: z.string(),
  baseAmount: z.string(),
  quoteAmount: z.string(),
  uiBaseAmount: z.string(),
  uiQuoteAmount: z.string(),
  price: z.number(),
  realizedPnl: z.string(),
  feeLamports: z.string(),
  signature: z.string().nullable(),
  executedAt: z.string(),
});
export const lightCommands = {
  'engine.status': command({
    summary: 'What this data directory holds and who owns it',
    mutates: false,
    input: Empty,
    output: z.object({
      dataDir: z.string(),
      schemaVersion: z.number().int(),
      keySource: z.enum(['keychain', 'env', 'file']),
      keyId: z.string(),
      users: z.number().int(),
      wallets: z.number().int(),
      owner: z.object({ kind: z.enum(['engine', 'cli']), pid: z.number().int(), startedAt: z.string() }),
      /** The configured network (not connected to answer this). */
      network: z.string().optional(),
      paperSandbox: PaperSandboxOut,
    }),
  }),
  'users.add': command({
    summary: 'Add a friend',
    mutates: true,
    input: z.object({ name: z.string() }).strict(),
    output: User,
  }),
  'users.list': command({
    summary: 'List friends with their wallet addresses',
    mutates: false,
    input: Empty,
    output: z.object({ users: z.array(User.extend({ address: z.string().nullable() })) }),
  }),
  'users.rename': command({
    summary: 'Rename a friend',
    mutates: true,
    input: z.object({ user: UserRef, name: z.string() }).strict(),
    output: User,
  }),
  'users.remove': command({
    summary: 'Remove a friend (refused while they hold funds or positions, unless forced after an export)',
    mutates: true,
    sensitive: true,
    input: z.object({ user: UserRef, force: z.boolean().default(false) }).strict(),
    output: z.object({ removed: User, forced: z.boolean() }),
  }),
  'positions.list': command({
    summary: "A user's positions with PnL at the current price",
    mutates: false,
    input: z.object({ user: UserRef, status: z.enum(['open', 'closed', 'all']).default('all') }).strict(),
    output: z.object({ positions: z.array(PositionOut) }),
  }),
  'trades.list': command({
    summary: "A user's trades, newest first",
    mutates: false,
    input: z.object({ user: UserRef, limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: z.object({ trades: z.array(TradeOut) }),
  }),
} as const;
