import { z } from 'zod';
import { valueAt } from '../market/indicators';
import { ind } from '../market/indicator-spec';
import { labelsOf } from './labels';
import { atrStopParams, param } from './params';
import type { Signal, Strategy } from './types';

export const trendParams = z
  .strictObject({
    timeframe: param.timeframe('5m'),
    fastPeriod: param.int({
      default: 9,
      min: 2,
      max: 150,
      label: 'Fast EMA',
      unit: 'candles',
      help: 'Length of the fast exponential moving average. Shorter reacts sooner and trades more.',
    }),
    slowPeriod: param.int({
      default: 21,
      min: 3,
      max: 300,
      label: 'Slow EMA',
      unit: 'candles',
      help: 'Length of the slow exponential moving average; must be longer than the fast one.',
    }),
    ...atrStopParams,
    takeProfitR: param.optionalNum({
      min: 0.5,
      max: 20,
      label: 'Take-profit',
      unit: 'times the stop distance',
      help: 'Sell when the price is this many stop distances above the entry.',
      offHelp: 'No target; the position is sold on the cross back down (or at the stop).',
    }),
    sizeHint: param.num({
      default: 1,
      min: 0.01,
      max: 1,
      label: 'Position size',
      unit: '× max size',
      help: 'Share of the maximum position size each entry uses (1 = the full size your risk limits allow).',
    }),
    exitOnCrossDown: param.bool({
      default: true,
      label: 'Sell on cross down',
      help: 'Sell when the fast EMA crosses back below the slow EMA.',
    }),
  })
  .refine((p) => p.fastPeriod < p.slowPeriod, {
    message: 'the fast EMA must be shorter than the slow EMA',
    path: ['fastPeriod'],
  });
export type TrendParams = z.output<typeof trendParams>;

const labels = labelsOf((p: TrendParams) => ({
  fast: `EMA(${p.fastPeriod})`,
  slow: `EMA(${p.slowPeriod})`,
  atr: `ATR(${p.atrPeriod})`,
}));

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
    'Buys when the fast EMA crosses above the slow EMA, with a stop k x ATR below the entry and an optional target; sells on the cross back down. Defaults: 5-minute candles, about 4 to 6 entries a day on a volatile token.',
  params: trendParams,
  // The EMAs are seeded with the first candle of the window; 3x the slow period lets that seed fade below 1%.
  warmup: (p) => Math.max(3 * p.slowPeriod, p.atrPeriod + 1, p.slowPeriod + 2),
  timeframe: (p) => p.timeframe,
  indicators: (p) => [ind.ema(p.fastPeriod), ind.ema(p.slowPeriod), ind.atr(p.atrPeriod)],
  onCandle(ctx): Signal | null {
    const p = ctx.params;
    const fast = ctx.indicator(ind.ema(p.fastPeriod));
    const slow = ctx.indicator(ind.ema(p.slowPeriod));
    const f0 = valueAt(fast, ctx.at);
    const f1 = valueAt(fast, ctx.at - 1);
    const s0 = valueAt(slow, ctx.at);
    const s1 = valueAt(slow, ctx.at - 1);
    // Four comparisons, not an array per candle: this runs for every candle of every backtest.
    if (Number.isNaN(f0) || Number.isNaN(f1) || Number.isNaN(s0) || Number.isNaN(s1)) return null;
    const close = ctx.candles[ctx.at]!.close;
    if (!ctx.position && f1 <= s1 && f0 > s0) {
      const a = valueAt(ctx.indicator(ind.atr(p.atrPeriod)), ctx.at);
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
    const l = labels(p);
    const out: Record<string, number> = {};
    out[l.fast] = valueAt(ctx.indicator(ind.ema(p.fastPeriod)), ctx.at);
    out[l.slow] = valueAt(ctx.indicator(ind.ema(p.slowPeriod)), ctx.at);
    out[l.atr] = valueAt(ctx.indicator(ind.atr(p.atrPeriod)), ctx.at);
    out['close'] = ctx.candles[ctx.at]!.close;
    return out;
  },
};
