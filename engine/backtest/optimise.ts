/**
 * Parameter optimisation (issue 13, item 3): grid or random search over a
 * strategy's zod parameter bounds (describeParams), each set run on a
 * training period (in-sample) and on the period after it (out-of-sample,
 * walk-forward), spread over worker threads.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HarvestError } from '../kernel/errors';
import { TIMEFRAME_MS, type Candle, type Timeframe } from '../market/types';
import { describeParams, type ParamInfo } from '../strategy/params';
import { getStrategy, parseParams } from '../strategy/registry';
import type { FillModel } from './ledger';
import { BacktestMarket } from './market';
import { runMetrics, type BacktestMetrics } from './metrics';
import { runStrategyBacktest } from './run';

export interface OptimiseJob {
  strategy: string;
  tokens: string[];
  timeframe: Timeframe;
  /** History per token (the same timeframe), warm-up included. */
  candles: Record<string, Candle[]>;
  fromMs: number;
  /** End of the in-sample (training) period and start of the out-of-sample one. */
  splitMs: number;
  toMs: number;
  capitalUsd: number;
  settings: Record<string, unknown>;
  fill: FillModel;
}

export type Figures = Pick<
  BacktestMetrics,
  'totalReturnPct' | 'maxDrawdownPct' | 'sharpe' | 'sortino' | 'winRatePct' | 'profitFactor' | 'tradeCount'
>;

export interface OptimiseRow {
  params: Record<string, unknown>;
  inSample: Figures;
  outOfSample: Figures;
}

const pick = (m: BacktestMetrics): Figures => ({
  totalReturnPct: m.totalReturnPct,
  maxDrawdownPct: m.maxDrawdownPct,
  sharpe: m.sharpe,
  sortino: m.sortino,
  winRatePct: m.winRatePct,
  profitFactor: m.profitFactor,
  tradeCount: m.tradeCount,
});

/** Runs parameter sets over one market (in a worker or here): in-sample then out-of-sample for each. */
export function evaluateSets(
  job: OptimiseJob,
  sets: readonly Record<string, unknown>[],
  onRow: (row: OptimiseRow | null, index: number) => void,
): void {
  const market = new BacktestMarket(
    job.timeframe,
    job.tokens.map((symbol) => ({ symbol, candles: job.candles[symbol]! })),
  );
  const stepMs = TIMEFRAME_MS[job.timeframe];
  const period = (params: Record<string, unknown>, fromMs: number, toMs: number): Figures => {
    const run = runStrategyBacktest(
      market,
      {
        strategy: job.strategy,
        params,
        tokens: job.tokens,
        fromMs,
        toMs,
        capitalUsd: job.capitalUsd,
        settings: job.settings,
        fill: job.fill,
      },
      { equityEvery: 1 },
    );
    return pick(runMetrics(run, { fromMs, toMs, stepMs }));
  };
  sets.forEach((params, i) => {
    try {
      onRow(
        {
          params,
          inSample: period(params, job.fromMs, job.splitMs),
          outOfSample: period(params, job.splitMs, job.toMs),
        },
        i,
      );
    } catch {
      // A set the strategy refuses (e.g. a warm-up longer than the window): left out, counted as done.
      onRow(null, i);
    }
  });
}

/** A deterministic pseudo-random source (mulberry32), so a seed gives the same sets. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function gridValues(p: ParamInfo, steps: number): unknown[] {
  if (p.type === 'boolean') return [false, true];
  if (p.options) return [...p.options];
  const lo = p.min ?? 0;
  const hi = p.max ?? lo + 100;
  const out: unknown[] = p.nullable ? [null] : [];
  for (let i = 0; i < steps; i++) {
    const v = steps === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (steps - 1);
    out.push(p.type === 'integer' ? Math.round(v) : Math.round(v * 100) / 100);
  }
  return [...new Set(out)];
}

function randomValue(p: ParamInfo, r: () => number): unknown {
  if (p.type === 'boolean') return r() < 0.5;
  if (p.options) return p.options[Math.floor(r() * p.options.length)];
  if (p.nullable && r() < 0.2) return null;
  const lo = p.min ?? 0;
  const hi = p.max ?? lo + 100;
  const v = lo + (hi - lo) * r();
  return p.type === 'integer' ? Math.round(v) : Math.round(v * 100) / 100;
}

export interface SearchSpace {
  strategy: string;
  method: 'grid' | 'random';
  /** Parameters to vary (default: every numeric and boolean one); the others keep `fixed` or their default. */
  vary?: readonly string[];
  fixed?: Record<string, unknown>;
  /** Grid: values per varied parameter. */
  steps?: number;
  /** Random: how many sets; grid: the most sets kept (the grid is sampled evenly beyond it). */
  samples?: number;
  seed?: number;
}

