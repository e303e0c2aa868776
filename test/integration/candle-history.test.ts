/**
 * Issue 11 item 1 on real parts: an engine on a SQLite file, its sandbox
 * (LiteSVM, the replay behind real HTTP). History is seeded from the replay on
 * the replay's market clock, live candles are bucketed on that same clock (no
 * 60x mismatch), every candle is stored as it closes, and a restart brings
 * the same candles back, so the strategies' warm-up count carries on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/kernel/clock';
import { TIMEFRAME_MS, tokenBySymbol } from '../../engine/market';
import type { Engine, Funds } from '../../engine/runtime';
import { TradingLoop } from '../../engine/runtime/loop';
import { FRESH_MARKET_START } from '../../engine/sandbox';
import { silentLogger } from '../../engine/kernel/logger';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';
import { candles5m } from '../unit/market/data';

const SOL = tokenBySymbol('SOL')!;
const WETH = tokenBySymbol('WETH')!;
const FIVE_MIN = TIMEFRAME_MS['5m'];
const HOUR = TIMEFRAME_MS['1h'];
/** The sandbox's default speed: 60 market ms per clock ms. */
const SPEED = 60;

let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));

async function open(): Promise<void> {
  engine = openEngine(dir.dir, { clock });
  funds = await engine.funds();
  await funds.candlesReady();
}

beforeAll(async () => {
  dir = tempDataDir('hv-candles-');
  await open();
}, 60_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

describe('candle history on the sandbox', () => {
  it("is seeded from the replay at start, on the replay's clock, with enough for every strategy's warm-up", async () => {
    expect(funds.candleHistory.timeKind).toBe('replay');
    // A fresh sandbox starts a week and a day into its data; the market's now is the replay's.
    expect(funds.marketNow()).toBe(FRESH_MARKET_START);
    const sol5m = funds.candleHistory.stored(SOL.mint, '5m', 2000);
    // Exactly the replay's real 5m candles: same open times, same prices, up to the market's now.
    const real = new Map(candles5m('SOLUSDT').map((c) => [c.time, c]));
    // Seven days of 5m candles, of which the newest 2000 are kept per series.
    expect(sol5m.length).toBe(2000);
    for (const c of sol5m) {
      const r = real.get(c.time)!;
      expect(r, `replay candle at ${new Date(c.time).toISOString()}`).toBeDefined();
      expect([c.open, c.high, c.low, c.close, c.volume]).toEqual([r.open, r.high, r.low, r.close, r.volume]);
      expect(c.source).toBe('seed:replay');
    }
    expect(sol5m.at(-1)!.time + FIVE_MIN).toBe(FRESH_MARKET_START);
    // 1h: 168 closed candles, more than trend's 78-candle warm-up at its default timeframe.
    expect(funds.candles.closed(SOL.mint, '1h').length).toBe(168);
    expect(funds.candles.closed(WETH.mint, '1h').length).toBe(168);
    // The command the charts call has the history at once.
    const r = await engine.execute('market.candles', { token: 'SOL', timeframe: '1h', limit: 300 });
    expect(r.timeKind).toBe('replay');
    expect(r.candles.length).toBe(168);
    expect(r.candles[0]!.time).toBe(FRESH_MARKET_START - 7 * 24 * HOUR);
    // Seeded history carries the source's volume (the replay counts SOL), an optional field: old readers ignore it.
    const stored = funds.candleHistory.stored(SOL.mint, '1h', 300);
    expect(r.candles[0]).toMatchObject({ volume: stored[0]!.volume, volumeIn: 'token' });
    expect(r.candles[0]!.volume).toBeGreaterThan(0);
  });

  it('builds live candles on market time: one 5m candle per 5 s of clock at speed 60', async () => {
    const loop = new TradingLoop(() => engine.funds(), clock, silentLogger, 1_000);
    const before5m = funds.candleHistory.stored(SOL.mint, '5m', 5000).length;
    const before1h = funds.candles.closed(SOL.mint, '1h').length;
    // 2 market hours = 2 wall minutes at speed 60: 24 cycles, one every 5 s of clock.
    for (let i = 0; i < 25; i++) {
      await loop.runCycle();
      clock.advance(FIVE_MIN / SPEED);
    }
    const sol5m = funds.candleHistory.stored(SOL.mint, '5m', 5000);
    const live = sol5m.filter((c) => c.source === 'live');
    // On wall time these 2 minutes would have closed no 5m candle; on market time they close 24.
    expect(live.length).toBe(24);
    expect(sol5m.length).toBe(before5m + 24);
    expect(live[0]!.time).toBe(FRESH_MARKET_START);
    for (let i = 1; i < live.length; i++) expect(live[i]!.time - live[i - 1]!.time).toBe(FIVE_MIN);
    // The live candles follow the replayed market: each opens at the replay candle's open (ticks fall on bucket starts).
    const real = new Map(candles5m('SOLUSDT').map((c) => [c.time, c]));
    for (const c of live) expect(c.open).toBeCloseTo(real.get(c.time)!.open, 2);
    // Live candles are built from prices: no volume is claimed for them (omitted, not 0).
    const listed = await engine.execute('market.candles', { token: 'SOL', timeframe: '5m', limit: 30 });
    const liveListed = listed.candles.filter((c) => c.source === 'live');
    expect(liveListed.length).toBeGreaterThan(0);
    for (const c of liveListed) expect(c).not.toHaveProperty('volume');
    expect(funds.candles.closed(SOL.mint, '1h').length).toBe(before1h + 2);
  });

  it('keeps every candle across a restart, and the warm-up count carries on', async () => {
    const before = {
      sol5m: funds.candleHistory.stored(SOL.mint, '5m', 1900),
      sol1m: funds.candleHistory.stored(SOL.mint, '1m', 5000),
      sol1h: funds.candles.closed(SOL.mint, '1h').map((c) => c.time),
      eth1h: funds.candles.closed(WETH.mint, '1h').length,
      market: funds.marketNow(),
    };
    expect(before.sol1m.length).toBeGreaterThan(20);
    await engine.close();
    clock.advance(10 * 60_000); // ten minutes down: the sandbox's market does not move meanwhile
    await open();
    // The replay continues where it stopped (its position is saved), so the market's now is where it was.
    expect(Math.abs(funds.marketNow() - before.market)).toBeLessThan(FIVE_MIN);
    // Every candle stored before is there unchanged (live ones stay live); the one that was forming
    // at the stop has closed on the market's clock since, and is seeded from the replay.
    for (const [tf, list] of [
      ['5m', before.sol5m],
      ['1m', before.sol1m],
    ] as const) {
      const after = new Map(funds.candleHistory.stored(SOL.mint, tf, 5000).map((c) => [c.time, c]));
      for (const c of list) expect(after.get(c.time), `${tf} ${new Date(c.time).toISOString()}`).toEqual(c);
    }
    expect(funds.candles.closed(SOL.mint, '1h').map((c) => c.time)).toEqual(before.sol1h);
    expect(funds.candles.closed(SOL.mint, '1m').length).toBe(before.sol1m.length);
    const loop = new TradingLoop(() => engine.funds(), clock, silentLogger, 1_000);
    for (let i = 0; i < 13; i++) {
      await loop.runCycle();
      clock.advance(FIVE_MIN / SPEED);
    }
    expect(funds.candles.closed(SOL.mint, '1h').length).toBe(before.sol1h.length + 1);
    expect(funds.candles.closed(WETH.mint, '1h').length).toBe(before.eth1h + 1);
  });
});
