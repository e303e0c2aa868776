import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndicatorCache } from '../../../engine/market/indicator-cache';
import { computeIndicator, ind, specKey } from '../../../engine/market/indicator-spec';
import { atr, donchian } from '../../../engine/market/indicators';
import type { Candle } from '../../../engine/market/types';
import { evaluateStrategy } from '../../../engine/strategy/evaluate';
import { gridLevels, restingGridOrders } from '../../../engine/strategy/grid';
import { bindStrategy, getStrategy, STRATEGY_IDS } from '../../../engine/strategy/registry';
import type { PositionView, Signal } from '../../../engine/strategy/types';
import { ReplaySource, simulate } from './sim';

const M5 = 300_000;
const T0 = Date.UTC(2021, 0, 1);

/** 5-minute candles following `closes`: open = previous close, wicks 0.2% beyond the body. */
function candlesFrom(closes: number[], start = T0): Candle[] {
  return closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!;
    return {
      time: start + i * M5,
      open,
      high: Math.max(open, close) * 1.002,
      low: Math.min(open, close) * 0.998,
      close,
      volume: 1,
    };
  });
}

/** One evaluation of a strategy on the first `upTo` candles, with or without a position. */
function evalAt(id: string, params: unknown, candles: Candle[], upTo: number, position: PositionView | null = null) {
  const s = getStrategy(id);
  const source = new ReplaySource(candles);
  source.upTo = upTo;
  return evaluateStrategy(s, s.params.parse(params), {
    token: 'T',
    cache: new IndicatorCache(source),
    position,
    now: 0,
  }).signal;
}

