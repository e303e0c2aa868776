/**
 * Issue #5, item 8 (indicator part):
 *  1. Indicator speed: Harvest's indicators against the independent library
 *     they are checked against (`trading-signals`), on the same real series
 *     (SOL/ETH/BTC 5m, Dec 2020 - Jul 2021, the files the sandbox ships).
 *  2. The shared indicator cache against per-user computation, in the same
 *     run, for 10 / 100 / 1,000 users: one cycle after a candle closes, every
 *     user's strategy evaluates 3 tokens (1h candles, 1,000-candle window).
 * Time is wall time (performance.now) around pure CPU work; medians of several runs.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ATR, BollingerBands, EMA, MACD, RSI, SMA } from 'trading-signals';
import { loadCandlesFile } from '../engine/market/history';
import { IndicatorCache, type CandleSource } from '../engine/market/indicator-cache';
import { atr, bollinger, ema, macd, rsi, sma } from '../engine/market/indicators';
import type { Candle } from '../engine/market/types';
import { bindStrategy, type BoundStrategy } from '../engine/strategy/registry';
import { median, ms, table, type Benchmark } from './harness';

const ROOT = join(import.meta.dirname, '..');
const PAIRS = ['SOLUSDT', 'ETHUSDT', 'BTCUSDT'] as const;
const SPEED_RUNS = 15;
const USERS = [10, 100, 1_000] as const;
const CYCLES = 10;
const WINDOW = 1_000;

interface Ohlc {
  close: number[];
  high: number[];
  low: number[];
}

function columns(candles: readonly Candle[]): Ohlc {
  return { close: candles.map((c) => c.close), high: candles.map((c) => c.high), low: candles.map((c) => c.low) };
}

/**
 * The output array the library's values are written to: ours returns the whole series (what the shared
 * cache keeps), so the library's run writes each add() result to one too, like for like.
 */
function series(n: number): number[] {
  return new Array<number>(n);
}

/** Keeps the work from being optimised away. */
let sink = 0;

interface Case {
  name: string;
  ours: (s: Ohlc) => number;
  lib: (s: Ohlc) => number;
}

const CASES: Case[] = [
  {
    name: 'SMA(20)',
    ours: (s) => sma(s.close, 20).at(-1)!,
    lib: (s) => {
      const x = new SMA(20);
      const out = series(s.close.length);
      for (let i = 0; i < s.close.length; i++) out[i] = x.add(s.close[i]!) ?? Number.NaN;
      return x.getResultOrThrow() + out.length;
    },
  },
  {
    name: 'EMA(20)',
    ours: (s) => ema(s.close, 20).at(-1)!,
    lib: (s) => {
      const x = new EMA(20);
      const out = series(s.close.length);
      for (let i = 0; i < s.close.length; i++) out[i] = x.add(s.close[i]!) ?? Number.NaN;
      return x.getResultOrThrow() + out.length;
    },
  },
  {
    name: 'RSI(14)',
    ours: (s) => rsi(s.close, 14).at(-1)!,
    lib: (s) => {
      const x = new RSI(14);
      const out = series(s.close.length);
      for (let i = 0; i < s.close.length; i++) out[i] = x.add(s.close[i]!) ?? Number.NaN;
      return x.getResultOrThrow() + out.length;
    },
  },
  {
    name: 'MACD(12,26,9)',
    ours: (s) => macd(s.close, 12, 26, 9).histogram.at(-1)!,
    lib: (s) => {
      const x = new MACD(new EMA(12), new EMA(26), new EMA(9));
      const n = s.close.length;
      const m = series(n);
      const sig = series(n);
      const h = series(n);
      for (let i = 0; i < n; i++) {
        const r = x.add(s.close[i]!);
        m[i] = r?.macd ?? Number.NaN;
        sig[i] = r?.signal ?? Number.NaN;
        h[i] = r?.histogram ?? Number.NaN;
      }
      return x.getResultOrThrow().histogram + h.length;
    },
  },
  {
    name: 'Bollinger(20, 2)',
    ours: (s) => bollinger(s.close, 20, 2).upper.at(-1)!,
    lib: (s) => {
      const x = new BollingerBands(20, 2);
      const n = s.close.length;
      const up = series(n);
      const mid = series(n);
      const low = series(n);
      for (let i = 0; i < n; i++) {
        const r = x.add(s.close[i]!);
        up[i] = r?.upper ?? Number.NaN;
        mid[i] = r?.middle ?? Number.NaN;
        low[i] = r?.lower ?? Number.NaN;
      }
      return x.getResultOrThrow().upper + up.length;
    },
  },
  {
    name: 'ATR(14)',
    ours: (s) => atr(s.high, s.low, s.close, 14).at(-1)!,
    lib: (s) => {
      const x = new ATR(14);
      const out = series(s.close.length);
      for (let i = 0; i < s.close.length; i++)
        out[i] = x.add({ high: s.high[i]!, low: s.low[i]!, close: s.close[i]! }) ?? Number.NaN;
      return x.getResultOrThrow() + out.length;
    },
  },
];

