import { z } from 'zod';
import { HARD_BOUNDS } from './hard-bounds';

/**
 * Per-user risk limits (issue #5, item 4): three presets and custom values,
 * every value inside HARD BOUNDS that no preset, user or operator can leave.
 * Global (operator) limits in the meta table override any user value.
 *
 * This module imports nothing but zod (and the bounds beside it): user settings embed its schema.
 */

export const RISK_PRESET_NAMES = ['conservative', 'moderate', 'aggressive'] as const;
export type RiskPresetName = (typeof RISK_PRESET_NAMES)[number];
export type RiskPresetChoice = RiskPresetName | 'custom';

export { HARD_BOUNDS };

const bounded = (key: keyof typeof HARD_BOUNDS, int = false) => {
  const [lo, hi] = HARD_BOUNDS[key];
  const base = int ? z.number().int(`${key} must be a whole number`) : z.number();
  return base.min(lo, `${key} must be at least ${lo}`).max(hi, `${key} must be at most ${hi}`);
};

/** A whole number within [lo, hi] that is not a per-user limit (so not in HARD_BOUNDS). */
const wholeIn = (key: string, lo: number, hi: number) =>
  z
    .number()
    .int(`${key} must be a whole number`)
    .min(lo, `${key} must be at least ${lo}`)
    .max(hi, `${key} must be at most ${hi}`);

/** What a custom `risk` section stored before maxExposurePct existed means: all of equity may be in positions. */
export const MAX_EXPOSURE_PCT_UNSET = 100;

export const LossStreakSchema = z
  .object({
    /** Losing closes within the window that trigger the guard (Freqtrade's StoplossGuard trade_limit). */
    losses: bounded('lossStreakLosses', true),
    windowMinutes: bounded('lossStreakWindowMinutes', true),
    /** How long entries stay blocked after the losing close that completed the streak. */
    pauseMinutes: bounded('lossStreakPauseMinutes', true),
  })
  .strict();

const limitsShape = {
  /** The largest position (existing + this order) as a share of equity, percent. */
  maxPositionPctEquity: bounded('maxPositionPctEquity'),
  /** The largest position (existing + this order), USD. */
  maxPositionUsd: bounded('maxPositionUsd'),
  maxConcurrentPositions: bounded('maxConcurrentPositions', true),
  /**
   * Max exposure: every open position together (after this order) as a share of equity, percent. Later
   * than the other limits, so custom settings stored before it read as 100 (no limit beyond the others).
   */
  maxExposurePct: bounded('maxExposurePct').default(MAX_EXPOSURE_PCT_UNSET),
  /** Loss since the start of the UTC day, percent of start-of-day equity; when hit, no entries until the next UTC day. */
  maxDailyLossPct: bounded('maxDailyLossPct'),
  maxDailyLossUsd: bounded('maxDailyLossUsd'),
  /** Drop from the equity high-water mark, percent; when hit, the user is paused until the operator resumes them. */
  maxDrawdownPct: bounded('maxDrawdownPct'),
  /** Entries (buys) per UTC day. */
  maxTradesPerDay: bounded('maxTradesPerDay', true),
  lossStreak: LossStreakSchema,
  /** Minutes after a position in a token closes before the next entry in that token. */
  cooldownMinutes: bounded('cooldownMinutes', true),
  minOrderUsd: bounded('minOrderUsd'),
  maxOrderUsd: bounded('maxOrderUsd'),
  /** Every entry names a stop-loss below the current price. */
  stopLossRequired: z.boolean(),
};

const crossChecks = (l: { minOrderUsd: number; maxOrderUsd: number }, ctx: z.RefinementCtx): void => {
  if (l.minOrderUsd > l.maxOrderUsd) {
    ctx.addIssue({
      code: 'custom',
      path: ['minOrderUsd'],
      message: `minOrderUsd (${l.minOrderUsd}) must not exceed maxOrderUsd (${l.maxOrderUsd})`,
    });
  }
};

export const RiskLimitsSchema = z.object(limitsShape).strict().superRefine(crossChecks);
export type RiskLimits = z.infer<typeof RiskLimitsSchema>;

