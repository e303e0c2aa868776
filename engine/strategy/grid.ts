import { z } from 'zod';
import { ind } from '../market/indicator-spec';
import { valueAt } from '../market/indicators';
import { labelsOf } from './labels';
import { param } from './params';
import type { EntrySignal, Signal, Strategy } from './types';

export const gridParams = z
  .strictObject({
    timeframe: param.timeframe('5m'),
    lowerPrice: param.optionalNum({
      min: 1e-9,
      max: 10_000_000,
      label: 'Lowest level',
      unit: 'USD',
      help: 'Price of the lowest grid level. Set it together with the highest level for a fixed range.',
      offHelp: 'The range follows the price: the moving average plus or minus the range width.',
    }),
    upperPrice: param.optionalNum({
      min: 1e-9,
      max: 10_000_000,
      label: 'Highest level',
      unit: 'USD',
      help: 'Price of the highest grid level. Set it together with the lowest level for a fixed range.',
      offHelp: 'The range follows the price: the moving average plus or minus the range width.',
    }),
    rangePct: param.num({
      default: 5,
      min: 0.2,
      max: 50,
      label: 'Range width',
      unit: '%',
      help: 'Without a fixed range, the grid spans this far below and above the moving average.',
    }),
    referencePeriod: param.int({
      default: 48,
      min: 2,
      max: 500,
      label: 'Average length',
      unit: 'candles',
      help: 'Length of the simple moving average the grid is centred on (when the range is not fixed).',
    }),
    levels: param.int({
      default: 6,
      min: 2,
      max: 100,
      label: 'Levels',
      unit: 'levels',
      help: 'Number of price levels, evenly spaced from the lowest to the highest (both included).',
    }),
    sizeUsd: param.usd({
      default: 20,
      min: 1,
      max: 100_000,
      label: 'Size per level',
      help: 'USD bought each time the price falls through a level; the same worth is sold when it rises through one.',
    }),
    stopBelowPct: param.num({
      default: 5,
      min: 0.5,
      max: 90,
      label: 'Stop below the range',
      unit: '%',
      help: 'Stop-loss this far below the lowest level: the grid sells out when the price leaves the range downwards.',
    }),
  })
  .refine((p) => (p.lowerPrice === null) === (p.upperPrice === null), {
    message: 'set both the lowest and the highest level, or neither',
    path: ['lowerPrice'],
  })
  .refine((p) => p.lowerPrice === null || p.upperPrice === null || p.lowerPrice < p.upperPrice, {
    message: 'the lowest level must be below the highest level',
    path: ['lowerPrice'],
  });
export type GridParams = z.output<typeof gridParams>;

const labels = labelsOf((p: GridParams) => ({ sma: `SMA(${p.referencePeriod})` }));

const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(5));

/** `count` prices evenly spaced from `lower` to `upper`, both included, ascending. */
export function gridLevels(lower: number, upper: number, count: number): number[] {
  const step = (upper - lower) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? upper : lower + i * step));
}

/**
 * The resting orders a grid keeps: a buy at every level below the close and a
 * sell at every level above it. This is the seam for limit orders: when the
 * order layer can rest limit orders, a grid places these instead of trading
 * at market on each crossing (the crossing rule below is what such orders
 * would have filled, one candle late).
 */
export function restingGridOrders(levels: readonly number[], close: number): { buys: number[]; sells: number[] } {
  return { buys: levels.filter((l) => l < close), sells: levels.filter((l) => l > close) };
}

/**
 * Grid trading, stateless: from the previous and the current close it finds
 * the levels crossed. Falling through levels buys `sizeUsd` per level;
 * rising through levels sells one lot per level. What a grid with paired
 * orders would remember is derived from the position instead: a level is
 * bought only 3/4 of a level or more under the average entry and sold only
 * half a level or more above it (so a price wobbling around one level does
 * not buy and sell it over and over), and the position is spread as one lot
 * over each sellable level above the previous close (up to (levels+1)/2
 * levels above the average entry, where a grid that bought every level would
 * sell its last lot), so crossing k of n such levels sells k/n of it and the
 * highest sells the rest. Rising above the range, or past every such level,
 * sells everything. Market orders on crossings (see restingGridOrders for the
 * limit-order seam).
 */
