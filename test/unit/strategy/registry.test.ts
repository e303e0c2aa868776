import { describe, expect, it } from 'vitest';
import { isHarvestError } from '../../../engine/kernel/errors';
import { DEFAULT_INDICATOR_WINDOW } from '../../../engine/market/indicator-cache';
import { firstIndex } from '../../../engine/market/indicator-spec';
import { formatParamInfo } from '../../../engine/strategy/params';
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
  it('lists the five built-ins with every parameter: label, unit, help, default and bounds', () => {
    expect(STRATEGY_IDS).toEqual(['trend', 'mean-reversion', 'dca', 'breakout', 'grid']);
    const list = listStrategies();
    expect(list.map((s) => s.id)).toEqual(STRATEGY_IDS);
    for (const s of list) {
      expect(s.name.length).toBeGreaterThan(0);
      expect(s.description.length).toBeGreaterThan(20);
      for (const p of s.params) {
        // A person reads these: a label that is not the key, help that is a sentence, never "null: ...".
        expect(p.label, `${s.id}.${p.name}`).not.toBe(p.name);
        expect(p.label, `${s.id}.${p.name}`).toMatch(/^[A-Z][A-Za-z]/);
        expect(p.help, `${s.id}.${p.name}`).toMatch(/^[A-Z].{10,}\.$/);
        expect(p.help + (p.offHelp ?? ''), `${s.id}.${p.name}`).not.toMatch(/null/i);
        expect(p.description).toBe(p.help);
        expect(p.default).not.toBeUndefined();
        if (p.type === 'integer' || p.type === 'number') {
          expect(p.min).toBeTypeOf('number');
          expect(p.max).toBeTypeOf('number');
          expect(p.unit, `${s.id}.${p.name} has a unit`).toMatch(/\S/);
        }
        // An optional value says what "off" means.
        if (p.nullable) expect(p.offHelp, `${s.id}.${p.name}`).toMatch(/^[A-Z].{10,}\.$/);
      }
    }
    const trend = list.find((s) => s.id === 'trend')!;
    expect(trend.params.find((p) => p.name === 'fastPeriod')).toEqual({
      name: 'fastPeriod',
      label: 'Fast EMA',
      unit: 'candles',
      help: 'Length of the fast exponential moving average. Shorter reacts sooner and trades more.',
      description: 'Length of the fast exponential moving average. Shorter reacts sooner and trades more.',
      type: 'integer',
      default: 9,
      min: 2,
      max: 150,
      nullable: false,
    });
    expect(trend.params.find((p) => p.name === 'timeframe')).toMatchObject({
      label: 'Timeframe',
      options: ['1m', '5m', '15m', '1h'],
      optionLabels: ['1 minute', '5 minutes', '15 minutes', '1 hour'],
      default: '5m',
    });
    expect(trend.params.find((p) => p.name === 'takeProfitR')).toMatchObject({
      label: 'Take-profit',
      nullable: true,
      default: null,
      offHelp: 'No target; the position is sold on the cross back down (or at the stop).',
    });
  });

  it('formats parameters for people: label, key, range with unit, default; off and on in words', () => {
    const info = (id: string, name: string) =>
      listStrategies()
        .find((s) => s.id === id)!
        .params.find((p) => p.name === name)!;
    expect(formatParamInfo(info('trend', 'fastPeriod'))).toBe(
      'Fast EMA (fastPeriod): 2 to 150 candles, default 9 candles',
    );
    expect(formatParamInfo(info('trend', 'takeProfitR'))).toBe(
      'Take-profit (takeProfitR): 0.5 to 20 times the stop distance, or off, default Off',
    );
    expect(formatParamInfo(info('trend', 'timeframe'))).toBe(
      'Timeframe (timeframe): 1 minute, 5 minutes, 15 minutes or 1 hour, default 5 minutes',
    );
    expect(formatParamInfo(info('dca', 'stopLossPct'))).toBe('Stop-loss (stopLossPct): 1 to 95%, default 30%');
    expect(formatParamInfo(info('dca', 'amountUsd'))).toBe(
      'Amount per buy (amountUsd): 1 to 100,000 USD, default 25 USD',
    );
    expect(formatParamInfo(info('trend', 'exitOnCrossDown'))).toBe(
      'Sell on cross down (exitOnCrossDown): on or off, default On',
    );
  });

  it('fills in defaults', () => {
    expect(parseParams('trend', {})).toEqual({
      timeframe: '5m',
      fastPeriod: 9,
      slowPeriod: 21,
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
      intervalHours: 4,
      buyTheDip: false,
      takeProfitPct: null,
    });
  });

  it('refuses values out of bounds, unknown keys and inconsistent combinations, listing the bounds', () => {
    const big = errorOf(() => parseParams('trend', { fastPeriod: 500 }));
    expect(big.code).toBe('INVALID_INPUT');
    expect(big.message).toMatch(
      /^Invalid parameters for strategy "trend": Fast EMA \(fastPeriod\) must be at most 150 candles; /,
    );
    expect(big.message).toContain(
      'Allowed: Timeframe (timeframe): 1 minute, 5 minutes, 15 minutes or 1 hour, default 5 minutes; Fast EMA (fastPeriod): 2 to 150 candles, default 9 candles',
    );
    expect(big.message).toContain('Take-profit (takeProfitR): 0.5 to 20 times the stop distance, or off, default Off');
    expect(big.message).not.toMatch(/null|<=|>=/);
    expect(errorOf(() => parseParams('trend', { fastPeriod: 30, slowPeriod: 20 })).message).toMatch(
      /Fast EMA \(fastPeriod\): the fast EMA must be shorter than the slow EMA/,
    );
    expect(errorOf(() => parseParams('trend', { fast: 5 })).message).toMatch(/Unknown parameter "fast"/);
    expect(errorOf(() => parseParams('trend', { fastPeriod: 5.5 })).message).toMatch(
      /Fast EMA \(fastPeriod\) must be a whole number/,
    );
    expect(errorOf(() => parseParams('trend', { timeframe: '4h' })).message).toMatch(
      /Timeframe \(timeframe\) must be one of 1m, 5m, 15m, 1h/,
    );
    expect(errorOf(() => parseParams('trend', { stopAtr: 'wide' })).message).toMatch(
      /Stop distance \(stopAtr\) must be a number/,
    );
    expect(errorOf(() => parseParams('mean-reversion', { oversold: 50, overbought: 50 })).message).toMatch(
      /the oversold level must be below the overbought level/,
    );
    expect(errorOf(() => parseParams('dca', { amountUsd: 10.005 })).message).toMatch(
      /Amount per buy \(amountUsd\): at most 2 decimal places/,
    );
    expect(errorOf(() => parseParams('dca', { amountUsd: 0.5 })).message).toMatch(
      /Amount per buy \(amountUsd\) must be at least 1 USD/,
    );
    expect(errorOf(() => parseParams('dca', 'weekly')).code).toBe('INVALID_INPUT');
  });

  it('an unknown strategy is NOT_FOUND and names the available ones', () => {
    const e = errorOf(() => getStrategy('scalper'));
    expect(e).toEqual({
      code: 'NOT_FOUND',
      message: 'Unknown strategy "scalper". Available: trend, mean-reversion, dca, breakout, grid.',
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
      ['breakout', {}],
      ['breakout', { entryPeriod: 300, exitPeriod: 2, atrPeriod: 2 }],
      ['grid', {}],
      ['grid', { lowerPrice: 1, upperPrice: 2 }],
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
