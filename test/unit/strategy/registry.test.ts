import { describe, expect, it } from 'vitest';
import { isHarvestError } from '../../../engine/kernel/errors';
import { DEFAULT_INDICATOR_WINDOW } from '../../../engine/market/indicator-cache';
import { firstIndex } from '../../../engine/market/indicator-spec';
import {
  bindStrategy,
  getStrategy,
  listStrategies,
  parseParams,
  STRATEGY_IDS,
} from '../../../engine/strategy/registry';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isHarvestError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('strategy registry', () => {
  it('lists the three built-ins with every parameter, its default and bounds', () => {
    expect(STRATEGY_IDS).toEqual(['trend', 'mean-reversion', 'dca']);
    const list = listStrategies();
    expect(list.map((s) => s.id)).toEqual(STRATEGY_IDS);
    for (const s of list) {
      expect(s.name.length).toBeGreaterThan(0);
      expect(s.description.length).toBeGreaterThan(20);
      for (const p of s.params) {
        expect(p.description.length).toBeGreaterThan(0);
        expect(p.default).not.toBeUndefined();
        if (p.type === 'integer' || p.type === 'number') {
          expect(p.min).toBeTypeOf('number');
          expect(p.max).toBeTypeOf('number');
        }
      }
    }
    const trend = list.find((s) => s.id === 'trend')!;
    expect(trend.params.find((p) => p.name === 'fastPeriod')).toEqual({
      name: 'fastPeriod',
      type: 'integer',
      description: 'Fast EMA period',
      default: 12,
      min: 2,
      max: 150,
      nullable: false,
    });
    expect(trend.params.find((p) => p.name === 'timeframe')).toMatchObject({
      options: ['1m', '5m', '15m', '1h'],
      default: '1h',
    });
    expect(trend.params.find((p) => p.name === 'takeProfitR')).toMatchObject({ nullable: true, default: null });
  });

  it('fills in defaults', () => {
    expect(parseParams('trend', {})).toEqual({
      timeframe: '1h',
      fastPeriod: 12,
      slowPeriod: 26,
      atrPeriod: 14,
      stopAtr: 2,
      takeProfitR: null,
      sizeHint: 1,
      exitOnCrossDown: true,
    });
    expect(parseParams('mean-reversion', undefined)).toMatchObject({
      rsiPeriod: 14,
      oversold: 30,
      overbought: 70,
      bbPeriod: 20,
      bbStdDev: 2,
    });
    expect(parseParams('dca', { amountUsd: 10 })).toMatchObject({
      amountUsd: 10,
      intervalHours: 24,
      buyTheDip: false,
      takeProfitPct: null,
    });
  });

  it('refuses values out of bounds, unknown keys and inconsistent combinations, listing the bounds', () => {
    const big = errorOf(() => parseParams('trend', { fastPeriod: 500 }));
    expect(big.code).toBe('INVALID_INPUT');
    expect(big.message).toMatch(/^Invalid parameters for strategy "trend": fastPeriod: .*<=150/);
    expect(big.message).toContain(
      'Allowed: timeframe: string one of 1m|5m|15m|1h (default "1h"); fastPeriod: integer 2..150 (default 12)',
    );
    expect(big.message).toContain('takeProfitR: number 0.5..20 or null (off) (default null)');
    expect(errorOf(() => parseParams('trend', { fastPeriod: 30, slowPeriod: 20 })).message).toMatch(
      /fastPeriod must be below slowPeriod/,
    );
    expect(errorOf(() => parseParams('trend', { fast: 5 })).message).toMatch(/Unrecognized key: "fast"/);
    expect(errorOf(() => parseParams('trend', { fastPeriod: 5.5 })).message).toMatch(/fastPeriod: .*integer/i);
    expect(errorOf(() => parseParams('trend', { timeframe: '4h' })).message).toMatch(/timeframe/);
    expect(errorOf(() => parseParams('mean-reversion', { oversold: 50, overbought: 50 })).message).toMatch(
      /oversold must be below overbought/,
    );
    expect(errorOf(() => parseParams('dca', { amountUsd: 10.005 })).message).toMatch(
      /amountUsd: at most 2 decimal places/,
    );
    expect(errorOf(() => parseParams('dca', { amountUsd: 0.5 })).message).toMatch(/amountUsd: .*>=1/);
    expect(errorOf(() => parseParams('dca', 'weekly')).code).toBe('INVALID_INPUT');
  });

  it('an unknown strategy is NOT_FOUND and names the available ones', () => {
    const e = errorOf(() => getStrategy('scalper'));
    expect(e).toEqual({
      code: 'NOT_FOUND',
      message: 'Unknown strategy "scalper". Available: trend, mean-reversion, dca.',
    });
    expect(errorOf(() => bindStrategy('toString', {})).code).toBe('NOT_FOUND');
  });

  it('binds validated params: timeframe, warm-up and indicator list come from them', () => {
    const b = bindStrategy('trend', { timeframe: '15m', fastPeriod: 9, slowPeriod: 21, atrPeriod: 10 });
    expect(b.timeframe).toBe('15m');
    expect(b.indicators).toEqual([
      { kind: 'ema', period: 9, source: 'close' },
      { kind: 'ema', period: 21, source: 'close' },
      { kind: 'atr', period: 10 },
    ]);
    expect(Object.isFrozen(b.params)).toBe(true);
    // Warm-up always covers every indicator plus the previous value a crossover needs.
    for (const [id, raw] of [
      ['trend', {}],
      ['trend', { fastPeriod: 2, slowPeriod: 3, atrPeriod: 100 }],
      ['mean-reversion', { bbPeriod: 200, rsiPeriod: 2 }],
      ['dca', { buyTheDip: true, dipSmaPeriod: 400 }],
      ['dca', {}],
    ] as const) {
      const s = bindStrategy(id, raw);
      for (const spec of s.indicators) expect(s.warmup).toBeGreaterThanOrEqual(firstIndex(spec) + 2);
      expect(s.warmup).toBeGreaterThanOrEqual(2);
    }
    expect(bindStrategy('dca', {}).indicators).toEqual([]);
  });

  it('every allowed parameter set fits the indicator window (at the upper bounds too)', () => {
    for (const info of listStrategies()) {
      const max = Object.fromEntries(
        info.params.filter((p) => p.type === 'integer').map((p) => [p.name, p.max]),
      ) as Record<string, number>;
      if (info.id === 'trend') max['fastPeriod'] = Math.min(max['fastPeriod']!, max['slowPeriod']! - 1);
      const raw = info.id === 'dca' ? { ...max, buyTheDip: true } : max;
      expect(bindStrategy(info.id, raw).warmup).toBeLessThanOrEqual(DEFAULT_INDICATOR_WINDOW);
    }
  });
});
