/**
 * Issue 18, item 3, in a real browser: `harvest serve` on a fresh data folder where
 * LiteSVM cannot load (HARVEST_TEST_NO_LITESVM=1 stands for Windows) runs the paper
 * sandbox; the header names it, a banner says what is missing and where the full
 * sandbox runs, and `harvest status` says the same. The paper faucet pays into the
 * paper account from the Wallet tab.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, assertE2eReady, e2eEnv, harvestOn, launchChromium, startServe, stopServe } from '../helpers/e2e';
import { tempDataDir } from '../helpers/datadir';

const ENV = e2eEnv({ HARVEST_TEST_NO_LITESVM: '1' });

let dir: { dir: string; cleanup: () => void };
let child: ChildProcess | null = null;
let url = '';
let browser: Browser | null = null;
const harvest = (...args: string[]): Promise<string> => harvestOn(dir.dir, ENV, ...args);

beforeAll(async () => {
  assertE2eReady();
  dir = tempDataDir('hv-paper-ui-');
  ({ child, url } = await startServe(dir.dir, ENV, 1));
  await harvest('user', 'add', 'ola');
  await harvest('wallet', 'create', 'ola');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopServe(child);
  dir?.cleanup();
});

describe('the paper sandbox in the UI and the CLI', () => {
  it('`harvest status` names the paper sandbox and what is missing', async () => {
    const out = await harvest('status');
    expect(out).toContain('Network:        Paper sandbox — prices replayed, no chain');
    expect(out).toMatch(/LiteSVM, which has no build for this computer/u);
    expect(out).toMatch(/runs on Linux \(x64, arm64\) and macOS \(Intel, Apple Silicon\)/u);
    expect(await harvest('network')).toContain('Network:   Paper sandbox — prices replayed, no chain');
    // `use` is `set`: choosing the network it is on already is accepted (the running engine restarts onto it).
    expect(await harvest('network', 'use', 'paper-sandbox', '--confirm')).toMatch(/now uses paper-sandbox/u);
  });

  it('the header names it, a banner says what is missing, and the faucet pays into the paper account', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    const badge = page.getByTestId('network-badge');
    await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toBe('Paper sandbox — prices replayed, no chain');
    const banner = page.getByTestId('paper-sandbox-banner');
    await banner.waitFor({ timeout: 30_000 });
    const text = (await banner.textContent()) ?? '';
    expect(text).toMatch(/LiteSVM, which has no build for this computer/u);
    expect(text).toMatch(/The full sandbox .* runs on Linux \(x64, arm64\) and macOS/u);
    await expect
      .poll(() => page.getByTestId('health-network').textContent(), { timeout: 30_000 })
      .toBe('Paper sandbox — prices replayed, no chain');
    await page.screenshot({ path: join(ARTIFACTS, 'paper-sandbox-header.png') });

    await page.locator('[data-user-name="ola"]').click();
    await page.getByTestId('tab-wallet').click();
    const faucet = page.getByTestId('faucet-panel');
    await faucet.waitFor();
    expect(await faucet.textContent()).toContain('Paper faucet');
    await page.getByTestId('faucet-sol-1').click();
    await page.getByText('added to the paper account').first().waitFor({ timeout: 30_000 });
    // The paper account panel on the same screen shows it without a reload.
    await expect
      .poll(
        () =>
          page
            .getByTestId('paper-balance-SOL')
            .textContent()
            .catch(() => ''),
        { timeout: 30_000 },
      )
      .toMatch(/^SOL1(\.0+)?(\$|—)/u);
    await page.close();
    const paper = JSON.parse(await harvest('--json', 'paper', 'show', 'ola')) as {
      tokens: { symbol: string; uiAmount: string }[];
    };
    expect(paper.tokens.find((t) => t.symbol === 'SOL')?.uiAmount).toBe('1');
  });
});
