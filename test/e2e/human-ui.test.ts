/**
 * Issue #17 in a real browser: Debian's Chromium (playwright-core) against a
 * real `harvest serve` on the sandbox with two friends, a funded wallet and a
 * trade. Every screen, in both themes, at 1280×800 and 1024×768:
 *
 * - its rendered text passes the human-text lint (no base units, no numeric
 *   user id in a sentence, no raw JSON, no zod default message);
 * - nothing is wider than its container: the page never scrolls sideways, no
 *   table needs a sideways scroll at 1280, no segmented toggle wraps;
 * - screenshots land in test-artifacts/human/<screen>-<theme>-<width>.png.
 *
 * Then the validation-before-confirmation flows (a whitelist address that is
 * not one, a risk limit out of bounds, Escape), and honest state: once the
 * engine stops, the UI says "Engine stopped", turns its controls off and
 * gives the figures' age.
 *
 * Builds nothing: run `npm run build:cli && npm run build:renderer` first.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../../engine/api/human-text';
import { REPO_ROOT, spawnHarvest } from '../helpers/cli';
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
];

describe('Harvest speaks human (harvest serve + Chromium)', () => {
  for (const theme of ['dark', 'light'] as const) {
    for (const viewport of [
      { width: 1280, height: 800 },
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
            await page.waitForTimeout(600);
            if (s.name === 'alice-activity') {
              for (const sub of ['orders', 'events', 'audit']) {
                await page.getByTestId(`activity-${sub}-tab`).click();
                await page.waitForTimeout(300);
                for (const l of findLeaks(await screenText(page)))
                  problems.push(`${s.name}/${sub}: ${l.name}: …${l.excerpt}…`);
                if (viewport.width === 1280)
                  for (const o of await overflows(page)) problems.push(`${s.name}/${sub}: ${o}`);
                await page.screenshot({ path: join(ARTIFACTS, `${s.name}-${sub}-${theme}-${viewport.width}.png`) });
              }
            }
            for (const l of findLeaks(await screenText(page))) problems.push(`${s.name}: ${l.name}: …${l.excerpt}…`);
            // 1024 is checked for the page itself; tables may scroll inside their panel there.
            for (const o of await overflows(page))
              if (viewport.width === 1280 || o.startsWith('the page')) problems.push(`${s.name}: ${o}`);
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

  it('when the engine stops, the UI says so, turns its controls off and dates its figures', async () => {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await page.goto(served!.url);
      await page.getByTestId('engine-health').waitFor({ timeout: 30_000 });
      await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-state')).not.toBe('stopped');
      await stop(served!);
      await page.getByTestId('engine-offline-banner').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('engine-state').textContent()).toMatch(/Engine stopped/);
      expect(await page.getByTestId('engine-state').textContent()).not.toMatch(/Trading/);
      expect(await page.getByTestId('global-halt').isDisabled()).toBe(true);
      expect(await page.getByTestId('engine-health').textContent()).toMatch(/engine unreachable/);
      await expect
        .poll(() => page.getByTestId('engine-offline-banner').textContent(), { timeout: 10_000 })
        .toMatch(/figures below are from .* ago/);
      await page.screenshot({ path: join(ARTIFACTS, 'engine-stopped-dark-1280.png') });
    } finally {
      await context.close();
    }
  }, 120_000);
});
