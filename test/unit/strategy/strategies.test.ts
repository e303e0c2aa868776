import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndicatorCache } from '../../../engine/market/indicator-cache';
import { atr, bollinger, ema, rsi, sma } from '../../../engine/market/indicators';
import type { Candle } from '../../../engine/market/types';
import { evaluateStrategy } from '../../../engine/strategy/evaluate';
import { bindStrategy, getStrategy } from '../../../engine/strategy/registry';
import type { Signal, Strategy } from '../../../engine/strategy/types';
import { between, candles1h } from '../market/data';
import { ReplaySource, simulate } from './sim';

const H = 3_600_000;
const T0 = Date.UTC(2021, 0, 1);

/** Hourly candles following `closes`: open = previous close, wicks 0.3% beyond the body. */
function candlesFrom(closes: number[], start = T0): Candle[] {
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!;
    return {
      time: start + i * H,
      open,
      high: Math.max(open, close) * 1.003,
      low: Math.min(open, close) * 0.997,
      close,
      volume: 1,
    };
  });
}

const ramp = (from: number, to: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => from + ((to - from) * (i + 1)) / n);

const buys = <T extends { signal: Signal }>(signals: T[]): T[] => signals.filter((s) => s.signal.side === 'buy');

describe('trend following (EMA crossover, ATR stop)', () => {
  // Down for 90 hours, up for 60, down for 60.
  const closes = [...ramp(100, 70, 90), ...ramp(70, 110, 60), ...ramp(110, 80, 60)];
  const candles = candlesFrom(closes);
  const params = { fastPeriod: 5, slowPeriod: 20, atrPeriod: 14, stopAtr: 2 };

  it('buys on the candle where EMA(5) crosses above EMA(20), with the stop 2 ATR below the close, and sells on the cross down', () => {
    const f = ema(closes, 5);
    const s = ema(closes, 20);
    const a = atr(
      candles.map((c) => c.high),
      candles.map((c) => c.low),
      closes,
      14,
    );
    const warmup = bindStrategy('trend', params).warmup;
    expect(warmup).toBe(60);
    const up = closes.findIndex((_, i) => i >= warmup - 1 && f[i - 1]! <= s[i - 1]! && f[i]! > s[i]!);
    const down = closes.findIndex((_, i) => i > up && f[i - 1]! >= s[i - 1]! && f[i]! < s[i]!);
    expect(up).toBeGreaterThan(90);
    expect(down).toBeGreaterThan(150);

    const { signals, trades } = simulate('trend', params, candles);
    expect(signals.map((x) => [x.time, x.signal.side])).toEqual([
      [candles[up]!.time, 'buy'],
      [candles[down]!.time, 'sell'],
    ]);
    const entry = signals[0]!.signal;
    expect(entry).toMatchObject({ side: 'buy', sizeHint: 1 });
    expect(entry.side === 'buy' && entry.stopLossPrice).toBeCloseTo(closes[up]! - 2 * a[up]!, 12);
    expect(entry.side === 'buy' && entry.takeProfitPrice).toBeUndefined();
    expect(entry.reason).toMatch(/EMA\(5\) crossed above EMA\(20\)/);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ exit: 'signal' });
  });

  it('sets a target at R times the stop distance when asked', () => {
    const { signals } = simulate('trend', { ...params, takeProfitR: 3 }, candles);
    const e = signals[0]!.signal;
    if (e.side !== 'buy') throw new Error('expected a buy');
    expect(e.takeProfitPrice! - signals[0]!.close).toBeCloseTo(3 * (signals[0]!.close - e.stopLossPrice), 9);
  });

  it('does not buy again while in a position, and never sells without one', () => {
    const s = getStrategy('trend');
    const p = s.params.parse(params);
    const source = new ReplaySource(candles);
    const cache = new IndicatorCache(source);
    source.upTo = closes.findIndex((_, i) => i > 91 && ema(closes, 5)[i]! > ema(closes, 20)[i]!) + 1;
    const flat = evaluateStrategy(s, p, { token: 'T', cache, position: null, now: 0 });
    expect(flat.signal?.side).toBe('buy');
    const holding = evaluateStrategy(s, p, {
      token: 'T',
      cache,
      position: { quantity: 1n, entryPrice: 80, openedAt: 0 },
      now: 0,
    });
    expect(holding.signal).toBeNull();
  });
});

