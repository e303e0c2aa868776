import { z } from 'zod';
import { command, type CommandSpec } from './command-spec';
import { flowCommands } from './contract-flows';
import { telegramCommands } from './contract-telegram';
import { backtestCommands } from './contract-backtest';
import { copyCommands } from './contract-copy';
import { tokenCommands } from './contract-tokens';
import { strategyStatusCommands } from './contract-strategy';
import { orderCommands } from './contract-orders';
import { Empty, lightCommands, PaperSandboxOut, User, UserRef } from './contract-light';

/**
 * The engine's API: every command with its input and output schema. The CLI,
 * the control channel, the headless host and the Electron IPC are all built
 * from this one table, so a command without a handler is a type error.
 */

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

/** A decimal amount in whole units ("1.5" SOL); converted to base units exactly, never through a float. */
const DecimalAmount = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/u, 'an amount like 1.5 (digits and an optional decimal point)');
/** A token symbol or a mint address (base58, up to 44 characters): every command taking TOKEN accepts both. */
const TokenSymbol = z.string().trim().min(1).max(44);
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
  /** "On-chain wallet": these are the chain's balances, never a paper account's. */
  account: z.string(),
});
/** A user's paper account (issue #9): a virtual book, labelled apart from the on-chain wallet. */
const PaperAccountOut = z.object({
  userId: z.number().int(),
  /** "Paper account". */
  account: z.string(),
  /** The user trades this account now (mode paper). */
  current: z.boolean(),
  /** Opened with its starting capital (it opens at the first paper order or snapshot). */
  open: z.boolean(),
  startingCapital: z.record(z.string(), z.string()),
  tokens: z.array(TokenBalanceOut),
  equityUsd: z.number().nullable(),
  openPositions: z.number().int(),
});
const PaperCapitalIn = z
  .record(
    z.string().trim().toUpperCase(),
    z
      .string()
      .trim()
      .regex(/^\d{1,12}(\.\d{1,9})?$/u, 'a decimal amount'),
  )
  .refine((c) => Object.keys(c).length > 0, 'Give at least one token amount.');
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
const SettingsOut = z.object({
  userId: z.number().int(),
  version: z.number().int(),
  settings: z.record(z.string(), z.unknown()),
  /** What a change means beyond the value (e.g. switching paper ↔ live: where open positions stay). */
  notice: z.string().optional(),
});
const ControlOut = z.object({ paused: z.boolean(), halted: z.boolean(), reason: z.string().nullable() });
/** The global breaker (failures across every user): while tripped, no new entries for anyone until `until`. */
/** Set on the paper sandbox (no LiteSVM here): its label and what is missing; absent elsewhere. */
const GlobalBreakerOut = z.object({
  tripped: z.boolean(),
  trippedAt: z.string().nullable(),
  until: z.string().nullable(),
  failures: z.number().int(),
  userIds: z.array(z.number().int()),
  reason: z.string().nullable(),
  settings: z.object({
    failures: z.number().int(),
    windowSeconds: z.number().int(),
    cooldownMinutes: z.number().int(),
  }),
});
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
  maxExposurePct: z.number(),
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
    maxExposurePct: z.number().optional(),
    maxDailyLossPct: z.number().optional(),
    maxDailyLossUsd: z.number().optional(),
    maxDrawdownPct: z.number().optional(),
    maxTradesPerDay: z.number().optional(),
    minOrderUsd: z.number().optional(),
    requireStopLoss: z.boolean(),
    globalBreakerFailures: z.number().optional(),
    globalBreakerWindowSeconds: z.number().optional(),
    globalBreakerCooldownMinutes: z.number().optional(),
  }),
});
const StatsOut = z.object({
  userId: z.number().int(),
  name: z.string(),
  network: z.string(),
  /** The account the figures are of: paper or live (on-chain wallet), and its label. */
  mode: z.enum(['paper', 'live']),
  account: z.string(),
  quoteSymbol: z.string(),
  realizedPnl: z.string(),
  uiRealizedPnl: z.string(),
  unrealizedPnl: z.string().nullable(),
  uiUnrealizedPnl: z.string().nullable(),
  realizedPnlUsd: z.number().nullable(),
  unrealizedPnlUsd: z.number().nullable(),
  /** Total PnL: equity now − starting equity − net flows (same sign as returnPct). */
  pnlUsd: z.number().nullable(),
  /** Realized + unrealized PnL of the trades (a breakdown; not net of fees outside trades). */
  tradePnlUsd: z.number().nullable(),
  /** Today's PnL, net of today's flows. */
  dayPnlUsd: z.number().nullable(),
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
  startEquityUsd: z.number().nullable(),
  highWaterUsd: z.number().nullable(),
  drawdownPct: z.number(),
  depositsUsd: z.number(),
  withdrawalsUsd: z.number(),
  netFlowsUsd: z.number(),
  returnPct: z.number().nullable(),
  /** How returnPct is computed (Modified Dietz, net of flows). */
  returnMethod: z.string(),
  maxDrawdownPct: z.number(),
  since: z.string().nullable(),
  snapshots: z.number().int(),
});

