/**
 * Issue #17 in a real browser: Debian's Chromium (playwright-core) against a
 * real `harvest serve` on the sandbox with two friends, a funded wallet and a
 * trade. Every screen, in both themes, at 1280×800, 1440×900 and 1024×768:
 *
 * - its rendered text passes the human-text lint (no base units, no numeric
 *   user id in a sentence, no raw JSON, no zod default message);
 * - nothing is wider than its container: the page never scrolls sideways, no
 *   table needs a sideways scroll, no segmented toggle wraps;
 * - every column header of every table sorts it;
 * - screenshots land in test-artifacts/human/<screen>-<theme>-<width>.png.
 *
 * Then the validation-before-confirmation flows (a whitelist address that is
 * not one, a risk limit out of bounds, Escape), and honest state: once the
 * engine stops, the UI says "Engine stopped", turns its controls off and
 * greys every panel with the age of its figures. The charts have a time axis
 * with several labels and a crosshair tooltip; Escape discards each inline
 * form; a click on a header sorts a table.
 *
 * Builds nothing: run `npm run build:cli && npm run build:renderer` first.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../../engine/api/human-text';
import { REPO_ROOT, runHarvest, spawnHarvest } from '../helpers/cli';
import { tempDataDir } from '../helpers/datadir';

const RENDERER_INDEX = join(REPO_ROOT, 'dist', 'renderer', 'index.html');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'human');
const CHROMIUM = process.env['HARVEST_E2E_CHROMIUM'] ?? '/usr/bin/chromium';
const CLEAN_ENV: NodeJS.ProcessEnv = {
  HARVEST_MASTER_KEY: undefined,
  HARVEST_FAULT: undefined,
  HARVEST_DATA_DIR: undefined,
  HARVEST_LOG_LEVEL: 'warn',
};

interface Served {
  child: ChildProcess;
  origin: string;
  url: string;
  token: string;
  exited: Promise<void>;
}

let dataDir: { dir: string; cleanup: () => void } | null = null;
let served: Served | null = null;
let browser: Browser | null = null;
const ids: Record<string, number> = {};

function serve(dir: string): Promise<Served> {
  const child = spawnHarvest(['--data-dir', dir, 'serve', '--json', '--port', '0', '--cycle-seconds', '2'], CLEAN_ENV);
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s\n${stdout}\n${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const line of stdout.split('\n')) {
        let msg: { event?: string; url?: string; origin?: string } | null;
        try {
          msg = JSON.parse(line) as { event?: string; url?: string; origin?: string } | null;
        } catch {
          continue;
        }
        if (msg?.event !== 'ready') continue;
        clearTimeout(timer);
        const token = new URL(msg.url!).searchParams.get('token')!;
        return resolve({ child, origin: msg.origin!, url: msg.url!, token, exited });
      }
    });
    void exited.then(() => reject(new Error(`harvest serve exited before it was ready\n${stderr}`)));
  });
}

async function stop(s: Served): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const done = await Promise.race([s.exited.then(() => true), new Promise<false>((r) => setTimeout(r, 15_000, false))]);
  if (!done) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
}

/** A command through the host, confirming it when the host asks (as the operator would). */
async function api<T>(name: string, input: unknown = {}): Promise<T> {
  const s = served!;
  const post = async (confirmation?: string) => {
    const res = await fetch(`${s.origin}/api/command/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input, ...(confirmation ? { confirmation } : {}) }),
    });
    return (await res.json()) as {
      ok: boolean;
      result?: T;
      error?: { code: string; message: string; confirmationId?: string };
    };
  };
  let body = await post();
  if (!body.ok && body.error?.code === 'CONFIRMATION_REQUIRED') body = await post(body.error.confirmationId);
  if (!body.ok) throw new Error(`${name}: ${body.error?.code}: ${body.error?.message}`);
  return body.result as T;
}

beforeAll(async () => {
  if (!existsSync(RENDERER_INDEX)) throw new Error('The UI is not built: run `npm run build:renderer` first.');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}.`);
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = tempDataDir('hv-human-');
  served = await serve(dataDir.dir);
  for (const name of ['alice', 'bob']) ids[name] = (await api<{ id: number }>('users.add', { name })).id;
  await api('wallet.create', { user: 'alice' });
  // Bob copies alice (and has no wallet): his copy panel lists the follow and the leader trades it refused.
  await api('copy.follow', { user: 'bob', leader: 'alice', sizing: 'fixed', fixedUsd: 10 });
  await api('funds.faucet', { user: 'alice', sol: '2', token: 'USDC', amount: '500' });
  await api('orders.submit', { user: 'alice', side: 'buy', token: 'SOL', amount: '40' });
  await api('orders.submit', { user: 'alice', side: 'buy', token: 'WETH', amount: '30' });
  const { positions } = await api<{ positions: { id: number; symbol: string; status: string }[] }>('positions.list', {
    user: 'alice',
  });
  const weth = positions.find((p) => p.symbol === 'WETH' && p.status === 'open');
  if (weth) await api('positions.close', { user: 'alice', positionId: weth.id });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}, 180_000);

