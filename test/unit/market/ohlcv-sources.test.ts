/**
 * The mainnet history sources against local fakes over real HTTP, serving
 * recorded-shape answers built from real Binance 5m candles (4 days around
 * Binance's maintenance of 21 Dec 2020, a real 46-candle gap): paging, rate
 * limits honoured on the injected clock, gaps filled and marked, and a
 * failing source never stopping the candles.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import {
  BinanceKlinesSource,
  CandleHistory,
  FirstCoveringSource,
  GeckoTerminalSource,
  tokenBySymbol,
  wallMarketClock,
  type CandleHistorySource,
} from '../../../engine/market';
import { openDatabase, Store } from '../../../engine/store';
import {
  recordedKlines,
  recordedOhlcv,
  startFakeBinance,
  startFakeGeckoTerminal,
  type FakeOhlcvServer,
} from '../../fakes/ohlcv';

const FROM = Date.UTC(2020, 11, 19);
const TO = Date.UTC(2020, 11, 23);
const FIVE_MIN = 300_000;
/** Binance's maintenance on 21 Dec 2020: no klines from 14:10 to 17:55 UTC (46 buckets). */
const GAP_FROM = Date.UTC(2020, 11, 21, 14, 10);
const SOL = tokenBySymbol('SOL')!;
const WETH = tokenBySymbol('WETH')!;
const PYUSD = tokenBySymbol('PYUSD')!;
const POOL = 'EVHQ4KQ8SVRaw5ZUjhB8CrzNNQJkBzyzGFD6nS9KP6n4';

/** A clock whose sleeps pass at once, recorded: the test sees exactly how long a source held back. */
class RecordingClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

let servers: FakeOhlcvServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('Binance klines', () => {
  it('pages 1000 klines at a time and fills the maintenance gap with marked flat candles', async () => {
    const clock = new RecordingClock(Date.UTC(2026, 0, 1));
    const fake = await startFakeBinance({ now: () => clock.now() });
    servers.push(fake);
    const src = new BinanceKlinesSource({ clock, baseUrl: fake.url });
    const a = (await src.history({ mint: SOL.mint, symbol: 'SOL', from: FROM, to: TO }))!;
    expect(a.source).toBe('seed:binance');
    // The next page starts after the last kline of the previous one (the gap makes that later than 1000 buckets on).
    expect(fake.seen.map((r) => r.query.get('startTime'))).toEqual([
      String(FROM),
      String(recordedKlines()[999]![0] + FIVE_MIN),
    ]);
    expect(fake.seen.every((r) => r.query.get('symbol') === 'SOLUSDT' && r.query.get('interval') === '5m')).toBe(true);
    // Every 5m bucket of the four days, with the 46 missing ones filled and marked.
    expect(a.candles.length).toBe((TO - FROM) / FIVE_MIN);
    const gaps = a.candles.filter((c) => c.gap);
    expect(gaps.length).toBe(46);
    expect(gaps[0]!.time).toBe(GAP_FROM);
    const before = a.candles[a.candles.indexOf(gaps[0]!) - 1]!;
    for (const g of gaps) {
      expect([g.open, g.high, g.low, g.close, g.volume]).toEqual([
        before.close,
        before.close,
        before.close,
        before.close,
        0,
      ]);
    }
    // Real candles are the recorded ones, unchanged.
    const real = new Map(recordedKlines().map((k) => [k[0], k]));
    for (const c of a.candles.filter((x) => !x.gap)) {
      const k = real.get(c.time)!;
      expect([c.open, c.high, c.low, c.close, c.volume]).toEqual([k[1], k[2], k[3], k[4], k[5]].map(Number));
    }
    expect(clock.sleeps).toEqual([]);
  });

  it('waits for the next minute once the used weight reaches its budget', async () => {
    const clock = new RecordingClock(Date.UTC(2026, 0, 1, 0, 0, 10));
    const fake = await startFakeBinance({ now: () => clock.now() });
    servers.push(fake);
    const src = new BinanceKlinesSource({ clock, baseUrl: fake.url, weightBudget: 3 });
    await src.history({ mint: SOL.mint, symbol: 'SOL', from: FROM, to: TO });
    expect(fake.seen.length).toBe(2);
    // After the first call (weight 2 of 3), the second waits out the minute: it arrives in the next one.
    expect(clock.sleeps).toEqual([50_000]);
    expect(fake.seen[1]!.at).toBe(Date.UTC(2026, 0, 1, 0, 1, 0));
  });

  it("waits out a 429's Retry-After, then carries on; a 418 ban stops every request until it is over", async () => {
    const clock = new RecordingClock(Date.UTC(2026, 0, 1));
    const fake = await startFakeBinance({ now: () => clock.now() });
    servers.push(fake);
    fake.refuse.push({ status: 429, retryAfterSeconds: 7 });
    const src = new BinanceKlinesSource({ clock, baseUrl: fake.url });
    const a = (await src.history({ mint: SOL.mint, symbol: 'SOL', from: FROM, to: TO }))!;
    expect(a.candles.length).toBe(1152);
    expect(clock.sleeps).toEqual([7_000]);
    expect(fake.seen[1]!.at - fake.seen[0]!.at).toBe(7_000);

    fake.refuse.push({ status: 418, retryAfterSeconds: 120 });
    await expect(src.history({ mint: SOL.mint, symbol: 'SOL', from: FROM, to: TO })).rejects.toThrow(/banned/u);
    const sent = fake.seen.length;
    await expect(src.history({ mint: SOL.mint, symbol: 'SOL', from: FROM, to: TO })).rejects.toThrow(/120 s more/u);
    expect(fake.seen.length).toBe(sent);
    clock.advance(120_000);
    expect((await src.history({ mint: SOL.mint, symbol: 'SOL', from: FROM, to: TO }))!.candles.length).toBe(1152);
  });

  it('leaves out the kline still forming, and covers only its pairs', async () => {
    const clock = new RecordingClock(Date.UTC(2020, 11, 20, 12, 2));
    const fake = await startFakeBinance({ now: () => clock.now() });
    servers.push(fake);
    const src = new BinanceKlinesSource({ clock, baseUrl: fake.url });
    const a = (await src.history({ mint: SOL.mint, symbol: 'SOL', from: FROM, to: TO }))!;
    expect(a.candles.at(-1)!.time).toBe(Date.UTC(2020, 11, 20, 11, 55));
    expect(await src.history({ mint: PYUSD.mint, symbol: 'PYUSD', from: FROM, to: TO })).toBeNull();
  });
});

