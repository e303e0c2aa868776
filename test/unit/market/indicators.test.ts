import fc from 'fast-check';
import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'trading-signals';
import { describe, expect, it } from 'vitest';
import {
  atr,
  AtrState,
  bollinger,
  ema,
  EmaState,
  macd,
  MacdState,
  rsi,
  RsiState,
  sma,
} from '../../../engine/market/indicators';
import { firstIndex, ind } from '../../../engine/market/indicator-spec';
import type { Candle } from '../../../engine/market/types';
import { candles1h, candles5m, PAIRS, type Pair } from './data';

/**
 * Every indicator against `trading-signals` (an independent implementation, a
 * dev dependency) on real Binance series: the 5m SOL/ETH/BTC files the sandbox
 * ships (65k candles each) and the 1h files. Values must agree to 1e-9
 * relative at every index where the library reports a value, and ours must be
 * undefined (NaN) exactly where our documented warm-up says so.
 */

const REL = 1e-9;

interface Compared {
  points: number;
  worst: number;
}

/** |ours - lib| <= REL * scale, with `scale` the magnitude the value is measured against. */
function compare(
  label: string,
  ours: readonly number[],
  lib: (number | null)[],
  scale: (i: number) => number,
): Compared {
  let points = 0;
  let worst = 0;
  for (let i = 0; i < lib.length; i++) {
    const l = lib[i];
    if (l === null || l === undefined) continue;
    const o = ours[i]!;
    const s = Math.max(Math.abs(scale(i)), Number.MIN_VALUE);
    const err = Math.abs(o - l) / s;
    if (!(err <= REL)) {
      throw new Error(`${label}: index ${i}: ours ${o}, trading-signals ${l} (relative error ${err})`);
    }
    if (err > worst) worst = err;
    points++;
  }
  return { points, worst };
}

function firstDefined(xs: readonly number[]): number {
  return xs.findIndex((x) => !Number.isNaN(x));
}

interface Series {
  label: string;
  candles: Candle[];
  close: number[];
  high: number[];
  low: number[];
}

function series(pair: Pair, tf: '5m' | '1h'): Series {
  const candles = tf === '5m' ? candles5m(pair) : candles1h(pair);
  return {
    label: `${pair} ${tf}`,
    candles,
    close: candles.map((c) => c.close),
    high: candles.map((c) => c.high),
    low: candles.map((c) => c.low),
  };
}

const ALL: Series[] = PAIRS.flatMap((p) => [series(p, '5m'), series(p, '1h')]);

