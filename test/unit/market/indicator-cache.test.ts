import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { CandleBuilder } from '../../../engine/market/candles';
import { IndicatorCache, type CandleSource } from '../../../engine/market/indicator-cache';
import { bollinger, ema, rsi } from '../../../engine/market/indicators';
import { computeIndicator, ind, specKey, type IndicatorSpec } from '../../../engine/market/indicator-spec';
import type { Candle } from '../../../engine/market/types';
import { between, candles1h } from './data';

const JAN = between(candles1h('SOLUSDT'), Date.UTC(2021, 0, 1), Date.UTC(2021, 1, 1));
const ETH_JAN = between(candles1h('ETHUSDT'), Date.UTC(2021, 0, 1), Date.UTC(2021, 1, 1));

function seeded(candles: Candle[] = JAN): { builder: CandleBuilder; clock: ManualClock } {
  const clock = new ManualClock(candles[candles.length - 1]!.time + 3_600_000);
  const builder = new CandleBuilder({ clock, timeframes: ['1h'] });
  builder.seed('SOL', '1h', candles);
  builder.seed('ETH', '1h', ETH_JAN);
  return { builder, clock };
}

describe('IndicatorCache', () => {
  it('100 users asking for the same EMA cost one computation, and all get the same frozen series', () => {
    const { builder } = seeded();
    const cache = new IndicatorCache(builder);
    const results = Array.from({ length: 100 }, () => cache.get('SOL', '1h', ind.ema(20)));
    expect(cache.stats()).toMatchObject({ computations: 1, hits: 99, entries: 1 });
    for (const r of results) expect(r).toBe(results[0]);
    expect(results[0]).toEqual(
      ema(
        JAN.map((c) => c.close),
        20,
      ),
    );
    expect(Object.isFrozen(results[0])).toBe(true);
    expect(() => {
      (results[0] as number[])[5] = 0;
    }).toThrow(TypeError);
  });

  it('computes once per (token, timeframe, indicator, params); spelling of the spec does not matter', () => {
    const { builder } = seeded();
    const cache = new IndicatorCache(builder);
    for (let user = 0; user < 50; user++) {
      cache.get('SOL', '1h', ind.ema(20));
      cache.get('SOL', '1h', { kind: 'ema', period: 20 }); // default source spelled out or not: same key
      cache.get('SOL', '1h', { source: 'close', period: 20, kind: 'ema' } as IndicatorSpec);
      cache.get('SOL', '1h', ind.ema(50));
      cache.get('ETH', '1h', ind.ema(20));
      cache.get('SOL', '1h', ind.macd());
      cache.get('SOL', '1h', ind.bollinger(20, 2));
      cache.get('SOL', '1h', ind.bollinger(20, 2.5));
    }
    const st = cache.stats();
    expect(st.computations).toBe(6);
    expect(st.byKey).toEqual({
      'ema(period=20,source=close)': 2, // SOL and ETH
      'ema(period=50,source=close)': 1,
      'macd(fast=12,signal=9,slow=26,source=close)': 1,
      'bollinger(period=20,source=close,stdDev=2)': 1,
      'bollinger(period=20,source=close,stdDev=2.5)': 1,
    });
    expect(specKey({ kind: 'rsi', period: 14 })).toBe(specKey(ind.rsi()));
  });

  it('recomputes once when a new candle closes for that token and timeframe, not for others', () => {
    const { builder, clock } = seeded();
    const cache = new IndicatorCache(builder);
    const before = cache.get('SOL', '1h', ind.rsi(14));
    cache.get('ETH', '1h', ind.rsi(14));
    builder.addTick({ mint: 'SOL', usd: 4, at: clock.now() });
    // Forming candle: nothing closed yet, so no recomputation.
    expect(cache.get('SOL', '1h', ind.rsi(14))).toBe(before);
    clock.advance(3_600_000);
    builder.advance();
    const after = Array.from({ length: 10 }, () => cache.get('SOL', '1h', ind.rsi(14)));
    cache.get('ETH', '1h', ind.rsi(14)); // ETH has no new candle: still cached
    expect(cache.stats().computations).toBe(3);
    expect(after[0]).toHaveLength(before.length + 1);
    expect(after[0]!.at(-1)).toBeCloseTo(rsi([...JAN.map((c) => c.close), 4], 14).at(-1)!, 12);
    expect(cache.candles('SOL', '1h').at(-1)!.close).toBe(4);
  });

  it('computes over the last `window` candles only, so values depend on the history, not on uptime', () => {
    const { builder } = seeded();
    const cache = new IndicatorCache(builder, { window: 200 });
    const got = cache.get('SOL', '1h', ind.bollinger(20, 2));
    const last200 = JAN.slice(-200);
    expect(got).toEqual(
      bollinger(
        last200.map((c) => c.close),
        20,
        2,
      ),
    );
    expect(cache.candles('SOL', '1h')).toEqual(last200);
    expect(got).toEqual(computeIndicator(ind.bollinger(), last200));
  });

  it('a source without revisions is recomputed once per cycle', () => {
    let candles = JAN.slice(0, 100);
    const source: CandleSource = { closed: () => candles };
    const cache = new IndicatorCache(source);
    for (let i = 0; i < 10; i++) cache.get('SOL', '1h', ind.atr(14));
    expect(cache.stats().computations).toBe(1);
    candles = JAN.slice(0, 101);
    expect(cache.get('SOL', '1h', ind.atr(14))).toHaveLength(100); // same cycle: still the cached value
    cache.beginCycle();
    for (let i = 0; i < 10; i++) expect(cache.get('SOL', '1h', ind.atr(14))).toHaveLength(101);
    expect(cache.stats().computations).toBe(2);
  });

  it('a series view gives the values the cache gives, sees a new candle only in a new view, and never mixes revisions', () => {
    const { builder, clock } = seeded();
    const cache = new IndicatorCache(builder);
    const view = cache.series('SOL', '1h');
    expect(cache.series('SOL', '1h')).toBe(view); // nothing closed: the same view
    expect(view.candles).toBe(cache.candles('SOL', '1h'));
    const rsiBefore = view.indicator(ind.rsi(14));
    expect(rsiBefore).toBe(cache.get('SOL', '1h', ind.rsi(14)));
    expect(view.indicator(ind.rsi(14))).toBe(rsiBefore);
    builder.addTick({ mint: 'SOL', usd: 4, at: clock.now() });
    clock.advance(3_600_000);
    builder.advance();
    const next = cache.series('SOL', '1h');
    expect(next).not.toBe(view);
    expect(next.candles).toHaveLength(view.candles.length + 1);
    expect(next.indicator(ind.rsi(14))).toBe(cache.get('SOL', '1h', ind.rsi(14)));
    // A view kept past the close still answers over its own candles (an indicator it had not asked for yet too).
    expect(view.indicator(ind.rsi(14))).toBe(rsiBefore);
    expect(view.indicator(ind.ema(9))).toEqual(computeIndicator(ind.ema(9), view.candles));
    expect(view.indicator(ind.ema(9))).toHaveLength(view.candles.length);
    cache.invalidate('SOL');
    expect(cache.series('SOL', '1h')).not.toBe(next);
  });

  it('invalidate drops a series, a token or everything', () => {
    const { builder } = seeded();
    const cache = new IndicatorCache(builder);
    cache.get('SOL', '1h', ind.ema(5));
    cache.get('ETH', '1h', ind.ema(5));
    cache.invalidate('SOL', '1h');
    cache.get('SOL', '1h', ind.ema(5));
    cache.get('ETH', '1h', ind.ema(5));
    expect(cache.stats().computations).toBe(3);
    cache.invalidate();
    expect(cache.stats().entries).toBe(0);
  });

  it('refuses a malformed spec with a clear message', () => {
    const { builder } = seeded();
    const cache = new IndicatorCache(builder);
    expect(() => cache.get('SOL', '1h', ind.ema(0))).toThrow(/ema period must be an integer/);
    expect(() => cache.get('SOL', '1h', ind.macd(26, 12, 9))).toThrow(/fast \(26\) must be below slow/);
    expect(() => cache.get('SOL', '1h', { kind: 'vwap' } as unknown as IndicatorSpec)).toThrow(/unknown kind/);
    expect(() => cache.get('SOL', '1h', { kind: 'sma', period: 5, source: 'mid' } as unknown as IndicatorSpec)).toThrow(
      /source must be one of/,
    );
  });
});
