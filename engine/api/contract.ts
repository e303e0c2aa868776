import { z } from 'zod';

/**
 * The engine's API: every command with its input and output schema. The CLI,
 * the control channel, the headless host and the Electron IPC are all built
 * from this one table, so a command without a handler is a type error.
 */

const UserRef = z
  .union([z.string().trim().min(1, 'Name a user.'), z.number().int().positive()])
  .describe('a user name or id');

export const User = z.object({ id: z.number().int(), name: z.string(), createdAt: z.string() });
export const WalletInfo = z.object({
  userId: z.number().int(),
  address: z.string(),
  origin: z.enum(['created', 'imported']),
  kind: z.enum(['mnemonic', 'secret_key']),
  createdAt: z.string(),
  exportedAt: z.string().nullable(),
});
const Balance = z.object({ mint: z.string(), amount: z.string(), seenAt: z.string() });
const AuditRowOut = z.object({
  id: z.number().int(),
  ts: z.string(),
  actor: z.string(),
  action: z.string(),
  userId: z.number().int().nullable(),
  details: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

const Empty = z.object({}).strict();

/** A decimal amount in whole units ("1.5" SOL); converted to base units exactly, never through a float. */
const DecimalAmount = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/u, 'an amount like 1.5 (digits and an optional decimal point)');
const TokenSymbol = z.string().trim().min(1).max(16);
const TokenBalanceOut = z.object({
  symbol: z.string(),
  mint: z.string(),
  amount: z.string(),
  decimals: z.number().int(),
  uiAmount: z.string(),
});
const BalancesOut = z.object({
  userId: z.number().int(),
  address: z.string(),
  network: z.string(),
  lamports: z.string(),
  sol: z.string(),
  tokens: z.array(TokenBalanceOut),
  active: z.boolean(),
  minimumLamports: z.string(),
});
const OrderOutcomeOut = z.object({
  status: z.enum(['confirmed', 'rejected', 'failed', 'expired', 'pending']),
  intentId: z.number().int().nullable(),
  tradeId: z.number().int().nullable(),
  code: z.string().nullable(),
  message: z.string().nullable(),
  inAmount: z.string().nullable(),
  outAmount: z.string().nullable(),
  signature: z.string().nullable(),
});
const IntentOut = z.object({
  id: z.number().int(),
  clientId: z.string(),
  venue: z.string(),
  context: z.string(),
  side: z.enum(['buy', 'sell']),
  inputMint: z.string(),
  outputMint: z.string(),
  amount: z.string(),
  status: z.string(),
  reasonCode: z.string().nullable(),
  error: z.string().nullable(),
  signature: z.string().nullable(),
  createdAt: z.string(),
});
const PositionOut = z.object({
  id: z.number().int(),
  symbol: z.string(),
  mint: z.string(),
  quoteSymbol: z.string(),
  status: z.enum(['open', 'closed']),
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
const SettingsOut = z.object({
  userId: z.number().int(),
  version: z.number().int(),
  settings: z.record(z.string(), z.unknown()),
});
const ControlOut = z.object({ paused: z.boolean(), halted: z.boolean(), reason: z.string().nullable() });
const WhitelistOut = z.object({
  address: z.string(),
  label: z.string(),
  addedAt: z.string(),
  usableAt: z.string(),
  usable: z.boolean(),
});
const WithdrawalOut = z.object({
  id: z.number().int(),
  network: z.string(),
  asset: z.string(),
  symbol: z.string(),
  amount: z.string(),
  uiAmount: z.string(),
  destination: z.string(),
  status: z.enum(['pending', 'signed', 'confirmed', 'failed', 'expired']),
  signature: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
});

const LossStreakOut = z.object({ losses: z.number(), windowMinutes: z.number(), pauseMinutes: z.number() });
const RiskLimitsOut = z.object({
  maxPositionPctEquity: z.number(),
  maxPositionUsd: z.number(),
  maxConcurrentPositions: z.number(),
  maxDailyLossPct: z.number(),
  maxDailyLossUsd: z.number(),
  maxDrawdownPct: z.number(),
  maxTradesPerDay: z.number(),
  lossStreak: LossStreakOut,
  cooldownMinutes: z.number(),
  minOrderUsd: z.number(),
  maxOrderUsd: z.number(),
  stopLossRequired: z.boolean(),
});
const RiskLimitsView = z.object({
  userId: z.number().int(),
  version: z.number().int(),
  preset: z.enum(['conservative', 'moderate', 'aggressive', 'custom']),
  /** The user's own values (their preset's, or custom). */
  limits: RiskLimitsOut,
  /** What is in force: the user's values capped by the operator's global limits. */
  effective: RiskLimitsOut,
  /** Keys whose value in force comes from a global limit. */
  fromGlobal: z.array(z.string()),
});
const GlobalLimitsOut = z.object({
  limits: z.object({
    maxOrderUsd: z.number().optional(),
    maxPositionUsd: z.number().optional(),
    maxPositionPctEquity: z.number().optional(),
    maxConcurrentPositions: z.number().optional(),
    maxDailyLossPct: z.number().optional(),
    maxDailyLossUsd: z.number().optional(),
    maxDrawdownPct: z.number().optional(),
    maxTradesPerDay: z.number().optional(),
    minOrderUsd: z.number().optional(),
    requireStopLoss: z.boolean(),
  }),
});
const StatsOut = z.object({
  userId: z.number().int(),
  name: z.string(),
  network: z.string(),
  quoteSymbol: z.string(),
  realizedPnl: z.string(),
  uiRealizedPnl: z.string(),
  unrealizedPnl: z.string().nullable(),
  uiUnrealizedPnl: z.string().nullable(),
  realizedPnlUsd: z.number().nullable(),
  unrealizedPnlUsd: z.number().nullable(),
  pnlUsd: z.number().nullable(),
  tradeCount: z.number().int(),
  roundTrips: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int(),
  winRate: z.number().nullable(),
  volumeUsd: z.number().nullable(),
  volume: z.array(z.object({ symbol: z.string(), amount: z.string() })),
  feesLamports: z.string(),
  feesUsd: z.number().nullable(),
  openPositions: z.number().int(),
  equityUsd: z.number().nullable(),
  highWaterUsd: z.number().nullable(),
  depositsUsd: z.number(),
  withdrawalsUsd: z.number(),
  returnPct: z.number().nullable(),
  maxDrawdownPct: z.number(),
  since: z.string().nullable(),
  snapshots: z.number().int(),
});

export interface CommandSpec<I extends z.ZodType, O extends z.ZodType> {
  input: I;
  output: O;
  summary: string;
  /** Changes state (the host checks Origin and the UI asks before sending). */
  mutates: boolean;
  /** Reveals or moves secrets or money: needs a second confirmation step in the UI host. */
  sensitive?: boolean;
}

function command<I extends z.ZodType, O extends z.ZodType>(spec: CommandSpec<I, O>): CommandSpec<I, O> {
  return spec;
}

export const commands = {
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
  'wallet.create': command({
    summary: "Create a user's wallet (the recovery phrase is returned once)",
    mutates: true,
    input: z.object({ user: UserRef, words: z.union([z.literal(12), z.literal(24)]).default(12) }).strict(),
    output: z.object({ userId: z.number().int(), address: z.string(), mnemonic: z.string() }),
  }),
  'wallet.import': command({
    summary: 'Import a wallet from a recovery phrase or a secret key',
    mutates: true,
    input: z.union([
      z.object({ user: UserRef, mnemonic: z.string().min(1), passphrase: z.string().optional() }).strict(),
      z.object({ user: UserRef, secretKey: z.string().min(1) }).strict(),
    ]),
    output: z.object({ userId: z.number().int(), address: z.string() }),
  }),
  'wallet.export': command({
    summary: "Reveal a wallet's recovery phrase or secret key (audited)",
    mutates: true,
    sensitive: true,
    input: z
      .object({
        user: UserRef,
        confirm: z.literal(true, { error: 'Exporting reveals the wallet secret: confirm it explicitly.' }),
      })
      .strict(),
    output: z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('mnemonic'),
        address: z.string(),
        mnemonic: z.string(),
        passphrase: z.string(),
        derivationPath: z.string(),
      }),
      z.object({
        kind: z.literal('secret_key'),
        address: z.string(),
        secretKeyBase58: z.string(),
        secretKeyJson: z.string(),
      }),
    ]),
  }),
  'wallet.show': command({
    summary: "A user's wallet and its last-seen balances",
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: z.object({ user: User, wallet: WalletInfo.nullable(), balances: z.array(Balance) }),
  }),
  'network.status': command({
    summary: 'Which network this engine trades on and how it reaches it',
    mutates: false,
    input: Empty,
    output: z.object({
      network: z.enum(['sandbox', 'devnet', 'mainnet']),
      rpcEndpoints: z.array(z.string()),
      swapApi: z.string(),
      blockHeight: z.string(),
      sandbox: z.object({ rpcUrl: z.string(), swapApiUrl: z.string(), inProcess: z.boolean() }).nullable(),
    }),
  }),
  'network.set': command({
    summary: 'Switch this data directory to another network (refused with open positions or unsettled orders)',
    mutates: true,
    sensitive: true,
    input: z
      .object({
        network: z.enum(['sandbox', 'devnet', 'mainnet']),
        rpcUrls: z.array(z.string().url()).max(8).default([]),
        confirm: z.literal(true, { error: 'Switching networks changes where real funds move: confirm it.' }),
      })
      .strict(),
    output: z.object({
      network: z.enum(['sandbox', 'devnet', 'mainnet']),
      rpcUrls: z.array(z.string()),
      restartNeeded: z.boolean(),
    }),
  }),
  'wallet.balances': command({
    summary: 'Read balances from the chain (all users, or one) and update activation',
    mutates: true,
    input: z.object({ user: UserRef.optional() }).strict(),
    output: z.object({ balances: z.array(BalancesOut) }),
  }),
  'wallet.deposit': command({
    summary: 'Where to send funds for a user: address, payment URI and QR code (SVG)',
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: z.object({ address: z.string(), uri: z.string(), qrSvg: z.string() }),
  }),
  'funds.faucet': command({
    summary: 'Top a wallet up from the network faucet (sandbox: SOL and tokens; devnet: SOL)',
    mutates: true,
    input: z
      .object({
        user: UserRef,
        sol: DecimalAmount.optional(),
        token: TokenSymbol.optional(),
        amount: DecimalAmount.optional(),
      })
      .strict()
      .refine((i) => i.sol !== undefined || i.token !== undefined, 'Ask for SOL, a token, or both.')
      .refine(
        (i) => (i.token === undefined) === (i.amount === undefined),
        'A token needs an amount, and an amount needs a token.',
      ),
    output: z.object({ signatures: z.array(z.string()), balances: BalancesOut }),
  }),
  'funds.withdraw': command({
    summary: "Send SOL or a token from a user's wallet to one of their whitelisted addresses",
    mutates: true,
    sensitive: true,
    input: z
      .object({
        user: UserRef,
        to: z.string().trim().min(1),
        amount: DecimalAmount,
        token: TokenSymbol.default('SOL'),
        confirm: z.literal(true, { error: 'A withdrawal moves funds: confirm it explicitly.' }),
      })
      .strict(),
    output: z.object({ withdrawal: WithdrawalOut, outcome: z.enum(['confirmed', 'failed', 'expired', 'rejected']) }),
  }),
  'withdrawals.list': command({
    summary: "A user's withdrawals, newest first",
    mutates: false,
    input: z.object({ user: UserRef, limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: z.object({ withdrawals: z.array(WithdrawalOut) }),
  }),
  'whitelist.list': command({
    summary: "A user's withdrawal whitelist",
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: z.object({ entries: z.array(WhitelistOut) }),
  }),
  'whitelist.add': command({
    summary: 'Allow withdrawals to an address (usable after the whitelist delay)',
    mutates: true,
    sensitive: true,
    input: z
      .object({ user: UserRef, address: z.string().trim().min(1), label: z.string().max(64).default('') })
      .strict(),
    output: WhitelistOut,
  }),
  'whitelist.remove': command({
    summary: 'Stop allowing withdrawals to an address',
    mutates: true,
    sensitive: true,
    input: z.object({ user: UserRef, address: z.string().trim().min(1) }).strict(),
    output: z.object({ removed: z.string() }),
  }),
  'settings.get': command({
    summary: "A user's settings and their version",
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: SettingsOut,
  }),
  'settings.set': command({
    summary: 'Change one setting (validated against its bounds); applies from the next order or cycle',
    mutates: true,
    input: z
      .object({
        user: UserRef,
        key: z.string().trim().min(1).max(64),
        /** JSON text, or a bare word for a string value. */
        value: z.string().max(10_000),
        /** Optimistic locking: refuse if the settings changed since this version was read. */
        expectedVersion: z.number().int().positive().optional(),
      })
      .strict(),
    output: SettingsOut,
  }),
  'strategy.list': command({
    summary: 'The built-in strategies with their parameters, defaults and bounds',
    mutates: false,
    input: Empty,
    output: z.object({
      strategies: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          description: z.string(),
          params: z.array(z.record(z.string(), z.unknown())),
        }),
      ),
    }),
  }),
  'strategy.set': command({
    summary: "Choose a user's strategy, its parameters, tokens and paper or live mode (applies from the next cycle)",
    mutates: true,
    input: z
      .object({
        user: UserRef,
        strategy: z.string().trim().min(1),
        params: z.record(z.string(), z.unknown()).default({}),
        tokens: z.array(TokenSymbol).min(1).max(10).optional(),
        mode: z.enum(['paper', 'live']).optional(),
        enabled: z.boolean().default(true),
        expectedVersion: z.number().int().positive().optional(),
      })
      .strict(),
    output: SettingsOut,
  }),
  'orders.submit': command({
    summary: 'Place an order: buy spends the quote asset (USDC by default), sell sells from an open position',
    mutates: true,
    input: z
      .object({
        user: UserRef,
        side: z.enum(['buy', 'sell']),
        token: TokenSymbol,
        amount: DecimalAmount,
        slippageBps: z.number().int().min(1).max(5_000).optional(),
        clientId: z.string().trim().min(1).max(100).optional(),
        stopLoss: z.number().positive().optional(),
        takeProfit: z.number().positive().optional(),
        trailingStopBps: z.number().int().min(1).max(9_999).optional(),
        context: z.enum(['manual', 'copy']).default('manual'),
      })
      .strict(),
    output: OrderOutcomeOut,
  }),
  'orders.list': command({
    summary: "A user's orders (the journal), newest first",
    mutates: false,
    input: z.object({ user: UserRef, limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: z.object({ orders: z.array(IntentOut) }),
  }),
  'positions.list': command({
    summary: "A user's positions with PnL at the current price",
    mutates: false,
    input: z.object({ user: UserRef, status: z.enum(['open', 'closed', 'all']).default('all') }).strict(),
    output: z.object({ positions: z.array(PositionOut) }),
  }),
  'positions.close': command({
    summary: 'Close one position at the market (through the same execution path)',
    mutates: true,
    input: z.object({ user: UserRef, positionId: z.number().int().positive() }).strict(),
    output: OrderOutcomeOut,
  }),
  'positions.closeAll': command({
    summary: 'Emergency: flatten every open position of a user (audited)',
    mutates: true,
    sensitive: true,
    input: z
      .object({
        user: UserRef,
        confirm: z.literal(true, { error: 'Closing everything sells at the market: confirm it.' }),
      })
      .strict(),
    output: z.object({ results: z.array(z.object({ positionId: z.number().int(), outcome: OrderOutcomeOut })) }),
  }),
  'trades.list': command({
    summary: "A user's trades, newest first",
    mutates: false,
    input: z.object({ user: UserRef, limit: z.number().int().min(1).max(1000).default(100) }).strict(),
    output: z.object({ trades: z.array(TradeOut) }),
  }),
  'controls.status': command({
    summary: 'Global and per-user pause/halt state',
    mutates: false,
    input: Empty,
    output: z.object({
      global: ControlOut,
      users: z.array(ControlOut.extend({ userId: z.number().int(), name: z.string() })),
    }),
  }),
  'controls.pause': command({
    summary: 'Pause new entries for everyone, or for one user (exits continue)',
    mutates: true,
    input: z.object({ user: UserRef.optional(), reason: z.string().max(200).optional() }).strict(),
    output: ControlOut,
  }),
  'controls.resume': command({
    summary: 'Resume trading for everyone (also ends a halt), or for one user (also resets a breaker)',
    mutates: true,
    sensitive: true,
    input: z.object({ user: UserRef.optional() }).strict(),
    output: ControlOut,
  }),
  'controls.halt': command({
    summary: 'Halt: nothing is signed at all until resumed',
    mutates: true,
    input: z.object({ reason: z.string().max(200).optional() }).strict(),
    output: ControlOut,
  }),
  'events.list': command({
    summary: 'Engine events (trades, activations, breakers, …), newest first',
    mutates: false,
    input: z
      .object({
        user: UserRef.optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        afterId: z.number().int().min(0).optional(),
      })
      .strict(),
    output: z.object({
      events: z.array(
        z.object({
          id: z.number().int(),
          ts: z.string(),
          type: z.string(),
          severity: z.enum(['info', 'warning', 'critical']),
          userId: z.number().int().nullable(),
          payload: z.unknown(),
        }),
      ),
    }),
  }),
  'engine.health': command({
    summary: 'Cycle time, RPC latency and errors, controls: how the engine is doing',
    mutates: false,
    input: Empty,
    output: z.object({
      network: z.string().nullable(),
      trading: z.boolean(),
      lastCycle: z
        .object({
          cycle: z.number(),
          startedAt: z.number(),
          durationMs: z.number(),
          users: z.number(),
          active: z.number(),
          signals: z.number(),
          orders: z.number(),
          exits: z.number(),
          errors: z.number(),
        })
        .nullable(),
      rpc: z
        .object({
          requests: z.number(),
          retries: z.number(),
          failovers: z.number(),
          endpoints: z.array(z.object({ label: z.string(), healthy: z.boolean() })),
        })
        .nullable(),
      controls: ControlOut,
      error: z.string().nullable(),
    }),
  }),
  'market.candles': command({
    summary: 'Candles of a token built from the prices this engine has seen, for charts',
    mutates: false,
    input: z
      .object({
        token: TokenSymbol,
        timeframe: z.enum(['1m', '5m', '15m', '1h']).default('1m'),
        limit: z.number().int().min(1).max(2000).default(300),
      })
      .strict(),
    output: z.object({
      token: z.string(),
      timeframe: z.string(),
      candles: z.array(
        z.object({ time: z.number(), open: z.number(), high: z.number(), low: z.number(), close: z.number() }),
      ),
    }),
  }),
  'settings.jupiterKey': command({
    summary: "Store (or clear) the operator's Jupiter API key in the OS keychain",
    mutates: true,
    sensitive: true,
    input: z.object({ key: z.string().trim().min(8).max(200).nullable() }).strict(),
    output: z.object({ configured: z.boolean() }),
  }),
  'keys.rotate': command({
    summary: 'Re-seal every wallet under a new master key',
    mutates: true,
    sensitive: true,
    input: Empty,
    output: z.object({ wallets: z.number().int(), oldKeyId: z.string(), newKeyId: z.string() }),
  }),
  'keys.adopt': command({
    summary: 'Move the wallets from the sandbox key file under the OS keychain (or HARVEST_MASTER_KEY)',
    mutates: true,
    sensitive: true,
    input: Empty,
    output: z.object({
      wallets: z.number().int(),
      oldKeyId: z.string(),
      newKeyId: z.string(),
      keySource: z.enum(['keychain', 'env']),
    }),
  }),
  'backup.create': command({
    summary: 'Write an encrypted recovery kit (database + master key)',
    mutates: false,
    sensitive: true,
    input: z.object({ file: z.string().min(1), passphrase: z.string() }).strict(),
    output: z.object({ file: z.string(), bytes: z.number().int(), createdAt: z.string() }),
  }),
  'audit.verify': command({
    summary: 'Check the audit hash chain',
    mutates: false,
    input: Empty,
    output: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), rows: z.number().int(), headHash: z.string() }),
      z.object({
        ok: z.literal(false),
        rows: z.number().int(),
        firstBadId: z.number().int(),
        problem: z.enum(['modified', 'deleted', 'reordered']),
        message: z.string(),
      }),
    ]),
  }),
  'audit.list': command({
    summary: 'Recent audit entries, newest first',
    mutates: false,
    input: z
      .object({
        user: UserRef.optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        beforeId: z.number().int().positive().optional(),
      })
      .strict(),
    output: z.object({ entries: z.array(AuditRowOut) }),
  }),
  'risk.preset': command({
    summary: 'Apply a risk preset (conservative, moderate, aggressive) to a user: sets every risk limit',
    mutates: true,
    input: z
      .object({
        user: UserRef,
        preset: z.enum(['conservative', 'moderate', 'aggressive']),
        expectedVersion: z.number().int().positive().optional(),
      })
      .strict(),
    output: RiskLimitsView,
  }),
  'risk.limits': command({
    summary: "A user's risk limits: their own, and those in force after the global limits",
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: RiskLimitsView,
  }),
  'risk.global': command({
    summary: "The operator's global risk limits (they override every user's values)",
    mutates: false,
    input: Empty,
    output: GlobalLimitsOut,
  }),
  'risk.setGlobal': command({
    summary: 'Set (or, with the value none, remove) one global risk limit for everyone',
    mutates: true,
    sensitive: true,
    input: z.object({ key: z.string().trim().min(1).max(64), value: z.string().trim().min(1).max(64) }).strict(),
    output: GlobalLimitsOut,
  }),
  'stats.user': command({
    summary: "A user's performance: PnL, win rate, trades, volume, fees, equity, return and max drawdown",
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: StatsOut,
  }),
  'stats.equityCurve': command({
    summary: "A user's equity snapshots, oldest first (the last LIMIT)",
    mutates: false,
    input: z
      .object({
        user: UserRef,
        limit: z.number().int().min(1).max(100_000).default(1000),
        since: z.string().datetime().optional(),
      })
      .strict(),
    output: z.object({
      userId: z.number().int(),
      points: z.array(
        z.object({
          ts: z.string(),
          equityUsd: z.number(),
          highWaterUsd: z.number(),
          drawdownPct: z.number(),
          depositsUsd: z.number(),
          withdrawalsUsd: z.number(),
        }),
      ),
    }),
  }),
  'stats.leaderboard': command({
    summary: 'Users ranked by return % (default) or PnL, optionally anonymised',
    mutates: false,
    input: z
      .object({ by: z.enum(['return', 'pnl']).default('return'), anonymous: z.boolean().default(false) })
      .strict(),
    output: z.object({
      by: z.enum(['return', 'pnl']),
      anonymous: z.boolean(),
      method: z.string(),
      rows: z.array(
        z.object({
          rank: z.number().int(),
          userId: z.number().int().nullable(),
          name: z.string(),
          returnPct: z.number().nullable(),
          pnlUsd: z.number().nullable(),
          equityUsd: z.number().nullable(),
          tradeCount: z.number().int(),
          winRate: z.number().nullable(),
          maxDrawdownPct: z.number(),
        }),
      ),
    }),
  }),
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandInput<K extends CommandName> = z.input<Commands[K]['input']>;
export type ParsedInput<K extends CommandName> = z.output<Commands[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<Commands[K]['output']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commands, name);
}
