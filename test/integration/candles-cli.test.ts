/**
 * Issue 11 item 1 from the command line: `harvest candles TOKEN` on a fresh
 * data folder prints history at once (seeded from the sandbox's replay, in
 * replay time), as a table with sensible decimals and where each candle came
 * from; `--json` gives the same candles with their source and gap marks.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatCandles, priceDecimals } from '../../engine/cli/candle-format';
import { candles5m } from '../unit/market/data';
import { describeRun, hv, ok, useDataDirs } from './support';

const newDir = useDataDirs();
const HOUR = 3_600_000;
/** A fresh sandbox's market now (engine/sandbox FRESH_MARKET_START). */
const FRESH = Date.UTC(2020, 11, 9);

describe('harvest candles', () => {
  it('prints seeded history on a fresh data folder, in replay time, with --json alike', async () => {
    const dir = newDir();
    const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
    const json = ok<{ timeKind: string; candles: { time: number; close: number; source: string; gap: boolean }[] }>(
      await hv(dir, ['--json', 'candles', 'SOL', '--timeframe', '1h', '--limit', '100'], { env }),
    );
    expect(json.timeKind).toBe('replay');
    expect(json.candles.length).toBe(100);
    expect(json.candles.every((c) => c.source === 'seed:replay' && c.gap === false)).toBe(true);
    expect(json.candles.at(-1)!.time).toBe(FRESH - HOUR);
    // The last 1h close is the replay's last 5m close of that hour.
    const real = candles5m('SOLUSDT').find((c) => c.time === FRESH - 5 * 60_000)!;
    expect(json.candles.at(-1)!.close).toBe(real.close);

    const text = await hv(dir, ['candles', 'sol', '--limit', '3'], { env });
    expect(text.code, describeRun(text)).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      "SOL/USD · 1h · 3 candle(s). Times are the sandbox replay's market time (UTC), not today's date.",
    );
    expect(lines[1]).toMatch(/^time \(UTC\)\s+open\s+high\s+low\s+close\s+source$/u);
    expect(lines.slice(2).map((l) => l.slice(0, 16))).toEqual([
      '2020-12-08 21:00',
      '2020-12-08 22:00',
      '2020-12-08 23:00',
    ]);
    expect(lines[4]).toContain(real.close.toFixed(4));
    expect(lines[4]).toMatch(/replay history$/u);
  }, 60_000);
});

describe('candle table', () => {
  it('uses one precision per table, chosen from the price, and marks gaps and the forming candle', () => {
    expect([priceDecimals(43_210.5), priceDecimals(123.4), priceDecimals(1.9641), priceDecimals(0.00001234)]).toEqual([
      2, 3, 4, 8,
    ]);
    const out = formatCandles({
      token: 'BONK',
      timeframe: '5m',
      timeKind: 'wall',
      candles: [
        {
          time: Date.UTC(2026, 0, 1, 10, 0),
          open: 0.00001952,
          high: 0.00004,
          low: 0.00001952,
          close: 0.00003166,
          source: 'seed:geckoterminal',
          gap: false,
        },
        {
          time: Date.UTC(2026, 0, 1, 10, 5),
          open: 0.00003166,
          high: 0.00003166,
          low: 0.00003166,
          close: 0.00003166,
          source: 'seed:geckoterminal',
          gap: true,
        },
        {
          time: Date.UTC(2026, 0, 1, 10, 10),
          open: 0.00003166,
          high: 0.00003167,
          low: 0.00002867,
          close: 0.00002959,
          source: 'forming',
          gap: false,
        },
      ],
    });
    expect(out.split('\n')).toEqual([
      'BONK/USD · 5m · 3 candle(s) (1 gap(s)). Times are UTC.',
      'time (UTC)              open        high         low       close  source',
      '2026-01-01 10:00  0.00001952  0.00004000  0.00001952  0.00003166  GeckoTerminal history',
      '2026-01-01 10:05  0.00003166  0.00003166  0.00003166  0.00003166  GeckoTerminal history, gap: no trades, flat at the previous close',
      '2026-01-01 10:10  0.00003166  0.00003167  0.00002867  0.00002959  forming',
    ]);
  });
});
