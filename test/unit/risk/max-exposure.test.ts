/**
 * Max exposure (issue #9, item 5): every open position together, after an
 * entry, as a share of equity. The real gate (standardRiskGate) refuses an
 * entry above it with MAX_EXPOSURE and a sentence naming the friend and the
 * amounts; the sizer sizes to the room left under it, so what it sizes passes.
 */
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../../engine/kernel/clock';
import { riskFormatters } from '../../../engine/cli/risk-format';
import { findLeaks } from '../../../engine/api/human-text';
import { checkLimitInput, LIMIT_FIELDS } from '../../../renderer/screens/Risk';
import {
  RISK_PRESETS,
  RISK_PRESET_NAMES,
  RiskSettingsSchema,
  effectiveLimits,
  entrySizingFacts,
  setRiskValue,
  sizeEntry,
  standardRiskGate,
  userRiskLimits,
  writeGlobalLimits,
  type EntrySizingFacts,
} from '../../../engine/risk';
import {
  addUser,
  buyOrder,
  NET,
  openPositionRow,
  PERMISSIVE_RISK,
  priceFn,
  usdc,
  weth,
  WBTC,
  WETH,
  USDC,
  world,
} from '../../helpers/risk';

const limits = (maxExposurePct: number) =>
  effectiveLimits({ ...RISK_PRESETS.aggressive, maxExposurePct, maxOrderUsd: 2_500 }, { requireStopLoss: true });

function facts(o: Partial<EntrySizingFacts>): EntrySizingFacts {
  return {
    limits: limits(50),
    executionMaxOrderUsd: 10_000,
    equityUsd: 10_000,
    positionUsd: 0,
    exposureUsd: 0,
    opensNew: true,
    openPositions: 1,
    spend: { decimals: 6, priceUsd: 1, balance: usdc(10_000), nativeSol: false, outflowCap: null },
    ...o,
  };
}

describe('max exposure in the sizer', () => {
  it('sizes to the room left under max exposure when it is the smallest bound', () => {
    // 50 % of $10,000 is $5,000 in positions; $4,200 are held in other tokens: $800 more.
    expect(sizeEntry(facts({ exposureUsd: 4_200 }), { sizeHint: 1 })).toEqual({
      ok: true,
      amount: usdc(800),
      usd: 800,
      limitedBy: 'maxExposurePct',
    });
    // With the exposure used up, the entry is a skip that says why, not an order the gate refuses.
    const full = sizeEntry(facts({ exposureUsd: 4_999.5 }), { sizeHint: 1 });
    expect(full).toMatchObject({ ok: false, code: 'SIZE_BELOW_MINIMUM', limitedBy: 'maxExposurePct' });
    expect(full.ok ? '' : full.message).toMatch(/max exposure, 50% of equity \$10000\.00.*\$4999\.50 held/u);
  });
});