export const RISK_PRESETS: Record<RiskPresetName, RiskLimits> = {
  conservative: {
    maxPositionPctEquity: 10,
    maxPositionUsd: 250,
    maxConcurrentPositions: 3,
    maxExposurePct: 30,
    maxDailyLossPct: 2,
    maxDailyLossUsd: 100,
    maxDrawdownPct: 10,
    maxTradesPerDay: 10,
    lossStreak: { losses: 2, windowMinutes: 240, pauseMinutes: 720 },
    cooldownMinutes: 60,
    minOrderUsd: 5,
    maxOrderUsd: 100,
    stopLossRequired: true,
  },
  moderate: {
    maxPositionPctEquity: 25,
    maxPositionUsd: 1_000,
    maxConcurrentPositions: 5,
    maxExposurePct: 80,
    maxDailyLossPct: 5,
    maxDailyLossUsd: 500,
    maxDrawdownPct: 20,
    maxTradesPerDay: 25,
    lossStreak: { losses: 3, windowMinutes: 240, pauseMinutes: 360 },
    cooldownMinutes: 30,
    minOrderUsd: 5,
    maxOrderUsd: 500,
    stopLossRequired: true,
  },
  aggressive: {
    maxPositionPctEquity: 50,
    maxPositionUsd: 5_000,
    maxConcurrentPositions: 10,
    maxExposurePct: 100,
    maxDailyLossPct: 10,
    maxDailyLossUsd: 2_500,
    maxDrawdownPct: 35,
    maxTradesPerDay: 100,
    lossStreak: { losses: 4, windowMinutes: 120, pauseMinutes: 120 },
    cooldownMinutes: 10,
    minOrderUsd: 1,
    maxOrderUsd: 2_500,
    stopLossRequired: true,
  },
};

export const RISK_LIMIT_KEYS = Object.keys(limitsShape) as (keyof RiskLimits)[];

/**
 * The `risk` section of user settings: a preset name and, for 'custom', the
 * values. A named preset always means that preset's values (stored values are
 * a copy for display); 'custom' means the stored values, validated in full.
 */
export const RiskSettingsSchema = z
  .object(limitsShape)
  .partial()
  .extend({ preset: z.enum(['conservative', 'moderate', 'aggressive', 'custom']).default('moderate') })
  .strict()
  .superRefine((s, ctx) => {
    if (s.preset !== 'custom') return;
    // maxExposurePct came later: a custom section without it stays valid (it reads as MAX_EXPOSURE_PCT_UNSET).
    const missing = RISK_LIMIT_KEYS.filter((k) => s[k] === undefined && k !== 'maxExposurePct');
    if (missing.length > 0)
      ctx.addIssue({ code: 'custom', message: `custom risk settings need every value; missing ${missing.join(', ')}` });
    else crossChecks(s as RiskLimits, ctx);
  });

export type RiskSettings = z.infer<typeof RiskSettingsSchema>;

/** The limits a `risk` section stands for (before global limits). */
export function userRiskLimits(risk: RiskSettings | undefined): RiskLimits {
  if (!risk || risk.preset !== 'custom')
    return structuredClone(RISK_PRESETS[(risk?.preset as RiskPresetName | undefined) ?? 'moderate']);
  return RiskLimitsSchema.parse(Object.fromEntries(RISK_LIMIT_KEYS.map((k) => [k, risk[k]])));
}

export function presetSettings(name: RiskPresetName): RiskSettings {
  return { preset: name, ...structuredClone(RISK_PRESETS[name]) };
}

/**
 * Changes one limit (a dotted key under `risk`, e.g. 'maxDailyLossPct' or
 * 'lossStreak.losses'): the section becomes custom, starting from the values
 * in force. 'preset' with a preset name applies that preset instead.
 * Returns the new section or a sentence saying what is wrong.
 */
export function setRiskValue(
  current: RiskSettings | undefined,
  key: string,
  value: unknown,
): { ok: true; risk: RiskSettings } | { ok: false; message: string } {
  if (key === 'preset') {
    if (typeof value === 'string' && (RISK_PRESET_NAMES as readonly string[]).includes(value))
      return { ok: true, risk: presetSettings(value as RiskPresetName) };
    if (value === 'custom') return { ok: true, risk: { ...userRiskLimits(current), preset: 'custom' } };
    return {
      ok: false,
      message: `Unknown preset "${String(value)}". Choose ${RISK_PRESET_NAMES.join(', ')} (or set single values to go custom).`,
    };
  }
  const path = key.split('.');
  const next: Record<string, unknown> = { ...structuredClone(userRiskLimits(current)) };
  let node: Record<string, unknown> = next;
  for (let i = 0; i < path.length - 1; i++) {
    // Own keys only: `risk.__proto__.toString` must not walk into (and write to) Object.prototype.
    const child = Object.hasOwn(node, path[i]!) ? node[path[i]!] : undefined;
    if (typeof child !== 'object' || child === null)
      return { ok: false, message: `Unknown risk setting "${key}". Known: ${RISK_LIMIT_KEYS.join(', ')}.` };
    node = child as Record<string, unknown>;
  }
  const leaf = path[path.length - 1]!;
  if (!Object.hasOwn(node, leaf))
    return {
      ok: false,
      message: `Unknown risk setting "${key}". Known: ${RISK_LIMIT_KEYS.join(', ')}, lossStreak.losses, lossStreak.windowMinutes, lossStreak.pauseMinutes.`,
    };
  node[leaf] = value;
  const r = RiskLimitsSchema.safeParse(next);
  if (!r.success) return { ok: false, message: r.error.issues.map((i) => i.message).join('; ') };
  return { ok: true, risk: { preset: 'custom', ...r.data } };
}

