/**
 * Every entry rule of the risk engine on plain numbers (evaluateEntry is
 * pure): each RiskCode it can give, at and just inside its boundary, and
 * that the first refusal names an actionable reason.
 */
import { describe, expect, test } from 'vitest';
import {
  effectiveLimits,
  evaluateEntry,
  GlobalLimitsSchema,
  RISK_PRESETS,
  type EntryFacts,
} from '../../../engine/risk';

const NOW = Date.parse('2026-01-05T10:00:00Z');
const MIN = 60_000;
const moderate = effectiveLimits(RISK_PRESETS.moderate, GlobalLimitsSchema.parse({}));

const facts = (o: Partial<EntryFacts> = {}): EntryFacts => ({
  nowMs: NOW,
  orderUsd: 100,
  boughtPriceUsd: 3_000,
  stopLossPrice: 2_700,
  positionUsd: 0,
  exposureUsd: 0,
  opensNew: true,
  openPositions: 0,
  equityUsd: 10_000,
  dayStartEquityUsd: 10_000,
  dayNetFlowsUsd: 0,
  dailyLossHitToday: false,
  highWaterUsd: 10_000,
  entriesToday: 0,
  losingClosesMs: [],
  lastCloseMs: null,
  ...o,
});

const code = (f: EntryFacts, l = moderate): string | null => {
  const v = evaluateEntry(l, f);
  return v.decision.ok ? null : v.decision.code;
};

