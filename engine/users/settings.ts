import { z } from 'zod';
import { tokenBySymbol } from '../market/tokens';
import { RiskSettingsSchema } from '../risk/presets';

/**
 * A paper account's starting capital (like Freqtrade's dry_run_wallet): per
 * token symbol, a decimal amount. It is the paper account's opening deposit;
 * the paper book never borrows the on-chain wallet's balances.
 */
export const PaperCapitalSchema = z
  .record(z.string(), z.string().regex(/^\d{1,12}(\.\d{1,9})?$/u, 'a decimal amount such as 1000 or 2.5'))
  .refine((c) => Object.keys(c).every((k) => tokenBySymbol(k) !== null), {
    message: 'every key is a known token symbol (SOL, USDC, ...)',
  })
  .refine((c) => Object.keys(c).length <= 10, { message: 'at most 10 tokens' });
export type PaperCapital = z.infer<typeof PaperCapitalSchema>;
export const DEFAULT_PAPER_CAPITAL: PaperCapital = { USDC: '1000' };

/**
 * A user's settings as stored (JSON, versioned for optimistic locking). Later
 * parts of the engine (risk, strategy, notifications) read their sections from
 * here; unknown future keys are kept as they are.
 */
export const UserSettingsSchema = z
  .object({
    mode: z.enum(['paper', 'live']).default('paper'),
    quoteAsset: z.enum(['USDC', 'SOL']).default('USDC'),
    /** What a paper account opens (and resets) with; see PaperCapitalSchema. */
    paperStartingCapital: PaperCapitalSchema.default(DEFAULT_PAPER_CAPITAL),
    /** Below this SOL balance (lamports) the engine does not trade for the user. */
    minTradingBalanceLamports: z.string().regex(/^\d+$/u, 'a whole number of lamports').default('10000000'),
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
    withdrawalDailyCaps: z.record(z.string(), z.string().regex(/^\d+$/u)).default({}),
    /**
     * Swap outflow caps checked by the keystore before it signs, per INPUT asset ('SOL' or a mint), in
     * base units: the most one swap may move out, and the most all swaps may move out in a rolling
     * 24 h. Assets not listed use engine/keystore/outflow.ts defaultTradingCaps (0 for unknown tokens).
     */
    tradingCaps: z
      .object({
        perTransaction: z.record(z.string(), z.string().regex(/^\d+$/u)).default({}),
        daily: z.record(z.string(), z.string().regex(/^\d+$/u)).default({}),
      })
      .default({ perTransaction: {}, daily: {} }),
    /** Which of this user's events alert the operator (OS notifications, tray): none, or those at or above a severity, less the muted types. */
    notifications: z
      .object({
        enabled: z.boolean().default(true),
        minSeverity: z.enum(['info', 'warning', 'critical']).default('warning'),
        muted: z.array(z.string()).default([]),
      })
      .default({ enabled: true, minSeverity: 'warning', muted: [] }),
  })
  .loose();

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
