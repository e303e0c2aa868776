import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledCandles } from '../../engine/backtest';
import { main } from '../../engine/cli/main';

const parent = mkdtempSync(join(tmpdir(), 'hv-btcli-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));
const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
const dataDir = join(parent, 'data');

async function harvest(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--data-dir', dataDir, ...args], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    secrets: { next: () => Promise.reject(new Error('no secrets here')) },
    env,
  });
  return { code, out, err };
}

describe('harvest backtest', () => {
  it('runs, saves, lists, compares and exports a backtest; imported klines report their gaps', async () => {
    const first = await harvest(
      'backtest',
      '--strategy',
      'trend',
      '--tokens',
      'SOL',
      '--timeframe',
      '1h',
      '--from',
      '2021-01-01',
      '--to',
      '2021-03-01',
      '--param',
      'fastPeriod=9',
      '--param',
      'takeProfitR=3',
      '--capital',
      '5000',
      '--json',
    );
    expect(first.code, first.err).toBe(0);
    const r = JSON.parse(first.out) as {
      id: number;
      report: {
        params: Record<string, unknown>;
        metrics: { tradeCount: number; endEquityUsd: number; startEquityUsd: number; totalReturnPct: number };
        trades: { side: string; pnlUsd: number | null }[];
        equity: { equity: number; hold: number }[];
      };
    };
    expect(r.id).toBe(1);
    expect(r.report.params).toMatchObject({ fastPeriod: 9, takeProfitR: 3, timeframe: '1h' });
    expect(r.report.metrics.tradeCount).toBe(r.report.trades.length);
    expect(r.report.trades.length).toBeGreaterThan(5);
    expect(r.report.metrics.startEquityUsd).toBe(5000);
    expect(r.report.equity.at(-1)!.equity).toBeCloseTo(r.report.metrics.endEquityUsd, 1);
    expect(r.report.metrics.totalReturnPct).toBeCloseTo((r.report.metrics.endEquityUsd / 5000 - 1) * 100, 6);

    const human = await harvest(
      'backtest',
      '--strategy',
      'mean-reversion',
      '--tokens',
      'SOL,ETH',
      '--from',
      '2021-02-01',
      '--to',
      '2021-03-01',
      '--risk',
      'aggressive',
      '--slippage-bps',
      '10',
    );
    expect(human.code, human.err).toBe(0);
    expect(human.out).toContain('Backtest #2: mean-reversion on SOL, WETH');
    expect(human.out).toMatch(/Max drawdown/u);

    const bad = await harvest(
      'backtest',
      '--strategy',
      'trend',
      '--tokens',
      'SOL',
      '--from',
      '2021-01-01',
      '--to',
      '2021-02-01',
      '--param',
      'fastPeriod=500',
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/fastPeriod/u);

    const list = JSON.parse((await harvest('backtest', 'list', '--json')).out) as { runs: { id: number }[] };
    expect(list.runs.map((x) => x.id)).toEqual([1, 2]);
    const cmp = await harvest('backtest', 'compare', '1', '2');
    expect(cmp.out).toMatch(/#1\s+#2/u);
    expect(cmp.out).toContain('Sharpe');

    const csvFile = join(parent, 'trades.csv');
    expect((await harvest('backtest', 'export', '1', '--format', 'csv', '--out', csvFile)).code).toBe(0);
    const lines = readFileSync(csvFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('time,token,side,context,amount,value_usd,price,pnl_usd,reason');
    expect(lines.length - 1).toBe(r.report.trades.length);
    const exported = JSON.parse((await harvest('backtest', 'export', '1', '--format', 'json')).out) as {
      report: unknown;
    };
    expect(exported.report).toEqual(r.report);

    // Binance klines (no header, open time in microseconds as in newer files), with six hours missing.
    const sol = bundledCandles('SOL').candles.filter(
      (c) => c.time >= Date.UTC(2021, 0, 1) && c.time < Date.UTC(2021, 0, 11),
    );
    const hole = (t: number) => t >= Date.UTC(2021, 0, 5) && t < Date.UTC(2021, 0, 5, 6);
    const klines = sol
      .filter((c) => !hole(c.time))
      .map((c) =>
        [c.time * 1000, c.open, c.high, c.low, c.close, c.volume, c.time * 1000 + 299_999_999, 0, 0, 0, 0, 0].join(','),
      )
      .join('\n');
    const file = join(parent, 'SOLUSDT-5m.csv');
    writeFileSync(file, klines);
    const imported = await harvest(
      'backtest',
      '--strategy',
      'trend',
      '--tokens',
      'SOL',
      '--timeframe',
      '5m',
      '--from',
      '2021-01-03',
      '--to',
      '2021-01-11',
      '--csv',
      `SOL=${file}`,
      '--no-save',
      '--json',
    );
    expect(imported.code, imported.err).toBe(0);
    const ir = JSON.parse(imported.out) as {
      id: null;
      report: { gaps: { token: string; fromMs: number; missing: number }[]; dataTimeframe: string };
    };
    expect(ir.id).toBeNull();
    expect(ir.report.dataTimeframe).toBe('5m');
    expect(ir.report.gaps).toEqual([
      { token: 'SOL', fromMs: Date.UTC(2021, 0, 5), toMs: Date.UTC(2021, 0, 5, 6), missing: 72 },
    ]);
  }, 60_000);

  it('says when the drawdown limit stopped new entries for the rest of the period, and takes none after it', async () => {
    const args = ['backtest', '--strategy', 'trend', '--tokens', 'SOL,WETH,WBTC', '--timeframe', '5m'];
    const period = ['--from', '2020-12-01', '--to', '2021-02-01', '--risk', 'moderate', '--no-save'];
    const json = await harvest(...args, ...period, '--json');
    expect(json.code, json.err).toBe(0);
    const r = (
      JSON.parse(json.out) as {
        report: {
          entriesStopped: { time: string; drawdownPct: number; limitPct: number } | null;
          trades: { time: string; side: string; context: string }[];
          rejected: Record<string, number>;
        };
      }
    ).report;
    expect(r.entriesStopped).not.toBeNull();
    const stop = r.entriesStopped!;
    expect(stop.limitPct).toBe(20);
    expect(stop.drawdownPct).toBeGreaterThanOrEqual(20);
    expect(r.rejected['MAX_DRAWDOWN']).toBeGreaterThan(0);
    const lastBuy = r.trades.filter((t) => t.side === 'buy').at(-1)!;
    expect(lastBuy.time <= stop.time).toBe(true);
    const human = await harvest(...args, ...period);
    expect(human.out).toContain(
      `New entries stopped on ${stop.time.slice(0, 10)} ${stop.time.slice(11, 16)} UTC: the account was ${stop.drawdownPct.toFixed(1)} % below its high-water mark, past the 20 % drawdown limit.`,
    );
  }, 60_000);

  it("optimise --apply-to asks for confirmation, then sets the friend's strategy and bumps the settings version", async () => {
    expect((await harvest('user', 'add', 'Ana')).code).toBe(0);
    const before = JSON.parse((await harvest('settings', 'Ana', '--json')).out) as { version: number };
    const args = [
      'optimise',
      '--strategy',
      'trend',
      '--tokens',
      'SOL',
      '--from',
      '2021-01-01',
      '--to',
      '2021-03-01',
      '--vary',
      'fastPeriod',
      '--samples',
      '3',
      '--workers',
      '1',
      '--apply-to',
      'Ana',
    ];
    const asked = await harvest(...args);
    expect(asked.code).toBe(1);
    expect(asked.err).toMatch(/Run it again with --confirm/u);
    expect((JSON.parse((await harvest('settings', 'Ana', '--json')).out) as { version: number }).version).toBe(
      before.version,
    );
    const done = await harvest(...args, '--confirm');
    expect(done.code, done.err).toBe(0);
    expect(done.out).toMatch(/Applied to Ana: trend with/u);
    const after = JSON.parse((await harvest('settings', 'Ana', '--json')).out) as {
      version: number;
      settings: { strategy: { id: string; enabled: boolean; params: Record<string, unknown> } };
    };
    expect(after.version).toBe(before.version + 1);
    expect(after.settings.strategy).toMatchObject({ id: 'trend', enabled: true });
    expect(typeof after.settings.strategy.params['fastPeriod']).toBe('number');
  }, 60_000);
});