describe('mean reversion (RSI + Bollinger Bands)', () => {
  // Calm oscillation around 100, a sharp fall, then a recovery.
  const calm = Array.from({ length: 80 }, (_, i) => 100 + Math.sin(i / 2));
  const closes = [...calm, 97, 94, ...ramp(94, 101, 12), ...Array.from({ length: 10 }, () => 101)];
  const candles = candlesFrom(closes);

  it('buys when RSI < 30 and the close is under the lower band; stop one ATR under; sells at the middle band', () => {
    const r = rsi(closes, 14);
    const bb = bollinger(closes, 20, 2);
    const a = atr(
      candles.map((c) => c.high),
      candles.map((c) => c.low),
      closes,
      14,
    );
    const entry = closes.findIndex((c, i) => i >= 41 && r[i]! < 30 && c < bb.lower[i]!);
    expect(entry).toBeGreaterThanOrEqual(80);
    const { signals, trades } = simulate('mean-reversion', {}, candles);
    expect(signals[0]!.time).toBe(candles[entry]!.time);
    const e = signals[0]!.signal;
    if (e.side !== 'buy') throw new Error('expected a buy');
    expect(e.stopLossPrice).toBeCloseTo(Math.min(bb.lower[entry]!, closes[entry]!) - a[entry]!, 12);
    expect(e.stopLossPrice).toBeLessThan(closes[entry]!);
    const exit = closes.findIndex((c, i) => i > entry && (r[i]! > 70 || c >= bb.middle[i]!));
    expect(signals[1]).toMatchObject({ time: candles[exit]!.time, signal: { side: 'sell' } });
    expect(trades).toEqual([expect.objectContaining({ entryTime: candles[entry]!.time, exit: 'signal' })]);
  });

  it('a falling knife is stopped out and bought again while the conditions hold', () => {
    const knife = candlesFrom([...calm, 97, 94, 91, 89, ...ramp(89, 101, 12)]);
    const { trades } = simulate('mean-reversion', {}, knife);
    expect(trades.map((t) => t.exit)).toEqual(['stop', 'stop', 'signal']);
    for (const t of trades) expect(t.stop).toBeLessThan(t.entryPrice);
  });

  it('with exitAtMiddle off, holds until the RSI is overbought', () => {
    const r = rsi(closes, 14);
    const { signals } = simulate('mean-reversion', { exitAtMiddle: false }, candles);
    const sell = signals.find((s) => s.signal.side === 'sell');
    if (sell) expect(r[candles.findIndex((c) => c.time === sell.time)]!).toBeGreaterThan(70);
    expect(sell?.signal.reason ?? 'RSI').toMatch(/RSI/);
  });
});

describe('DCA', () => {
  // Four days of flat hourly candles at 100, except a dip to 85 on the third day.
  const closes = Array.from({ length: 96 }, (_, i) => (i >= 48 && i < 72 ? 85 : 100));
  const candles = candlesFrom(closes);

  it('buys the fixed amount on the first candle of every UTC day, with a stop, and never sells', () => {
    const { signals, trades } = simulate('dca', { amountUsd: 25, intervalHours: 24, stopLossPct: 20 }, candles);
    expect(signals.map((s) => new Date(s.time).toISOString())).toEqual([
      '2021-01-02T00:00:00.000Z',
      '2021-01-03T00:00:00.000Z',
      '2021-01-04T00:00:00.000Z',
    ]);
    for (const s of signals) expect(s.signal).toMatchObject({ side: 'buy', quoteAmount: 25_000_000n });
    // 20% under the lower of the buy price and the average entry so far: adding never moves the stop up.
    const avgAfterTwo = 50 / (25 / 100 + 25 / 85);
    expect(signals.map((s) => (s.signal.side === 'buy' ? s.signal.stopLossPrice : 0))).toEqual([
      100 * 0.8,
      85 * 0.8,
      expect.closeTo(avgAfterTwo * 0.8, 9),
    ]);
    expect(trades).toHaveLength(1);
    expect(trades[0]!.buys).toBe(3);
  });

  it('buys the dip bigger: 2x when the close is 5% or more under its SMA', () => {
    const avg = sma(closes, 24);
    expect(closes[48]! / avg[48]!).toBeLessThan(0.95);
    const { signals } = simulate(
      'dca',
      { amountUsd: 10.5, intervalHours: 24, buyTheDip: true, dipSmaPeriod: 24, dipPct: 5, dipMultiplier: 2 },
      candles,
    );
    expect(signals.map((s) => (s.signal.side === 'buy' ? s.signal.quoteAmount : null))).toEqual([
      10_500_000n, // day 2, at 100
      21_000_000n, // day 3, at 85: the dip
      10_500_000n, // day 4, back at 100
    ]);
    expect(signals[1]!.signal.reason).toMatch(/dip buy of \$21\.00.*below SMA\(24\)/);
  });

  it('buys every hour with a 1 h interval, and sells only at the take-profit', () => {
    const up = candlesFrom([...Array.from({ length: 5 }, () => 100), 105, 120, 121]);
    const { signals, trades } = simulate('dca', { intervalHours: 1, takeProfitPct: 10 }, up);
    expect(signals.map((s) => s.signal.side)).toEqual(['buy', 'buy', 'buy', 'buy', 'buy', 'buy', 'buy']);
    // Each buy carries the target; the position is taken out there, then DCA starts over.
    expect(signals[0]!.signal).toMatchObject({ takeProfitPrice: expect.closeTo(110, 9) });
    expect(trades.map((t) => [t.buys, t.exit])).toEqual([
      [5, 'target'],
      [2, null],
    ]);
    // Asked with a position 10% up, the strategy itself sells everything.
    const source = new ReplaySource(up);
    source.upTo = 7;
    const s = getStrategy('dca');
    const got = evaluateStrategy(s, s.params.parse({ intervalHours: 1, takeProfitPct: 10 }), {
      token: 'T',
      cache: new IndicatorCache(source),
      position: { quantity: 5n, entryPrice: 101, openedAt: T0 },
      now: 0,
    });
    expect(got.signal).toMatchObject({
      side: 'sell',
      sizeHint: 1,
      reason: expect.stringMatching(/10% above the average entry/),
    });
    // Without a take-profit it never sells.
    const never = simulate('dca', { intervalHours: 1 }, up);
    expect(never.signals.every((x) => x.signal.side === 'buy')).toBe(true);
    expect(never.trades).toHaveLength(1);
  });
});

