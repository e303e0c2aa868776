import { z } from 'zod';
import { lastValue } from '../market/indicators';
import { ind } from '../market/indicator-spec';
import { param } from './params';
import type { Signal, Strategy } from './types';

export const trendParams = z
  .strictObject({
    timeframe: param.timeframe('1h'),
    fastPeriod: param.int(12, 2, 150, 'Fast EMA period'),
    slowPeriod: param.int(26, 3, 300, 'Slow EMA period (must be above the fast one)'),
    atrPeriod: param.int(14, 2, 100, 'ATR period for the stop'),
    stopAtr: param.num(2, 0.5, 10, 'Stop-loss distance below the entry, in ATRs'),
    takeProfitR: param.optionalNum(
      0.5,
      20,
      'Optional target: entry + R times the stop distance (null: exit on the cross down only)',
    ),
    sizeHint: param.num(1, 0.01, 1, 'Fraction of the maximum position size per entry'),
    exitOnCrossDown: param.bool(true, 'Sell when the fast EMA crosses back below the slow EMA'),
  })
  .refine((p) => p.fastPeriod < p.slowPeriod, {
    message: 'fastPeriod must be below slowPeriod',
    path: ['fastPeriod'],
  });
export type TrendParams = z.output<typeof trendParams>;

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(5));

/**
 * Trend following: buy when the fast EMA crosses above the slow EMA (and there
 * is no position), with a stop `stopAtr` ATRs below the close and an optional
 * target at R times the stop distance; sell when the fast EMA crosses back
 * below the slow one.
 */
export const trendStrategy: Strategy<TrendParams> = {
  id: 'trend',
  name: 'Trend following (EMA crossover)',
  description:
    'Buys when the fast EMA crosses above the slow EMA, with a stop k x ATR below the entry and an optional target; sells on the cross back down.',
  params: trendParams,
  // The EMAs are seeded with the first candle of the window; 3x the slow period lets that seed fade below 1%.
  warmup: (p) => Math.max(3 * p.slowPeriod, p.atrPeriod + 1, p.slowPeriod + 2),
  timeframe: (p) => p.timeframe,
  indicators: (p) => [ind.ema(p.fastPeriod), ind.ema(p.slowPeriod), ind.atr(p.atrPeriod)],
  onCandle(ctx): Signal | null {
    const p = ctx.params;
    const fast = ctx.indicator(ind.ema(p.fastPeriod));
    const slow = ctx.indicator(ind.ema(p.slowPeriod));
    const f0 = lastValue(fast);
    const f1 = lastValue(fast, 1);
    const s0 = lastValue(slow);
    const s1 = lastValue(slow, 1);
    if ([f0, f1, s0, s1].some(Number.isNaN)) return null;
    const close = ctx.candles[ctx.candles.length - 1]!.close;
    if (!ctx.position && f1 <= s1 && f0 > s0) {
      const a = lastValue(ctx.indicator(ind.atr(p.atrPeriod)));
      if (!(a > 0)) return null;
      const stop = close - p.stopAtr * a;
      if (!(stop > 0)) return null;
      const signal: Signal = {
        side: 'buy',
        sizeHint: p.sizeHint,
        stopLossPrice: stop,
        reason: `EMA(${p.fastPeriod}) crossed above EMA(${p.slowPeriod}) at ${fmt(close)}; stop ${p.stopAtr} x ATR(${p.atrPeriod}) below at ${fmt(stop)}`,
      };
      if (p.takeProfitR !== null) signal.takeProfitPrice = close + p.takeProfitR * (close - stop);
      return signal;
    }
    if (ctx.position && p.exitOnCrossDown && f1 >= s1 && f0 < s0) {
      return {
        side: 'sell',
        sizeHint: 1,
        reason: `EMA(${p.fastPeriod}) crossed below EMA(${p.slowPeriod}) at ${fmt(close)}`,
      };
    }
    return null;
  },
  explain(ctx) {
    const p = ctx.params;
    return {
      [`EMA(${p.fastPeriod})`]: lastValue(ctx.indicator(ind.ema(p.fastPeriod))),
      [`EMA(${p.slowPeriod})`]: lastValue(ctx.indicator(ind.ema(p.slowPeriod))),
      [`ATR(${p.atrPeriod})`]: lastValue(ctx.indicator(ind.atr(p.atrPeriod))),
      close: ctx.candles[ctx.candles.length - 1]!.close,
    };
  },
};
