/**
 * The Strategy tab and the Overview say what each friend's strategy is doing
 * (issue #11, item 3), in a real Chromium on the real UI served by the host
 * over an engine whose strategies ran one cycle: a trade, a pause, a warm-up
 * and an entry below the minimum order. Screenshots go to test-artifacts/.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../engine/kernel/logger';
import { startHost, type Host } from '../../engine/host';
import type { Engine } from '../../engine/runtime';
import { REPO_ROOT } from '../helpers/cli';
import { seedStrategyScenario } from '../helpers/strategy-seed';

const RENDERER = join(REPO_ROOT, 'dist', 'renderer');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e');
const CHROMIUM = process.env['HARVEST_E2E_CHROMIUM'] ?? '/usr/bin/chromium';

let parent: string;
let engine: Engine;
let host: Host;
let browser: Browser;
let page: Page;
const id = (name: string): number => engine.users.resolve(name).id;

beforeAll(async () => {
  if (!existsSync(join(RENDERER, 'index.html'))) throw new Error('Run `npm run build:renderer` first.');
  mkdirSync(ARTIFACTS, { recursive: true });
  parent = mkdtempSync(join(tmpdir(), 'hv-strategy-ui-'));
  engine = await seedStrategyScenario(join(parent, 'd'), { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') });
  host = await startHost({ engine, port: 0, log: silentLogger, rendererDir: RENDERER });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await engine?.close();
  rmSync(parent, { recursive: true, force: true });
});

describe('what each strategy is doing, in the UI', () => {
  it('the Overview shows a headline per friend instead of "running"', async () => {
    await page.goto(host.url);
    const cell = (name: string) => page.getByTestId(`user-strategy-${id(name)}`);
    await expect.poll(() => cell('cy').textContent(), { timeout: 20_000 }).toBe('warming up 13/78');
    expect(await cell('ana').textContent()).toBe('last trade just now');
    expect(await cell('bo').textContent()).toBe('paused: entries stopped');
    expect(await cell('dee').textContent()).toBe('skipped: size below minimum');
    expect(await page.getByTestId('users-table').textContent()).not.toMatch(/running/u);
    await page.screenshot({ path: join(ARTIFACTS, 'strategy-overview.png'), fullPage: true });
  });

  it('the Strategy tab shows warm-up, values, last signal, last decision and the decision log', async () => {
    await page.goto(`${host.url}#/user/${id('dee')}/strategy`);
    const now = page.getByTestId('strategy-now-SOL');
    await expect.poll(() => now.textContent(), { timeout: 20_000 }).toMatch(/Warmed up \(2 candles\)/u);
    expect(await page.getByTestId('strategy-values-SOL').textContent()).toMatch(/close\s*1\.9\d+/u);
    expect(await now.textContent()).toMatch(/Last signal: buy on the 12:00 UTC, 1 Dec candle — DCA buy of \$500\.00/u);
    expect(await page.getByTestId('strategy-decision-SOL').textContent()).toMatch(
      /skipped: size below minimum.*below this user's limit of \$5\.00/u,
    );
    const log = page.getByTestId('strategy-log');
    expect(await log.locator('[data-code="SIZE_BELOW_MINIMUM"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'strategy-tab-skipped.png'), fullPage: true });

    await page.goto(`${host.url}#/user/${id('cy')}/strategy`);
    await expect
      .poll(() => page.getByTestId('strategy-warmup-SOL').textContent(), { timeout: 20_000 })
      .toMatch(/Warming up: 13 of 78 candles/u);
    await page.screenshot({ path: join(ARTIFACTS, 'strategy-tab-warming.png'), fullPage: true });
  });
});
