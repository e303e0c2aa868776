import { join } from 'node:path';
import { ManualClock } from '../engine/kernel/clock';
import { IndicatorCache, loadCandlesFile, ReplayCandleSource, type Candle } from '../engine/market';
import { bindStrategy, type BoundStrategy } from '../engine/strategy';
import { median, ms, table, type Benchmark } from './harness';

const ROOT = join(import.meta.dirname, '..');
const FIX = join(ROOT, 'test', 'fixtures', 'market');
const STRATEGIES = ['trend', 'mean-reversion', 'dca'] as const;
const TOKENS = 5;
const USER_COUNTS = [10, 100, 1_000, 10_000];

/** Five token series from the real 1h files (two reused under other names, shifted so they differ). */
function series(): Map<string, Candle[]> {
  const sol = loadCandlesFile(join(FIX, 'SOLUSDT-1h-binance-2020-12_2021-07.csv.gz'));
  const eth = loadCandlesFile(join(FIX, 'ETHUSDT-1h-binance-2020-12_2021-07.csv.gz'));
  const btc = loadCandlesFile(join(FIX, 'BTCUSDT-1h-binance-2020-12_2021-07.csv.gz'));
  const scaled = (cs: Candle[], k: number): Candle[] =>
    cs.map((c) => ({ ...c, open: c.open * k, high: c.high * k, low: c.low * k, close: c.close * k }));
  return new Map([
    ['SOL', sol],
    ['ETH', eth],
    ['BTC', btc],
    ['SOL2', scaled(sol, 1.7)],
    ['ETH2', scaled(eth, 0.3)],
  ]);
}

interface User {
  strategy: BoundStrategy;
  maxOrderUsd: number;
  paused: boolean;
}

/** What a cycle does per user and token, without I/O: evaluate the strategy, then the risk checks an entry faces. */
function cycle(
  users: readonly User[],
  tokens: readonly string[],
  cacheFor: (i: number) => IndicatorCache,
  now: number,
): number {
  let signals = 0;
  users.forEach((u, i) => {
    if (u.paused) return;
    const cache = cacheFor(i);
    for (const token of tokens) {
      const ev = u.strategy.evaluate({ token, cache, position: null, now });
      if (!ev.signal) continue;
      signals++;
      if (ev.signal.side === 'buy') {
        // The pure part of the risk gate: size against the limit, stop below the price.
        const closes = cache.candles(token, u.strategy.timeframe);
        const price = closes[closes.length - 1]?.close ?? 0;
        void (u.maxOrderUsd * ev.signal.sizeHint > 0 && ev.signal.stopLossPrice < price);
      }
    }
  });
  return signals;
}

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

const bench: Benchmark = {
  id: 'cycle',
  title: 'One trading cycle: signals and risk for N users × 5 tokens (CPU, I/O excluded)',
  async run(log) {
    const data = series();
    const tokens = [...data.keys()].slice(0, TOKENS);
    const start = Date.UTC(2021, 2, 1);
    const step = 3_600_000;
    const rows: (string | number)[][] = [];
    const cacheRows: (string | number)[][] = [];
    const memRows: (string | number)[][] = [];
    for (const n of USER_COUNTS) {
      const clock = new ManualClock(start);
      const source = new ReplayCandleSource({ clock });
      for (const [t, cs] of data) source.add(t, '1h', cs);
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const users: User[] = Array.from({ length: n }, (_, i) => ({
        // The defaults on hourly candles, the series this bench replays.
        strategy: bindStrategy(STRATEGIES[i % STRATEGIES.length]!, { timeframe: '1h' }),
        maxOrderUsd: 500,
        paused: false,
      }));
      gc?.();
      const perUserBytes = (process.memoryUsage().heapUsed - heapBefore) / n;
      const shared = new IndicatorCache(source);
      const samples: number[] = [];
      let signals = 0;
      for (let c = 0; c < 7; c++) {
        clock.advance(step);
        const now = clock.now();
        samples.push(cpuMs(() => (signals += cycle(users, tokens, () => shared, now))));
      }
      const med = median(samples.slice(2));
      rows.push([n, n * TOKENS, ms(med), ((med / (n * TOKENS)) * 1000).toFixed(2), signals]);
      // Below ~1,000 users the difference is within the heap's own noise.
      if (n >= 1_000) memRows.push([n, (perUserBytes / 1024).toFixed(1)]);
      log(`cycle: ${n} users: ${ms(med)} ms CPU per cycle`);

      if (n <= 1_000) {
        // The same cycle with a cache per user, as if nothing were shared.
        const perUser = users.map(() => new IndicatorCache(source));
        const solo: number[] = [];
        for (let c = 0; c < 4; c++) {
          clock.advance(step);
          const now = clock.now();
          solo.push(cpuMs(() => cycle(users, tokens, (i) => perUser[i]!, now)));
        }
        const sharedNow: number[] = [];
        for (let c = 0; c < 4; c++) {
          clock.advance(step);
          const now = clock.now();
          sharedNow.push(cpuMs(() => cycle(users, tokens, () => shared, now)));
        }
        const a = median(sharedNow.slice(1));
        const b = median(solo.slice(1));
        cacheRows.push([n, ms(a), ms(b), `${(b / Math.max(a, 0.001)).toFixed(1)}×`]);
      }
    }
    return [
      "Each cycle evaluates every user's strategy on 5 tokens (1h candles, real SOL/ETH/BTC series) and the pure",
      'risk checks of any entry signal; database and network I/O are excluded. Median of 5 cycles, process CPU time.',
      '',
      table(['users', 'user×token evaluations', 'CPU per cycle (ms)', 'µs per evaluation', 'signals (7 cycles)'], rows),
      '',
      "Past the fixed cost of computing each token's indicators once per candle, the cycle grows linearly in",
      'users × tokens, and the cost per evaluation falls: an extra user only adds a decision on shared values.',
      '',
      '**Shared indicator cache vs a cache per user** (same users, same cycles):',
      '',
      table(['users', 'shared (ms)', 'per user (ms)', 'shared is faster by'], cacheRows),
      '',
      '**Memory per user** (bound strategy and its parameters; heap after GC when run with --expose-gc):',
      '',
      table(['users', 'KiB per user'], memRows),
    ].join('\n');
  },
};

export default bench;