describe('the entry rules, one code each', () => {
  test('a plain entry inside every limit passes', () => {
    expect(evaluateEntry(moderate, facts())).toEqual({ decision: { ok: true }, trip: null });
  });

  test('MAX_DRAWDOWN at the limit from the high-water mark, and it trips the drawdown pause', () => {
    const v = evaluateEntry(moderate, facts({ equityUsd: 8_000, dayStartEquityUsd: 8_000 }));
    expect(v.decision).toMatchObject({
      ok: false,
      code: 'MAX_DRAWDOWN',
      message: expect.stringContaining('operator resumes'),
    });
    expect(v.trip).toBe('drawdown');
    expect(code(facts({ equityUsd: 8_001, dayStartEquityUsd: 8_001 }))).toBeNull();
  });

  test('DAILY_LOSS by percent of start-of-day equity (net of today’s flows), and it trips the day lock', () => {
    const v = evaluateEntry(moderate, facts({ equityUsd: 9_500 }));
    expect(v.decision).toMatchObject({
      ok: false,
      code: 'DAILY_LOSS',
      message: expect.stringContaining('2026-01-06T00:00:00Z'),
    });
    expect(v.trip).toBe('dailyLoss');
    expect(code(facts({ equityUsd: 9_501 }))).toBeNull();
    // A deposit today is not a gain; a withdrawal today is not a loss.
    expect(code(facts({ equityUsd: 10_400, highWaterUsd: 11_000, dayNetFlowsUsd: 1_000 }))).toBe('DAILY_LOSS');
    expect(code(facts({ equityUsd: 9_000, highWaterUsd: 9_000, dayNetFlowsUsd: -1_000 }))).toBeNull();
  });

  test('DAILY_LOSS by the absolute amount, even when the percentage is small', () => {
    expect(code(facts({ equityUsd: 99_400, dayStartEquityUsd: 100_000, highWaterUsd: 100_000 }))).toBe('DAILY_LOSS');
    expect(code(facts({ equityUsd: 99_501, dayStartEquityUsd: 100_000, highWaterUsd: 100_000 }))).toBeNull();
  });

  test('DAILY_LOSS once hit stays for the rest of the day, even after a recovery (no second trip)', () => {
    const v = evaluateEntry(moderate, facts({ dailyLossHitToday: true }));
    expect(v.decision).toMatchObject({ ok: false, code: 'DAILY_LOSS' });
    expect(v.trip).toBeNull();
  });

  test('LOSS_STREAK: N losing closes within the window block entries until pauseMinutes after the last', () => {
    // moderate: 3 losses in 240 minutes → 360 minutes without entries.
    const streak = [NOW - 10 * MIN, NOW - 60 * MIN, NOW - 200 * MIN];
    expect(evaluateEntry(moderate, facts({ losingClosesMs: streak })).decision).toMatchObject({
      ok: false,
      code: 'LOSS_STREAK',
      message: expect.stringContaining('2026-01-05T15:50:00Z'),
    });
    expect(code(facts({ losingClosesMs: [NOW - 10 * MIN, NOW - 60 * MIN, NOW - 251 * MIN] }))).toBeNull();
    expect(code(facts({ losingClosesMs: streak.slice(0, 2) }))).toBeNull();
    expect(code(facts({ nowMs: NOW - 10 * MIN + 360 * MIN, losingClosesMs: streak }))).toBeNull();
    expect(code(facts({ nowMs: NOW - 10 * MIN + 359 * MIN, losingClosesMs: streak }))).toBe('LOSS_STREAK');
  });

  test('COOLDOWN after a close in the same token', () => {
    expect(code(facts({ lastCloseMs: NOW - 29 * MIN }))).toBe('COOLDOWN');
    expect(code(facts({ lastCloseMs: NOW - 30 * MIN }))).toBeNull();
  });

  test('MAX_TRADES_PER_DAY', () => {
    expect(code(facts({ entriesToday: 25 }))).toBe('MAX_TRADES_PER_DAY');
    expect(code(facts({ entriesToday: 24 }))).toBeNull();
  });

  test('MAX_POSITIONS only when the entry opens a new position', () => {
    expect(code(facts({ openPositions: 5 }))).toBe('MAX_POSITIONS');
    expect(code(facts({ openPositions: 4 }))).toBeNull();
    expect(code(facts({ openPositions: 5, opensNew: false, positionUsd: 100 }))).toBeNull();
  });

  test('STOP_LOSS_REQUIRED: missing, or not below the current price', () => {
    expect(evaluateEntry(moderate, facts({ stopLossPrice: null })).decision).toMatchObject({
      code: 'STOP_LOSS_REQUIRED',
      message: expect.stringContaining('$3000.00'),
    });
    expect(code(facts({ stopLossPrice: 3_000 }))).toBe('STOP_LOSS_REQUIRED');
    expect(code(facts({ stopLossPrice: 3_100 }))).toBe('STOP_LOSS_REQUIRED');
    expect(code(facts({ stopLossPrice: 0 }))).toBe('STOP_LOSS_REQUIRED');
    expect(code(facts({ stopLossPrice: 2_999.99 }))).toBeNull();
    expect(code(facts({ boughtPriceUsd: null }))).toBe('STALE_PRICE');
  });

  test('ORDER_TOO_SMALL and ORDER_TOO_LARGE (the risk section’s min and max order)', () => {
    expect(code(facts({ orderUsd: 4.99 }))).toBe('ORDER_TOO_SMALL');
    expect(code(facts({ orderUsd: 5 }))).toBeNull();
    expect(code(facts({ orderUsd: 500.01 }))).toBe('ORDER_TOO_LARGE');
    expect(code(facts({ orderUsd: 500 }))).toBeNull();
    expect(code(facts({ orderUsd: null }))).toBe('STALE_PRICE');
  });

  test('POSITION_TOO_LARGE counts the existing position, by USD and by share of equity', () => {
    const abs = evaluateEntry(moderate, facts({ positionUsd: 600, orderUsd: 450, opensNew: false }));
    expect(abs.decision).toMatchObject({
      code: 'POSITION_TOO_LARGE',
      message: expect.stringContaining('at most $400.00 more'),
    });
    expect(code(facts({ positionUsd: 600, orderUsd: 400, opensNew: false }))).toBeNull();
    const eq = { equityUsd: 2_000, dayStartEquityUsd: 2_000, highWaterUsd: 2_000 };
    expect(
      evaluateEntry(moderate, facts({ ...eq, positionUsd: 200, orderUsd: 400, opensNew: false })).decision,
    ).toMatchObject({
      code: 'POSITION_TOO_LARGE',
      message: expect.stringContaining('25% of equity'),
    });
    expect(code(facts({ ...eq, positionUsd: 200, orderUsd: 300, opensNew: false }))).toBeNull();
  });

  test('GLOBAL_LIMIT when the operator’s cap (not the user’s value) refuses', () => {
    const capped = effectiveLimits(
      RISK_PRESETS.moderate,
      GlobalLimitsSchema.parse({ maxOrderUsd: 50, maxTradesPerDay: 3, maxDrawdownPct: 5 }),
    );
    expect(evaluateEntry(capped, facts()).decision).toMatchObject({
      code: 'GLOBAL_LIMIT',
      message: expect.stringContaining("operator's global limit"),
    });
    expect(code(facts({ orderUsd: 50 }), capped)).toBeNull();
    expect(code(facts({ orderUsd: 50, entriesToday: 3 }), capped)).toBe('GLOBAL_LIMIT');
    const dd = evaluateEntry(capped, facts({ orderUsd: 50, equityUsd: 9_500, dayStartEquityUsd: 9_500 }));
    expect(dd.decision).toMatchObject({ code: 'GLOBAL_LIMIT' });
    expect(dd.trip).toBe('drawdown');
  });

  test('every refusal message is a sentence with a number or a time the user can act on', () => {
    const cases: Partial<EntryFacts>[] = [
      { equityUsd: 7_000, dayStartEquityUsd: 7_000 },
      { equityUsd: 9_000 },
      { losingClosesMs: [NOW - MIN, NOW - 2 * MIN, NOW - 3 * MIN] },
      { lastCloseMs: NOW - MIN },
      { entriesToday: 99 },
      { openPositions: 9 },
      { stopLossPrice: null },
      { orderUsd: 1 },
      { orderUsd: 600 },
      { positionUsd: 999, opensNew: false },
    ];
    const seen = new Set<string>();
    for (const c of cases) {
      const v = evaluateEntry(moderate, facts(c));
      expect(v.decision.ok).toBe(false);
      if (v.decision.ok) continue;
      seen.add(v.decision.code);
      expect(v.decision.message).toMatch(/\d/u);
      expect(v.decision.message.length).toBeGreaterThan(30);
    }
    expect(seen.size).toBe(cases.length);
  });
});
