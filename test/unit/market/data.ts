import { join } from 'node:path';
import { loadCandlesFile } from '../../../engine/market/history';
import type { Candle } from '../../../engine/market/types';

/** The 5m files the sandbox ships, and the 1h copies in test/fixtures/market (see its README). */
const REPO = join(import.meta.dirname, '..', '..', '..');
export const RESOURCES_MARKET = join(REPO, 'resources', 'market');
export const FIXTURES_MARKET = join(REPO, 'test', 'fixtures', 'market');

export type Pair = 'SOLUSDT' | 'ETHUSDT' | 'BTCUSDT';
export const PAIRS: readonly Pair[] = ['SOLUSDT', 'ETHUSDT', 'BTCUSDT'];

const cache = new Map<string, Candle[]>();

function load(path: string): Candle[] {
  let c = cache.get(path);
  if (!c) {
    c = loadCandlesFile(path);
    cache.set(path, c);
  }
  return c;
}

export function candles5m(pair: Pair): Candle[] {
  return load(join(RESOURCES_MARKET, `${pair}-5m-binance-2020-12_2021-07.csv.gz`));
}

export function candles1h(pair: Pair): Candle[] {
  return load(join(FIXTURES_MARKET, `${pair}-1h-binance-2020-12_2021-07.csv.gz`));
}

/** Candles opening in [from, to) (UTC ms). */
export function between(candles: readonly Candle[], from: number, to: number): Candle[] {
  return candles.filter((c) => c.time >= from && c.time < to);
}
