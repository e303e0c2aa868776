import { z } from 'zod';
// The plain token table, not tokens.ts: settings are read by every command, light ones too (no @solana/kit).
import { tokenRowByMint, tokenRowBySymbol } from '../market/token-table';
import { HarvestError } from '../kernel/errors';
import { RiskSettingsSchema } from '../risk/presets';

/** A whole number of base units as text; Solana amounts are u64, so a larger cap or minimum means nothing. */
const u64Text = (what: string) =>
  z
    .string()
    .regex(/^\d+$/u, what)
    .refine(
      (v) => !/^\d+$/u.test(v) || BigInt(v) < 2n ** 64n,
      'at most 18446744073709551615 (the largest Solana amount)',
    );

/** The most a friend may allow per swap for the priority fee, and for a Jito tip (the keystore's fee limit is 0.01 SOL). */
export const MAX_PRIORITY_FEE_SOL = '0.005';
export const MAX_JITO_TIP_SOL = '0.005';

/** "0.001" SOL -> 1000000 lamports, exactly (no float on the way). */
export function solToLamports(sol: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/u.exec(sol);
  if (!m) throw new HarvestError('INVALID_INPUT', `"${sol}" is not an amount of SOL.`);
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** An amount of SOL as decimal text, from `min` lamports up to `max` SOL. */
const solAmount = (max: string, min = 0n) => {
  const re = /^\d{1,3}(\.\d{1,9})?$/u;
  return z
    .string()
    .regex(re, 'an amount of SOL such as 0.001')
    .refine((v) => !re.test(v) || solToLamports(v) <= solToLamports(max), `at most ${max} SOL`)
    .refine((v) => !re.test(v) || solToLamports(v) >= min, `at least ${Number(min) / 1e9} SOL`);
};

/**
 * A paper account's starting capital (like Freqtrade's dry_run_wallet): per
 * token symbol, a decimal amount. It is the paper account's opening deposit;
 * the paper book never borrows the on-chain wallet's balances.
 */
export const PaperCapitalSchema = z
  .record(z.string(), z.string().regex(/^\d{1,12}(\.\d{1,9})?$/u, 'a decimal amount such as 1000 or 2.5'))
  .refine((c) => Object.keys(c).every((k) => (tokenRowBySymbol(k) ?? tokenRowByMint(k)) !== null), {
    message: 'every key is a known token symbol (SOL, USDC, ...)',
  })
  .refine((c) => Object.keys(c).length <= 10, { message: 'at most 10 tokens' });
export type PaperCapital = z.infer<typeof PaperCapitalSchema>;
export const DEFAULT_PAPER_CAPITAL: PaperCapital = { USDC: '1000' };

/**
 * A user's settings as stored (JSON, versioned for optimistic locking). Later
 * parts of the engine (risk, strategy, notifications) read their sections from
 * here. Reading drops keys it does not know (an older build may have stored a
 * misspelt one); writing refuses them (see unknownSettingKey), so a typo such
 * as `maxOrderUSD` can never be mistaken for a limit that is in force.
 */
export const UserSettingsSchema = z
  .object({
    mode: z.enum(['paper', 'live']).default('paper'),
    quoteAsset: z.enum(['USDC', 'SOL']).default('USDC'),
    /** What a paper account opens (and resets) with; see PaperCapitalSchema. */
    paperStartingCapital: PaperCapitalSchema.default(DEFAULT_PAPER_CAPITAL),
    /** Below this SOL balance (lamports) the engine does not trade for the user. */
    minTradingBalanceLamports: u64Text('a whole number of lamports').default('10000000'),
    riskPreset: z.enum(['conservative', 'moderate', 'aggressive', 'custom']).default('moderate'),
    /** Risk limits (engine/risk/presets.ts): a preset, or custom values inside hard bounds. */
    risk: RiskSettingsSchema.default({ preset: 'moderate' }),
    /** The strategy the engine runs for this user; changes apply from the next cycle. */
    strategy: z
      .object({
        enabled: z.boolean().default(false),
        id: z.string().default('trend'),
        params: z.record(z.string(), z.unknown()).default({}),
        tokens: z.array(z.string().min(1)).min(1).max(10).default(['SOL']),
      })
      .default({ enabled: false, id: 'trend', params: {}, tokens: ['SOL'] }),
    /** Execution: the largest single order (USD notional), default slippage, the price impact that is too much. */
    maxOrderUsd: z.number().positive().max(10_000_000).default(500),
    slippageBps: z.number().int().min(1).max(5_000).default(50),
    maxPriceImpactBps: z.number().int().min(1).max(5_000).default(100),
    /**
     * With no fresh trusted price, an exit still sells, but only above a floor from the last
     * trusted price, and only while that price is at most this old; beyond it the exit is STUCK.
     */
    exitPriceMaxAgeSec: z.number().int().min(10).max(86_400).default(300),
    /** Consecutive failed executions that pause this user (the breaker). */
    breakerFailures: z.number().int().min(1).max(100).default(3),
    /** Output mints with a freeze authority that this user still accepts (beyond the known stablecoins). */
    freezeAuthorityAllowlist: z.array(z.string()).default([]),
    /** Per asset ('SOL' or a mint), the most that may leave the wallet in 24 h, in base units; defaults per token. */
    withdrawalDailyCaps: z.record(z.string(), u64Text('a whole number of base units')).default({}),
    /**
     * Swap outflow caps checked by the keystore before it signs, per INPUT asset ('SOL' or a mint), in
     * base units: the most one swap may move out, and the most all swaps may move out in a rolling
     * 24 h. Assets not listed use engine/keystore/outflow.ts defaultTradingCaps (0 for unknown tokens).
     */
    tradingCaps: z
      .object({
        perTransaction: z.record(z.string(), u64Text('a whole number of base units')).default({}),
        daily: z.record(z.string(), u64Text('a whole number of base units')).default({}),
      })
      .default({ perTransaction: {}, daily: {} }),
    /**
     * Landing control (issue #14): the compute-unit price is a percentile of getRecentPrioritizationFees
     * over the swap's writable accounts (low 25th, medium 50th, high 75th) or a custom price, never more
     * than maxPriorityFeeSol per swap; with mevProtection the swap carries one Jito tip (jitoTipSol) and
     * is sent through the block engine. Priority fees and tips are fees in every figure.
     */
    landing: z
      .object({
        priorityLevel: z.enum(['low', 'medium', 'high', 'custom']).default('medium'),
        /** The compute-unit price in micro-lamports when priorityLevel is custom. */
        customMicroLamports: z.number().int().min(0).max(100_000_000).default(0),
        maxPriorityFeeSol: solAmount(MAX_PRIORITY_FEE_SOL).default('0.001'),
        mevProtection: z.boolean().default(false),
        // Jito's block engine drops a bundle tipping less than 1000 lamports.
        jitoTipSol: solAmount(MAX_JITO_TIP_SOL, 1000n).default('0.0001'),
      })
      .default({
        priorityLevel: 'medium',
        customMicroLamports: 0,
        maxPriorityFeeSol: '0.001',
        mevProtection: false,
        jitoTipSol: '0.0001',
      }),
    /** Which of this user's events alert the operator (OS notifications, tray): none, or those at or above a severity, less the muted types. */
    notifications: z
      .object({
        enabled: z.boolean().default(true),
        minSeverity: z.enum(['info', 'warning', 'critical']).default('warning'),
        muted: z.array(z.string()).default([]),
      })
      .default({ enabled: true, minSeverity: 'warning', muted: [] }),
  })
  .strip();

export type UserSettings = z.infer<typeof UserSettingsSchema>;

export function defaultUserSettings(): UserSettings {
  return UserSettingsSchema.parse({});
}

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;

/** Whether an event of this user should alert, by their notification settings. */
export function shouldAlert(
  settings: Pick<UserSettings, 'notifications'>,
  event: { type: string; severity: 'info' | 'warning' | 'critical' },
): boolean {
  const n = settings.notifications;
  return n.enabled && SEVERITY_RANK[event.severity] >= SEVERITY_RANK[n.minSeverity] && !n.muted.includes(event.type);
}

/** The top-level settings a user has (what `settings.set KEY` accepts, besides `risk.X`). */
export const USER_SETTING_KEYS: readonly string[] = Object.keys(UserSettingsSchema.shape);

/** Keys that would reach an object's prototype machinery if ever assigned; never a setting, at any depth. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface UnknownSettingKey {
  /** Dotted path of the unknown key, e.g. `maxOrderUSD` or `notifications.sound`. */
  path: string;
  /** The keys allowed where it was found (empty where no key of that name is ever allowed). */
  known: string[];
}