describe('max exposure in the real risk gate', () => {
  /** Ana: paper, $6,000 USDC and a 1 WETH position ($3,000 at $3,000): equity $9,000, exposure $3,000. */
  function setup(maxExposurePct: number) {
    const w = world();
    const risk = { ...PERMISSIVE_RISK, maxExposurePct };
    const userId = addUser(
      w,
      'ana',
      { mode: 'paper', risk, maxOrderUsd: 100_000 },
      { [USDC.mint]: usdc(6_000), [WETH.mint]: weth(1) },
    );
    openPositionRow(w.store, { userId, mint: WETH.mint, quantity: weth(1), at: isoTime(w.clock), account: 'paper' });
    const gate = standardRiskGate({ store: w.store, controls: w.controls, bus: w.bus, network: NET });
    const balances = new Map<string, bigint>([
      [USDC.mint, usdc(6_000)],
      [WETH.mint, weth(1)],
    ]);
    const ctx = { balances, price: priceFn(), nowMs: w.clock.now() };
    // A second token, so the order's own position is not what binds.
    const wbtcBuy = (usd: number) => buyOrder(userId, usd, { outputMint: WBTC.mint, stopLossPrice: 80_000 });
    return { w, userId, gate, ctx, wbtcBuy };
  }

  it('refuses an entry that would take every open position above the limit: MAX_EXPOSURE, naming the friend and amounts', () => {
    const { w, gate, ctx, wbtcBuy } = setup(50);
    try {
      // 50 % of $9,000 is $4,500; $3,000 held + $2,000 is $5,000.
      const d = gate.check(wbtcBuy(2_000), ctx);
      expect(d).toMatchObject({ ok: false, code: 'MAX_EXPOSURE' });
      const m = d.ok ? '' : d.message;
      expect(m).toContain('The open positions of ana would be worth about $5000.00');
      expect(m).toContain('($3000.00 held + this order of $2000.00)');
      expect(m).toContain("above ana's max exposure of 50% of equity $9000.00 ($4500.00); at most $1500.00 more.");
      // Within the room it passes.
      expect(gate.check(wbtcBuy(1_500), ctx)).toEqual({ ok: true });
      // Reducing risk is never refused by it.
      expect(
        gate.check({ ...wbtcBuy(1), side: 'sell', inputMint: WETH.mint, outputMint: USDC.mint, amount: weth(1) }, ctx),
      ).toEqual({ ok: true });
    } finally {
      w.store.close();
    }
  });

  it("the operator's global max exposure caps a friend's own and refuses as GLOBAL_LIMIT", () => {
    const { w, gate, ctx, wbtcBuy } = setup(100);
    try {
      expect(gate.check(wbtcBuy(2_000), ctx)).toEqual({ ok: true });
      writeGlobalLimits(w.store, { requireStopLoss: true, maxExposurePct: 40 });
      const d = gate.check(wbtcBuy(1_000), ctx);
      expect(d).toMatchObject({ ok: false, code: 'GLOBAL_LIMIT' });
      expect(d.ok ? '' : d.message).toContain(
        "the operator's global max exposure of 40% of equity $9000.00 ($3600.00)",
      );
    } finally {
      w.store.close();
    }
  });

  it('the sizer sizes a WBTC entry to the room left under exposure, and the gate lets exactly that through', () => {
    const { w, userId, gate, ctx, wbtcBuy } = setup(50);
    try {
      const f = entrySizingFacts(w.store, NET, userId, USDC.mint, WBTC.mint, ctx.balances, ctx.price, ctx.nowMs)!;
      expect(f.exposureUsd).toBe(3_000);
      const s = sizeEntry(f, { sizeHint: 1 });
      expect(s).toMatchObject({ ok: true, amount: usdc(1_500), limitedBy: 'maxExposurePct' });
      expect(gate.check({ ...wbtcBuy(0), amount: s.ok ? s.amount : 0n }, ctx)).toEqual({ ok: true });
      expect(gate.check({ ...wbtcBuy(0), amount: (s.ok ? s.amount : 0n) + usdc(1) }, ctx)).toMatchObject({
        code: 'MAX_EXPOSURE',
      });
    } finally {
      w.store.close();
    }
  });
});

describe('the maxExposurePct setting', () => {
  it('every preset has one, within the hard bounds 1–100 %', () => {
    for (const p of RISK_PRESET_NAMES) {
      const v = RISK_PRESETS[p].maxExposurePct;
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(RISK_PRESETS.moderate.maxExposurePct).toBe(80);
  });

  it('strict bounds: 0, 101, a word and a negative are refused with a sentence; 60 makes the section custom', () => {
    for (const bad of [0, 101, -5, 'lots', Number.NaN])
      expect(setRiskValue({ preset: 'moderate' }, 'maxExposurePct', bad)).toMatchObject({ ok: false });
    expect(setRiskValue({ preset: 'moderate' }, 'maxExposurePct', 101)).toEqual({
      ok: false,
      message: 'maxExposurePct must be at most 100',
    });
    const r = setRiskValue({ preset: 'moderate' }, 'maxExposurePct', 60);
    expect(r).toMatchObject({ ok: true, risk: { preset: 'custom', maxExposurePct: 60, maxPositionPctEquity: 25 } });
  });

  it('a custom section stored before the setting existed still reads, as 100 % (no limit beyond the others)', () => {
    const { maxExposurePct: _dropped, ...old } = { ...RISK_PRESETS.moderate, preset: 'custom' as const };
    const parsed = RiskSettingsSchema.parse(old);
    expect(userRiskLimits(parsed).maxExposurePct).toBe(100);
  });
});

describe('max exposure where friends see their limits', () => {
  it("the UI's risk form has the field and checks it inline against the engine's bounds before sending", () => {
    expect(LIMIT_FIELDS.find((f) => f.key === 'maxExposurePct')).toMatchObject({
      label: 'Max exposure',
      unit: '% equity',
    });
    expect(checkLimitInput('101', false, 'maxExposurePct')).toBe('At most 100 % equity');
    expect(checkLimitInput('0', false, 'maxExposurePct')).toBe('At least 1 % equity');
    expect(checkLimitInput('80', false, 'maxExposurePct')).toBeNull();
  });

  it('the CLI shows it in words, marked when the global limit decides it', () => {
    const l = effectiveLimits(RISK_PRESETS.moderate, { requireStopLoss: true, maxExposurePct: 60 });
    const { fromGlobal, ...effective } = l;
    const text = riskFormatters['risk.limits'](
      {
        userId: 1,
        version: 3,
        preset: 'moderate',
        limits: RISK_PRESETS.moderate,
        effective,
        fromGlobal: [...fromGlobal],
      },
      { nameOf: () => 'ana' },
    );
    expect(text).toContain('max exposure     ≤ 60% of equity in open positions together (global limit)');
    expect(findLeaks(text)).toEqual([]);
  });
});
