/**
 * The candle store's own rules, on a SQLite database and real replay
 * candles: stored series are pruned by count and age; when the market's clock
 * goes back (the sandbox replay looped to its start), the old series are
 * dropped and seeded again instead of hiding every new tick as late; a live
 * candle wins over seeded history of the same bucket.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import {
  CandleHistory,
  closedWithGapsFilled,
  tokenBySymbol,
  type CandleHistorySource,
  type MarketClock,
} from '../../../engine/market';
import { openDatabase, Store } from '../../../engine/store';
import { candles5m } from './data';

const SOL = tokenBySymbol('SOL')!;
const FIVE_MIN = 300_000;
const HOUR = 3_600_000;

/** A market clock the test moves by hand (as the sandbox replay would, looping included). */
class ScriptedMarket implements MarketClock {
  readonly kind = 'replay' as const;
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  speed(): number {
    return 60;
  }
  async sync(): Promise<void> {}
}

/** The replay's real SOL candles, as the sandbox's /sandbox/candles serves them (closed by market now). */
function replaySource(market: MarketClock): CandleHistorySource & { calls: number } {
  const all = candles5m('SOLUSDT');
  const src = {
    name: 'seed:replay',
    calls: 0,
    history: async (req: { mint: string; from: number; to: number }) => {
      src.calls++;
      if (req.mint !== SOL.mint) return null;
      const rows = all.filter((c) => c.time >= req.from && c.time < req.to && c.time + FIVE_MIN <= market.now());
      return { source: 'seed:replay', candles: closedWithGapsFilled(rows, '5m', req.from, req.to, market.now()) };
    },
  };
  return src;
}

function setup(start: number, opts: { maxCandles?: number; seedWindowMs?: number; maxAgeMs?: number } = {}) {
  const store = new Store(openDatabase(':memory:', { nowIso: '2026-01-01T00:00:00Z' }));
  const market = new ScriptedMarket(start);
  const source = replaySource(market);
  const h = new CandleHistory({
    network: 'sandbox',
    repo: store.candles,
    market,
    clock: new ManualClock(0),
    source,
    log: silentLogger,
    ...opts,
  });
  return { store, market, source, h };
}

describe('candle store', () => {
  it('starts again when the market clock goes back (the replay looped): old series dropped, history seeded anew', async () => {
    const { store, market, source, h } = setup(Date.UTC(2021, 6, 10));
    await h.seed([SOL.mint]);
    expect(h.builder.closed(SOL.mint, '1h').at(-1)!.time).toBe(Date.UTC(2021, 6, 9, 23));
    // The replay loops to a week and a day into its data.
    market.t = Date.UTC(2020, 11, 9);
    h.cycle([{ mint: SOL.mint, usd: 1.6 }]);
    await h.seed([SOL.mint]);
    expect(source.calls).toBe(2);
    const hours = h.builder.closed(SOL.mint, '1h');
    expect(hours.at(-1)!.time).toBe(Date.UTC(2020, 11, 8, 23));
    expect(hours.every((c) => c.time < Date.UTC(2021, 0, 1))).toBe(true);
    expect(h.stored(SOL.mint, '5m', 5000).every((c) => c.time < Date.UTC(2021, 0, 1))).toBe(true);
    // Ticks are taken again: the forming candle is at the new market time.
    expect(h.builder.current(SOL.mint, '1m')!.time).toBe(Date.UTC(2020, 11, 9));
    store.close();
  });

  it('keeps at most maxCandles per series, and a live candle replaces a seeded one of the same bucket', async () => {
    const { store, market, h } = setup(Date.UTC(2021, 1, 1), { maxCandles: 50, seedWindowMs: 10 * HOUR });
    await h.seed([SOL.mint]);
    expect(h.stored(SOL.mint, '5m', 5000).length).toBe(50);
    expect(h.stored(SOL.mint, '1h', 5000).length).toBe(10);
    expect(h.builder.closed(SOL.mint, '5m').length).toBe(50);
    // The forming 1h bucket (seeded partly) closes live.
    store.candles.putSeed('sandbox', SOL.mint, '1h', [
      { time: market.t, open: 1, high: 1, low: 1, close: 1, volume: 0, source: 'seed:replay', gap: false },
    ]);
    h.cycle([{ mint: SOL.mint, usd: 5 }]);
    market.t += HOUR;
    h.cycle([{ mint: SOL.mint, usd: 6 }]);
    const last = h.stored(SOL.mint, '1h', 5000).find((c) => c.time === Date.UTC(2021, 1, 1))!;
    expect([last.source, last.open, last.close]).toEqual(['live', 5, 5]);
    store.close();
  });

  it('drops stored candles older than maxAgeMs (market time)', async () => {
    const { store, h } = setup(Date.UTC(2021, 1, 1), { seedWindowMs: 2 * 24 * HOUR, maxAgeMs: 24 * HOUR });
    await h.seed([SOL.mint]);
    const hours = h.stored(SOL.mint, '1h', 5000);
    expect(hours.length).toBe(24);
    expect(hours[0]!.time).toBe(Date.UTC(2021, 0, 31));
    store.close();
  });
});