describe('indicators equal trading-signals on real SOL/ETH/BTC series', () => {
  it('has the real series loaded (65k 5m candles, 5.4k 1h candles per pair)', () => {
    for (const s of ALL) expect(s.candles.length).toBeGreaterThan(s.label.endsWith('5m') ? 65_000 : 5_400);
  });

  for (const period of [5, 20, 50, 200]) {
    it(`SMA(${period})`, () => {
      for (const s of ALL) {
        const ours = sma(s.close, period);
        const lib = new SMA(period);
        const ref = s.close.map((x) => lib.add(x));
        const r = compare(`${s.label} SMA(${period})`, ours, ref, (i) => ref[i]!);
        expect(r.points).toBe(s.close.length - period + 1);
        expect(firstDefined(ours)).toBe(firstIndex(ind.sma(period)));
      }
    });
  }

  for (const period of [5, 12, 26, 200]) {
    it(`EMA(${period})`, () => {
      for (const s of ALL) {
        const ours = ema(s.close, period);
        const lib = new EMA(period);
        const ref = s.close.map((x) => {
          lib.add(x);
          return lib.isStable ? lib.getResultOrThrow() : null;
        });
        const r = compare(`${s.label} EMA(${period})`, ours, ref, (i) => ref[i]!);
        expect(r.points).toBe(s.close.length - period + 1);
        expect(firstDefined(ours)).toBe(period - 1);
      }
    });
  }

  for (const period of [2, 7, 14, 28]) {
    it(`RSI(${period}) (Wilder)`, () => {
      for (const s of ALL) {
        const ours = rsi(s.close, period);
        const lib = new RSI(period);
        const ref = s.close.map((x) => lib.add(x));
        // RSI lives on 0..100: measured against 100.
        const r = compare(`${s.label} RSI(${period})`, ours, ref, () => 100);
        expect(r.points).toBe(s.close.length - period);
        expect(firstDefined(ours)).toBe(firstIndex(ind.rsi(period)));
        expect(ours.every((v) => Number.isNaN(v) || (v >= 0 && v <= 100))).toBe(true);
      }
    });
  }

  for (const [fast, slow, sig] of [
    [12, 26, 9],
    [5, 35, 5],
    [8, 17, 9],
  ] as const) {
    it(`MACD(${fast},${slow},${sig})`, () => {
      for (const s of ALL) {
        const ours = macd(s.close, fast, slow, sig);
        const lib = new MACD(new EMA(fast), new EMA(slow), new EMA(sig));
        const ref = s.close.map((x) => lib.add(x));
        // MACD is a difference of two averages of the price: measured against the price level.
        const scale = (i: number) => s.close[i]!;
        const line = compare(
          `${s.label} MACD line`,
          ours.macd,
          ref.map((r) => r?.macd ?? null),
          scale,
        );
        expect(line.points).toBe(s.close.length - slow + 1);
        // The library reports its signal EMA from its seed on; ours once the signal EMA has `sig` values.
        const signalStart = slow + sig - 2;
        const refSignal = ref.map((r, i) => (r && i >= signalStart ? r.signal : null));
        const refHist = ref.map((r, i) => (r && i >= signalStart ? r.histogram : null));
        expect(compare(`${s.label} MACD signal`, ours.signal, refSignal, scale).points).toBe(
          s.close.length - signalStart,
        );
        expect(compare(`${s.label} MACD histogram`, ours.histogram, refHist, scale).points).toBe(
          s.close.length - signalStart,
        );
        expect(firstDefined(ours.macd)).toBe(slow - 1);
        expect(firstDefined(ours.signal)).toBe(signalStart);
        expect(firstIndex(ind.macd(fast, slow, sig))).toBe(signalStart);
      }
    });
  }

  for (const [period, k] of [
    [20, 2],
    [10, 1.5],
    [50, 3],
  ] as const) {
    it(`Bollinger Bands(${period}, ${k}) with population standard deviation`, () => {
      for (const s of ALL) {
        const ours = bollinger(s.close, period, k);
        const lib = new BollingerBands(period, k);
        const ref = s.close.map((x) => lib.add(x));
        for (const band of ['upper', 'middle', 'lower'] as const) {
          const r = compare(
            `${s.label} BB ${band}`,
            ours[band],
            ref.map((b) => b?.[band] ?? null),
            (i) => s.close[i]!,
          );
          // trading-signals reports from index `period` (one later than needed); ours from period - 1.
          expect(r.points).toBe(s.close.length - period);
        }
        expect(firstDefined(ours.middle)).toBe(period - 1);
        // The first window, which the library skips, checked directly (population sigma).
        const w = s.close.slice(0, period);
        const mean = w.reduce((a, b) => a + b, 0) / period;
        const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / period);
        expect(ours.upper[period - 1]).toBeCloseTo(mean + k * sd, 9);
        expect(ours.lower[period - 1]).toBeCloseTo(mean - k * sd, 9);
      }
    });
  }

  for (const period of [5, 14, 28]) {
    it(`ATR(${period}) (Wilder)`, () => {
      for (const s of ALL) {
        const ours = atr(s.high, s.low, s.close, period);
        const lib = new ATR(period);
        const ref = s.candles.map((c) => lib.add({ high: c.high, low: c.low, close: c.close }));
        const r = compare(`${s.label} ATR(${period})`, ours, ref, (i) => s.close[i]!);
        expect(r.points).toBe(s.close.length - period + 1);
        expect(firstDefined(ours)).toBe(firstIndex(ind.atr(period)));
      }
    });
  }
});

