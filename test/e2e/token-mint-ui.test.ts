/**
 * Issue 14, point 1 in a real browser (Chromium via playwright-core) against a real
 * `harvest serve` on the sandbox: a mint pasted into the order ticket is read and checked by
 * the engine; a warned token opens a dialog with its checks that asks for the one
 * acknowledgement, after which it is bought; a refused token's dialog offers no way to trade it.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, assertE2eReady, e2eEnv, harvestOn, launchChromium, startServe, stopServe } from '../helpers/e2e';
import { tempDataDir } from '../helpers/datadir';

const ENV = e2eEnv();

let dir: { dir: string; cleanup: () => void };
let child: ChildProcess | null = null;
let url = '';
let browser: Browser | null = null;
let warned = '';
let refused = '';

const harvest = (...args: string[]): Promise<string> => harvestOn(dir.dir, ENV, ...args);

beforeAll(async () => {
  assertE2eReady();
  dir = tempDataDir('hv-token-ui-');
  ({ child, url } = await startServe(dir.dir, ENV, 1));
  await harvest('user', 'add', 'tia');
  await harvest('wallet', 'create', 'tia');
  const make = async (...args: string[]) =>
    (JSON.parse(await harvest('--json', 'sandbox', 'token', 'create', ...args)) as { mint: string }).mint;
  warned = await make('FRZ', '--price', '0.5', '--liquidity', '5000000', '--freeze-authority');
  refused = await make('NOPE', '--price', '0.5', '--liquidity', '5000000', '--non-transferable');
  const list = await harvest('sandbox', 'token', 'list');
  expect(list).toMatch(/FRZ .* freeze authority/u);
  expect(list).toMatch(/NOPE .* non-transferable/u);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopServe(child);
  dir?.cleanup();
});

describe('pasting a mint in the order ticket', () => {
  it('shows the checks of a warned token, takes the acknowledgement, and buys it', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.locator('[data-user-name="tia"]').click();
    await page.getByTestId('tab-positions').click();
    await page.getByTestId('order-ticket').waitFor();

    // Validation before anything is sent: not a mint, no check.
    await page.getByTestId('order-mint').fill('not-a-mint');
    expect(await page.getByTestId('order-mint-check').isDisabled()).toBe(true);

    await page.getByTestId('order-mint').fill(warned);
    await page.getByTestId('order-mint-check').click();
    const dialog = page.getByTestId('token-dialog');
    await dialog.waitFor({ timeout: 30_000 });
    const text = (await dialog.textContent()) ?? '';
    expect(text).toMatch(/FRZ/u);
    expect(text).toMatch(/freeze any holder's account/u);
    expect(text).toMatch(/single-source price/u);
    expect(text).not.toMatch(/[{}]|base units/u);
    expect(await page.getByTestId('token-allow').isDisabled()).toBe(true);
    await page.getByTestId('token-ack').check();
    await dialog.screenshot({ path: join(ARTIFACTS, 'token-dialog.png') });
    await page.getByTestId('token-allow').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByTestId('order-token').inputValue()).toBe('FRZ');

    await page.getByTestId('order-side-buy').click();
    await page.getByTestId('order-amount').fill('10');
    await expect.poll(() => page.getByTestId('order-submit').isEnabled()).toBe(true);
    await page.getByTestId('order-submit').click();
    const result = page.getByTestId('order-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.getAttribute('data-status'), (await result.textContent()) ?? '').toBe('confirmed');
    const token = JSON.parse(await harvest('--json', 'token', 'show', warned)) as { allowed: boolean };
    expect(token.allowed).toBe(true);
    await page.close();
  }, 120_000);

  it("shows a refused token's reasons and offers no way to trade it", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.locator('[data-user-name="tia"]').click();
    await page.getByTestId('tab-positions').click();
    await page.getByTestId('order-mint').fill(refused);
    await page.getByTestId('order-mint-check').click();
    const dialog = page.getByTestId('token-dialog');
    await dialog.waitFor({ timeout: 30_000 });
    expect(await dialog.textContent()).toMatch(/cannot be transferred at all/u);
    await page.getByTestId('token-refused').waitFor();
    expect(await page.getByTestId('token-allow').count()).toBe(0);
    await page.getByTestId('token-close').click();
    await dialog.waitFor({ state: 'detached' });
    await page.close();
  }, 60_000);
});
