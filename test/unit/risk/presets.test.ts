/**
 * Risk settings (issue #5, item 4): presets inside the hard bounds, custom
 * values validated against them, and global limits overriding user values.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  effectiveLimits,
  GlobalLimitsSchema,
  HARD_BOUNDS,
  presetSettings,
  RISK_LIMIT_KEYS,
  RISK_PRESET_NAMES,
  RISK_PRESETS,
  RiskLimitsSchema,
  setRiskValue,
  userRiskLimits,
  type RiskLimits,
} from '../../../engine/risk';
import { UserSettingsSchema } from '../../../engine/users/settings';

const flat = (l: RiskLimits): Record<string, number> => ({
  maxPositionPctEquity: l.maxPositionPctEquity,
  maxPositionUsd: l.maxPositionUsd,
  maxConcurrentPositions: l.maxConcurrentPositions,
  maxDailyLossPct: l.maxDailyLossPct,
  maxDailyLossUsd: l.maxDailyLossUsd,
  maxDrawdownPct: l.maxDrawdownPct,
  maxTradesPerDay: l.maxTradesPerDay,
  lossStreakLosses: l.lossStreak.losses,
  lossStreakWindowMinutes: l.lossStreak.windowMinutes,
  lossStreakPauseMinutes: l.lossStreak.pauseMinutes,
  cooldownMinutes: l.cooldownMinutes,
  minOrderUsd: l.minOrderUsd,
  maxOrderUsd: l.maxOrderUsd,
});

describe('presets', () => {
  test.each(RISK_PRESET_NAMES)('%s lies inside every hard bound and parses', (name) => {
    const p = RISK_PRESETS[name];
    expect(RiskLimitsSchema.safeParse(p).success).toBe(true);
    for (const [k, v] of Object.entries(flat(p))) {
      const [lo, hi] = HARD_BOUNDS[k as keyof typeof HARD_BOUNDS];
      expect(v, k).toBeGreaterThanOrEqual(lo);
      expect(v, k).toBeLessThanOrEqual(hi);
    }
    expect(p.stopLossRequired).toBe(true);
  });

  test('presets are ordered: conservative is tighter than moderate, moderate than aggressive', () => {
    const [c, m, a] = [RISK_PRESETS.conservative, RISK_PRESETS.moderate, RISK_PRESETS.aggressive];
    for (const k of [
      'maxPositionPctEquity',
      'maxPositionUsd',
      'maxConcurrentPositions',
      'maxDailyLossPct',
      'maxDrawdownPct',
      'maxTradesPerDay',
      'maxOrderUsd',
    ] as const) {
      expect(c[k], k).toBeLessThan(m[k]);
      expect(m[k], k).toBeLessThan(a[k]);
    }
  });

  test('a new user gets the moderate preset; `preset NAME` sets every value of that preset', () => {
    const s = UserSettingsSchema.parse({});
    expect(s.risk.preset).toBe('moderate');
    expect(userRiskLimits(s.risk)).toEqual(RISK_PRESETS.moderate);
    const r = setRiskValue(s.risk, 'preset', 'conservative');
    expect(r.ok && r.risk).toEqual({ preset: 'conservative', ...RISK_PRESETS.conservative });
    expect(userRiskLimits(r.ok ? r.risk : undefined)).toEqual(RISK_PRESETS.conservative);
    expect(setRiskValue(s.risk, 'preset', 'yolo')).toMatchObject({
      ok: false,
      message: expect.stringContaining('Unknown preset'),
    });
  });
});

describe('custom values', () => {
  test('setting one value makes the section custom, keeps the other values in force, and parses in user settings', () => {
    const r = setRiskValue({ preset: 'aggressive' }, 'maxDailyLossPct', 3);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.risk.preset).toBe('custom');
    expect(userRiskLimits(r.risk)).toEqual({ ...RISK_PRESETS.aggressive, maxDailyLossPct: 3 });
    const s = UserSettingsSchema.parse({ risk: r.risk });
    expect(userRiskLimits(s.risk).maxDailyLossPct).toBe(3);
    const nested = setRiskValue(r.risk, 'lossStreak.losses', 5);
    expect(nested.ok && userRiskLimits(nested.risk).lossStreak).toEqual({
      ...RISK_PRESETS.aggressive.lossStreak,
      losses: 5,
    });
  });

  const keys = Object.keys(HARD_BOUNDS) as (keyof typeof HARD_BOUNDS)[];
  const pathOf = (k: string): string =>
    k.startsWith('lossStreak') ? `lossStreak.${k[10]!.toLowerCase()}${k.slice(11)}` : k;

  test.each(keys)('%s outside its hard bounds is refused with a sentence naming the bound', (k) => {
    const [lo, hi] = HARD_BOUNDS[k];
    for (const bad of [lo >= 1 || lo === 0 ? lo - 1 : lo / 2, hi + 1]) {
      const r = setRiskValue({ preset: 'moderate' }, pathOf(k), bad);
      expect(r.ok, `${k}=${bad}`).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/at (least|most)/u);
    }
  });

  test('property: any value inside the bounds is accepted, any outside refused (per key)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.double({ min: -1e7, max: 2e6, noNaN: true }), (k, v) => {
        const [lo, hi] = HARD_BOUNDS[k];
        const isInt = [
          'maxConcurrentPositions',
          'maxTradesPerDay',
          'lossStreakLosses',
          'lossStreakWindowMinutes',
          'lossStreakPauseMinutes',
          'cooldownMinutes',
        ].includes(k);
        const value = isInt ? Math.round(v) : v;
        // min/max order must also stay ordered; test them against a custom section with wide room.
        const base = setRiskValue({ preset: 'moderate' }, 'minOrderUsd', 0.01);
        const base2 = base.ok ? setRiskValue(base.risk, 'maxOrderUsd', 1_000_000) : base;
        if (!base2.ok) throw new Error('setup');
        const r = setRiskValue(base2.risk, pathOf(k), value);
        const inside = value >= lo && value <= hi;
        expect(r.ok).toBe(inside);
      }),
      { numRuns: 400 },
    );
  });

  test('nonsense is refused: unknown keys, wrong types, min above max, and an incomplete custom section', () => {
    expect(setRiskValue(undefined, 'maxLeverage', 10)).toMatchObject({
      ok: false,
      message: expect.stringContaining('Unknown risk setting'),
    });
    expect(setRiskValue(undefined, 'maxDrawdownPct', 'ten').ok).toBe(false);
    expect(setRiskValue(undefined, 'stopLossRequired', 'no').ok).toBe(false);
    expect(setRiskValue(undefined, 'minOrderUsd', 600)).toMatchObject({
      ok: false,
      message: expect.stringContaining('must not exceed maxOrderUsd'),
    });
    expect(UserSettingsSchema.safeParse({ risk: { preset: 'custom', maxDrawdownPct: 10 } }).success).toBe(false);
    expect(UserSettingsSchema.safeParse({ risk: { preset: 'moderate', typo: 1 } }).success).toBe(false);
    expect(
      UserSettingsSchema.safeParse({ risk: { ...presetSettings('moderate'), preset: 'custom', maxDrawdownPct: 95 } })
        .success,
    ).toBe(false);
  });
});

describe('global limits', () => {
  test('a global cap overrides a larger user value, and marks it as the operator’s', () => {
    const user = RISK_PRESETS.aggressive;
    const g = GlobalLimitsSchema.parse({
      maxOrderUsd: 200,
      maxPositionUsd: 1_000,
      maxDrawdownPct: 15,
      minOrderUsd: 10,
    });
    const l = effectiveLimits(user, g);
    expect(l.maxOrderUsd).toBe(200);
    expect(l.maxPositionUsd).toBe(1_000);
    expect(l.maxDrawdownPct).toBe(15);
    expect(l.minOrderUsd).toBe(10);
    expect([...l.fromGlobal].sort()).toEqual(['maxDrawdownPct', 'maxOrderUsd', 'maxPositionUsd', 'minOrderUsd']);
    // A user value already below the cap stays the user's.
    const c = effectiveLimits(RISK_PRESETS.conservative, g);
    expect(c.maxOrderUsd).toBe(RISK_PRESETS.conservative.maxOrderUsd);
    expect(c.fromGlobal.has('maxOrderUsd')).toBe(false);
  });

  test('property: effective values never exceed a global cap nor the user value', () => {
    const capKeys = [
      'maxOrderUsd',
      'maxPositionUsd',
      'maxPositionPctEquity',
      'maxDailyLossPct',
      'maxDrawdownPct',
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...RISK_PRESET_NAMES),
        fc.constantFrom(...capKeys),
        fc.double({ min: 1, max: 50, noNaN: true }),
        (p, k, cap) => {
          const l = effectiveLimits(RISK_PRESETS[p], GlobalLimitsSchema.parse({ [k]: cap }));
          expect(l[k]).toBeLessThanOrEqual(cap);
          expect(l[k]).toBeLessThanOrEqual(RISK_PRESETS[p][k]);
          expect(l[k]).toBe(Math.min(cap, RISK_PRESETS[p][k]));
        },
      ),
    );
  });

  test('requireStopLoss (on by default) overrides a user who turned stop-losses off', () => {
    const r = setRiskValue(undefined, 'stopLossRequired', false);
    expect(r.ok).toBe(true);
    const user = userRiskLimits(r.ok ? r.risk : undefined);
    expect(user.stopLossRequired).toBe(false);
    expect(effectiveLimits(user, GlobalLimitsSchema.parse({})).stopLossRequired).toBe(true);
    expect(effectiveLimits(user, GlobalLimitsSchema.parse({ requireStopLoss: false })).stopLossRequired).toBe(false);
    expect(GlobalLimitsSchema.safeParse({ maxOrderUsd: 0 }).success).toBe(false);
    expect(GlobalLimitsSchema.safeParse({ maxOrdrUsd: 10 }).success).toBe(false);
  });

  test('every limit key is covered by the presets', () => {
    for (const name of RISK_PRESET_NAMES)
      expect(Object.keys(RISK_PRESETS[name]).sort()).toEqual([...RISK_LIMIT_KEYS].sort());
  });
});