// ---- global (operator) limits ----------------------------------------------

export const GLOBAL_LIMITS_META_KEY = 'risk.globalLimits';

/**
 * Operator-level caps for everyone: a user value above a cap is replaced by
 * the cap (minOrderUsd is a floor); requireStopLoss overrides a user's false.
 * Each cap sits inside the same hard bounds.
 */
export const GlobalLimitsSchema = z
  .object({
    maxOrderUsd: bounded('maxOrderUsd').optional(),
    maxPositionUsd: bounded('maxPositionUsd').optional(),
    maxPositionPctEquity: bounded('maxPositionPctEquity').optional(),
    maxConcurrentPositions: bounded('maxConcurrentPositions', true).optional(),
    maxExposurePct: bounded('maxExposurePct').optional(),
    maxDailyLossPct: bounded('maxDailyLossPct').optional(),
    maxDailyLossUsd: bounded('maxDailyLossUsd').optional(),
    maxDrawdownPct: bounded('maxDrawdownPct').optional(),
    maxTradesPerDay: bounded('maxTradesPerDay', true).optional(),
    minOrderUsd: bounded('minOrderUsd').optional(),
    requireStopLoss: z.boolean().default(true),
    /** The global breaker (engine/risk/global-breaker.ts): failures across everyone within the window trip it. Unset = its defaults. */
    globalBreakerFailures: wholeIn('globalBreakerFailures', 1, 1_000).optional(),
    globalBreakerWindowSeconds: wholeIn('globalBreakerWindowSeconds', 1, 86_400).optional(),
    globalBreakerCooldownMinutes: wholeIn('globalBreakerCooldownMinutes', 1, 10_080).optional(),
  })
  .strict();
export type GlobalLimits = z.infer<typeof GlobalLimitsSchema>;
export const GLOBAL_LIMIT_KEYS = Object.keys(GlobalLimitsSchema.shape) as (keyof GlobalLimits)[];

export function parseGlobalLimits(json: string | null): GlobalLimits {
  if (json === null) return GlobalLimitsSchema.parse({});
  return GlobalLimitsSchema.parse(JSON.parse(json));
}

/** The limits in force for one user, and which of them the operator's caps decided. */
export interface EffectiveLimits extends RiskLimits {
  /** Keys whose value comes from a global limit (a refusal on them reads GLOBAL_LIMIT). */
  fromGlobal: ReadonlySet<string>;
}

type CapKey =
  | 'maxOrderUsd'
  | 'maxPositionUsd'
  | 'maxPositionPctEquity'
  | 'maxConcurrentPositions'
  | 'maxExposurePct'
  | 'maxDailyLossPct'
  | 'maxDailyLossUsd'
  | 'maxDrawdownPct'
  | 'maxTradesPerDay';
const CAP_KEYS: readonly CapKey[] = [
  'maxOrderUsd',
  'maxPositionUsd',
  'maxPositionPctEquity',
  'maxConcurrentPositions',
  'maxExposurePct',
  'maxDailyLossPct',
  'maxDailyLossUsd',
  'maxDrawdownPct',
  'maxTradesPerDay',
];

export function effectiveLimits(user: RiskLimits, global: GlobalLimits): EffectiveLimits {
  const out: RiskLimits = structuredClone(user);
  const fromGlobal = new Set<string>();
  for (const k of CAP_KEYS) {
    const cap = global[k];
    if (cap !== undefined && cap < out[k]) {
      out[k] = cap;
      fromGlobal.add(k);
    }
  }
  if (global.minOrderUsd !== undefined && global.minOrderUsd > out.minOrderUsd) {
    out.minOrderUsd = global.minOrderUsd;
    fromGlobal.add('minOrderUsd');
  }
  if (global.requireStopLoss && !out.stopLossRequired) {
    out.stopLossRequired = true;
    fromGlobal.add('stopLossRequired');
  }
  return { ...out, fromGlobal };
}