/** The parameter sets to try, each valid for the strategy's schema (invalid combinations are dropped). */
export function parameterSets(space: SearchSpace): Record<string, unknown>[] {
  const strategy = getStrategy(space.strategy);
  const info = describeParams(strategy.params);
  const fixed = space.fixed ?? {};
  const vary = info.filter((p) =>
    space.vary ? space.vary.includes(p.name) : p.name !== 'timeframe' && !(p.name in fixed) && !p.options,
  );
  for (const name of space.vary ?? []) {
    if (!info.some((p) => p.name === name))
      throw new HarvestError(
        'INVALID_INPUT',
        `Strategy "${space.strategy}" has no parameter "${name}"; it has ${info.map((p) => p.name).join(', ')}.`,
      );
  }
  const samples = space.samples ?? 200;
  const raw: Record<string, unknown>[] = [];
  if (space.method === 'grid') {
    const axes = vary.map((p) => ({ name: p.name, values: gridValues(p, space.steps ?? 4) }));
    const total = axes.reduce((n, a) => n * a.values.length, 1);
    const stride = Math.max(1, Math.ceil(total / samples / 0.5));
    for (let i = 0; i < total && raw.length < samples * 2; i += stride) {
      const set: Record<string, unknown> = { ...fixed };
      let k = i;
      for (const a of axes) {
        set[a.name] = a.values[k % a.values.length];
        k = Math.floor(k / a.values.length);
      }
      raw.push(set);
    }
  } else {
    const r = random(space.seed ?? 1);
    for (let i = 0; i < samples * 3 && raw.length < samples * 3; i++) {
      const set: Record<string, unknown> = { ...fixed };
      for (const p of vary) set[p.name] = randomValue(p, r);
      raw.push(set);
    }
  }
  const out: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const set of raw) {
    if (out.length >= samples) break;
    let parsed: Record<string, unknown>;
    try {
      parsed = parseParams(space.strategy, set) as Record<string, unknown>;
      if (strategy.warmup(parsed as never) > 1000) continue;
    } catch {
      continue;
    }
    const key = JSON.stringify(parsed);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(parsed);
  }
  if (out.length === 0)
    throw new HarvestError('INVALID_INPUT', 'No valid parameter set in that search space; widen it or fix fewer.');
  return out;
}

/**
 * The optimiser thread: the bundle's optimise-worker.mjs beside this chunk, or
 * in development (TypeScript sources) the .ts file loaded through tsx's loader.
 */
export function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./optimise-worker.mjs', here), { workerData });
  const pkg = createRequire(here).resolve('tsx/package.json');
  const tsx = pathToFileURL(join(dirname(pkg), 'dist', 'esm', 'api', 'index.mjs')).href;
  const entry = new URL('./optimise-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

export interface OptimiseHooks {
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/**
 * Every set over the job, on `workers` threads (1: here, in this thread).
 * Rows come back in the order of `sets`, sets the strategy refused left out.
 */
export async function optimise(
  job: OptimiseJob,
  sets: readonly Record<string, unknown>[],
  workers: number,
  hooks: OptimiseHooks = {},
): Promise<OptimiseRow[]> {
  const rows: (OptimiseRow | null)[] = new Array<OptimiseRow | null>(sets.length).fill(null);
  let done = 0;
  const n = Math.max(1, Math.min(workers, availableParallelism(), sets.length));
  if (n === 1) {
    evaluateSets(job, sets, (row, i) => {
      rows[i] = row;
      hooks.onProgress?.(++done, sets.length);
      if (hooks.signal?.aborted) throw new HarvestError('REFUSED', 'The optimisation was cancelled.');
    });
    return rows.filter((r): r is OptimiseRow => r !== null);
  }
  const chunks: number[][] = Array.from({ length: n }, () => []);
  sets.forEach((_, i) => chunks[i % n]!.push(i));
  const threads: Worker[] = [];
  try {
    await Promise.all(
      chunks.map(
        (idx) =>
          new Promise<void>((resolve, reject) => {
            const w = startWorker({ job, sets: idx.map((i) => sets[i]) });
            threads.push(w);
            const abort = (): void =>
              void w.terminate().then(() => reject(new HarvestError('REFUSED', 'The optimisation was cancelled.')));
            hooks.signal?.addEventListener('abort', abort, { once: true });
            w.on('message', (m: { i: number; row: OptimiseRow | null } | { end: true }) => {
              if ('end' in m) return resolve();
              rows[idx[m.i]!] = m.row;
              hooks.onProgress?.(++done, sets.length);
            });
            w.on('error', reject);
            w.on('exit', (code) =>
              code === 0
                ? resolve()
                : reject(new HarvestError('INTERNAL', `An optimiser worker stopped (exit ${code}).`)),
            );
          }),
      ),
    );
  } finally {
    for (const w of threads) void w.terminate();
  }
  return rows.filter((r): r is OptimiseRow => r !== null);
}

export type SortKey = 'is-sharpe' | 'oos-sharpe' | 'is-return' | 'oos-return' | 'oos-drawdown';

/** Rows sorted by a figure, best first (a missing figure sorts last). */
export function sortRows(rows: OptimiseRow[], by: SortKey): OptimiseRow[] {
  const val = (r: OptimiseRow): number => {
    const v =
      by === 'is-sharpe'
        ? r.inSample.sharpe
        : by === 'oos-sharpe'
          ? r.outOfSample.sharpe
          : by === 'is-return'
            ? r.inSample.totalReturnPct
            : by === 'oos-return'
              ? r.outOfSample.totalReturnPct
              : -r.outOfSample.maxDrawdownPct;
    return v === null ? Number.NEGATIVE_INFINITY : v;
  };
  return [...rows].sort((a, b) => val(b) - val(a));
}