describe('indicator definitions (independent of any library)', () => {
  const prices = fc.array(fc.double({ min: 0.01, max: 1e5, noNaN: true, noDefaultInfinity: true }), {
    minLength: 1,
    maxLength: 120,
  });

  it('SMA is the mean of the last p values', () => {
    fc.assert(
      fc.property(prices, fc.integer({ min: 1, max: 30 }), (xs, p) => {
        const out = sma(xs, p);
        for (let i = 0; i < xs.length; i++) {
          if (i < p - 1) expect(Number.isNaN(out[i]!)).toBe(true);
          else {
            const w = xs.slice(i - p + 1, i + 1);
            const m = w.reduce((a, b) => a + b, 0) / p;
            expect(Math.abs(out[i]! - m)).toBeLessThanOrEqual(1e-9 * Math.max(...w));
          }
        }
      }),
    );
  });

  it('EMA follows its recursion from the first value', () => {
    fc.assert(
      fc.property(prices, fc.integer({ min: 1, max: 30 }), (xs, p) => {
        const out = ema(xs, p);
        const a = 2 / (p + 1);
        let e = xs[0]!;
        for (let i = 0; i < xs.length; i++) {
          if (i > 0) e = a * xs[i]! + (1 - a) * e;
          if (i < p - 1) expect(Number.isNaN(out[i]!)).toBe(true);
          else expect(Math.abs(out[i]! - e)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e)));
        }
      }),
    );
  });

  it('RSI is 0..100, 100 on a series that only rises, 0 on one that only falls', () => {
    const up = Array.from({ length: 40 }, (_, i) => 10 + i);
    const down = Array.from({ length: 40 }, (_, i) => 100 - i);
    expect(
      rsi(up, 14)
        .slice(14)
        .every((v) => v === 100),
    ).toBe(true);
    expect(
      rsi(down, 14)
        .slice(14)
        .every((v) => v === 0),
    ).toBe(true);
    // A textbook value: equal gains and losses alternate -> 50 at the seed.
    const zig = Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? 10 : 11));
    expect(rsi(zig, 14)[14]).toBeCloseTo(50, 9);
  });

  it('Bollinger bands bracket the middle band symmetrically; ATR is >= 0', () => {
    fc.assert(
      fc.property(prices, (xs) => {
        const bb = bollinger(xs, 5, 2);
        for (let i = 4; i < xs.length; i++) {
          expect(bb.upper[i]! - bb.middle[i]!).toBeGreaterThanOrEqual(0);
          expect(Math.abs(bb.upper[i]! - bb.middle[i]! - (bb.middle[i]! - bb.lower[i]!))).toBeLessThanOrEqual(
            1e-9 * Math.max(...xs),
          );
        }
        const a = atr(xs, xs, xs, 3);
        for (const v of a) if (!Number.isNaN(v)) expect(v).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('incremental states give the same values as the batch functions', () => {
    fc.assert(
      fc.property(prices, (xs) => {
        const e = new EmaState(7);
        const m = new MacdState(3, 6, 4);
        const bm = macd(xs, 3, 6, 4);
        const r = new RsiState(5);
        const a = new AtrState(4);
        const be = ema(xs, 7);
        const br = rsi(xs, 5);
        const ba = atr(
          xs.map((x) => x * 1.01),
          xs.map((x) => x * 0.99),
          xs,
          4,
        );
        xs.forEach((x, i) => {
          expect(Object.is(e.update(x), be[i])).toBe(true);
          const mp = m.update(x);
          expect([mp.macd, mp.signal, mp.histogram]).toEqual([bm.macd[i], bm.signal[i], bm.histogram[i]]);
          expect(Object.is(r.update(x), br[i])).toBe(true);
          expect(Object.is(a.update(x * 1.01, x * 0.99, x), ba[i])).toBe(true);
        });
      }),
    );
  });

  it('rejects nonsense periods', () => {
    expect(() => sma([1, 2], 0)).toThrow(/period/);
    expect(() => ema([1, 2], 1.5)).toThrow(/period/);
    expect(() => macd([1, 2], 26, 12, 9)).toThrow(/below the slow/);
    expect(() => bollinger([1, 2], 20, 0)).toThrow(/multiplier/);
    expect(() => atr([1], [1, 2], [1], 3)).toThrow(/same length/);
  });
});