afterAll(async () => {
  try {
    await browser?.close();
  } catch {
    // gone
  }
  try {
    if (served) await stop(served);
  } finally {
    dataDir?.cleanup();
  }
}, 60_000);

/** What overflows: the page sideways, a table wider than its wrap, a toggle on two lines, a panel's child past its edge. */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''}.${[...el.classList].join('.')}`;
    if (document.documentElement.scrollWidth > window.innerWidth + 1)
      out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${window.innerWidth})`);
    for (const wrap of document.querySelectorAll('.table-wrap')) {
      if (wrap.scrollWidth > wrap.clientWidth + 1)
        out.push(
          `${name(wrap.querySelector('table') ?? wrap)} is ${wrap.scrollWidth - wrap.clientWidth}px wider than its panel`,
        );
    }
    for (const seg of document.querySelectorAll('.seg')) {
      const buttons = [...seg.querySelectorAll('button')];
      const tops = new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top)));
      if (tops.size > 1) out.push(`${name(seg)} wraps onto ${tops.size} lines`);
      for (const b of buttons) if (b.scrollHeight > b.clientHeight + 2) out.push(`${name(b)} wraps its label`);
    }
    for (const panel of document.querySelectorAll('.panel')) {
      const pr = panel.getBoundingClientRect();
      if (pr.width === 0) continue;
      for (const el of panel.querySelectorAll('button, input, select, .badge, .pill, .kpi')) {
        if (el.closest('.table-wrap')) continue;
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > pr.right + 1)
          out.push(`${name(el)} sticks out of ${name(panel)} by ${Math.round(r.right - pr.right)}px`);
      }
    }
    return out;
  });
}

/** Headers that do not sort their table: neither the app-wide column sort nor a sort button of their own. */
async function unsortable(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const table of document.querySelectorAll('table.table')) {
      const heads = [...table.querySelectorAll('thead tr:last-child th')];
      for (const th of heads)
        if (th.textContent?.trim() && !th.hasAttribute('aria-sort') && !th.querySelector('button'))
          out.push(`${table.getAttribute('data-testid') ?? 'a table'}: "${th.textContent.trim()}" does not sort`);
    }
    return out;
  });
}

/**
 * Labels on a chart's time axis, counted from its pixels: the axis is the widest canvas
 * of the chart's bottom row; a label is a run of inked columns.
 */
async function timeAxisLabels(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((el) => {
    const rows = el.querySelectorAll('table tr');
    const row = rows[rows.length - 1];
    if (!row) return 0;
    let best = 0;
    for (const c of row.querySelectorAll('canvas')) {
      const ctx = c.getContext('2d');
      if (!ctx || c.width < 100) continue;
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      const at = (x: number, y: number) => (y * c.width + x) * 4;
      const bg = at(c.width - 1, c.height - 1);
      const inked = (x: number) => {
        // Below the axis's border line.
        for (let y = Math.round(c.height * 0.25); y < c.height; y++) {
          const i = at(x, y);
          if (
            data[i + 3]! > 0 &&
            Math.abs(data[i]! - data[bg]!) +
              Math.abs(data[i + 1]! - data[bg + 1]!) +
              Math.abs(data[i + 2]! - data[bg + 2]!) >
              60
          )
            return true;
        }
        return false;
      };
      let labels = 0;
      let gap = Infinity;
      for (let x = 0; x < c.width; x++) {
        if (inked(x)) {
          if (gap > 12 * devicePixelRatio) labels++;
          gap = 0;
        } else gap++;
      }
      best = Math.max(best, labels);
    }
    return best;
  });
}

