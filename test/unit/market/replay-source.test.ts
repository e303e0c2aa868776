import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { resample } from '../../../engine/market/candles';
import { IndicatorCache } from '../../../engine/market/indicator-cache';
import { ind } from '../../../engine/market/indicator-spec';
import { ReplayCandleSource } from '../../../engine/market/replay-source';
import { TIMEFRAME_MS } from '../../../engine/market/types';
import { between, candles5m } from './data';

const DAY = between(candles5m('SOLUSDT'), Date.UTC(2021, 2, 1), Date.UTC(2021, 2, 3));
const START = DAY[0]!.time;

describe('ReplayCandleSource (backtest history on a virtual clock)', () => {
  it('reveals each candle exactly when it closes, never earlier', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * 24 * 3_600_000 }), (offset) => {
        const clock = new ManualClock(START + offset);
        const src = new ReplayCandleSource({ clock });
        src.add('SOL', '5m', DAY);
        for (const tf of ['5m', '15m', '1h'] as const) {
          const all = tf === '5m' ? DAY : resample(DAY, tf);
          const want = all.filter((c) => c.time + TIMEFRAME_MS[tf] <= clock.now());
          expect(src.closed('SOL', tf)).toEqual(want);
          expect(src.revision('SOL', tf)).toBe(want.length);
        }
        expect(src.closed('SOL', '1m')).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('drives the indicator cache: one recomputation per closed candle', () => {
    const clock = new ManualClock(START);
    const src = new ReplayCandleSource({ clock, maxCandles: 100 });
    src.add('SOL', '5m', DAY);
    const cache = new IndicatorCache(src);
    const times = src.closeTimes('SOL', '1h');
    expect(times).toHaveLength(48);
    for (const t of times) {
      clock.advance(t - clock.now());
      for (let user = 0; user < 20; user++) cache.get('SOL', '1h', ind.ema(10));
      // Inside the hour nothing changes.
      clock.advance(30 * 60_000);
      cache.get('SOL', '1h', ind.ema(10));
    }
    expect(cache.stats().computations).toBe(48);
    expect(src.closed('SOL', '5m')).toHaveLength(100); // capped at maxCandles
  });

  it('refuses unsorted or unaligned history', () => {
    const src = new ReplayCandleSource({ clock: new ManualClock(0) });
    expect(() => src.add('SOL', '5m', [DAY[1]!, DAY[0]!])).toThrow(/sorted/);
    expect(() => src.add('SOL', '1h', DAY)).toThrow(/aligned/);
  });
});
