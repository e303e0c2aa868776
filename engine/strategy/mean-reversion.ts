import { z } from 'zod';
import { lastValue } from '../market/indicators';
import { ind } from '../market/indicator-spec';
import { param } from './params';
import type { Signal, Strategy } from './types';

export const meanReversionParams = z
  .strictObject({
    timeframe: param.timeframe('1h'),
    rsiPeriod: param.int(14, 2, 100, 'RSI period'),
    oversold: param.num(30, 5, 50, 'Buy when the RSI is below this (and the close is below the lower band)'),
    overbought: param.num(70, 50, 95, 'Sell when the RSI is above this'),
    bbPeriod: param.int(20, 5, 200, 'Bollinger Bands period'),
    bbStdDev: param.num(2, 0.5, 4, 'Bollinger Bands width in standard deviations'),
    atrPeriod: param.int(14, 2, 100, 'ATR period for the stop'),
    stopAtr: param.num(1, 0.25, 10, 'Stop-loss distance below the lower band (or the close, if lower), in ATRs'),
    exitAtMiddle: param.bool(true, 'Also sell when the close reaches the middle band'),
    sizeHint: param.num(1, 0.01, 1, 'Fraction of the maximum position size per entry'),
  })
  .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] });
export type MeanReversionParams = z.output<typeof meanReversionParams>;

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
    'Buys when the RSI is oversold and the price closes below the lower Bollinger Band; sells when the RSI is overbought or the price is back at the middle band. Stop below the band by an ATR multiple.',
  params: meanReversionParams,
  // Wilder smoothing (RSI, ATR) is seeded once; 3x its period lets the seed fade.
  warmup: (p) => Math.max(p.bbPeriod + 1, 3 * p.rsiPeriod, 3 * p.atrPeriod),
  timeframe: (p) => p.timeframe,
  indicators: (p) => [ind.rsi(p.rsiPeriod), ind.bollinger(p.bbPeriod, p.bbStdDev), ind.atr(p.atrPeriod)],
  onCandle(ctx): Signal | null {
    const p = ctx.params;
    const r = lastValue(ctx.indicator(ind.rsi(p.rsiPeriod)));
    const bb = ctx.indicator(ind.bollinger(p.bbPeriod, p.bbStdDev));
    const lower = lastValue(bb.lower);
    const middle = lastValue(bb.middle);
    if ([r, lower, middle].some(Number.isNaN)) return null;
    const close = ctx.candles[ctx.candles.length - 1]!.close;
    if (!ctx.position) {
      if (!(r < p.oversold && close < lower)) return null;
      const a = lastValue(ctx.indicator(ind.atr(p.atrPeriod)));
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
    return {
      [`RSI(${p.rsiPeriod})`]: lastValue(ctx.indicator(ind.rsi(p.rsiPeriod))),
      'lower band': lastValue(bb.lower),
      'middle band': lastValue(bb.middle),
      [`ATR(${p.atrPeriod})`]: lastValue(ctx.indicator(ind.atr(p.atrPeriod))),
      close: ctx.candles[ctx.candles.length - 1]!.close,
    };
  },
};