describe('GeckoTerminal OHLCV', () => {
  it("finds the token's pool, pages back with before_timestamp, spaces requests to 30 a minute and marks gaps", async () => {
    const clock = new RecordingClock(Date.UTC(2026, 0, 1));
    const fake = await startFakeGeckoTerminal({ now: () => clock.now(), pools: { [WETH.mint]: POOL } });
    servers.push(fake);
    const src = new GeckoTerminalSource({ clock, baseUrl: fake.url });
    const a = (await src.history({ mint: WETH.mint, symbol: 'WETH', from: FROM, to: TO }))!;
    expect(a.source).toBe('seed:geckoterminal');
    expect(fake.seen.map((r) => r.path)).toEqual([
      `/api/v2/networks/solana/tokens/${WETH.mint}/pools`,
      `/api/v2/networks/solana/pools/${POOL}/ohlcv/minute`,
      `/api/v2/networks/solana/pools/${POOL}/ohlcv/minute`,
    ]);
    const ohlcv = fake.seen.slice(1);
    expect(ohlcv.map((r) => r.query.get('aggregate'))).toEqual(['5', '5']);
    expect(ohlcv.every((r) => r.query.get('token') === WETH.mint && r.query.get('currency') === 'usd')).toBe(true);
    expect(ohlcv[0]!.query.get('before_timestamp')).toBe(String(TO / 1000));
    // The second page starts before the oldest candle of the first.
    const rows = recordedOhlcv().data.attributes.ohlcv_list;
    expect(ohlcv[1]!.query.get('before_timestamp')).toBe(String(rows[999]![0]));
    // 30 requests a minute: two seconds apart on the clock.
    for (let i = 1; i < fake.seen.length; i++)
      expect(fake.seen[i]!.at - fake.seen[i - 1]!.at).toBeGreaterThanOrEqual(2_000);
    expect(a.candles.length).toBe(1152);
    expect(a.candles.filter((c) => c.gap).length).toBe(46);
    for (let i = 1; i < a.candles.length; i++) expect(a.candles[i]!.time - a.candles[i - 1]!.time).toBe(FIVE_MIN);
  });

  it('waits out a 429 (Retry-After) and looks the pool up only once', async () => {
    const clock = new RecordingClock(Date.UTC(2026, 0, 1));
    const fake = await startFakeGeckoTerminal({ now: () => clock.now(), pools: { [WETH.mint]: POOL } });
    servers.push(fake);
    fake.refuse.push({ status: 429, retryAfterSeconds: 30 });
    const src = new GeckoTerminalSource({ clock, baseUrl: fake.url });
    await src.history({ mint: WETH.mint, symbol: 'WETH', from: FROM, to: TO });
    expect(fake.seen[1]!.at - fake.seen[0]!.at).toBe(30_000);
    const n = fake.seen.length;
    await src.history({ mint: WETH.mint, symbol: 'WETH', from: Date.UTC(2020, 11, 22), to: TO });
    expect(fake.seen.slice(n).every((r) => r.path.endsWith('/ohlcv/minute'))).toBe(true);
  });
});