export const gridStrategy: Strategy<GridParams> = {
  id: 'grid',
  name: 'Grid',
  description:
    'Buys a fixed USD amount each time the price falls through a level of a price grid and sells the same worth each time it rises through one; the range is fixed or follows a moving average. Defaults: 6 levels 2% apart around the 4-hour average, about 10 to 15 buys a day on a token as volatile as SOL, fewer on calmer ones.',
  params: gridParams,
  warmup: (p) => (p.lowerPrice !== null ? 2 : p.referencePeriod + 1),
  timeframe: (p) => p.timeframe,
  indicators: (p) => (p.lowerPrice !== null ? [] : [ind.sma(p.referencePeriod)]),
  onCandle(ctx): Signal | null {
    const p = ctx.params;
    // n candles closed so far; candles past ctx.at are not to be read (see StrategyContext.at).
    const n = ctx.at + 1;
    if (n < 2) return null;
    const prev = ctx.candles[n - 2]!.close;
    const close = ctx.candles[n - 1]!.close;
    let lower: number;
    let upper: number;
    if (p.lowerPrice !== null && p.upperPrice !== null) {
      lower = p.lowerPrice;
      upper = p.upperPrice;
    } else {
      const mid = valueAt(ctx.indicator(ind.sma(p.referencePeriod)), ctx.at);
      if (!(mid > 0)) return null;
      lower = mid * (1 - p.rangePct / 100);
      upper = mid * (1 + p.rangePct / 100);
    }
    const levels = gridLevels(lower, upper, p.levels);
    const step = (upper - lower) / (p.levels - 1);
    const entry = ctx.position?.entryPrice ?? null;
    // Hysteresis from the position, as a grid's paired orders would give: buy a level only well under the
    // average entry and sell one only above it, so a price wobbling around one level does not churn.
    const down = levels.filter((l) => prev > l && close <= l && (entry === null || l <= entry - 0.75 * step)).length;
    // A grid that bought every level on the way down sells its last lot (k+1)/2 levels above the average entry.
    const cap = entry === null ? 0 : entry + ((p.levels + 1) / 2) * step;
    const sellable = entry === null ? [] : levels.filter((l) => l >= entry + 0.5 * step && l <= cap && l > prev);
    const up = sellable.filter((l) => close >= l).length;
    const crossedUp = levels.some((l) => prev < l && close >= l);
    const range = `grid ${fmt(lower)}–${fmt(upper)}`;
    if (down > 0) {
      const cents = BigInt(Math.round(p.sizeUsd * 100)) * BigInt(down);
      const signal: EntrySignal = {
        side: 'buy',
        sizeHint: 1,
        quoteAmount: cents * 10_000n, // cents -> 6-decimal base units, exactly
        stopLossPrice: Math.min(lower, close) * (1 - p.stopBelowPct / 100),
        reason: `close ${fmt(close)} fell through ${down} level${down > 1 ? 's' : ''} of the ${range}: buy $${(Number(cents) / 100).toFixed(2)}`,
      };
      return signal;
    }
    if (ctx.position && close > upper && prev <= upper) {
      return { side: 'sell', sizeHint: 1, reason: `close ${fmt(close)} rose above the ${range}: sell everything` };
    }
    if (ctx.position && crossedUp && close > cap) {
      return {
        side: 'sell',
        sizeHint: 1,
        reason: `close ${fmt(close)} rose past every level the ${range} holds lots for (average entry ${fmt(entry!)}): sell everything`,
      };
    }
    if (up > 0 && ctx.position) {
      const held = sellable.length;
      return {
        side: 'sell',
        sizeHint: Math.min(1, up / held),
        reason: `close ${fmt(close)} rose through ${up} level${up > 1 ? 's' : ''} of the ${range}: sell ${Math.min(up, held)} of ${held} lots`,
      };
    }
    return null;
  },
  explain(ctx) {
    const p = ctx.params;
    const close = ctx.candles[ctx.at]!.close;
    if (p.lowerPrice !== null && p.upperPrice !== null)
      return { 'grid low': p.lowerPrice, 'grid high': p.upperPrice, close };
    const mid = valueAt(ctx.indicator(ind.sma(p.referencePeriod)), ctx.at);
    const out: Record<string, number> = {};
    out[labels(p).sma] = mid;
    out['grid low'] = mid * (1 - p.rangePct / 100);
    out['grid high'] = mid * (1 + p.rangePct / 100);
    out['close'] = close;
    return out;
  },
};