/**
 * Ours and the library's runs alternate (ours, library, ours, …) after two warm-up calls each, so a
 * machine shared with other work slows both alike; min and median of each side are reported.
 */
function interleaved(runs: number, a: () => number, b: () => number): { a: number[]; b: number[] } {
  for (let i = 0; i < 2; i++) sink += a() + b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    const first = i % 2 === 0 ? a : b;
    const second = first === a ? b : a;
    const t0 = performance.now();
    sink += first();
    const t1 = performance.now();
    sink += second();
    const t2 = performance.now();
    (first === a ? ta : tb).push(t1 - t0);
    (first === a ? tb : ta).push(t2 - t1);
  }
  return { a: ta, b: tb };
}

function indicatorSpeed(series: Ohlc[], log: (l: string) => void): string {
  const n = series.reduce((a, s) => a + s.close.length, 0);
  const rows: (string | number)[][] = [];
  for (const c of CASES) {
    const r = interleaved(
      SPEED_RUNS,
      () => series.reduce((a, s) => a + c.ours(s), 0),
      () => series.reduce((a, s) => a + c.lib(s), 0),
    );
    const oursMin = Math.min(...r.a);
    const libMin = Math.min(...r.b);
    const oursMed = median(r.a);
    const libMed = median(r.b);
    log(`${c.name}: ours ${ms(oursMin)} / ${ms(oursMed)} ms, trading-signals ${ms(libMin)} / ${ms(libMed)} ms`);
    const mps = (t: number) => (n / t / 1000).toFixed(1);
    rows.push([
      c.name,
      ms(oursMin),
      ms(oursMed),
      ms(libMin),
      ms(libMed),
      mps(oursMin),
      mps(libMin),
      `${(libMin / oursMin).toFixed(1)}× (median ${(libMed / oursMed).toFixed(1)}×)`,
    ]);
  }
  return [
    `All three 5m series (${n.toLocaleString('en-US')} candles in total), full series per run; ${SPEED_RUNS} runs of each,`,
    'ours and the library alternating run by run (so both see the same machine load); min and median.',
    `Load average when this table was made: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')} on ${availableParallelism()} logical CPUs (wall times; both sides share the load).`,
    'Ours: the batch functions of engine/market/indicators.ts (full output arrays, NaN warm-up).',
    'trading-signals: one `add()` per value, each result written to an output array as long as the series',
    '(like for like: the shared cache keeps the whole series, which is what ours returns; until 2026-12-07 the',
    "library's side kept only the last value, so it did less work than ours).",
    '',
    table(
      [
        'indicator',
        'ours min (ms)',
        'ours median (ms)',
        'trading-signals min (ms)',
        'trading-signals median (ms)',
        'ours (M values/s, best)',
        'library (M values/s, best)',
        'ours faster by (best)',
      ],
      rows,
    ),
  ].join('\n');
}

/** Closed candles of each token up to `upTo`; the revision moves when a candle closes. */
class CycleSource implements CandleSource {
  upTo: number;
  constructor(
    private readonly byToken: Map<string, Candle[]>,
    start: number,
  ) {
    this.upTo = start;
  }
  closed(token: string): readonly Candle[] {
    const all = this.byToken.get(token)!;
    return all.slice(Math.max(0, this.upTo - WINDOW), this.upTo);
  }
  revision(): number {
    return this.upTo;
  }
}