/** Moves the pointer over a chart from its right edge leftwards until the crosshair tooltip shows; its text. */
async function hoverTooltip(page: Page, testId: string): Promise<string | null> {
  const box = (await page.getByTestId(testId).boundingBox())!;
  for (let dx = 80; dx < box.width - 20; dx += 25) {
    await page.mouse.move(box.x + box.width - dx, box.y + box.height * 0.55);
    const tip = page.getByTestId(testId).getByTestId('chart-tooltip');
    if (await tip.isVisible()) return tip.textContent();
  }
  return null;
}

async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector('.app')?.textContent ?? document.body.innerText);
}

const SCREENS = (): { name: string; hash: string; ready: string }[] => [
  { name: 'overview', hash: '#/overview', ready: 'engine-health' },
  { name: 'leaderboard', hash: '#/leaderboard', ready: 'user-list' },
  { name: 'settings', hash: '#/settings', ready: 'network-form' },
  ...['wallet', 'positions', 'risk', 'strategy', 'activity', 'telegram'].map((tab) => ({
    name: `alice-${tab}`,
    hash: `#/user/${ids['alice']}/${tab}`,
    ready: 'user-view',
  })),
  { name: 'bob-wallet', hash: `#/user/${ids['bob']}/wallet`, ready: 'user-view' },
  { name: 'bob-strategy-copy', hash: `#/user/${ids['bob']}/strategy`, ready: 'copy-follows' },
  { name: 'backtest', hash: '#/backtest', ready: 'backtest-screen' },
];

