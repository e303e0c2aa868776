import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { HarvestError } from '../kernel/errors';
import { parseCandlesCsv } from '../market/history';
import { tokenBySymbol } from '../market/tokens';
import { TIMEFRAME_MS, TIMEFRAMES, type Candle, type Timeframe } from '../market/types';

/** The candles bundled with the app (resources/market/, 5m Binance USDT pairs, USDT taken as USD). */
export const BUNDLED_MARKET_DIR = fileURLToPath(new URL('../../resources/market/', import.meta.url));
const BUNDLED: Record<string, string> = {
  SOL: 'SOLUSDT-5m-binance-2020-12_2021-07.csv.gz',
  WETH: 'ETHUSDT-5m-binance-2020-12_2021-07.csv.gz',
  WBTC: 'BTCUSDT-5m-binance-2020-12_2021-07.csv.gz',
};
const ALIASES: Record<string, string> = { ETH: 'WETH', BTC: 'WBTC' };

/** The token symbol Harvest trades for a name a person types (ETH → WETH). */
export function tradedSymbol(name: string): string {
  const s = name.trim().toUpperCase();
  const sym = ALIASES[s] ?? s;
  if (!tokenBySymbol(sym)) throw new HarvestError('INVALID_INPUT', `Unknown token "${name}". Known: SOL, WETH, WBTC.`);
  return sym;
}

const cache = new Map<string, Candle[]>();

/** A token's bundled history (5m candles), parsed once per process. */
export function bundledCandles(symbol: string, dir = BUNDLED_MARKET_DIR): { timeframe: Timeframe; candles: Candle[] } {
  const sym = tradedSymbol(symbol);
  const file = BUNDLED[sym];
  if (!file)
    throw new HarvestError(
      'NOT_FOUND',
      `No bundled history for ${sym}; bundled: ${Object.keys(BUNDLED).join(', ')}. Import klines with --csv.`,
    );
  const path = join(dir, file);
  let c = cache.get(path);
  if (!c) {
    c = parseCandlesCsv(gunzipSync(readFileSync(path)).toString('utf8'));
    cache.set(path, c);
  }
  return { timeframe: '5m', candles: c };
}

/**
 * Exchange klines as CSV: Binance's download format (no header; open time,
 * open, high, low, close, volume, close time, …; open time in ms, or µs in
 * newer files) or a file with a header (timestamp_ms|time|date, open, high,
 * low, close[, volume]). Rows must increase in time.
 */
export function parseKlinesCsv(text: string): Candle[] {
  const first = text.slice(0, 200).split(/\r?\n/u)[0] ?? '';
  if (/[a-z]/iu.test(first.split(',')[0] ?? '')) return parseCandlesCsv(text);
  const out: Candle[] = [];
  const lines = text.split(/\r?\n/u);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const f = line.split(',');
    let time = Number(f[0]);
    if (time > 1e14) time = Math.floor(time / 1000); // microseconds (Binance spot files since 2025)
    const c: Candle = {
      time,
      open: Number(f[1]),
      high: Number(f[2]),
      low: Number(f[3]),
      close: Number(f[4]),
      volume: f[5] !== undefined ? Number(f[5]) : 0,
    };
    if (!Object.values(c).every(Number.isFinite) || !(c.high >= c.low))
      throw new HarvestError('INVALID_INPUT', `Kline row ${i + 1} is not a valid candle: ${line.slice(0, 80)}`);
    const prev = out[out.length - 1];
    if (prev && !(c.time > prev.time))
      throw new HarvestError('INVALID_INPUT', `Kline row ${i + 1}: time does not increase.`);
    out.push(c);
  }
  if (out.length === 0) throw new HarvestError('INVALID_INPUT', 'The kline file has no rows.');
  return out;
}

/** The timeframe of a series: the most common step between candles. */
export function detectTimeframe(candles: readonly Candle[]): Timeframe {
  const counts = new Map<number, number>();
  for (let i = 1; i < Math.min(candles.length, 500); i++) {
    const d = candles[i]!.time - candles[i - 1]!.time;
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best = 0;
  let n = -1;
  for (const [d, k] of counts) if (k > n) [best, n] = [d, k];
  const tf = TIMEFRAMES.find((t) => TIMEFRAME_MS[t] === best);
  if (!tf)
    throw new HarvestError(
      'INVALID_INPUT',
      `The candles are ${best / 60_000} minutes apart; Harvest reads 1m, 5m, 15m or 1h candles.`,
    );
  return tf;
}

export interface Gap {
  /** Open time of the first missing candle. */
  fromMs: number;
  /** Open time of the next candle present. */
  toMs: number;
  missing: number;
}

/** Missing candles in a series (exchange maintenance, an outage): where and how many. */
export function findGaps(candles: readonly Candle[], tf: Timeframe): Gap[] {
  const step = TIMEFRAME_MS[tf];
  const gaps: Gap[] = [];
  for (let i = 1; i < candles.length; i++) {
    const d = candles[i]!.time - candles[i - 1]!.time;
    if (d > step) gaps.push({ fromMs: candles[i - 1]!.time + step, toMs: candles[i]!.time, missing: d / step - 1 });
  }
  return gaps;
}