function cacheVsPerUser(byToken: Map<string, Candle[]>, log: (l: string) => void): string {
  const tokens = [...byToken.keys()];
  const kinds = ['trend', 'mean-reversion', 'dca'] as const;
  const rows: (string | number)[][] = [];
  for (const users of USERS) {
    const strategies: BoundStrategy[] = Array.from({ length: users }, (_, i) => bindStrategy(kinds[i % 3]!, {}));
    const result: Record<'shared' | 'perUser', { ms: number; computations: number; signals: number }> = {
      shared: { ms: 0, computations: 0, signals: 0 },
      perUser: { ms: 0, computations: 0, signals: 0 },
    };
    for (const mode of ['shared', 'perUser'] as const) {
      const source = new CycleSource(byToken, 3_000);
      const shared = new IndicatorCache(source, { window: WINDOW });
      const own = strategies.map(() => new IndicatorCache(source, { window: WINDOW }));
      const times: number[] = [];
      let signals = 0;
      for (let cycle = 0; cycle < CYCLES + 1; cycle++) {
        source.upTo++; // a new 1h candle closed for every token
        const t0 = performance.now();
        for (let u = 0; u < users; u++) {
          const cache = mode === 'shared' ? shared : own[u]!;
          for (const token of tokens) {
            if (strategies[u]!.evaluate({ token, cache, position: null, now: 0 }).signal) signals++;
          }
        }
        if (cycle > 0) times.push(performance.now() - t0); // cycle 0 warms the JIT
      }
      const computations =
        mode === 'shared' ? shared.stats().computations : own.reduce((a, c) => a + c.stats().computations, 0);
      result[mode] = { ms: median(times), computations: Math.round(computations / (CYCLES + 1)), signals };
    }
    if (result.shared.signals !== result.perUser.signals) throw new Error('shared and per-user caches disagree');
    log(`${users} users: shared ${ms(result.shared.ms)} ms/cycle, per-user ${ms(result.perUser.ms)} ms/cycle`);
    rows.push([
      users.toLocaleString('en-US'),
      (users * tokens.length).toLocaleString('en-US'),
      ms(result.shared.ms),
      result.shared.computations,
      ms(result.perUser.ms),
      result.perUser.computations.toLocaleString('en-US'),
      `${(result.perUser.ms / result.shared.ms).toFixed(1)}×`,
    ]);
  }
  return [
    `One cycle = a new 1h candle closed for ${tokens.length} tokens (SOL, ETH, BTC; real candles), then every user's strategy`,
    `(a third each: trend, mean-reversion, DCA, default parameters) evaluates every token over a ${WINDOW.toLocaleString('en-US')}-candle window.`,
    `Shared: one IndicatorCache for everyone. Per-user: each user computes their own indicators (a cache of their own).`,
    `Median of ${CYCLES} cycles; computations are indicator computations per cycle. Both modes produce identical signals.`,
    '',
    table(
      [
        'users',
        'evaluations',
        'shared (ms/cycle)',
        'shared computations',
        'per-user (ms/cycle)',
        'per-user computations',
        'shared faster by',
      ],
      rows,
    ),
  ].join('\n');
}

const bench: Benchmark = {
  id: 'indicators',
  title: 'Indicators: speed against trading-signals; shared cache against per-user computation',
  async run(log) {
    const five = PAIRS.map((p) =>
      loadCandlesFile(join(ROOT, 'resources', 'market', `${p}-5m-binance-2020-12_2021-07.csv.gz`)),
    );
    const hourly = new Map(
      PAIRS.map((p) => [
        p.replace('USDT', ''),
        loadCandlesFile(join(ROOT, 'test', 'fixtures', 'market', `${p}-1h-binance-2020-12_2021-07.csv.gz`)),
      ]),
    );
    const speed = indicatorSpeed(five.map(columns), log);
    const sharing = cacheVsPerUser(hourly, log);
    if (Number.isNaN(sink)) log('');
    return [
      '### Indicator speed',
      '',
      speed,
      '',
      '### Shared indicator cache vs per-user computation',
      '',
      sharing,
    ].join('\n');
  },
};

export default bench;

/** The section body, for callers that do not go through bench/run.ts. */
export function run(log: (line: string) => void = () => {}): Promise<string> {
  return bench.run(log);
}