describe('Harvest speaks human (harvest serve + Chromium)', () => {
  for (const theme of ['dark', 'light'] as const) {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 1440, height: 900 },
      { width: 1024, height: 768 },
    ]) {
      it(`every screen, ${theme} at ${viewport.width}×${viewport.height}: human text, nothing overflowing`, async () => {
        const context = await browser!.newContext({ viewport, colorScheme: theme });
        const problems: string[] = [];
        try {
          const page = await context.newPage();
          await page.goto(served!.url);
          await page.getByTestId('user-list').waitFor({ timeout: 30_000 });
          for (const s of SCREENS()) {
            await page.evaluate((h) => (location.hash = h), s.hash);
            await page.getByTestId(s.ready).first().waitFor({ timeout: 15_000 });
            // The screenshot shows what the screen is for, even below the fold (the copy panel).
            await page.getByTestId(s.ready).first().scrollIntoViewIfNeeded();
            await page.waitForTimeout(600);
            if (s.name === 'alice-activity') {
              for (const sub of ['orders', 'events', 'audit']) {
                await page.getByTestId(`activity-${sub}-tab`).click();
                await page.waitForTimeout(300);
                for (const l of findLeaks(await screenText(page)))
                  problems.push(`${s.name}/${sub}: ${l.name}: …${l.excerpt}…`);
                for (const o of await overflows(page)) problems.push(`${s.name}/${sub}: ${o}`);
                for (const u of await unsortable(page)) problems.push(`${s.name}/${sub}: ${u}`);
                await page.screenshot({ path: join(ARTIFACTS, `${s.name}-${sub}-${theme}-${viewport.width}.png`) });
              }
            }
            for (const l of findLeaks(await screenText(page))) problems.push(`${s.name}: ${l.name}: …${l.excerpt}…`);
            for (const o of await overflows(page)) problems.push(`${s.name}: ${o}`);
            for (const u of await unsortable(page)) problems.push(`${s.name}: ${u}`);
            await page.screenshot({ path: join(ARTIFACTS, `${s.name}-${theme}-${viewport.width}.png`) });
          }
        } finally {
          await context.close();
        }
        expect(problems).toEqual([]);
      }, 180_000);
    }
  }

  it('validates before confirming: an address that is not one, a limit out of bounds; Escape closes', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.goto(served!.url);
      await page.getByTestId('user-list').waitFor({ timeout: 30_000 });

      await page.evaluate((h) => (location.hash = h), `#/user/${ids['alice']}/wallet`);
      await page.getByTestId('whitelist-add-address').fill('not-an-address');
      await expect.poll(() => page.getByTestId('whitelist-add-error').textContent()).toMatch(/Not a Solana address/);
      expect(await page.getByTestId('whitelist-add-submit').isDisabled()).toBe(true);
      await page.getByTestId('whitelist-add-address').press('Enter');
      expect(await page.getByTestId('confirm-dialog').count()).toBe(0);

      await page.evaluate((h) => (location.hash = h), `#/user/${ids['alice']}/risk`);
      const pct = page.getByTestId('risk-input-maxPositionPctEquity');
      await pct.fill('250');
      await page.getByTestId('risk-input-maxOrderUsd').fill('-5');
      await expect
        .poll(() => page.getByTestId('risk-field-maxPositionPctEquity').textContent())
        .toMatch(/At most 100 % equity/);
      expect(await page.getByTestId('risk-field-maxOrderUsd').textContent()).toMatch(/non-negative/);
      expect(await page.getByTestId('risk-save').isDisabled()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'risk-invalid-dark-1280.png') });

      await page.evaluate(() => (location.hash = '#/settings'));
      await page.getByTestId('global-maxOrderUsd').fill('-5');
      await page.getByTestId('global-maxOrderUsd').blur();
      await expect.poll(() => page.getByTestId('global-field-maxOrderUsd').textContent()).toMatch(/non-negative/);
      await page.waitForTimeout(300);
      expect(await page.getByTestId('confirm-dialog').count()).toBe(0);

      await page.getByTestId('add-user-open').click();
      await page.getByTestId('add-user-name').waitFor();
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByTestId('add-user-form').count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('charts have a readable time axis and a crosshair tooltip: price, equity and backtest', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: theme });
      try {
        const page = await context.newPage();
        await page.goto(served!.url);
        await page.getByTestId('user-list').waitFor({ timeout: 30_000 });
        await page.evaluate((h) => (location.hash = h), `#/user/${ids['alice']}/positions`);
        const price = page.getByTestId('price-chart');
        await price.locator('canvas').first().waitFor();
        await expect.poll(() => price.locator('.chart-legend').count(), { timeout: 20_000 }).toBe(1);
        await page.waitForTimeout(500);
        expect(await timeAxisLabels(page, 'price-chart')).toBeGreaterThanOrEqual(4);
        const tip = await hoverTooltip(page, 'price-chart');
        expect(tip).toMatch(/UTC/u);
        for (const word of ['Open', 'High', 'Low', 'Close']) expect(tip).toContain(word);
        expect(tip).not.toMatch(/not reported/u);
        // A seeded candle (the replay history, left of the live ones) shows its volume in the token's units.
        const box = (await price.boundingBox())!;
        await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.55);
        const seeded = await price.getByTestId('chart-tooltip').textContent();
        expect(seeded).toMatch(/Volume [\d,.]+ [A-Z]{2,}/u);
        await page.screenshot({ path: join(ARTIFACTS, `chart-price-tooltip-${theme}-1280.png`) });

        await page.getByTestId('chart-equity').click();
        const equity = page.getByTestId('equity-chart');
        await equity.locator('canvas').first().waitFor();
        await expect.poll(() => equity.locator('.chart-legend').count(), { timeout: 20_000 }).toBe(1);
        await page.waitForTimeout(500);
        expect(await timeAxisLabels(page, 'equity-chart')).toBeGreaterThanOrEqual(4);
        expect(await hoverTooltip(page, 'equity-chart')).toMatch(/Equity \$[\d,.]+/u);
        await page.screenshot({ path: join(ARTIFACTS, `chart-equity-tooltip-${theme}-1280.png`) });

        await page.evaluate(() => (location.hash = '#/backtest'));
        await page.getByTestId('backtest-screen').waitFor();
        await page.getByTestId('backtest-strategy-trend').click();
        await page.getByTestId('backtest-from').fill('2021-01-01');
        await page.getByTestId('backtest-to').fill('2021-03-01');
        await page.getByTestId('backtest-run').click();
        await page.getByTestId('backtest-report').waitFor({ timeout: 90_000 });
        for (const id of ['backtest-price-chart', 'backtest-equity-chart']) {
          await page.getByTestId(id).scrollIntoViewIfNeeded();
          await page.waitForTimeout(300);
          expect(await timeAxisLabels(page, id), id).toBeGreaterThanOrEqual(4);
          expect(await hoverTooltip(page, id), id).toMatch(/UTC[\s\S]*(Close|Strategy) /u);
          await page.screenshot({ path: join(ARTIFACTS, `chart-${id}-tooltip-${theme}-1280.png`) });
        }
      } finally {
        await context.close();
      }
    }
  }, 240_000);

  it('Escape discards each inline form: risk, execution, global limits, whitelist, withdrawal, strategy, ticket', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.goto(served!.url);
      await page.getByTestId('user-list').waitFor({ timeout: 30_000 });
      /**
       * Types into a field, checks it took, presses Escape: the field is back to what it held.
       * `saved` fields show a stored value: wait until it has arrived, or "before" is the empty
       * field of a form still loading and Escape rightly restores the loaded value.
       */
      const discards = async (field: ReturnType<Page['getByTestId']>, typed: string, saved = false) => {
        await field.waitFor({ timeout: 15_000 });
        if (saved) await expect.poll(() => field.inputValue(), { timeout: 15_000 }).not.toBe('');
        const before = await field.inputValue();
        await field.fill(typed);
        expect(await field.inputValue()).toBe(typed);
        await field.press('Escape');
        await expect.poll(() => field.inputValue()).toBe(before);
      };
      const user = (tab: string) => page.evaluate((h) => (location.hash = h), `#/user/${ids['alice']}/${tab}`);

      await user('risk');
      await discards(page.getByTestId('risk-input-maxPositionPctEquity'), '250', true);
      expect(await page.getByTestId('risk-field-maxPositionPctEquity').textContent()).not.toMatch(/At most/u);
      expect(await page.getByTestId('risk-reset').count()).toBe(0);
      await discards(page.getByTestId('execution-settings').locator('input:not([type=checkbox])').first(), '7', true);

      await user('wallet');
      await discards(page.getByTestId('whitelist-add-address'), 'not-an-address');
      expect(await page.getByTestId('whitelist-add-error').count()).toBe(0);
      await discards(page.getByTestId('withdraw-amount'), '1');
      await discards(page.getByTestId('friend-panel').locator('input').first(), 'someone else', true);

      await user('strategy');
      await discards(page.getByTestId('strategy-params').locator('input').first(), '3', true);

      await user('positions');
      await discards(page.getByTestId('order-amount'), '12');

      await page.evaluate(() => (location.hash = '#/settings'));
      await discards(page.getByTestId('global-maxOrderUsd'), '-5');
      expect(await page.getByTestId('global-field-maxOrderUsd').textContent()).not.toMatch(/non-negative/u);
      expect(await page.getByTestId('confirm-dialog').count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('a click on a column header sorts the table, a second click reverses it', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.goto(served!.url);
      await page.getByTestId('user-list').waitFor({ timeout: 30_000 });
      await page.evaluate((h) => (location.hash = h), `#/user/${ids['alice']}/activity`);
      await page.getByTestId('activity-orders-tab').click();
      const table = page.getByTestId('activity-orders');
      await expect.poll(() => table.locator('tbody tr').count(), { timeout: 15_000 }).toBeGreaterThan(1);
      const heads = table.locator('thead th[aria-sort]');
      const columnOf = async (label: RegExp) => {
        const n = await heads.count();
        for (let i = 0; i < n; i++) if (label.test((await heads.nth(i).textContent()) ?? '')) return heads.nth(i);
        throw new Error(`no header ${label}`);
      };
      const cells = (col: number) =>
        table.locator('tbody tr').evaluateAll((rows, c) => rows.map((r) => r.children[c]?.textContent ?? ''), col);
      // The pair: text, two values (SOL/USDC, WETH/USDC).
      const pair = await columnOf(/pair/iu);
      const col = await pair.evaluate((th) => (th as HTMLTableCellElement).cellIndex);
      await pair.click();
      expect(await pair.getAttribute('aria-sort')).toBe('ascending');
      const up = await cells(col);
      expect(up).toEqual([...up].sort((a, b) => a.localeCompare(b)));
      await pair.click();
      expect(await pair.getAttribute('aria-sort')).toBe('descending');
      const down = await cells(col);
      expect(down).toEqual([...up].sort((a, b) => b.localeCompare(a)));
      expect(new Set(up).size).toBeGreaterThan(1);
    } finally {
      await context.close();
    }
  }, 60_000);

  it("the CLI gives USD values beside token amounts, at the running engine's prices; --json stays raw", async () => {
    const cli = (...args: string[]) => runHarvest(['--data-dir', dataDir!.dir, ...args], { env: CLEAN_ENV });
    const positions = await cli('positions', 'alice');
    expect(positions.code).toBe(0);
    expect(positions.stdout).toMatch(/open\s+SOL\s+[\d.]+ \(\$[\d,]+\.\d\d\)/u);
    const balances = await cli('wallet', 'balances', 'alice');
    expect(balances.stdout).toMatch(/SOL\s+[\d.]+ \(\$[\d,]+\.\d\d\)/u);
    const trades = await cli('trades', 'alice');
    expect(trades.stdout).toMatch(/[\d.]+ SOL \(\$[\d,]+\.\d\d\) for/u);
    const orders = await cli('orders', 'alice');
    expect(orders.stdout).toMatch(/[\d.]+ (SOL|WETH) \(\$[\d,]+\.\d\d\)/u);
    for (const r of [positions, balances, trades, orders]) expect(findLeaks(r.stdout)).toEqual([]);
    const raw = await cli('positions', 'alice', '--json');
    expect(raw.stdout).not.toMatch(/\(\$/u);
    expect(JSON.parse(raw.stdout)).toHaveProperty('positions');
  }, 60_000);

  it('when the engine stops, the UI says so, turns its controls off and dates its figures', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.goto(served!.url);
      await page.getByTestId('engine-health').waitFor({ timeout: 30_000 });
      await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-state')).not.toBe('stopped');
      // Figures on screen first (alice's equity), so there is something to go stale.
      const equity = /\$9\d\d\.\d\d/u;
      await expect.poll(() => page.getByTestId('users-table').textContent(), { timeout: 20_000 }).toMatch(equity);
      await stop(served!);
      await page.getByTestId('engine-offline-banner').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('engine-state').textContent()).toMatch(/Engine stopped/);
      expect(await page.getByTestId('engine-state').textContent()).not.toMatch(/Trading/);
      expect(await page.getByTestId('global-halt').isDisabled()).toBe(true);
      expect(await page.getByTestId('engine-health').textContent()).toMatch(/engine unreachable/);
      await expect
        .poll(() => page.getByTestId('engine-offline-banner').textContent(), { timeout: 10_000 })
        .toMatch(/figures below are from .* ago/);
      // Every panel greyed, with the age of its figures; every control inert.
      const panels = await page.locator('main .panel').evaluateAll((els) =>
        els.map((el) => ({
          stale: el.getAttribute('data-stale') === 'true',
          age: el.querySelector('[data-testid="stale-age"]')?.textContent ?? '',
          opacity: Number(getComputedStyle(el).opacity),
        })),
      );
      expect(panels.length).toBeGreaterThan(2);
      // Stale, not gone: the last figures stay readable.
      expect(await page.getByTestId('users-table').textContent()).toMatch(equity);
      for (const p of panels) {
        expect(p.stale).toBe(true);
        expect(p.age).toMatch(/^stale · (a moment|.+) old$/u);
        expect(p.opacity).toBeLessThan(1);
      }
      const live = await page
        .locator('main button, main input, main select')
        .evaluateAll((els) => els.filter((el) => getComputedStyle(el).pointerEvents !== 'none').length);
      expect(live).toBe(0);
      // Truly off, not just unclickable: the keyboard cannot reach a control in the main area either
      // (the main area itself may take focus: it is a scroller, so the stale figures still scroll by keyboard).
      const inMain = () =>
        page.evaluate(() => {
          const a = document.activeElement;
          const control = a && a.tagName !== 'MAIN' && a.closest('main');
          return control ? `${a.tagName} ${a.className} ${a.textContent?.slice(0, 30)}` : false;
        });
      const focusedInMain: (string | false)[] = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        focusedInMain.push(await inMain());
      }
      expect(focusedInMain.filter(Boolean)).toEqual([]);
      // A button focused by script and Enter pressed: focus does not land, no dialog opens, no command is sent.
      const commands: string[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/command/')) commands.push(r.url());
      });
      await page
        .locator('main button')
        .first()
        .evaluate((b) => (b as HTMLButtonElement).focus());
      expect(await inMain()).toBe(false);
      await page.keyboard.press('Enter');
      await page
        .locator('main button')
        .first()
        .press('Enter', { timeout: 2_000 })
        .catch(() => undefined);
      expect(await page.locator('.dialog').count()).toBe(0);
      expect(commands.filter((u) => !/\/(health|network\.status|controls\.get)/u.test(u))).toEqual([]);
      // The health figures say how old they are, growing, worded like the banner: never a fresh-looking "0 s ago".
      const ageText = () => page.getByTestId('figure-age').first().textContent();
      const first = await ageText();
      expect(first).toMatch(/^last heard (a moment|.+ s|.+ min.*) ago$/u);
      await expect.poll(ageText, { timeout: 10_000 }).not.toBe(first);
      expect(await ageText()).toMatch(/^last heard .+ ago$/u);
      await page.screenshot({ path: join(ARTIFACTS, 'engine-stopped-dark-1280.png') });
    } finally {
      await context.close();
    }
  }, 120_000);
});