export type { CommandSpec };
export { User };

export const commands = {
  ...lightCommands,
  ...flowCommands,
  ...telegramCommands,
  ...backtestCommands,
  ...copyCommands,
  ...tokenCommands,
  ...strategyStatusCommands,
  ...orderCommands,
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
      network: z.enum(['sandbox', 'devnet', 'mainnet', 'paper-sandbox']),
      rpcEndpoints: z.array(z.string()),
      swapApi: z.string(),
      blockHeight: z.string(),
      sandbox: z.object({ rpcUrl: z.string(), swapApiUrl: z.string(), inProcess: z.boolean() }).nullable(),
      paperSandbox: PaperSandboxOut,
    }),
  }),
  'network.set': command({
    summary: 'Switch this data directory to another network (refused with open positions or unsettled orders)',
    mutates: true,
    sensitive: true,
    input: z
      .object({
        network: z.enum(['sandbox', 'devnet', 'mainnet', 'paper-sandbox']),
        rpcUrls: z.array(z.string().url()).max(8).default([]),
        confirm: z.literal(true, { error: 'Switching networks changes where real funds move: confirm it.' }),
      })
      .strict(),
    output: z.object({
      network: z.enum(['sandbox', 'devnet', 'mainnet', 'paper-sandbox']),
      rpcUrls: z.array(z.string()),
      restartNeeded: z.boolean(),
    }),
  }),
  'wallet.balances': command({
    summary: 'Read balances from the chain (all users, or one) and update activation',
    mutates: true,
    input: z.object({ user: UserRef.optional() }).strict(),
    output: z.object({ balances: z.array(BalancesOut), paper: z.array(PaperAccountOut) }),
  }),
  'paper.account': command({
    summary: "A user's paper account: its book, starting capital and equity (apart from the on-chain wallet)",
    mutates: false,
    input: z.object({ user: UserRef }).strict(),
    output: PaperAccountOut,
  }),
  'paper.reset': command({
    summary:
      "Reset a user's paper account to a starting capital (stored as their paperStartingCapital); the old book leaves as a paper withdrawal, the capital arrives as a paper deposit",
    mutates: true,
    input: z
      .object({
        user: UserRef,
        /** Token symbol → amount, e.g. {"USDC":"1000"}; default: the user's paperStartingCapital. */
        capital: PaperCapitalIn.optional(),
        confirm: z.literal(true, { error: "A reset replaces the paper account's book: confirm it." }),
      })
      .strict(),
    output: z.object({
      paper: PaperAccountOut,
      withdrawnUsd: z.number(),
      depositedUsd: z.number(),
      message: z.string(),
    }),
  }),
  'paper.topUp': command({
    summary: "Add virtual funds to a user's paper account (a paper deposit: not counted as profit)",
    mutates: true,
    input: z.object({ user: UserRef, amounts: PaperCapitalIn }).strict(),
    output: z.object({ paper: PaperAccountOut, depositedUsd: z.number(), message: z.string() }),
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
    output: z.object({
      signatures: z.array(z.string()),
      balances: BalancesOut,
      /** The paper sandbox's faucet tops up the paper account instead: the book after it, and what was added. */
      paper: PaperAccountOut.optional(),
      message: z.string().optional(),
    }),
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
        /** Required (true) when the change switches the user from paper to live mode. */
        confirm: z.boolean().optional(),
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
        /** Required (true) when `mode: 'live'` switches the user from paper to live mode. */
        confirm: z.boolean().optional(),
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
  'positions.close': command({
    summary: 'Close one position at the market (through the same execution path)',
    mutates: true,
    input: z.object({ user: UserRef, positionId: z.number().int().positive() }).strict(),
    output: OrderOutcomeOut,
  }),
  'positions.closeAll': command({
    summary: 'Emergency: flatten every open position of a user and pause their entries until resumed (audited)',
    mutates: true,
    sensitive: true,
    input: z
      .object({
        user: UserRef,
        confirm: z.literal(true, { error: 'Closing everything sells at the market: confirm it.' }),
      })
      .strict(),
    output: z.object({
      results: z.array(z.object({ positionId: z.number().int(), outcome: OrderOutcomeOut })),
      /** The user's strategy entries are paused afterwards (until the operator resumes them). */
      entriesPaused: z.boolean(),
    }),
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
  'breaker.status': command({
    summary: 'The global breaker: whether failures across everyone have paused new entries, and until when',
    mutates: false,
    input: Empty,
    output: GlobalBreakerOut,
  }),
  'breaker.resume': command({
    summary: 'End the global breaker now: new entries resume for everyone before the cooldown runs out',
    mutates: true,
    sensitive: true,
    input: Empty,
    output: GlobalBreakerOut,
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
      /** Optional so a client built before the global breaker still reads the answer. */
      globalBreaker: GlobalBreakerOut.optional(),
      paperSandbox: PaperSandboxOut,
      error: z.string().nullable(),
    }),
  }),
  'market.candles': command({
    summary:
      'Candles of a token (stored live candles and seeded history, with their source), for charts and `harvest candles`',
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
        z.object({
          time: z.number(),
          open: z.number(),
          high: z.number(),
          low: z.number(),
          close: z.number(),
          /** 'live' (built here), 'seed:replay' / 'seed:binance' / 'seed:geckoterminal' (history), 'forming'. */
          source: z.string().optional(),
          /** The source had no data for this bucket: filled flat at the previous close. */
          gap: z.boolean().optional(),
          /** Traded volume, only where the source reports it (seeded history; live candles have none). */
          volume: z.number().optional(),
          /** What `volume` counts: 'token' (the token's units: Binance, replay) or 'usd' (GeckoTerminal). */
          volumeIn: z.enum(['token', 'usd']).optional(),
        }),
      ),
      /** 'replay': times are the sandbox replay's market time (2020-2021), not today's; 'wall': real time. */
      timeKind: z.enum(['replay', 'wall']).optional(),
      /** The market's now on that clock (ms). */
      marketNow: z.number().optional(),
      /** The engine clock's now and the market's speed-up: a wall time t sits at marketNow - (wallNow - t) * speed. */
      wallNow: z.number().optional(),
      speed: z.number().optional(),
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
    input: z.object({ user: UserRef, mode: z.enum(['paper', 'live']).optional() }).strict(),
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
        /** The account (default: the one the user trades now). */
        mode: z.enum(['paper', 'live']).optional(),
      })
      .strict(),
    output: z.object({
      userId: z.number().int(),
      mode: z.enum(['paper', 'live']),
      account: z.string(),
      points: z.array(
        z.object({
          ts: z.string(),
          equityUsd: z.number(),
          highWaterUsd: z.number(),
          drawdownPct: z.number(),
          depositsUsd: z.number(),
          withdrawalsUsd: z.number(),
          /** PnL net of flows at this point: a deposit steps equity, not this. */
          pnlUsd: z.number(),
        }),
      ),
      /** Cash flows in the curve's span, to draw as markers (not as profit). */
      flows: z.array(
        z.object({
          ts: z.string(),
          kind: z.enum(['deposit', 'withdrawal']),
          amountUsd: z.number(),
          equityUsd: z.number().nullable(),
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
          mode: z.enum(['paper', 'live']).nullable(),
        }),
      ),
    }),
  }),
  'prices.status': command({
    summary: 'The trusted price of every token Harvest prices: value, age, agreeing sources, single-source marking',
    mutates: false,
    input: Empty,
    output: z.object({
      tokens: z.array(
        z.object({
          mint: z.string(),
          symbol: z.string().nullable(),
          /** The operator allowed this token to trade on one price source: show it as "single-source price". */
          singleSourcePrice: z.boolean(),
          trusted: z.object({ usd: z.number(), ageMs: z.number(), sources: z.array(z.string()) }).nullable(),
          /** Why there is no trusted price (sources disagree, too few fresh...), or null. */
          untrustedReason: z.string().nullable(),
        }),
      ),
    }),
  }),
  'prices.singleSource': command({
    summary:
      'Allow (or stop allowing) a token without an oracle to trade on a single price source, marked "single-source price"',
    mutates: true,
    input: z
      .object({
        mint: z
          .string()
          .trim()
          .regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/u, 'a token mint address (base58)'),
        allow: z.boolean().default(true),
      })
      .strict(),
    output: z.object({ mint: z.string(), singleSourcePrice: z.boolean() }),
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

// ---- which calls need the operator's second confirmation ---------------------
// Here, beside the table, because the renderer reads it too and may import only the contract.

/**
 * Whether the input asks for live mode: `settings.set mode live` (the value
 * is JSON text or a bare word) or `strategy.set` with `mode: 'live'`. Read
 * through the command's own schema, so what is checked here is what runs.
 */
export function requestsLiveMode(name: CommandName, input: unknown): boolean {
  if (name !== 'settings.set' && name !== 'strategy.set') return false;
  const r = commands[name].input.safeParse(input ?? {});
  if (!r.success) return false;
  if (name === 'strategy.set') return (r.data as { mode?: string }).mode === 'live';
  const { key, value } = r.data as { key: string; value: string };
  if (key !== 'mode') return false;
  let parsed: unknown = value;
  try {
    parsed = JSON.parse(value);
  } catch {
    // a bare word stays a string, as the handler reads it
  }
  return parsed === 'live';
}

/**
 * Whether a call needs the operator's second confirmation (the host's
 * single-use confirmation, the desktop's native dialog): sensitive commands
 * always, and a settings change that asks for live mode, because from then on
 * the friend's orders are real swaps. The engine itself also refuses a
 * paper-to-live switch without `confirm: true`, so no transport can skip it.
 */
export function needsConfirmation(name: CommandName, input: unknown): boolean {
  return (commands[name] as { sensitive?: boolean }).sensitive === true || requestsLiveMode(name, input);
}
