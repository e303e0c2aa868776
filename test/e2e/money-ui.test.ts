/**
 * The money-truth and price-truth buttons of the UI (issue #9 items 4 and 7,
 * issue #10 item 2), in a real Chromium on the real UI served by the host over
 * an in-process engine on the sandbox: the Wallet tab's Reconcile proves
 * ledger = chain and lists a planted discrepancy in token units; Activity's
 * Flows CSV downloads the outside deposits with their signatures, its Trades
 * CSV says FIFO; Settings marks a token allowed on one price source as "single-source
 * price". Screenshots go to test-artifacts/.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from '@solana/kit';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../../engine/api/human-text';
import { startHost, type Host } from '../../engine/host';
import { silentLogger } from '../../engine/kernel/logger';
import { Engine, type Funds } from '../../engine/runtime';
import type { Sandbox } from '../../engine/sandbox';
import { REPO_ROOT } from '../helpers/cli';
import { ARTIFACTS, assertE2eReady, launchChromium } from '../helpers/e2e';
import { randomSecretKey } from '../integration/support';

/** BONK: a real mint Harvest does not list and no Pyth feed in its table covers. */
const BONK = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263';

let parent: string;
let engine: Engine;
let funds: Funds;
let host: Host;
let browser: Browser;
let page: Page;
let anaId: number;
const deposits: string[] = [];

beforeAll(async () => {
  assertE2eReady();
  parent = mkdtempSync(join(tmpdir(), 'hv-money-ui-'));
  engine = Engine.open({
    dataDir: join(parent, 'd'),
    logger: silentLogger,
    env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
  });
  funds = await engine.funds();
  anaId = engine.users.add('ana', 'test').id;
  engine.wallets.import(anaId, { secretKey: randomSecretKey().base58 }, 'test');
  await engine.execute('settings.set', { user: 'ana', key: 'mode', value: 'live', confirm: true });
  deposits.push((await engine.execute('sandbox.send', { user: 'ana', amount: '1' })).signature);
  deposits.push((await engine.execute('sandbox.send', { user: 'ana', amount: '40', token: 'USDC' })).signature);
  await engine.execute('prices.singleSource', { mint: BONK, allow: true });
  await funds.refreshPrices();
  host = await startHost({ engine, port: 0, log: silentLogger, rendererDir: join(REPO_ROOT, 'dist', 'renderer') });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await engine?.close();
  if (parent) rmSync(parent, { recursive: true, force: true });
});

describe('money and price truth in the UI', () => {
  it('Wallet tab: Reconcile proves ledger = chain, then lists a planted discrepancy in token units until acknowledged', async () => {
    await page.goto(`${host.url}#/user/${anaId}/wallet`);
    await page.getByTestId('reconcile').click();
    const ok = page.getByTestId('reconcile-ok');
    await expect.poll(() => ok.textContent(), { timeout: 30_000 }).toMatch(/Ledger = chain for \d+ assets/u);

    // Lamports appear on the wallet with no transaction: nothing Harvest recorded explains them.
    const sandbox = funds.net.sandbox as Sandbox;
    const wallet = engine.store.wallets.byUser(anaId)!.address;
    const acc = sandbox.ledger.account(wallet as Address)!;
    sandbox.ledger.setAccount({ ...acc, lamports: acc.lamports + 1_500_000n });
    funds.net.chain.clearCache();
    await page.getByTestId('reconcile').click();
    const row = page.getByTestId('discrepancy-balance-SOL');
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    const text = (await page.getByTestId('reconcile-mismatch').textContent())!;
    expect(text).toMatch(/1 discrepancy: entries paused until acknowledged/u);
    // Token units, never base units: 1,500,000 lamports are 0.0015 SOL.
    expect(await row.locator('td').nth(3).textContent()).toBe('0.0015 SOL');
    expect(findLeaks(text)).toEqual([]);
    expect(engine.controls.user(anaId).paused).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'wallet-reconcile-mismatch.png'), fullPage: true });

    await page.getByTestId('reconcile-ack').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => engine.controls.user(anaId).paused, { timeout: 20_000 }).toBe(false);
    sandbox.ledger.setAccount({ ...acc, lamports: acc.lamports });
    funds.net.chain.clearCache();
  });

  it('Activity: Flows CSV downloads every outside deposit with its signature; Trades CSV says FIFO', async () => {
    await page.goto(`${host.url}#/user/${anaId}/activity`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-flows').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const [head, ...lines] = csv.trimEnd().split('\n');
    expect(head).toBe('time,kind,token,amount,usd_value,signature,ref');
    // One row per deposit: kind, token units and a USD value beside its signature.
    const expected: [string, string, string][] = [
      [deposits[0]!, 'SOL', '1'],
      [deposits[1]!, 'USDC', '40'],
    ];
    for (const [sig, token, amount] of expected) {
      const cells = lines.find((l) => l.includes(sig))!.split(',');
      expect(cells.slice(1, 4)).toEqual(['deposit', token, amount]);
      expect(Number(cells[4])).toBeGreaterThan(0);
    }
    const [trades] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-trades').click()]);
    expect(readFileSync((await trades.path())!, 'utf8').split('\n')[0]).toMatch(/FIFO/u);
  });

  it('Settings: trusted prices name their sources, and a token allowed on one source is marked "single-source price"', async () => {
    await funds.refreshPrices();
    await page.goto(`${host.url}#/settings`);
    const panel = page.getByTestId('prices-panel');
    await expect
      .poll(() => page.getByTestId(`price-single-source-${BONK}`).textContent(), { timeout: 20_000 })
      .toBe('single-source price');
    const weth = (await page.getByTestId('price-row-WETH').textContent())!;
    expect(weth).toMatch(/jupiter \+ pyth|pyth \+ jupiter/u);
    expect(weth).not.toMatch(/single-source/u);
    expect(await page.getByTestId(`price-row-${BONK}`).textContent()).toMatch(/no trusted price/u);
    expect(findLeaks((await panel.textContent())!)).toEqual([]);
    await panel.screenshot({ path: join(ARTIFACTS, 'settings-trusted-prices.png') });
  });
});
