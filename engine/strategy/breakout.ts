import { z } from 'zod';
import { ind } from '../market/indicator-spec';
import { valueAt } from '../market/indicators';
import { labelsOf } from './labels';
import { atrStopParams, param } from './params';
import type { Signal, Strategy } from './types';

export const breakoutParams = z.strictObject({
  timeframe: param.timeframe('5m'),
  entryPeriod: param.int({
    default: 36,
    min: 2,
    max: 300,
    label: 'Breakout channel',
    unit: 'candles',
    help: 'Buy when a candle closes above the highest high of this many previous candles.',
  }),
  exitPeriod: param.int({
    default: 12,
    min: 2,
    max: 300,
    label: 'Exit channel',
    unit: 'candles',
    help: 'Sell when a candle closes below the lowest low of this many previous candles.',
  }),
  ...atrStopParams,
  takeProfitR: param.optionalNum({
    min: 0.5,
    max: 20,
    label: 'Take-profit',
    unit: 'times the stop distance',
    help: 'Sell when the price is this many stop distances above the entry.',
    offHelp: 'No target; the position is sold on a close below the exit channel (or at the stop).',
  }),
  sizeHint: param.num({
    default: 1,
    min: 0.01,
    max: 1,
    label: 'Position size',
    unit: '× max size',
    help: 'Share of the maximum position size each entry uses (1 = the full size your risk limits allow).',
  }),
});
export type BreakoutParams = z.output<typeof breakoutParams>;

const labels = labelsOf((p: BreakoutParams) => ({
  high: `${p.entryPeriod}-candle high`,
  low: `${p.exitPeriod}-candle low`,
  atr: `ATR(${p.atrPeriod})`,
}));

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(5));

/**
 * Donchian channel breakout (the "turtle" rule): buy when a candle closes
 * above the highest high of the `entryPeriod` candles before it, with a stop
 * `stopAtr` ATRs below the close and an optional target at R times the stop
 * distance; sell when a candle closes below the lowest low of the
 * `exitPeriod` candles before it. The channel is read one candle back so the
 * candle that breaks out is not part of the level it breaks.
 */
export const breakoutStrategy: Strategy<BreakoutParams> = {
  id: 'breakout',
  name: 'Breakout (Donchian channel)',
  description:
    'Buys when the price closes above the highest high of the last N candles, with a stop k x ATR below; sells on a close below the lowest low of the last M candles. Defaults: 5-minute candles, about 3 to 4 entries a day.',
  params: breakoutParams,
  // The channels need their period plus the candle that breaks them; ATR (Wilder) gets 3x its period to settle.
  warmup: (p) => Math.max(p.entryPeriod + 2, p.exitPeriod + 2, 3 * p.atrPeriod),
  timeframe: (p) => p.timeframe,
  indicators: (p) => [ind.donchian(p.entryPeriod), ind.donchian(p.exitPeriod), ind.atr(p.atrPeriod)],
  onCandle(ctx): Signal | null {
    const p = ctx.params;
    const close = ctx.candles[ctx.at]!.close;
    if (!ctx.position) {
      const high = valueAt(ctx.indicator(ind.donchian(p.entryPeriod)).upper, ctx.at - 1);
      if (Number.isNaN(high) || !(close > high)) return null;
      const a = valueAt(ctx.indicator(ind.atr(p.atrPeriod)), ctx.at);
      if (!(a > 0)) return null;
      const stop = close - p.stopAtr * a;
      if (!(stop > 0)) return null;
      const signal: Signal = {
        side: 'buy',
        sizeHint: p.sizeHint,
        stopLossPrice: stop,
        reason: `close ${fmt(close)} broke above the ${p.entryPeriod}-candle high ${fmt(high)}; stop ${p.stopAtr} x ATR(${p.atrPeriod}) below at ${fmt(stop)}`,
      };
      if (p.takeProfitR !== null) signal.takeProfitPrice = close + p.takeProfitR * (close - stop);
      return signal;
    }
    const low = valueAt(ctx.indicator(ind.donchian(p.exitPeriod)).lower, ctx.at - 1);
    if (!Number.isNaN(low) && close < low) {
      return {
        side: 'sell',
        sizeHint: 1,
        reason: `close ${fmt(close)} fell below the ${p.exitPeriod}-candle low ${fmt(low)}`,
      };
    }
    return null;
  },
  explain(ctx) {
    const p = ctx.params;
    const l = labels(p);
    const out: Record<string, number> = {};
    out[l.high] = valueAt(ctx.indicator(ind.donchian(p.entryPeriod)).upper, ctx.at - 1);
    out[l.low] = valueAt(ctx.indicator(ind.donchian(p.exitPeriod)).lower, ctx.at - 1);
    out[l.atr] = valueAt(ctx.indicator(ind.atr(p.atrPeriod)), ctx.at);
    out['close'] = ctx.candles[ctx.at]!.close;
    return out;
  },
};
