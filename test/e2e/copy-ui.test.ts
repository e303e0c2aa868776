/**
 * Issue 16, the Copy panel in a real browser (Chromium via playwright-core)
 * against a real `harvest serve` on the sandbox: a friend follows another
 * friend from the Strategy tab, the leader trades, and the copy shows as
 * copied; following the sandbox whale is one click; unfollowing empties the
 * list. The UI calls the same API contract as the CLI.
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
  dir = tempDataDir('hv-copy-ui-');
  ({ child, url } = await startServe(dir.dir, ENV, 1));
  await harvest('user', 'add', 'lea');
  await harvest('user', 'add', 'fay');
  await harvest('wallet', 'create', 'lea');
  await harvest('wallet', 'create', 'fay');
  await harvest('faucet', 'lea', '--sol', '5', '--token', 'USDC', '--amount', '1000');
  await harvest('settings', 'lea', 'set', 'mode', 'live', '--confirm');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopServe(child);
  dir?.cleanup();
});

describe('the Copy panel', () => {
  it('follows a friend from the Strategy tab, shows the copied trade with its outcome, and unfollows', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.locator('[data-user-name="fay"]').click();
    await page.getByTestId('tab-strategy').click();
    await page.getByTestId('copy-panel').waitFor();
    expect(await page.getByTestId('copy-panel').textContent()).toMatch(/Not following anyone/u);

    // Validation before anything is sent: an amount that is not a number disables Follow.
    await page.getByTestId('copy-leader').fill('lea');
    await page.getByTestId('copy-amount').fill('abc');
    expect(await page.getByTestId('copy-follow').isDisabled()).toBe(true);
    await page.getByTestId('copy-amount').fill('20');
    await page.getByTestId('copy-follow').click();
    await expect
      .poll(() => page.getByTestId('copy-follows').textContent(), { timeout: 10_000 })
      .toMatch(/lea.*\$20 per trade/u);

    // A leader that is no one: the engine's words, shown in the form.
    await page.getByTestId('copy-leader').fill('zed');
    await page.getByTestId('copy-follow').click();
    await expect
      .poll(() => page.getByTestId('copy-error').textContent())
      .toMatch(/neither a friend's name nor a Solana address/u);

    // The sandbox whale is one click away.
    await page.getByTestId('copy-whale').click();
    expect(await page.getByTestId('copy-leader').inputValue()).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/u);

    await harvest('order', 'lea', 'buy', 'WETH', '50');
    await expect
      .poll(
        () =>
          page
            .getByTestId('copy-trades')
            .textContent()
            .catch(() => ''),
        { timeout: 30_000, interval: 1_000 },
      )
      .toMatch(/lea.*BUY.*WETH.*copied/isu);
    await page.getByTestId('copy-panel').screenshot({ path: join(ARTIFACTS, 'copy-panel.png') });
    const trades = JSON.parse(await harvest('--json', 'trades', 'fay')) as { trades: { context: string }[] };
    expect(trades.trades.map((t) => t.context)).toEqual(['copy']);

    await page.locator('[data-testid^="copy-unfollow-"]').first().click();
    await expect.poll(() => page.getByTestId('copy-panel').textContent()).toMatch(/Not following anyone/u);
    await page.close();
  }, 90_000);
});
