import { z } from 'zod';
import { valueAt } from '../market/indicators';
import { ind } from '../market/indicator-spec';
import { labelsOf } from './labels';
import { param } from './params';
import type { EntrySignal, Signal, Strategy } from './types';

export const dcaParams = z.strictObject({
  timeframe: param.timeframe('5m'),
  intervalHours: param.int({
    default: 4,
    min: 1,
    max: 720,
    label: 'Buy every',
    unit: 'hours',
    help: 'One buy per interval, on the first candle of it (intervals are counted from UTC midnight).',
  }),
  amountUsd: param.usd({ default: 25, min: 1, max: 100_000, label: 'Amount per buy', help: 'USD spent on each buy.' }),
  buyTheDip: param.bool({
    default: false,
    label: 'Buy the dip',
    help: 'Spend more when the price is well below its moving average.',
  }),
  dipSmaPeriod: param.int({
    default: 50,
    min: 5,
    max: 400,
    label: 'Dip average length',
    unit: 'candles',
    help: 'Length of the simple moving average a dip is measured against.',
  }),
  dipPct: param.num({
    default: 5,
    min: 0.5,
    max: 50,
    label: 'Dip depth',
    unit: '%',
    help: 'A dip is a close this far below the moving average.',
  }),
  dipMultiplier: param.num({
    default: 2,
    min: 1,
    max: 10,
    label: 'Dip multiplier',
    unit: 'times the amount',
    help: 'On a dip, the buy spends the amount times this (rounded to cents).',
  }),
  stopLossPct: param.num({
    default: 30,
    min: 1,
    max: 95,
    label: 'Stop-loss',
    unit: '%',
    help: 'Sell everything this far below the lower of the buy price and the average entry.',
  }),
  takeProfitPct: param.optionalNum({
    min: 1,
    max: 1000,
    label: 'Take-profit',
    unit: '%',
    help: 'Sell everything when the price is this far above the average entry, then start over.',
    offHelp: 'Never sells (except at the stop-loss): keeps accumulating.',
  }),
});
export type DcaParams = z.output<typeof dcaParams>;

const HOUR_MS = 3_600_000;
// The buy's amount and sentence depend only on the parameters: worked out once, not on every buy of every friend.
const labels = labelsOf((p: DcaParams) => ({
  sma: `SMA(${p.dipSmaPeriod})`,
  cents: BigInt(Math.round(p.amountUsd * 100)),
  reason: `DCA buy of $${p.amountUsd.toFixed(2)} (every ${p.intervalHours} h)`,
}));
const fmt = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(2) : x.toPrecision(5));

/**
 * Dollar-cost averaging: buys a fixed USD amount on the first closed candle of
 * every interval (intervals are aligned to the Unix epoch, so a 24 h interval
 * buys once per UTC day). With buy-the-dip, a buy made while the close is
 * `dipPct`% or more below its SMA spends `dipMultiplier` times the amount.
 * Never sells unless a take-profit is set. Stateless: whether a candle starts
 * a new interval is read from the candles themselves.
 */
export const dcaStrategy: Strategy<DcaParams> = {
  id: 'dca',
  name: 'Dollar-cost averaging',
  description:
    'Buys a fixed USD amount every interval, optionally more on dips below a moving average; sells only at an optional take-profit. Defaults: $25 every 4 hours (6 buys a day).',
  params: dcaParams,
  warmup: (p) => (p.buyTheDip ? p.dipSmaPeriod + 1 : 2),
  timeframe: (p) => p.timeframe,
  indicators: (p) => (p.buyTheDip ? [ind.sma(p.dipSmaPeriod)] : []),
  onCandle(ctx): Signal | null {
    const p = ctx.params;
    // n candles closed so far; candles past ctx.at are not to be read (see StrategyContext.at).
    const n = ctx.at + 1;
    if (n < 2) return null;
    const last = ctx.candles[n - 1]!;
    const close = last.close;
    if (ctx.position && p.takeProfitPct !== null) {
      const target = ctx.position.entryPrice * (1 + p.takeProfitPct / 100);
      if (close >= target) {
        return {
          side: 'sell',
          sizeHint: 1,
          reason: `close ${fmt(close)} is ${p.takeProfitPct}% above the average entry ${fmt(ctx.position.entryPrice)}`,
        };
      }
    }
    const interval = p.intervalHours * HOUR_MS;
    const prev = ctx.candles[n - 2]!;
    if (Math.floor(last.time / interval) === Math.floor(prev.time / interval)) return null;
    const l = labels(p);
    let cents = l.cents;
    let reason = l.reason;
    if (p.buyTheDip) {
      const avg = valueAt(ctx.indicator(ind.sma(p.dipSmaPeriod)), ctx.at);
      if (!Number.isNaN(avg) && close <= avg * (1 - p.dipPct / 100)) {
        cents = (cents * BigInt(Math.round(p.dipMultiplier * 100))) / 100n;
        reason = `DCA dip buy of $${(Number(cents) / 100).toFixed(2)}: close ${fmt(close)} is ${(((avg - close) / avg) * 100).toFixed(1)}% below SMA(${p.dipSmaPeriod}) ${fmt(avg)}`;
      }
    }
    const signal: EntrySignal = {
      side: 'buy',
      sizeHint: 1,
      quoteAmount: cents * 10_000n, // cents -> 6-decimal base units, exactly
      // A catastrophe stop under the lower of this buy and the average entry, so adding never ratchets it up.
      stopLossPrice: Math.min(close, ctx.position?.entryPrice ?? close) * (1 - p.stopLossPct / 100),
      reason,
    };
    if (p.takeProfitPct !== null) {
      signal.takeProfitPrice =
        (ctx.position ? Math.max(ctx.position.entryPrice, close) : close) * (1 + p.takeProfitPct / 100);
    }
    return signal;
  },
  explain(ctx) {
    const p = ctx.params;
    const last = ctx.candles[ctx.at]!;
    const interval = p.intervalHours * HOUR_MS;
    const out: Record<string, number> = {
      close: last.close,
      // Hours from this candle's open to the next interval, whose first closed candle buys.
      'hours to next interval': (Math.floor(last.time / interval) * interval + interval - last.time) / HOUR_MS,
    };
    if (p.buyTheDip) out[labels(p).sma] = valueAt(ctx.indicator(ind.sma(p.dipSmaPeriod)), ctx.at);
    if (ctx.position && p.takeProfitPct !== null)
      out['take-profit'] = ctx.position.entryPrice * (1 + p.takeProfitPct / 100);
    return out;
  },
};
