import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCandlesFile } from '../../engine/market';
import { STRATEGY_IDS } from '../../engine/strategy';
import { runBacktest, type BacktestOptions } from '../../engine/runtime/backtest';
import { REPO_ROOT } from '../helpers/cli';

const SOL_1H = loadCandlesFile(join(REPO_ROOT, 'test/fixtures/market/SOLUSDT-1h-binance-2020-12_2021-07.csv.gz'));
const FROM = Date.UTC(2021, 0, 1);
const TO = Date.UTC(2021, 1, 1);
const dirs: string[] = [];
/** The hourly settings this month was first measured with (the defaults are 5-minute ones now). */
const HOURLY_TREND = { timeframe: '1h', fastPeriod: 12, slowPeriod: 26 };

function options(): BacktestOptions {
  const parent = mkdtempSync(join(tmpdir(), 'hv-bt-'));
  dirs.push(parent);
  return {
    dataDir: join(parent, 'data'),
    token: 'SOL',
    timeframe: '1h',
    candles: SOL_1H.filter((c) => c.time < TO),
    fromMs: FROM,
    toMs: TO,
    users: [
      { name: 'trend', strategy: 'trend', params: HOURLY_TREND, startUsd: 10_000 },
      { name: 'reversion', strategy: 'mean-reversion', params: { timeframe: '1h' }, startUsd: 10_000 },
      { name: 'dca', strategy: 'dca', params: { timeframe: '1h', intervalHours: 24 }, startUsd: 10_000 },
      // A small friend: trend entries used to ask for maxOrderUsd × sizeHint ($500) and were refused; now they are
      // sized to a quarter of equity (the moderate preset), so this friend trades too (issue #9, item 5).
      { name: 'small', strategy: 'trend', params: HOURLY_TREND, startUsd: 60 },
    ],
  };
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the trading loop on a virtual clock (backtest)', () => {
  it('runs 3 users with different strategies over a month of real SOL candles, deterministically', async () => {
    const first = await runBacktest(options());
    const second = await runBacktest(options());

    // A month of hourly candles, one cycle each (gaps in the data skip cycles).
    expect(first.cycles).toBeGreaterThan(700);
    for (const name of ['trend', 'reversion', 'dca', 'small']) {
      expect(first.users.find((u) => u.name === name)!.trades, `${name} traded`).toBeGreaterThan(0);
    }
    // DCA buys on every interval; the others trade far less often.
    const byUser = (n: string) => first.trades.filter((t) => t.user === n);
    expect(byUser('dca').filter((t) => t.side === 'buy').length).toBeGreaterThanOrEqual(28);
    expect(byUser('trend').every((t) => t.context === 'strategy' || t.context === 'exit')).toBe(true);
    // Trend following enters and leaves several times in a month (crossovers and stop-losses both close positions).
    expect(byUser('trend').filter((t) => t.side === 'buy').length).toBeGreaterThanOrEqual(3);
    expect(byUser('trend').filter((t) => t.side === 'sell').length).toBeGreaterThanOrEqual(3);
    expect(first.trades.some((t) => t.context === 'exit')).toBe(true);
    // The small friend's entries are the same signals as the large trend friend's, sized to what $60 allows.
    const smallBuys = byUser('small').filter((t) => t.side === 'buy' && t.context === 'strategy');
    expect(smallBuys.length).toBeGreaterThanOrEqual(1);
    for (const t of smallBuys) expect(BigInt(t.quoteAmount)).toBeLessThanOrEqual(60_000_000n);
    // Same inputs, identical trades, to the base unit and the millisecond.
    expect(second.trades).toEqual(first.trades);
    expect(second.users).toEqual(first.users);
  });
});

describe('the defaults through the real loop (5-minute candles)', () => {
  const SOL_5M = loadCandlesFile(join(REPO_ROOT, 'resources/market/SOLUSDT-5m-binance-2020-12_2021-07.csv.gz'));
  const DAY = 86_400_000;

  // Two different days (a quiet New Year's Day; the first day of the May top), one user per built-in strategy
  // with default parameters and the history before the day as warm-up. Each one fills at least one order.
  for (const from of [Date.UTC(2021, 0, 1), Date.UTC(2021, 4, 1)]) {
    it(`every built-in strategy trades on its defaults within a day from ${new Date(from).toISOString().slice(0, 10)}`, async () => {
      const parent = mkdtempSync(join(tmpdir(), 'hv-bt5-'));
      dirs.push(parent);
      const r = await runBacktest({
        dataDir: join(parent, 'data'),
        token: 'SOL',
        timeframe: '5m',
        candles: SOL_5M.filter((c) => c.time >= from - 2 * DAY && c.time < from + DAY),
        fromMs: from,
        toMs: from + DAY,
        users: STRATEGY_IDS.map((id) => ({ name: id, strategy: id, startUsd: 10_000 })),
      });
      expect(r.cycles).toBeGreaterThan(280);
      for (const id of STRATEGY_IDS) {
        const mine = r.trades.filter((t) => t.user === id);
        expect(mine.filter((t) => t.side === 'buy').length, `${id} bought`).toBeGreaterThanOrEqual(1);
      }
      // DCA's default buys every 4 hours: 6 times a day, $25 each.
      const dca = r.trades.filter((t) => t.user === 'dca');
      expect(dca).toHaveLength(6);
      for (const t of dca) expect(t.quoteAmount).toBe('25000000');
    });
  }
});
