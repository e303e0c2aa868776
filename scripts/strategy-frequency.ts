/**
 * How often each built-in strategy trades with its defaults, on real recorded
 * candles: the numbers in docs/strategies.md. Deterministic (no clock, no I/O
 * beyond reading the candle files).
 *
 *   node --import tsx scripts/strategy-frequency.ts [strategyId] [json params]
 *   node --import tsx scripts/strategy-frequency.ts --backtest [days]
 *
 * The first form replays each strategy alone over whole months (a light
 * harness: signals at the close, stops and targets from the next candle).
 * The second runs the engine's own loop (runBacktest: risk gates, sizing,
 * paper fills, exit monitor) for the first `days` days of each period, one
 * paper user per strategy with $10,000, and counts filled orders.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resample } from '../engine/market/candles';
import { loadCandlesFile } from '../engine/market/history';
import type { Candle } from '../engine/market/types';
import { runBacktest } from '../engine/runtime/backtest';
import { bindStrategy, STRATEGY_IDS } from '../engine/strategy/registry';
import { simulate } from '../test/unit/strategy/sim';

const REPO = join(import.meta.dirname, '..');
const DAY = 86_400_000;

export interface Period {
  label: string;
  pair: 'SOLUSDT' | 'BTCUSDT' | 'ETHUSDT';
  from: number;
  to: number;
}

/** Two SOL months of different character (a steady rise, then the May crash) and a BTC month. */
export const PERIODS: Period[] = [
  { label: 'SOL 2021-01', pair: 'SOLUSDT', from: Date.UTC(2021, 0, 1), to: Date.UTC(2021, 1, 1) },
  { label: 'SOL 2021-05', pair: 'SOLUSDT', from: Date.UTC(2021, 4, 1), to: Date.UTC(2021, 5, 1) },
  { label: 'BTC 2021-03', pair: 'BTCUSDT', from: Date.UTC(2021, 2, 1), to: Date.UTC(2021, 3, 1) },
];

const files = new Map<string, Candle[]>();
function candles5m(pair: string): Candle[] {
  let c = files.get(pair);
  if (!c) {
    c = loadCandlesFile(join(REPO, 'resources/market', `${pair}-5m-binance-2020-12_2021-07.csv.gz`));
    files.set(pair, c);
  }
  return c;
}

export interface Frequency {
  period: string;
  entriesPerDay: number;
  exitsPerDay: number;
  roundTrips: number;
  /** Candles from the start of the period to the first buy or sell signal. */
  candlesToFirstSignal: number | null;
  /** Longest stretch without any buy or sell signal inside the period, in hours (the worst wait from any start). */
  longestQuietHours: number;
  winRate: number | null;
}

function longestGap(times: number[]): number {
  let g = 0;
  for (let i = 1; i < times.length; i++) g = Math.max(g, times[i]! - times[i - 1]!);
  return g;
}

export function measure(id: string, params: Record<string, unknown>, p: Period): Frequency {
  const bound = bindStrategy(id, params);
  // Ten days of history before the period: the warm-up is pre-seeded, as on a running engine.
  const base = candles5m(p.pair).filter((c) => c.time >= p.from - 10 * DAY && c.time < p.to);
  const series = bound.timeframe === '5m' ? base : resample(base, bound.timeframe);
  const { signals, trades } = simulate(id, params, series);
  const inside = signals.filter((s) => s.time >= p.from);
  const days = (p.to - p.from) / DAY;
  const start = series.findIndex((c) => c.time >= p.from);
  const first = inside[0] ? series.findIndex((c) => c.time === inside[0]!.time) - start + 1 : null;
  const closed = trades.filter((t) => t.entryTime >= p.from && t.exitPrice !== null);
  return {
    period: p.label,
    entriesPerDay: inside.filter((s) => s.signal.side === 'buy').length / days,
    exitsPerDay: inside.filter((s) => s.signal.side === 'sell').length / days,
    roundTrips: closed.length,
    candlesToFirstSignal: first,
    longestQuietHours: longestGap([p.from, ...inside.map((x) => x.time), p.to]) / 3_600_000,
    winRate: closed.length ? closed.filter((t) => t.exitPrice! > t.entryPrice).length / closed.length : null,
  };
}

async function backtestFrequency(days: number): Promise<void> {
  // SOL only: runBacktest prices the replayed token and USDC, and every paper wallet also holds SOL for fees,
  // which needs a SOL price to value, so another token's replay would be refused (fail closed) for want of it.
  for (const p of PERIODS.filter((x) => x.pair === 'SOLUSDT')) {
    const parent = mkdtempSync(join(tmpdir(), 'hv-freq-'));
    try {
      const toMs = p.from + days * DAY;
      const r = await runBacktest({
        dataDir: join(parent, 'data'),
        token: 'SOL',
        timeframe: '5m',
        candles: candles5m(p.pair).filter((c) => c.time >= p.from - 3 * DAY && c.time < toMs),
        fromMs: p.from,
        toMs,
        users: STRATEGY_IDS.map((id) => ({ name: id, strategy: id, startUsd: 10_000 })),
      });
      const line = STRATEGY_IDS.map((id) => {
        const mine = r.trades.filter((t) => t.user === id);
        const buys = mine.filter((t) => t.side === 'buy').length;
        return `${id} ${(buys / days).toFixed(1)} buys/day ${((mine.length - buys) / days).toFixed(1)} sells/day`;
      });
      console.log(`${p.label}, first ${days} days through the loop: ${line.join('; ')}`);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }
}

if (process.argv[1]?.endsWith('strategy-frequency.ts') && process.argv[2] === '--backtest') {
  await backtestFrequency(Number(process.argv[3] ?? 3));
} else if (process.argv[1]?.endsWith('strategy-frequency.ts')) {
  const ids = process.argv[2] ? [process.argv[2]] : STRATEGY_IDS;
  const params = process.argv[3] ? (JSON.parse(process.argv[3]) as Record<string, unknown>) : {};
  for (const id of ids) {
    const b = bindStrategy(id, params);
    console.log(`${id} (${b.timeframe}, warm-up ${b.warmup} candles) ${JSON.stringify(params)}`);
    for (const p of PERIODS) {
      const f = measure(id, params, p);
      console.log(
        `  ${f.period}: ${f.entriesPerDay.toFixed(1)} buys/day, ${f.exitsPerDay.toFixed(1)} sells/day, ${f.roundTrips} round trips, first signal after ${f.candlesToFirstSignal ?? '-'} candles, longest quiet ${f.longestQuietHours.toFixed(1)} h, win ${f.winRate === null ? '-' : (f.winRate * 100).toFixed(0)}%`,
      );
    }
  }
}
