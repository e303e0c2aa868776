import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { SandboxLedger } from '../../../engine/sandbox/ledger';
import { CANDLE_MS, DEFAULT_MARKET_DIR, pathPrice, PriceReplay } from '../../../engine/sandbox/price-replay';
import { NATIVE_MINT, PYUSD_MINT, USDC_MINT, WBTC_MINT, WETH_MINT } from '../../../engine/sandbox/tokens';

/** An independent parse of the bundled CSV, as text rows. */
function rows(pair: string): { t: number; o: number; h: number; l: number; c: number; v: number }[] {
  const text = gunzipSync(
    readFileSync(join(DEFAULT_MARKET_DIR, `${pair}-5m-binance-2020-12_2021-07.csv.gz`)),
  ).toString();
  const lines = text.trim().split('\n');
  expect(lines[0]).toBe('timestamp_ms,open,high,low,close,volume');
  return lines.slice(1).map((line) => {
    const [t, o, h, l, c, v] = line.split(',').map(Number) as [number, number, number, number, number, number];
    return { t, o, h, l, c, v };
  });
}

const CLOCK0 = Date.UTC(2025, 5, 1);
const DEC_1_2020 = Date.UTC(2020, 11, 1);

describe('price replay', () => {
  let sol: ReturnType<typeof rows>;
  let eth: ReturnType<typeof rows>;
  let btc: ReturnType<typeof rows>;
  let ledger: SandboxLedger;
  let clock: ManualClock;

  beforeAll(() => {
    sol = rows('SOLUSDT');
    eth = rows('ETHUSDT');
    btc = rows('BTCUSDT');
    clock = new ManualClock(CLOCK0);
    ledger = SandboxLedger.open({ dir: null, clock });
  });
  afterAll(() => ledger.close());

  it('bundles the three 5m files unchanged (row counts and first/last bars from the source notes)', () => {
    expect([sol.length, eth.length, btc.length]).toEqual([65_744, 65_742, 65_741]);
    expect(sol[0]).toEqual({ t: 1606780800000, o: 1.9641, h: 1.9709, l: 1.961, c: 1.9612, v: 1325.86 });
    expect(sol.at(-1)!.t).toBe(Date.UTC(2021, 6, 17, 21, 20));
    expect(btc.at(-1)!.t).toBe(Date.UTC(2021, 6, 17, 21, 5));
  });

  it('prices at candle open times equal the CSV opens, for every pair (property over all rows)', () => {
    const replay = PriceReplay.open({ ledger, clock });
    const cases: [string, ReturnType<typeof rows>][] = [
      [NATIVE_MINT, sol],
      [WETH_MINT, eth],
      [WBTC_MINT, btc],
    ];
    for (const [mint, data] of cases) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: data.length - 1 }), (i) => {
          const r = data[i]!;
          expect(replay.price(mint, r.t)).toBe(r.o);
        }),
        { numRuns: 300 },
      );
      // Every bar of the first day, exactly.
      for (const r of data.slice(0, 288)) expect(replay.price(mint, r.t)).toBe(r.o);
    }
  });

  it('follows open -> low -> high -> close in an up candle and open -> high -> low -> close in a down one', () => {
    const replay = PriceReplay.open({ ledger, clock });
    const up = sol.find((r) => r.c > r.o && r.h > r.c && r.l < r.o)!;
    const down = sol.find((r) => r.c < r.o && r.h > r.o && r.l < r.c)!;
    const third = CANDLE_MS / 3;
    expect(replay.price(NATIVE_MINT, up.t + third)).toBeCloseTo(up.l, 12);
    expect(replay.price(NATIVE_MINT, up.t + 2 * third)).toBeCloseTo(up.h, 12);
    expect(replay.price(NATIVE_MINT, down.t + third)).toBeCloseTo(down.h, 12);
    expect(replay.price(NATIVE_MINT, down.t + 2 * third)).toBeCloseTo(down.l, 12);
    // Halfway along the first leg.
    expect(replay.price(NATIVE_MINT, up.t + third / 2)).toBeCloseTo((up.o + up.l) / 2, 12);
    // The path stays inside [low, high].
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sol.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (i, f) => {
        const r = sol[i]!;
        const p = pathPrice({ time: r.t, open: r.o, high: r.h, low: r.l, close: r.c }, r.t + f * (CANDLE_MS - 1));
        expect(p).toBeGreaterThanOrEqual(r.l - 1e-9);
        expect(p).toBeLessThanOrEqual(r.h + 1e-9);
      }),
    );
  });

  it('holds the last close through a data gap (exchange maintenance)', () => {
    const replay = PriceReplay.open({ ledger, clock });
    const i = sol.findIndex((r, k) => k > 0 && r.t - sol[k - 1]!.t > CANDLE_MS);
    const before = sol[i - 1]!;
    expect(replay.price(NATIVE_MINT, before.t + CANDLE_MS)).toBe(before.c);
    expect(replay.price(NATIVE_MINT, sol[i]!.t - 1)).toBe(before.c);
    expect(replay.price(NATIVE_MINT, sol[i]!.t)).toBe(sol[i]!.o);
  });

  it('runs market time at position + elapsed clock time * speed (default 60)', () => {
    const c = new ManualClock(CLOCK0);
    const l = SandboxLedger.open({ dir: null, clock: c });
    try {
      const replay = PriceReplay.open({ ledger: l, clock: c });
      expect(replay.speed).toBe(60);
      expect(replay.marketNow()).toBe(DEC_1_2020);
      expect(replay.price(NATIVE_MINT)).toBe(sol[0]!.o);
      c.advance(5_000); // 5 s of clock = one 5m candle
      expect(replay.marketNow()).toBe(DEC_1_2020 + CANDLE_MS);
      expect(replay.price(NATIVE_MINT)).toBe(sol[1]!.o);
      replay.setSpeed(600);
      c.advance(1_000);
      expect(replay.marketNow()).toBe(DEC_1_2020 + 3 * CANDLE_MS);
      replay.setSpeed(0);
      c.advance(60_000);
      expect(replay.marketNow()).toBe(DEC_1_2020 + 3 * CANDLE_MS);
      replay.seek(sol[1000]!.t);
      expect(replay.price(NATIVE_MINT)).toBe(sol[1000]!.o);
    } finally {
      l.close();
    }
  });

  it('prices stablecoins at 1.0, refuses unknown mints, and lets sandbox control pin a price', () => {
    const replay = PriceReplay.open({ ledger, clock });
    expect(replay.price(USDC_MINT)).toBe(1);
    expect(replay.price(PYUSD_MINT)).toBe(1);
    expect(replay.price('11111111111111111111111111111111')).toBeNull();
    replay.setPrice(NATIVE_MINT, 123.45);
    expect(replay.price(NATIVE_MINT)).toBe(123.45);
    expect(replay.status().overrides).toEqual({ [NATIVE_MINT]: 123.45 });
    replay.clearPrice(NATIVE_MINT);
    expect(replay.price(NATIVE_MINT)).not.toBe(123.45);
    expect(() => replay.setPrice('nope', 1)).toThrow();
    expect(() => replay.setPrice(NATIVE_MINT, 0)).toThrow();
  });

  it('returns closed candles for history and warm-up, never the forming one', () => {
    const c = new ManualClock(CLOCK0);
    const l = SandboxLedger.open({ dir: null, clock: c });
    try {
      const replay = PriceReplay.open({ ledger: l, clock: c, startAt: sol[300]!.t + 1000 });
      const got = replay.candles(NATIVE_MINT, sol[100]!.t, sol[400]!.t);
      expect(got.length).toBe(200); // 100..299: 300 is still forming
      expect(got[0]).toEqual({
        time: sol[100]!.t,
        open: sol[100]!.o,
        high: sol[100]!.h,
        low: sol[100]!.l,
        close: sol[100]!.c,
        volume: sol[100]!.v,
      });
      expect(got.at(-1)!.time).toBe(sol[299]!.t);
      expect(replay.candles(NATIVE_MINT, sol[100]!.t, sol[400]!.t, { includeUnclosed: true }).length).toBe(300);
      const flat = replay.candles(USDC_MINT, sol[100]!.t, sol[110]!.t);
      expect(flat).toHaveLength(10);
      expect(flat.every((k) => k.open === 1 && k.close === 1 && k.volume === 0)).toBe(true);
      expect(replay.candles('nope', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    } finally {
      l.close();
    }
  });

  it('reports the 24 h change from the replayed prices', () => {
    const replay = PriceReplay.open({ ledger, clock });
    replay.seek(sol[2000]!.t);
    const dayAgo = sol.find((r) => r.t === sol[2000]!.t - 86_400_000)!;
    expect(replay.priceChange24h(NATIVE_MINT)).toBeCloseTo(((sol[2000]!.o - dayAgo.o) / dayAgo.o) * 100, 9);
    expect(replay.priceChange24h(USDC_MINT)).toBe(0);
  });

  it('loops to the start at the end of the data by default, or holds the last close', () => {
    const c = new ManualClock(CLOCK0);
    const l = SandboxLedger.open({ dir: null, clock: c });
    try {
      const looping = PriceReplay.open({ ledger: l, clock: c });
      const end = looping.end;
      expect(end).toBe(btc.at(-1)!.t + CANDLE_MS);
      looping.seek(end - CANDLE_MS);
      c.advance(10_000); // two candles on: wraps one candle past the start
      expect(looping.marketNow()).toBe(looping.start + CANDLE_MS);
      expect(looping.price(NATIVE_MINT)).toBe(sol[1]!.o);

      const holding = PriceReplay.open({ ledger: l, clock: c, atEnd: 'hold' });
      holding.seek(end - CANDLE_MS);
      c.advance(3_600_000);
      expect(holding.marketNow()).toBe(end);
      const lastBtc = btc.at(-1)!;
      expect(holding.price(WBTC_MINT)).toBe(lastBtc.c);
    } finally {
      l.close();
    }
  });

  it('persists the position in the ledger: a restart continues where it stopped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-replay-'));
    try {
      const c1 = new ManualClock(CLOCK0);
      let l = SandboxLedger.open({ dir, clock: c1 });
      let replay = PriceReplay.open({ ledger: l, clock: c1, speed: 120 });
      c1.advance(30_000); // an hour of market time at 120x
      const stopped = replay.marketNow();
      expect(stopped).toBe(DEC_1_2020 + 3_600_000);
      replay.close();
      l.close();

      // Back a day later (wall clock): the market picks up at the same point; downtime does not count.
      const c2 = new ManualClock(CLOCK0 + 86_400_000);
      l = SandboxLedger.open({ dir, clock: c2 });
      replay = PriceReplay.open({ ledger: l, clock: c2 });
      expect(replay.marketNow()).toBe(stopped);
      expect(replay.speed).toBe(120); // the persisted speed, as none was given
      c2.advance(1_000);
      expect(replay.marketNow()).toBe(stopped + 120_000);

      // Periodic saves: a crash (no close) loses at most saveEveryMs of clock time.
      c2.advance(10_000);
      const seen = replay.marketNow();
      l.close();
      const c3 = new ManualClock(CLOCK0 + 2 * 86_400_000);
      l = SandboxLedger.open({ dir, clock: c3 });
      expect(PriceReplay.open({ ledger: l, clock: c3 }).marketNow()).toBe(seen);
      l.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