/**
 * The first key in a candidate settings object that the schema does not know,
 * or null. Walks the zod schema alongside the value, so a section added to the
 * schema is known here without a second list to keep in step. Free-form
 * records (strategy params, per-asset caps) are checked by their own
 * validators, except that prototype-reaching names are refused anywhere.
 * Only own keys are looked at: `"constructor" in {}` is true, a known key it is not.
 */
export function unknownSettingKey(value: unknown): UnknownSettingKey | null {
  return walk(value, UserSettingsSchema, []);
}

/** A sentence naming the unknown key and the keys that are allowed there. */
export function describeUnknownSetting(u: UnknownSettingKey): string {
  const where = u.path.includes('.') ? ` under ${u.path.slice(0, u.path.lastIndexOf('.'))}` : '';
  return u.known.length > 0
    ? `Unknown setting "${u.path}". Known${where}: ${u.known.join(', ')}.`
    : `"${u.path}" cannot be a setting.`;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
    s = s.unwrap() as z.ZodType;
  }
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : null;
}

function walk(value: unknown, schema: z.ZodType | null, path: string[]): UnknownSettingKey | null {
  if (typeof value !== 'object' || value === null) return null;
  const shape = schema ? objectShape(schema) : null;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  // Own names only, which include a JSON-parsed "__proto__" (an own property, unlike `{}.__proto__`).
  const keys = Array.isArray(value) ? [] : Object.getOwnPropertyNames(value);
  for (const k of keys) {
    if (FORBIDDEN_KEYS.has(k)) return { path: [...path, k].join('.'), known: [] };
    if (shape && !Object.hasOwn(shape, k)) return { path: [...path, k].join('.'), known: Object.keys(shape) };
  }
  for (const [k, v] of entries) {
    const found = walk(v, shape ? (shape[k] ?? null) : null, [...path, k]);
    if (found) return found;
  }
  return null;
}

/**
 * Paper to live is the one settings change that puts a friend's real funds to
 * work, so every path (CLI --confirm, the host's two-step confirmation, the
 * desktop's native dialog) must have asked first and say so with `confirm`.
 * Live to live, or going back to paper, needs nothing.
 */
export function assertLiveConfirmed(
  userName: string,
  before: { mode: string },
  after: { mode: string },
  confirm: boolean | undefined,
): void {
  if (before.mode !== 'live' && after.mode === 'live' && confirm !== true) {
    throw new HarvestError(
      'CONFIRMATION_REQUIRED',
      `Switching "${userName}" to live mode makes their orders real swaps with the funds in their wallet: confirm it explicitly.`,
    );
  }
}