describe('strategies on a real month of SOL 1h candles (January 2021), with hourly settings', () => {
  // Three weeks of December for the warm-up, then January.
  const candles = between(candles1h('SOLUSDT'), Date.UTC(2020, 11, 10), Date.UTC(2021, 1, 1));
  const inJanuary = (t: number) => t >= Date.UTC(2021, 0, 1);

  it('trend following trades a handful of times; every entry has a stop below the entry', () => {
    const { signals, trades } = simulate('trend', { timeframe: '1h', fastPeriod: 12, slowPeriod: 26 }, candles);
    const entries = buys(signals).filter((s) => inJanuary(s.time));
    expect(entries.length).toBeGreaterThanOrEqual(3);
    expect(entries.length).toBeLessThanOrEqual(15);
    for (const e of buys(signals)) {
      if (e.signal.side !== 'buy') continue;
      expect(e.signal.stopLossPrice).toBeGreaterThan(0);
      expect(e.signal.stopLossPrice).toBeLessThan(e.close);
      // 2 ATR on hourly SOL: a few percent, not a nonsense level.
      expect(e.signal.stopLossPrice / e.close).toBeGreaterThan(0.8);
    }
    // Never a buy while in a position: every buy opened its own trade (exits by signal or stop).
    expect(trades.length).toBe(buys(signals).length);
    expect(trades.every((t, i) => i === trades.length - 1 || t.exit !== null)).toBe(true);
  });

  it('mean reversion buys a few dips, each with a stop below the entry', () => {
    const { signals } = simulate('mean-reversion', { timeframe: '1h' }, candles);
    const entries = buys(signals);
    expect(entries.length).toBeGreaterThanOrEqual(1);
    expect(entries.length).toBeLessThanOrEqual(20);
    for (const e of entries) if (e.signal.side === 'buy') expect(e.signal.stopLossPrice).toBeLessThan(e.close);
  });

  it('daily DCA buys once a day, 31 times in January', () => {
    const { signals } = simulate('dca', { timeframe: '1h', intervalHours: 24 }, candles);
    expect(signals.filter((s) => inJanuary(s.time) && s.signal.side === 'buy')).toHaveLength(31);
    expect(signals.every((s) => s.signal.side === 'buy')).toBe(true);
  });
});

/** A random walk of hourly candles. */
const walk = fc
  .array(fc.double({ min: -0.04, max: 0.04, noNaN: true }), { minLength: 30, maxLength: 160 })
  .map((steps) => {
    let p = 50;
    return candlesFrom(steps.map((s) => (p = Math.max(0.5, p * (1 + s)))));
  });

