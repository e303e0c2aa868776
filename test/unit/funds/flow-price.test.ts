/**
 * A flow is valued at its own time (issue #9, item 1): a recent flow at the
 * price now, a caught-up one from the stored candle covering its block time
 * (the shortest timeframe stored), and only without such a candle at the
 * price when found, flagged 'found'.
 */
import { describe, expect, it } from 'vitest';
import { candlePriceAt, flowPriceAt, marketTimeAt } from '../../../engine/funds/flows';
import { isoTime, ManualClock } from '../../../engine/kernel/clock';
import { wallMarketClock, type MarketClock } from '../../../engine/market';
import { openDatabase, Store } from '../../../engine/store';

const T = Date.parse('2026-03-01T12:00:00Z');
const MIN = 60_000;
const candle = (time: number, close: number) => ({ time, open: close, high: close, low: close, close, volume: 1 });

describe('candlePriceAt', () => {
  it('the close of the candle covering the time, from the shortest timeframe stored; null when none covers it', () => {
    const clock = new ManualClock(T);
    const store = new Store(openDatabase(':memory:', { nowIso: isoTime(clock) }));
    try {
      store.candles.putLive('sandbox', 'M', '1h', candle(T - 60 * MIN, 90));
      store.candles.putLive('sandbox', 'M', '5m', candle(T - 30 * MIN, 100));
      // Inside the 5m candle opening at T − 30 min: the 5m one wins over the hour.
      expect(candlePriceAt(store.candles, 'sandbox', 'M', T - 28 * MIN)).toBe(100);
      // Only the hour covers T − 10 min.
      expect(candlePriceAt(store.candles, 'sandbox', 'M', T - 10 * MIN)).toBe(90);
      // Nothing covers T + 1 min, another token or another network.
      expect(candlePriceAt(store.candles, 'sandbox', 'M', T + MIN)).toBeNull();
      expect(candlePriceAt(store.candles, 'sandbox', 'N', T - 28 * MIN)).toBeNull();
      expect(candlePriceAt(store.candles, 'mainnet', 'M', T - 28 * MIN)).toBeNull();
    } finally {
      store.close();
    }
  });
});

describe('flowPriceAt', () => {
  const at = T - 3 * 3_600_000;
  it('a caught-up flow is valued from the candle of its time, not at the price now', () => {
    expect(flowPriceAt({ nowMs: T, priceNow: 200, priceAt: () => 80 }, at)).toEqual({ usd: 80, valuation: 'candle' });
  });
  it('without a candle for its time: the price when found, flagged', () => {
    expect(flowPriceAt({ nowMs: T, priceNow: 200, priceAt: () => null }, at)).toEqual({
      usd: 200,
      valuation: 'found',
    });
    expect(flowPriceAt({ nowMs: T, priceNow: null, priceAt: () => null }, at)).toBeNull();
  });
  it('a flow found as it landed is valued at the price now', () => {
    expect(flowPriceAt({ nowMs: T, priceNow: 200, priceAt: () => 80 }, T - 30_000)).toEqual({
      usd: 200,
      valuation: 'now',
    });
  });
});

describe('marketTimeAt', () => {
  it('is the time itself on the wall clock, and scaled back by the replay speed on the sandbox', () => {
    const clock = new ManualClock(T);
    expect(marketTimeAt(wallMarketClock(clock), T, T - MIN)).toBe(T - MIN);
    const replay: MarketClock = { kind: 'replay', now: () => 1_000_000_000, speed: () => 60, sync: async () => {} };
    expect(marketTimeAt(replay, T, T - MIN)).toBe(1_000_000_000 - 60 * MIN);
  });
});
