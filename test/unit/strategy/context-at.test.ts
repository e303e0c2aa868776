/**
 * The strategy context's index (StrategyContext.at): a backtest hands every
 * strategy the whole precomputed history and moves `at` along it, live hands
 * it the candles closed so far with `at` on the last one. A strategy must
 * decide the same either way, i.e. never read past `at` (a look-ahead would
 * make backtests better than live). Specs from `ind` are interned, which the
 * backtest relies on to find a series by identity.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeIndicator, ind, type IndicatorSpec } from '../../../engine/market/indicator-spec';
import { valueAt } from '../../../engine/market/indicators';
import type { Candle } from '../../../engine/market/types';
import { getStrategy, parseParams, STRATEGY_IDS } from '../../../engine/strategy/registry';
import type { PositionView, StrategyContext } from '../../../engine/strategy/types';
import { candles1h } from '../market/data';

function slice(value: unknown, k: number): unknown {
  if (Array.isArray(value)) return value.slice(0, k);
  return Object.fromEntries(Object.entries(value as Record<string, number[]>).map(([key, v]) => [key, v.slice(0, k)]));
}

describe('StrategyContext.at', () => {
  const candles: Candle[] = candles1h('SOLUSDT').slice(0, 700);
  const cases = STRATEGY_IDS.map((id) => {
    const strategy = getStrategy(id as string);
    const params = parseParams(id as string, { timeframe: '1h' }) as Record<string, unknown>;
    const whole = new Map<IndicatorSpec, unknown>();
    const series = (spec: IndicatorSpec): unknown => {
      let v = whole.get(spec);
      if (v === undefined) whole.set(spec, (v = computeIndicator(spec, candles)));
      return v;
    };
    return { id, strategy, params, warmup: strategy.warmup(params), series };
  });

  it('every strategy decides the same on the whole history at index k as on the first k + 1 candles', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.integer({ min: 1, max: candles.length - 2 }),
        fc.boolean(),
        (c, at, held) => {
          fc.pre(at + 1 >= c.warmup);
          const close = candles[at]!.close;
          const position: PositionView | null = held
            ? { quantity: 1_000_000n, entryPrice: close * 0.97, openedAt: candles[0]!.time }
            : null;
          const base = {
            token: 'SOL',
            timeframe: '1h' as const,
            params: c.params,
            at,
            position,
            now: candles[at]!.time,
          };
          const full: StrategyContext<unknown> = {
            ...base,
            candles,
            indicator: c.series as StrategyContext<unknown>['indicator'],
          };
          const prefix: StrategyContext<unknown> = {
            ...base,
            candles: candles.slice(0, at + 1),
            indicator: ((spec: IndicatorSpec) =>
              slice(c.series(spec), at + 1)) as StrategyContext<unknown>['indicator'],
          };
          expect(c.strategy.onCandle(full), c.id).toEqual(c.strategy.onCandle(prefix));
          if (c.strategy.explain) expect(c.strategy.explain(full)).toEqual(c.strategy.explain(prefix));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('valueAt reads an index, NaN outside the series', () => {
    expect(valueAt([1, 2, 3], 2)).toBe(3);
    expect(valueAt([1, 2, 3], -1)).toBeNaN();
    expect(valueAt([1, 2, 3], 3)).toBeNaN();
  });

  it('ind.* gives the same frozen spec object for the same arguments, and a different one otherwise', () => {
    expect(ind.ema(9)).toBe(ind.ema(9, 'close'));
    expect(Object.isFrozen(ind.ema(9))).toBe(true);
    expect(ind.ema(9)).not.toBe(ind.ema(10));
    expect(ind.ema(9)).not.toBe(ind.sma(9));
    expect(ind.ema(9, 'high')).not.toBe(ind.ema(9));
    expect(ind.bollinger(20, 2)).toBe(ind.bollinger(20, 2));
    expect(ind.bollinger(20, 2)).not.toBe(ind.bollinger(20, 2.5));
    expect(ind.macd(12, 26, 9)).toBe(ind.macd());
    expect(ind.macd(12, 26, 9)).not.toBe(ind.macd(12, 26, 10));
    expect(ind.atr(14)).toBe(ind.atr());
    expect(ind.donchian(20)).toEqual({ kind: 'donchian', period: 20 });
  });
});