describe('determinism', () => {
  const paramSets = fc.oneof(
    fc.record({
      id: fc.constant('trend'),
      params: fc
        .record({ fastPeriod: fc.integer({ min: 2, max: 10 }), slowPeriod: fc.integer({ min: 11, max: 30 }) })
        .map((p) => ({ ...p, stopAtr: 1.5 })),
    }),
    fc.record({
      id: fc.constant('mean-reversion'),
      params: fc.record({ rsiPeriod: fc.integer({ min: 2, max: 14 }), oversold: fc.integer({ min: 20, max: 45 }) }),
    }),
    fc.record({
      id: fc.constant('dca'),
      params: fc.record({
        intervalHours: fc.integer({ min: 1, max: 12 }),
        buyTheDip: fc.boolean(),
        dipSmaPeriod: fc.constant(10),
      }),
    }),
  );

  it('same candles + params -> same signals, whether the indicator cache is fresh or shared', () => {
    fc.assert(
      fc.property(walk, paramSets, (candles, { id, params }) => {
        const a = simulate(id, params, candles);
        const b = simulate(id, params, candles);
        expect(b.signals).toEqual(a.signals);
        expect(b.trades).toEqual(a.trades);
        // A cache shared with other strategies on the same series changes nothing.
        const source = new ReplaySource(candles);
        const shared = new IndicatorCache(source);
        simulate('trend', { fastPeriod: 3, slowPeriod: 8 }, candles, { source, cache: shared });
        simulate('mean-reversion', { rsiPeriod: 3 }, candles, { source, cache: shared });
        const c = simulate(id, params, candles, { source, cache: shared });
        expect(c.signals).toEqual(a.signals);
        expect(c.trades).toEqual(a.trades);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the signal contract is enforced', () => {
  const candles = candlesFrom(ramp(10, 20, 30));
  const broken = (signal: Signal): Strategy<Record<string, never>> => ({
    ...(getStrategy('dca') as unknown as Strategy<Record<string, never>>),
    id: 'broken',
    warmup: () => 1,
    timeframe: () => '1h',
    onCandle: () => signal,
  });
  const run = (signal: Signal, position = false) => {
    const source = new ReplaySource(candles);
    source.upTo = candles.length;
    return () =>
      evaluateStrategy(
        broken(signal),
        {},
        {
          token: 'T',
          cache: new IndicatorCache(source),
          position: position ? { quantity: 1n, entryPrice: 10, openedAt: 0 } : null,
          now: 0,
        },
      );
  };

  it('refuses an entry whose stop is missing or not below the close, a bad size, a sell without a position', () => {
    expect(run({ side: 'buy', sizeHint: 1, stopLossPrice: 25, reason: 'x' })).toThrow(/not below the close/);
    expect(run({ side: 'buy', sizeHint: 1, stopLossPrice: 0, reason: 'x' })).toThrow(/positive stop-loss/);
    expect(run({ side: 'buy', sizeHint: 1, stopLossPrice: Number.NaN, reason: 'x' })).toThrow(/positive stop-loss/);
    expect(run({ side: 'buy', sizeHint: 1.5, stopLossPrice: 5, reason: 'x' })).toThrow(/sizeHint/);
    expect(run({ side: 'buy', sizeHint: 1, stopLossPrice: 5, takeProfitPrice: 15, reason: 'x' })).toThrow(
      /take-profit/,
    );
    expect(run({ side: 'sell', sizeHint: 1, reason: 'x' })).toThrow(/without a position/);
    expect(run({ side: 'sell', sizeHint: 1, reason: 'x' }, true)()).toMatchObject({ signal: { side: 'sell' } });
    expect(run({ side: 'buy', sizeHint: 0.5, stopLossPrice: 19, reason: 'ok' })()).toMatchObject({
      signal: { side: 'buy' },
    });
  });

  it('refuses to run when the warm-up does not fit the indicator window (it could never trade)', () => {
    const source = new ReplaySource(candles);
    source.upTo = candles.length;
    const s = bindStrategy('trend', {});
    expect(() =>
      s.evaluate({ token: 'T', cache: new IndicatorCache(source, { window: 50 }), position: null, now: 0 }),
    ).toThrow(/needs 63 candles of warm-up but indicators are computed over 50/);
  });

  it('does not ask the strategy before its warm-up', () => {
    const source = new ReplaySource(candles);
    source.upTo = 10;
    const s = bindStrategy('trend', {});
    expect(s.evaluate({ token: 'T', cache: new IndicatorCache(source), position: null, now: 0 })).toEqual({
      signal: null,
      candleTime: candles[9]!.time,
      skipped: 'warmup',
      warmup: { have: 10, needed: 63 }, // 3 × the default slow EMA (21)
      indicators: null,
    });
  });
});
