/**
 * Issue 13, the Backtest screen in a real browser (Chromium via playwright-core)
 * against a real `harvest serve`: choose a strategy, its settings, tokens and
 * period, run with a progress bar, and read the report (charts, metrics,
 * trades); the run is saved and two runs compare side by side; the optimiser
 * runs, its results sort, and "Apply to friend" asks first and then changes the
 * friend's strategy (a new settings version).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHarvest } from '../helpers/cli';
import { ARTIFACTS, assertE2eReady, launchChromium, startServe, stopServe } from '../helpers/e2e';
import { tempDataDir } from '../helpers/datadir';

const ENV: NodeJS.ProcessEnv = {
  HARVEST_MASTER_KEY: randomBytes(32).toString('hex'),
  HARVEST_FAULT: undefined,
  HARVEST_DATA_DIR: undefined,
  HARVEST_LOG_LEVEL: 'warn',
};

let dir: { dir: string; cleanup: () => void };
let child: ChildProcess | null = null;
let url = '';
let browser: Browser | null = null;

const harvest = async (...args: string[]): Promise<string> => {
  const r = await runHarvest(['--data-dir', dir.dir, ...args], { env: ENV, input: '\n' });
  if (r.code !== 0) throw new Error(`harvest ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

beforeAll(async () => {
  assertE2eReady();
  dir = tempDataDir('hv-backtest-ui-');
  await harvest('user', 'add', 'ana');
  ({ child, url } = await startServe(dir.dir, ENV, 5));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopServe(child);
  dir?.cleanup();
});

describe('the Backtest screen', () => {
  it('runs a backtest and shows its report, compares saved runs, and applies an optimised set to a friend', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(url);
    await page.getByTestId('nav-backtest').click();
    await page.getByTestId('backtest-screen').waitFor();
    await page.getByTestId('backtest-strategy-trend').click();
    await page.getByTestId('backtest-param-timeframe').locator('select').selectOption('1h');

    // Validation before anything is sent.
    await page.getByTestId('backtest-capital').fill('-5');
    expect(await page.getByTestId('backtest-run').isDisabled()).toBe(true);
    await page.getByTestId('backtest-capital').fill('2000');
    await page.getByTestId('backtest-token-WETH').click();
    await page.getByTestId('backtest-from').fill('2021-01-01');
    await page.getByTestId('backtest-to').fill('2021-03-01');
    await page.screenshot({ path: join(ARTIFACTS, 'backtest-form.png') });
    await page.getByTestId('backtest-run').click();

    await page.getByTestId('backtest-report').waitFor({ timeout: 60_000 });
    const report = page.getByTestId('backtest-report');
    expect(Number(await page.getByTestId('backtest-trade-count').textContent())).toBeGreaterThan(0);
    const metrics = await page.getByTestId('backtest-metrics').textContent();
    for (const label of ['Total return', 'Buy and hold', 'CAGR', 'max drawdown', 'Sharpe', 'Sortino', 'Profit factor'])
      expect(metrics).toContain(label);
    expect(await page.getByTestId('backtest-trades').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('backtest-price-chart').locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('backtest-equity-chart').locator('canvas').count()).toBeGreaterThan(0);
    // Human words only: no raw JSON, no base units.
    expect(await report.textContent()).not.toMatch(/[{}]|lamports|bps/u);
    await report.screenshot({ path: join(ARTIFACTS, 'backtest-report.png') });

    // The JSON download is the saved run.
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('backtest-export-json').click()]);
    expect(file.suggestedFilename()).toBe('backtest-1.json');

    // A second run with another setting, then the two side by side.
    await page.getByTestId('backtest-input-fastPeriod').fill('5');
    await page.getByTestId('backtest-run').click();
    await page.getByTestId('backtest-saved-2').waitFor({ timeout: 60_000 });
    await page.getByTestId('backtest-compare-1').check();
    await page.getByTestId('backtest-compare-2').check();
    const comparison = await page.getByTestId('backtest-comparison').textContent();
    expect(comparison).toMatch(/Total return.*Sharpe ratio/su);
    await page.getByTestId('backtest-saved').screenshot({ path: join(ARTIFACTS, 'backtest-saved.png') });

    // The optimiser: progress, results with training and test columns, sortable.
    await page.getByTestId('optimise-samples').fill('6');
    await page.getByTestId('optimise-run').click();
    await page.getByTestId('optimise-results').waitFor({ timeout: 120_000 });
    const header = await page.getByTestId('optimise-results').locator('thead').textContent();
    expect(header).toMatch(/Training return.*Test Sharpe/su);
    await page.getByTestId('optimise-sort-oos-return').click();
    const returns = await page.getByTestId('optimise-results').locator('tbody tr td:nth-child(4)').allTextContents();
    const values = returns.map((t) => Number(t.replace(/[^\d.−-]/gu, '').replace('−', '-')));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await page.getByTestId('backtest-optimiser').screenshot({ path: join(ARTIFACTS, 'backtest-optimiser.png') });

    // Apply to friend asks first; cancelling changes nothing, confirming sets ana's strategy.
    const before = JSON.parse(await harvest('--json', 'settings', 'ana')) as { version: number };
    await page.getByTestId('optimise-apply-0').click();
    await page.getByTestId('confirm-dialog').waitFor();
    expect(await page.getByTestId('confirm-dialog').textContent()).toMatch(/Use these settings for ana\?/u);
    await page.getByTestId('confirm-cancel').click();
    await page.getByTestId('optimise-apply-0').click();
    await page.getByTestId('confirm-ok').click();
    await expect
      .poll(async () => (JSON.parse(await harvest('--json', 'settings', 'ana')) as { version: number }).version)
      .toBe(before.version + 1);
    const after = JSON.parse(await harvest('--json', 'settings', 'ana')) as {
      settings: { strategy: { id: string; tokens: string[] } };
    };
    expect(after.settings.strategy.id).toBe('trend');
    expect(after.settings.strategy.tokens).toEqual(['SOL', 'WETH']);
    await page.close();
  }, 240_000);
});
