import { z } from 'zod';
import { valueAt } from '../market/indicators';
import { ind } from '../market/indicator-spec';
import { labelsOf } from './labels';
import { atrPeriodParam, param } from './params';
import type { Signal, Strategy } from './types';

export const meanReversionParams = z
  .strictObject({
    timeframe: param.timeframe('5m'),
    rsiPeriod: param.int({
      default: 14,
      min: 2,
      max: 100,
      label: 'RSI length',
      unit: 'candles',
      help: 'Candles the Relative Strength Index is measured over.',
    }),
    oversold: param.num({
      default: 30,
      min: 5,
      max: 50,
      label: 'Oversold below',
      unit: 'RSI',
      help: 'Buy when the RSI is below this and the close is under the lower band.',
    }),
    overbought: param.num({
      default: 70,
      min: 50,
      max: 95,
      label: 'Overbought above',
      unit: 'RSI',
      help: 'Sell when the RSI is above this.',
    }),
    bbPeriod: param.int({
      default: 20,
      min: 5,
      max: 200,
      label: 'Band length',
      unit: 'candles',
      help: 'Candles the Bollinger Bands (moving average and its spread) are measured over.',
    }),
    bbStdDev: param.num({
      default: 2,
      min: 0.5,
      max: 4,
      label: 'Band width',
      unit: 'standard deviations',
      help: 'How far the bands sit from the average. Narrower bands are touched more often.',
    }),
    atrPeriod: atrPeriodParam,
    stopAtr: param.num({
      default: 1,
      min: 0.25,
      max: 10,
      label: 'Stop distance',
      unit: 'ATR multiples',
      help: 'The stop-loss sits this many ATRs below the lower band (or below the close, if that is lower).',
    }),
    exitAtMiddle: param.bool({
      default: true,
      label: 'Sell at the middle band',
      help: 'Also sell when the close is back at the middle band (the moving average).',
    }),
    sizeHint: param.num({
      default: 1,
      min: 0.01,
      max: 1,
      label: 'Position size',
      unit: '× max size',
      help: 'Share of the maximum position size each entry uses (1 = the full size your risk limits allow).',
    }),
  })
  .refine((p) => p.oversold < p.overbought, {
    message: 'the oversold level must be below the overbought level',
    path: ['oversold'],
  });
export type MeanReversionParams = z.output<typeof meanReversionParams>;

const labels = labelsOf((p: MeanReversionParams) => ({ rsi: `RSI(${p.rsiPeriod})`, atr: `ATR(${p.atrPeriod})` }));

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(5));

/**
 * Mean reversion: buy when the RSI is oversold and the close is below the
 * lower Bollinger Band (stop `stopAtr` ATRs below the band, or below the close
 * when that is lower); sell when the RSI is overbought or the close is back
 * at the middle band.
 */
export const meanReversionStrategy: Strategy<MeanReversionParams> = {
  id: 'mean-reversion',
  name: 'Mean reversion (RSI + Bollinger Bands)',
  description:
    'Buys when the RSI is oversold and the price closes below the lower Bollinger Band; sells when the RSI is overbought or the price is back at the middle band. Stop below the band by an ATR multiple. Defaults: 5-minute candles, about 2 to 5 entries a day, in clusters on sharp drops.',
  params: meanReversionParams,
  // Wilder smoothing (RSI, ATR) is seeded once; 3x its period lets the seed fade.
  warmup: (p) => Math.max(p.bbPeriod + 1, 3 * p.rsiPeriod, 3 * p.atrPeriod),
  timeframe: (p) => p.timeframe,
  indicators: (p) => [ind.rsi(p.rsiPeriod), ind.bollinger(p.bbPeriod, p.bbStdDev), ind.atr(p.atrPeriod)],
  onCandle(ctx): Signal | null {
    const p = ctx.params;
    const r = valueAt(ctx.indicator(ind.rsi(p.rsiPeriod)), ctx.at);
    const bb = ctx.indicator(ind.bollinger(p.bbPeriod, p.bbStdDev));
    const lower = valueAt(bb.lower, ctx.at);
    const middle = valueAt(bb.middle, ctx.at);
    if (Number.isNaN(r) || Number.isNaN(lower) || Number.isNaN(middle)) return null;
    const close = ctx.candles[ctx.at]!.close;
    if (!ctx.position) {
      if (!(r < p.oversold && close < lower)) return null;
      const a = valueAt(ctx.indicator(ind.atr(p.atrPeriod)), ctx.at);
      if (!(a > 0)) return null;
      const stop = Math.min(lower, close) - p.stopAtr * a;
      if (!(stop > 0)) return null;
      return {
        side: 'buy',
        sizeHint: p.sizeHint,
        stopLossPrice: stop,
        reason: `RSI(${p.rsiPeriod}) ${r.toFixed(1)} < ${p.oversold} and close ${fmt(close)} below the lower band ${fmt(lower)}; stop ${fmt(stop)}`,
      };
    }
    if (r > p.overbought) {
      return { side: 'sell', sizeHint: 1, reason: `RSI(${p.rsiPeriod}) ${r.toFixed(1)} > ${p.overbought}` };
    }
    if (p.exitAtMiddle && close >= middle) {
      return { side: 'sell', sizeHint: 1, reason: `close ${fmt(close)} reached the middle band ${fmt(middle)}` };
    }
    return null;
  },
  explain(ctx) {
    const p = ctx.params;
    const bb = ctx.indicator(ind.bollinger(p.bbPeriod, p.bbStdDev));
    const l = labels(p);
    const out: Record<string, number> = {};
    out[l.rsi] = valueAt(ctx.indicator(ind.rsi(p.rsiPeriod)), ctx.at);
    out['lower band'] = valueAt(bb.lower, ctx.at);
    out['middle band'] = valueAt(bb.middle, ctx.at);
    out[l.atr] = valueAt(ctx.indicator(ind.atr(p.atrPeriod)), ctx.at);
    out['close'] = ctx.candles[ctx.at]!.close;
    return out;
  },
};