describe('seeding on mainnet', () => {
  const store = (): Store => new Store(openDatabase(':memory:', { nowIso: '2026-01-01T00:00:00Z' }));

  it('seeds majors from Binance and other tokens from GeckoTerminal, stored with their source', async () => {
    const clock = new RecordingClock(Date.UTC(2020, 11, 23));
    const binance = await startFakeBinance({ now: () => clock.now() });
    const gecko = await startFakeGeckoTerminal({ now: () => clock.now(), pools: { [PYUSD.mint]: POOL } });
    servers.push(binance, gecko);
    const s = store();
    const h = new CandleHistory({
      network: 'mainnet',
      repo: s.candles,
      market: wallMarketClock(clock),
      clock,
      source: new FirstCoveringSource([
        new BinanceKlinesSource({ clock, baseUrl: binance.url }),
        new GeckoTerminalSource({ clock, baseUrl: gecko.url }),
      ]),
      log: silentLogger,
      seedWindowMs: 4 * 24 * 3_600_000,
    });
    await h.seed([SOL.mint, PYUSD.mint]);
    expect(h.stored(SOL.mint, '5m', 5000).every((c) => c.source === 'seed:binance')).toBe(true);
    expect(h.stored(PYUSD.mint, '5m', 5000).every((c) => c.source === 'seed:geckoterminal')).toBe(true);
    expect(h.stored(SOL.mint, '1h', 500).length).toBe(96);
    expect(h.builder.closed(SOL.mint, '1h').length).toBe(96);
    // An hour made only of the maintenance gap is marked as a gap too.
    expect(
      h
        .stored(SOL.mint, '1h', 500)
        .filter((c) => c.gap)
        .map((c) => new Date(c.time).toISOString()),
    ).toEqual(['2020-12-21T15:00:00.000Z', '2020-12-21T16:00:00.000Z', '2020-12-21T17:00:00.000Z']);
    s.close();
  });

  it('a failing source is reported and never stops the candles: warm-up goes on from live prices', async () => {
    const clock = new RecordingClock(Date.UTC(2026, 0, 1));
    const s = store();
    const failures: string[] = [];
    const failing: CandleHistorySource = {
      name: 'seed:binance',
      history: () => Promise.reject(new Error('getaddrinfo ENOTFOUND api.binance.com')),
    };
    const h = new CandleHistory({
      network: 'mainnet',
      repo: s.candles,
      market: wallMarketClock(clock),
      clock,
      source: failing,
      log: silentLogger,
      onSeedFailed: (f) => failures.push(`${f.token} ${f.source}: ${f.message}`),
    });
    for (let i = 0; i < 3; i++) {
      h.cycle([{ mint: SOL.mint, usd: 100 + i }]);
      await h.seed([SOL.mint]);
      clock.advance(60_000);
    }
    expect(failures).toEqual(['SOL seed:binance: getaddrinfo ENOTFOUND api.binance.com']);
    expect(h.stored(SOL.mint, '1m', 10).map((c) => c.close)).toEqual([100, 101]);
    s.close();
  });
});

describe('an engine on mainnet', () => {
  it('seeds its traded tokens at start from the configured OHLCV sources, and a dead one is an event, not a stop', async () => {
    const { randomBytes } = await import('node:crypto');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ManualClock } = await import('../../../engine/kernel/clock');
    const { Engine } = await import('../../../engine/runtime');
    const clock = new ManualClock(Date.UTC(2020, 11, 23));
    const binance = await startFakeBinance({ now: () => clock.now() });
    const gecko = await startFakeGeckoTerminal({ now: () => clock.now(), pools: { [PYUSD.mint]: POOL } });
    servers.push(binance, gecko);
    const parent = mkdtempSync(join(tmpdir(), 'hv-mainnet-candles-'));
    const engine = Engine.open({
      dataDir: join(parent, 'd'),
      clock,
      logger: silentLogger,
      env: {
        HARVEST_MASTER_KEY: randomBytes(32).toString('hex'),
        HARVEST_BINANCE_URL: binance.url,
        // Nothing listens here: GeckoTerminal is unreachable.
        HARVEST_GECKOTERMINAL_URL: 'http://127.0.0.1:9/api/v2',
      },
      network: { name: 'mainnet', rpcUrls: ['http://127.0.0.1:9'] },
    });
    try {
      const f = await engine.funds();
      expect(f.candleHistory.timeKind).toBe('wall');
      // Not awaited on mainnet (a slow source must not hold the engine up); the test waits for it.
      await f.candlesReady();
      await f.candleHistory.seed([SOL.mint, PYUSD.mint]);
      const sol = f.candleHistory.stored(SOL.mint, '1h', 500);
      // Seven days back from 23 Dec, of which the fake has 19-23 Dec.
      expect(sol.length).toBe(96);
      expect(sol.every((c) => c.source === 'seed:binance')).toBe(true);
      expect(binance.seen.length).toBeGreaterThan(0);
      expect(f.candleHistory.stored(PYUSD.mint, '5m', 10)).toEqual([]);
      const failed = engine.store.events.list({ type: 'candles.seedFailed', limit: 10 });
      // The fake Binance has SOLUSDT only (an unknown symbol is its 400); GeckoTerminal does not answer.
      expect(failed.map((e) => (e.payload as { token: string }).token).sort()).toEqual([
        'PYUSD',
        'USDC',
        'WBTC',
        'WETH',
      ]);
      // The engine runs on: a cycle builds candles from live prices whatever the history did.
      f.candleHistory.cycle([{ mint: PYUSD.mint, usd: 1 }]);
      expect(f.candles.current(PYUSD.mint, '1m')).not.toBeNull();
    } finally {
      await engine.close();
      rmSync(parent, { recursive: true, force: true });
    }
  }, 60_000);
});
