/**
 * Issue 14, points 4 and 5 in a real browser (Chromium via playwright-core) against a real
 * `harvest serve` on the sandbox: a friend places a limit buy from the order ticket's Limit tab
 * (a price that would fire at once is refused before anything is sent), sees it in the open
 * orders, cancels it after a confirmation, and moves the stop of an open position from the
 * positions table; the CLI (the same API contract) sees the new stop and the audit log has it.
 */
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../../engine/api/human-text';
import { tokenBySymbol } from '../../engine/market';
import { runHarvest } from '../helpers/cli';
import { assertE2eReady, e2eEnv, harvestOn, launchChromium, startServe, stopServe } from '../helpers/e2e';
import { tempDataDir } from '../helpers/datadir';

const ENV = e2eEnv();

const WETH_MINT = tokenBySymbol('WETH')!.mint;

let dir: { dir: string; cleanup: () => void };
let child: ChildProcess | null = null;
let url = '';
let browser: Browser | null = null;

const harvest = (...args: string[]): Promise<string> => harvestOn(dir.dir, ENV, ...args);

beforeAll(async () => {
  assertE2eReady();
  dir = tempDataDir('hv-orders-ui-');
  ({ child, url } = await startServe(dir.dir, ENV, 1));
  await harvest('user', 'add', 'ana');
  await harvest('wallet', 'create', 'ana');
  // A position to protect: a paper buy at the market, through the running engine.
  await harvest('order', 'ana', 'buy', 'WETH', '50');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopServe(child);
  dir?.cleanup();
});

describe('limit orders and editable exits in the UI', () => {
  it('places a limit buy, cancels it after a confirmation, and moves a stop', async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(url);
    await page.locator('[data-user-name="ana"]').click();
    await page.getByTestId('tab-positions').click();
    await page.getByTestId('order-ticket').waitFor();

    // Limit tab: a buy above the price now would fire at once, so it is refused before anything is sent.
    await page.getByTestId('order-kind-limit').click();
    await page.getByTestId('order-token').selectOption('WETH');
    await page.getByTestId('order-amount').fill('40');
    await page.getByTestId('order-trigger-price').fill('1000000');
    await expect.poll(() => page.getByTestId('order-ticket').textContent()).toMatch(/Below the price now/u);
    expect(await page.getByTestId('order-submit').isDisabled()).toBe(true);
    await page.getByTestId('order-trigger-price').fill('1');
    await page.getByTestId('order-expiry').selectOption('3600');
    await page.getByTestId('order-submit').click();
    const openOrders = page.getByTestId('open-orders');
    await expect
      .poll(() => openOrders.textContent(), { timeout: 10_000 })
      .toMatch(/limit buy of 40 USDC of WETH at 1 USDC.*waiting/u);
    expect(findLeaks((await openOrders.textContent()) ?? '')).toEqual([]);
    expect(await harvest('orders', 'ana', '--open')).toMatch(/limit buy of 40 USDC of WETH at 1 USDC: waiting/u);

    // Cancel asks first; the order is gone from the list afterwards.
    await openOrders.locator('[data-testid^="open-order-cancel-"]').first().click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/Cancel this order\?.*limit buy of 40 USDC of WETH/u);
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => openOrders.textContent(), { timeout: 10_000 }).toMatch(/No limit or stop orders waiting/u);
    expect(await harvest('orders', 'ana', '--all-limit')).toMatch(/cancelled/u);

    // Move the stop of the open WETH position: a stop above the price is refused in the form.
    const row = page.locator('[data-testid^="position-edit-exits-"]').first();
    await row.click();
    const editor = page.locator('[data-testid^="exits-editor-"]').first();
    await editor.waitFor();
    await page.getByTestId('exits-stop').fill('1000000');
    await expect.poll(() => editor.textContent()).toMatch(/Below the price now/u);
    expect(await page.getByTestId('exits-save').isDisabled()).toBe(true);
    await page.getByTestId('exits-stop').fill('12.5');
    await page.getByTestId('exits-trailing').fill('');
    await page.getByTestId('exits-save').click();
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/Stop-loss\s*12\.5 USDC/u);
    await page.getByTestId('confirm-ok').click();
    await expect
      .poll(async () => JSON.parse(await harvest('--json', 'positions', 'ana', '--status', 'open')) as unknown, {
        timeout: 10_000,
      })
      .toMatchObject({ positions: [{ symbol: 'WETH', stopLoss: 12.5 }] });
    expect(await harvest('audit', 'list')).toMatch(/position\.exitsChanged/u);
    await page.close();
  });

  it('the CLI places, lists and cancels limit and stop orders and edits exits, in words', async () => {
    const fail = async (...args: string[]) => {
      const r = await runHarvest(['--data-dir', dir.dir, ...args], { env: ENV, input: '\n' });
      expect(r.code).not.toBe(0);
      return r.stderr;
    };
    const placed = await harvest('order', 'ana', 'buy', 'WETH', '25', '--limit', '2', '--expires', '1h');
    expect(placed).toMatch(/^Placed order #(\d+): limit buy of 25 USDC of WETH at 2 USDC\./u);
    const id = /#(\d+)/u.exec(placed)![1]!;
    const stop = await harvest('order', 'ana', 'sell', 'WETH', '0.001', '--stop', '3', '--expires', '2d');
    expect(stop).toMatch(/stop sell of 0\.001 WETH at 3 USDC/u);
    const open = await harvest('orders', 'ana', '--open');
    expect(open).toMatch(new RegExp(`#${id} limit buy of 25 USDC of WETH at 2 USDC: waiting, expires`, 'u'));
    expect(open).toMatch(/stop sell of 0\.001 WETH at 3 USDC: waiting/u);
    expect(await harvest('orders', 'cancel', 'ana', id)).toMatch(/^Cancelled order #\d+: limit buy/u);
    expect(await fail('orders', 'cancel', 'ana', id)).toMatch(/already cancelled/u);
    expect(await fail('order', 'ana', 'buy', 'WETH', '10', '--stop', '1')).toMatch(/A stop sells/u);
    expect(await fail('order', 'ana', 'buy', 'WETH', '10', '--limit', '1', '--expires', 'soon')).toMatch(
      /--expires takes a duration like 30m/u,
    );
    const exits = await harvest('position', 'ana', 'WETH', '--take-profit', '1000000', '--trailing', '5');
    expect(exits).toMatch(/WETH exits now: stop 12\.5 USDC, take-profit 1,000,000 USDC, trailing 5 %/u);
    expect(await harvest('position', 'ana', 'WETH', '--stop', 'none', '--trailing', 'none')).toMatch(
      /stop none, take-profit 1,000,000 USDC, trailing none/u,
    );
    // TOKEN is a symbol or a mint, everywhere.
    const byMint = await harvest('order', 'ana', 'buy', WETH_MINT, '5', '--limit', '2');
    expect(byMint).toMatch(/limit buy of 5 USDC of WETH at 2 USDC/u);
    expect(await harvest('position', 'ana', WETH_MINT, '--stop', '11')).toMatch(/WETH exits now: stop 11 USDC/u);
    for (const text of [placed, stop, open, exits]) expect(findLeaks(text)).toEqual([]);
  }, 60_000);
});