describe('Donchian channel', () => {
  it('is the highest high and lowest low of the last p candles (against a naive scan), NaN before p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 100, noNaN: true }), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 20 }),
        (xs, p) => {
          const high = xs.map((x) => x * 1.01);
          const low = xs.map((x) => x * 0.99);
          const d = donchian(high, low, p);
          for (let i = 0; i < xs.length; i++) {
            if (i < p - 1) {
              expect(d.upper[i]).toBeNaN();
              continue;
            }
            const h = Math.max(...high.slice(i - p + 1, i + 1));
            const l = Math.min(...low.slice(i - p + 1, i + 1));
            expect(d.upper[i]).toBe(h);
            expect(d.lower[i]).toBe(l);
            expect(d.middle[i]).toBe((h + l) / 2);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is an indicator spec like the others (cache key, frozen result)', () => {
    expect(specKey(ind.donchian(20))).toBe('donchian(period=20)');
    const c = candlesFrom([1, 2, 3, 2, 1]);
    const v = computeIndicator(ind.donchian(3), c);
    expect(Object.isFrozen(v) && Object.isFrozen(v.upper)).toBe(true);
    expect(v.upper[4]).toBeCloseTo(3 * 1.002, 12);
    expect(() => computeIndicator(ind.donchian(0), c)).toThrow(/donchian period/);
  });
});

describe('breakout (Donchian channel, ATR stop)', () => {
  // A range between 98 and 102 for 60 candles, a breakout to 110, then a fall back to 95.
  const range = Array.from({ length: 60 }, (_, i) => 100 + 2 * Math.sin(i / 3));
  const closes = [...range, 103, 106, 110, 108, 104, 100, 97, 95];
  const candles = candlesFrom(closes);
  const params = { entryPeriod: 20, exitPeriod: 5, atrPeriod: 14, stopAtr: 4 };

  it('buys the first close above the prior 20-candle high, stop 4 ATR below; sells on a close under the prior 5-candle low', () => {
    const hi = donchian(
      candles.map((c) => c.high),
      candles.map((c) => c.low),
      20,
    ).upper;
    const lo = donchian(
      candles.map((c) => c.high),
      candles.map((c) => c.low),
      5,
    ).lower;
    const a = atr(
      candles.map((c) => c.high),
      candles.map((c) => c.low),
      closes,
      14,
    );
    const warmup = bindStrategy('breakout', params).warmup;
    const entry = closes.findIndex((c, i) => i >= warmup - 1 && c > hi[i - 1]!);
    expect(entry).toBe(60);
    const exit = closes.findIndex((c, i) => i > entry && c < lo[i - 1]!);
    expect(exit).toBeGreaterThan(entry + 3);

    const { signals, trades } = simulate('breakout', params, candles);
    expect(signals.map((s) => [s.time, s.signal.side])).toEqual([
      [candles[entry]!.time, 'buy'],
      [candles[exit]!.time, 'sell'],
    ]);
    const e = signals[0]!.signal;
    if (e.side !== 'buy') throw new Error('expected a buy');
    expect(e.stopLossPrice).toBeCloseTo(closes[entry]! - 4 * a[entry]!, 12);
    expect(e.takeProfitPrice).toBeUndefined();
    expect(e.reason).toMatch(/broke above the 20-candle high/);
    expect(signals[1]!.signal.reason).toMatch(/below the 5-candle low/);
    expect(trades).toEqual([expect.objectContaining({ exit: 'signal' })]);
  });

  it('sets a target at R times the stop distance when asked, and does not buy again while holding', () => {
    const { signals } = simulate('breakout', { ...params, takeProfitR: 2 }, candles);
    const e = signals[0]!.signal;
    if (e.side !== 'buy') throw new Error('expected a buy');
    expect(e.takeProfitPrice! - signals[0]!.close).toBeCloseTo(2 * (signals[0]!.close - e.stopLossPrice), 9);
    const holding = evalAt('breakout', params, candles, 61, { quantity: 1n, entryPrice: 103, openedAt: 0 });
    expect(holding).toBeNull();
    expect(evalAt('breakout', params, candles, 61)).toMatchObject({ side: 'buy' });
  });

  it('a close inside the channel does nothing, flat or holding', () => {
    expect(evalAt('breakout', params, candles, 55)).toBeNull();
    expect(evalAt('breakout', params, candles, 55, { quantity: 1n, entryPrice: 100, openedAt: 0 })).toBeNull();
  });
});

describe('grid', () => {
  const fixed = { lowerPrice: 90, upperPrice: 110, levels: 5, sizeUsd: 10, stopBelowPct: 5 };

  it('lays out evenly spaced levels, both ends included, and the resting orders a limit-order grid would keep', () => {
    expect(gridLevels(90, 110, 5)).toEqual([90, 95, 100, 105, 110]);
    expect(restingGridOrders([90, 95, 100, 105, 110], 101)).toEqual({ buys: [90, 95, 100], sells: [105, 110] });
  });

  it('buys one level per level crossed down (USD per level), with a stop under the range', () => {
    // 102 -> 99 crosses 100; 99 -> 93 crosses 95: one level each.
    const c = candlesFrom([102, 99, 93]);
    const first = evalAt('grid', fixed, c, 2);
    expect(first).toMatchObject({ side: 'buy', sizeHint: 1, quoteAmount: 10_000_000n });
    if (first?.side !== 'buy') throw new Error('expected a buy');
    expect(first.stopLossPrice).toBeCloseTo(90 * 0.95, 12);
    expect(first.reason).toMatch(/fell through 1 level of the grid 90\.000–110\.00: buy \$10\.00/);
    // A gap through three levels (105, 100, 95) buys three lots at once.
    const gap = candlesFrom([106, 94]);
    expect(evalAt('grid', fixed, gap, 2)).toMatchObject({ side: 'buy', quoteAmount: 30_000_000n });
  });

  it('sells one lot per level crossed up: a share of the position, the last level sells the rest', () => {
    const holding = { quantity: 3n, entryPrice: 95, openedAt: 0 };
    // Held from 95: the sellable levels above 94 are 100, 105, 110 (half a level or more above the entry).
    const up1 = evalAt('grid', fixed, candlesFrom([94, 101]), 2, holding);
    expect(up1).toMatchObject({ side: 'sell', sizeHint: 1 / 3 });
    const up2 = evalAt('grid', fixed, candlesFrom([101, 106]), 2, holding);
    expect(up2).toMatchObject({ side: 'sell', sizeHint: 1 / 2 });
    const last = evalAt('grid', fixed, candlesFrom([106, 110]), 2, holding);
    expect(last).toMatchObject({ side: 'sell', sizeHint: 1 });
    // Leaving the range upwards sells everything.
    expect(evalAt('grid', fixed, candlesFrom([108, 112]), 2, holding)).toMatchObject({
      side: 'sell',
      sizeHint: 1,
      reason: expect.stringMatching(/rose above the grid/),
    });
  });

  it('a price wobbling around one level does not buy and sell it over and over', () => {
    const wobble = candlesFrom([102, 99.5, 100.5, 99.5, 100.5, 99.5, 100.5]);
    const { signals } = simulate('grid', fixed, wobble);
    expect(signals.map((s) => s.signal.side)).toEqual(['buy']);
    // Bought at ~99.5: 100 is not half a level above the entry, so crossing it up sells nothing.
    expect(evalAt('grid', fixed, wobble, 3, { quantity: 1n, entryPrice: 99.5, openedAt: 0 })).toBeNull();
    // Nothing to sell without a position.
    expect(evalAt('grid', fixed, candlesFrom([99, 101]), 2)).toBeNull();
  });

  it('without a fixed range, the grid is centred on the moving average, so it trades wherever the price is', () => {
    // Flat at 1000 (far from any fixed range), then a 2% drop through the levels 1% apart under the average
    // (999.6 and 989.6: the average already includes the 980 close).
    const c = candlesFrom([...Array.from({ length: 60 }, () => 1000), 980]);
    const s = evalAt('grid', { rangePct: 3, levels: 7, referencePeriod: 48, sizeUsd: 15 }, c, 61);
    expect(s).toMatchObject({ side: 'buy', quoteAmount: 30_000_000n });
    expect(s?.reason).toMatch(/grid 9[0-9.]+–10[0-9.]+/);
  });

  it('refuses half a fixed range and an upside-down one', () => {
    expect(() => bindStrategy('grid', { lowerPrice: 90 })).toThrow(/set both the lowest and the highest level/);
    expect(() => bindStrategy('grid', { lowerPrice: 110, upperPrice: 90 })).toThrow(/lowest level must be below/);
    expect(bindStrategy('grid', fixed).indicators).toEqual([]);
    expect(bindStrategy('grid', fixed).warmup).toBe(2);
  });
});

/** A random walk of 5-minute candles. */
const walk = fc
  .array(fc.double({ min: -0.03, max: 0.03, noNaN: true }), { minLength: 30, maxLength: 200 })
  .map((steps) => {
    let p = 50;
    return candlesFrom(steps.map((s) => (p = Math.max(0.5, p * (1 + s)))));
  });

describe('every strategy, on any random walk', () => {
  const paramSets = fc.oneof(
    fc.record({
      id: fc.constant('breakout'),
      params: fc.record({
        entryPeriod: fc.integer({ min: 2, max: 30 }),
        exitPeriod: fc.integer({ min: 2, max: 30 }),
        atrPeriod: fc.integer({ min: 2, max: 10 }),
        stopAtr: fc.double({ min: 0.5, max: 10, noNaN: true }),
        takeProfitR: fc.option(fc.double({ min: 0.5, max: 20, noNaN: true }), { nil: null }),
      }),
    }),
    fc.record({
      id: fc.constant('grid'),
      params: fc.record({
        rangePct: fc.double({ min: 0.2, max: 50, noNaN: true }),
        levels: fc.integer({ min: 2, max: 30 }),
        referencePeriod: fc.integer({ min: 2, max: 20 }),
        stopBelowPct: fc.double({ min: 0.5, max: 90, noNaN: true }),
      }),
    }),
    fc.record({ id: fc.constantFrom(...STRATEGY_IDS), params: fc.constant({}) }),
  );

  it('every entry carries a stop below the close (and a target above it); the same input gives the same signals', () => {
    fc.assert(
      fc.property(walk, paramSets, (candles, { id, params }) => {
        // simulate() goes through evaluateStrategy, which throws on a broken signal; check explicitly too.
        const a = simulate(id, params, candles);
        for (const s of a.signals) {
          if (s.signal.side !== 'buy') continue;
          expect(s.signal.stopLossPrice).toBeGreaterThan(0);
          expect(s.signal.stopLossPrice).toBeLessThan(s.close);
          if (s.signal.takeProfitPrice !== undefined) expect(s.signal.takeProfitPrice).toBeGreaterThan(s.close);
        }
        for (const s of a.signals) expect(s.signal.sizeHint > 0 && s.signal.sizeHint <= 1).toBe(true);
        expect(simulate(id, params, candles).signals).toEqual(a.signals);
      }),
      { numRuns: 150 },
    );
  });
});

/** Keeps the Signal import used in type position for readers of the tests. */
export type { Signal };
