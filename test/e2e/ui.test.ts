/**
 * The operator's day in a real browser: Debian's Chromium (through
 * playwright-core) against a real `harvest serve` on the sandbox, at 1280×800.
 *
 * Covers issue #6 item 6: a missing or wrong token gets 401 and no data (HTTP
 * and WebSocket); the first-run wizard (sandbox, keychain, recovery kit, first
 * friend); two friends with wallets funded from the faucet; a risk preset and
 * a strategy in live mode; a manual live order whose position and PnL then
 * update without a reload (and a position opened through the API that the UI
 * picks up from the event stream); the leaderboard; pausing and resuming a
 * friend; halting and resuming from the overview (the resume goes through the
 * host's CONFIRMATION_REQUIRED and the in-app confirm dialog). The UI state is
 * checked against the API (positions.list, controls.status).
 *
 * Screenshots of every main screen (dark, plus light for the overview and
 * positions) land in test-artifacts/e2e/: `<name>.png` is what a 1280×800
 * window shows, `<name>-full.png` the whole scrolled content of the screen.
 *
 * Builds nothing: run `npm run build:cli && npm run build:renderer` first
 * (`npm test` does it in pretest). Needs an unlocked OS keychain, like the
 * other integration tests.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnHarvest } from '../helpers/cli';
import { tempDataDir } from '../helpers/datadir';
import { openWs } from '../integration/host-support';

const RENDERER_INDEX = join(REPO_ROOT, 'dist', 'renderer', 'index.html');
const CLI_BUILD = join(REPO_ROOT, 'dist', 'cli');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e');
const CHROMIUM = process.env['HARVEST_E2E_CHROMIUM'] ?? '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 800 };

/** Variables a developer's shell might carry that would change what the engine does. */
const CLEAN_ENV: NodeJS.ProcessEnv = {
  HARVEST_MASTER_KEY: undefined,
  HARVEST_FAULT: undefined,
  HARVEST_DATA_DIR: undefined,
  HARVEST_LOG_LEVEL: 'warn',
};

interface Ready {
  event: 'ready';
  url: string;
  origin: string;
  port: number;
  network: string | null;
  trading: boolean;
}

interface ApiPosition {
  id: number;
  symbol: string;
  status: 'open' | 'closed';
  uiQuantity: string;
  averageEntryPrice: number | null;
  uiUnrealizedPnl: string | null;
  stopLoss: number | null;
}

interface Served {
  child: ChildProcess;
  ready: Ready;
  token: string;
  output: () => string;
  exited: Promise<void>;
}

let dataDir: { dir: string; cleanup: () => void } | null = null;
let served: Served | null = null;
/** Set as soon as it is spawned, so that it is stopped even if it never printed its ready line. */
let serveChild: ChildProcess | null = null;
let browser: Browser | null = null;

/** Starts `harvest serve` and waits for its ready line. */
function serve(dir: string): Promise<Served> {
  const child = spawnHarvest(['--data-dir', dir, 'serve', '--json', '--port', '0', '--cycle-seconds', '2'], CLEAN_ENV);
  serveChild = child;
  child.stdin!.end();
  let stdout = '';
  let stderr = '';
  const output = (): string => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`harvest serve printed no ready line in 60 s\n${output()}`)),
      60_000,
    );
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const line of stdout.split('\n')) {
        let msg: Partial<Ready> | null = null;
        try {
          msg = JSON.parse(line) as Partial<Ready>;
        } catch {
          continue;
        }
        if (msg?.event !== 'ready') continue;
        clearTimeout(timer);
        const token = new URL(msg.url!).searchParams.get('token');
        if (!token) return reject(new Error(`the ready URL carries no token: ${msg.url}`));
        return resolve({ child, ready: msg as Ready, token, output, exited });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        new Error(`harvest serve exited (${child.exitCode ?? child.signalCode}) before it was ready\n${output()}`),
      );
    });
  });
}

async function stopServe(s: Served): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const stopped = await Promise.race([
    s.exited.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 15_000)),
  ]);
  if (!stopped) {
    s.child.kill('SIGKILL');
    await s.exited;
  }
}

/** POST /api/command/NAME with the token; returns the result or throws with the engine's error. */
async function api<T>(name: string, input: unknown = {}, confirmation?: string): Promise<T> {
  const s = served!;
  const res = await fetch(`${s.ready.origin}/api/command/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ input, ...(confirmation ? { confirmation } : {}) }),
  });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: { code: string; message: string } };
  if (!body.ok) throw new Error(`${name}: ${res.status} ${body.error?.code}: ${body.error?.message}`);
  return body.result as T;
}

/** A number shown in the UI ("1,234.5", "+$12.00", "−0.31 (−0.20%)") as a JS number (the first one). */
function uiNumber(text: string): number {
  const m = /([+\-−]?)\$?([\d,]+(?:\.\d+)?)/u.exec(text);
  if (!m) throw new Error(`no number in "${text}"`);
  const n = Number(m[2]!.replace(/,/gu, ''));
  return m[1] === '-' || m[1] === '−' ? -n : n;
}

beforeAll(async () => {
  if (!existsSync(RENDERER_INDEX)) {
    throw new Error(
      `The UI is not built (${RENDERER_INDEX} is missing). Run \`npm run build:renderer\` (and \`npm run build:cli\`) first; \`npm test\` does both in pretest.`,
    );
  }
  if (!existsSync(CLI_BUILD)) {
    throw new Error(`The CLI is not built (${CLI_BUILD} is missing). Run \`npm run build:cli\` first.`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM} (apt-get install chromium, or set HARVEST_E2E_CHROMIUM).`);
  }
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = tempDataDir('hv-e2e-');
  served = await serve(dataDir.dir);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}, 90_000);

afterAll(async () => {
  // Each step on its own: a failure in one must not leave the engine running or the keychain dirty.
  try {
    await browser?.close();
  } catch {
    // already gone
  }
  try {
    if (served) await stopServe(served);
    else if (serveChild && serveChild.exitCode === null && serveChild.signalCode === null) {
      const gone = new Promise((r) => serveChild!.once('exit', r));
      serveChild.kill('SIGKILL');
      await gone;
    }
  } finally {
    dataDir?.cleanup();
  }
}, 60_000);

describe('Harvest in a browser (harvest serve + Chromium)', () => {
  it('a missing or wrong token gets 401 and no data, over HTTP and the WebSocket', async () => {
    const { ready, token } = served!;
    expect(ready.network).toBe('sandbox');
    expect(ready.trading).toBe(true);
    expect(new URL(ready.url).hostname).toBe('127.0.0.1');
    const wrong = token.replace(/^./u, (c) => (c === '0' ? '1' : '0'));
    const context = await browser!.newContext({ viewport: VIEWPORT, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      const req = page.request;
      const attempts: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${wrong}` },
        { authorization: 'Bearer ' },
        { authorization: token },
      ];
      for (const headers of attempts) {
        const health = await req.get(`${ready.origin}/api/health`, { headers });
        expect(health.status(), JSON.stringify(headers)).toBe(401);
        expect(health.headers()['www-authenticate']).toBe('Bearer');
        const text = await health.text();
        expect(text).not.toContain('version');
        expect(JSON.parse(text)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });

        const users = await req.post(`${ready.origin}/api/command/users.list`, { headers, data: { input: {} } });
        expect(users.status()).toBe(401);
        const body = (await users.json()) as Record<string, unknown>;
        expect(body).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
        expect(body).not.toHaveProperty('result');
      }
      // The query-string token is for the WebSocket only, not for HTTP calls.
      expect((await req.get(`${ready.origin}/api/health?token=${token}`)).status()).toBe(401);
      // The right token works (so the 401s above are about the token, not a broken host).
      const good = await req.post(`${ready.origin}/api/command/users.list`, {
        headers: { authorization: `Bearer ${token}` },
        data: { input: {} },
      });
      expect(good.status()).toBe(200);
      expect(await good.json()).toEqual({ ok: true, result: { users: [] } });

      // WebSocket: the upgrade itself is refused with 401 and no hello.
      const wsBase = `ws://127.0.0.1:${ready.port}/api/ws`;
      for (const url of [wsBase, `${wsBase}?token=${wrong}`, `${wsBase}?token=`]) {
        const r = await openWs(url, { origin: ready.origin });
        expect(r.ok, url).toBe(false);
        if (!r.ok) {
          expect(r.status).toBe(401);
          expect(r.body).toContain('UNAUTHORIZED');
          expect(r.body).not.toContain('hello');
        }
      }
      // The same from inside the page: the socket never opens and no message arrives.
      await page.goto(ready.origin);
      await expect.poll(() => page.getByTestId('locked').isVisible()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'locked-no-token-dark.png'), animations: 'disabled' });
      const browserWs = await page.evaluate(
        (urls) =>
          Promise.all(
            urls.map(
              (u) =>
                new Promise<{ opened: boolean; messages: number; code: number }>((resolve) => {
                  const ws = new WebSocket(u);
                  let opened = false;
                  let messages = 0;
                  ws.onopen = () => (opened = true);
                  ws.onmessage = () => messages++;
                  ws.onclose = (e) => resolve({ opened, messages, code: e.code });
                }),
            ),
          ),
        [wsBase, `${wsBase}?token=${wrong}`],
      );
      for (const r of browserWs) expect(r).toEqual({ opened: false, messages: 0, code: 1006 });

      // A wrong token in the URL: the app never gets past "connecting", and says why after a while.
      await page.goto(`${ready.origin}/?token=${wrong}`);
      await expect.poll(() => page.getByTestId('connecting').isVisible()).toBe(true);
      // The app probes /api/health with the token and says plainly that it is not valid.
      await page.getByTestId('bad-token').waitFor({ timeout: 15_000 });
      await page.getByTestId('use-other-link').waitFor({ timeout: 15_000 });
      await expect.poll(() => page.getByTestId('connecting').getAttribute('data-status')).not.toBe('open');
      await page.screenshot({ path: join(ARTIFACTS, 'connecting-wrong-token-dark.png'), animations: 'disabled' });
      // Still nothing was created by any of it.
      expect(await api<{ users: unknown[] }>('users.list')).toEqual({ users: [] });
    } finally {
      await context.close();
    }
  });

  it('the operator flow: wizard, two funded friends, risk, live strategy, orders with live PnL, leaderboard, pause, halt', async () => {
    const { ready, token } = served!;
    const context = await browser!.newContext({ viewport: VIEWPORT, colorScheme: 'dark' });
    const problems: string[] = [];
    const frames: string[] = [];
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
      });
      page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
      const ui = new Ui(page);

      // ---- first run: the wizard ----------------------------------------------------------
      await page.goto(ready.url);
      const wizard = page.getByTestId('wizard');
      await wizard.waitFor();
      // The token left the address bar.
      expect(page.url()).not.toContain(token);
      expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
      // Marks this document: if anything reloads the page, the mark is gone.
      await page.evaluate(() => ((window as unknown as Record<string, unknown>)['__e2eMark'] = 42));
      await expect.poll(() => wizard.getAttribute('data-step')).toBe('0');
      await page.getByTestId('wizard-network-sandbox').click();
      await expect.poll(() => page.getByTestId('wizard-network-sandbox').getAttribute('class')).toContain('on');
      await ui.shot('wizard-1-network');
      await page.getByTestId('wizard-next').click();

      await expect.poll(() => wizard.getAttribute('data-step')).toBe('1');
      await page.getByTestId('wizard-keychain-ok').waitFor();
      await ui.shot('wizard-2-keychain');
      await page.getByTestId('wizard-next').click();

      // The recovery kit: backup.create is sensitive, so the host asks for a confirmation first.
      await expect.poll(() => wizard.getAttribute('data-step')).toBe('2');
      const kitFile = join(dataDir!.dir, '..', 'e2e-recovery.hvkit');
      await expect.poll(() => page.getByTestId('backup-file').inputValue()).toMatch(/\.hvkit$/u);
      await page.getByTestId('backup-file').fill(kitFile);
      await page.getByTestId('backup-pass').fill('correct horse battery staple');
      await page.getByTestId('backup-pass2').fill('correct horse battery');
      await expect.poll(() => page.getByText('The passphrases differ').isVisible()).toBe(true);
      expect(await page.getByTestId('backup-create').isDisabled()).toBe(true);
      await page.getByTestId('backup-pass2').fill('correct horse battery staple');
      await ui.shot('wizard-3-recovery-kit');
      await page.getByTestId('backup-create').click();
      const dialog = page.getByTestId('confirm-dialog');
      await dialog.waitFor();
      await expect.poll(() => dialog.textContent()).toContain('Write a recovery kit?');
      await page.getByTestId('confirm-engine-message').waitFor();
      await ui.shot('confirm-dialog-recovery-kit');
      await page.getByTestId('confirm-ok').click();
      await page.getByTestId('backup-done').waitFor({ timeout: 60_000 });
      expect(existsSync(kitFile)).toBe(true);
      expect(frames.some((f) => f.includes('CONFIRMATION_REQUIRED'))).toBe(true);
      await page.getByTestId('wizard-next').click();

      await expect.poll(() => wizard.getAttribute('data-step')).toBe('3');
      await page.getByTestId('wizard-user-name').fill('Ana');
      await ui.shot('wizard-4-first-friend');
      await page.getByTestId('wizard-finish').click();

      // ---- Ana: wallet, faucet --------------------------------------------------------------
      const ana = await ui.userView('Ana');
      await ui.toast('success', /Welcome, Ana/u);
      expect(await ui.activeTab()).toBe('wallet');
      await ui.createWallet('wallet-mnemonic-dialog');
      await ui.fund();
      const anaAddress = (await page.getByTestId('deposit-address').textContent())!.trim();
      expect(anaAddress).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/u);
      await ui.shot('user-wallet');

      // ---- Bo: added from the sidebar ---------------------------------------------------------
      await page.getByTestId('add-user-open').click();
      await page.getByTestId('add-user-name').fill('Bo');
      await page.getByTestId('add-user-submit').click();
      const bo = await ui.userView('Bo');
      expect(bo).not.toBe(ana);
      await ui.createWallet();
      await ui.fund();
      await expect
        .poll(async () => (await page.getByTestId('user-list').locator('[data-user-name]').allTextContents()).length)
        .toBe(2);
      const users = await api<{ users: { id: number; name: string; address: string | null }[] }>('users.list');
      expect(users.users.map((u) => [u.id, u.name, !!u.address])).toEqual([
        [ana, 'Ana', true],
        [bo, 'Bo', true],
      ]);
      expect(users.users[0]!.address).toBe(anaAddress);

      // ---- Ana: risk preset -------------------------------------------------------------------------
      await page.getByTestId(`user-tab-${ana}`).click();
      await ui.userView('Ana');
      await page.getByTestId('tab-risk').click();
      await page.getByTestId('risk-tab').waitFor();
      await expect.poll(() => page.getByTestId('risk-preset-moderate').getAttribute('aria-pressed')).toBe('true');
      await page.getByTestId('risk-preset-aggressive').click();
      await ui.toast('success', /Aggressive preset applied/u);
      await expect.poll(() => page.getByTestId('risk-preset-aggressive').getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('risk-preset-moderate').getAttribute('aria-pressed')).toBe('false');
      await expect.poll(() => page.getByTestId('risk-input-maxOrderUsd').inputValue()).toBe('2500');
      // Inline validation from the same schemas: an out-of-bounds value is refused next to its field.
      await page.getByTestId('risk-input-maxDailyLossPct').fill('-3');
      await expect.poll(() => page.getByTestId('risk-field-maxDailyLossPct').textContent()).toContain('non-negative');
      await page.getByTestId('risk-reset').click();
      await expect.poll(() => page.getByTestId('risk-input-maxDailyLossPct').inputValue()).toBe('10');
      await ui.shot('user-risk');
      const limits = await api<{ preset: string; limits: { maxOrderUsd: number } }>('risk.limits', { user: ana });
      expect(limits.preset).toBe('aggressive');
      expect(limits.limits.maxOrderUsd).toBe(2500);

      // ---- Ana: landing control (issue #14): priority level, MEV protection and its tip ----------
      await page.getByTestId('setting-landing-priorityLevel').selectOption('high');
      await page.getByTestId('setting-landing-mevProtection').click();
      await expect.poll(() => page.getByTestId('setting-landing-mevProtection').isChecked()).toBe(true);
      await page.getByTestId('setting-input-landing.jitoTipSol').fill('0.0002');
      await page.getByTestId('setting-input-landing.jitoTipSol').press('Enter');
      const landingOf = async () =>
        (await api<{ settings: { landing: Record<string, unknown> } }>('settings.get', { user: ana })).settings.landing;
      await expect.poll(landingOf).toMatchObject({ priorityLevel: 'high', mevProtection: true, jitoTipSol: '0.0002' });
      await page.getByTestId('setting-landing-mevProtection').click();
      await expect.poll(async () => (await landingOf())['mevProtection']).toBe(false);

      // ---- Ana: strategy, live mode (asks first) ---------------------------------------------------
      await page.getByTestId('tab-strategy').click();
      await page.getByTestId('strategy-tab').waitFor();
      await page.getByTestId('strategy-trend').click();
      await expect.poll(() => page.getByTestId('strategy-trend').getAttribute('aria-pressed')).toBe('true');
      if ((await page.getByTestId('strategy-token-SOL').getAttribute('aria-pressed')) !== 'true')
        await page.getByTestId('strategy-token-SOL').click();
      await page.getByTestId('strategy-mode-live').click();
      await expect.poll(() => page.getByTestId('strategy-mode-live').getAttribute('aria-checked')).toBe('true');
      // The strategy is chosen but not switched on: the orders below are the only trades, so the assertions hold.
      expect(await page.getByTestId('strategy-enabled').isChecked()).toBe(false);
      await page.getByTestId('strategy-save').click();
      await dialog.waitFor();
      await expect.poll(() => dialog.textContent()).toContain('Trade live on the sandbox?');
      await ui.shot('confirm-dialog-go-live');
      await page.getByTestId('confirm-ok').click();
      await ui.toast('success', /Strategy saved/u);
      await expect.poll(() => page.getByTestId('user-mode').textContent()).toMatch(/live/iu);
      await expect
        .poll(() => page.getByTestId('strategy-tab').textContent())
        .toContain('saved, not running: trend · live');
      await ui.shot('user-strategy');
      const anaSettings = await api<{ settings: { mode: string; strategy: { id: string; tokens: string[] } } }>(
        'settings.get',
        { user: ana },
      );
      expect(anaSettings.settings.mode).toBe('live');
      expect(anaSettings.settings.strategy).toMatchObject({ id: 'trend', tokens: ['SOL'] });

      // ---- Ana: a manual live order ------------------------------------------------------------------
      await page.getByTestId('tab-positions').click();
      await page.getByTestId('positions-tab').waitFor();
      await expect.poll(() => page.getByTestId('positions-open').textContent()).toContain('No open positions');
      await page.getByTestId('order-side-buy').click();
      await page.getByTestId('order-token').selectOption('SOL');
      await page.getByTestId('order-amount').fill('50');
      // Live mode shows what the wallet holds (paper mode would say it is simulated).
      await expect.poll(() => page.getByTestId('order-form').textContent()).toMatch(/Available: 1,000(\.00)? USDC/u);
      await expect.poll(() => page.getByTestId('order-form').textContent()).toContain('Stop-loss · required');
      // No data-testid on the "−5%" helper: found by its title.
      await page.getByTestId('order-form').getByTitle('5 % below the price').click();
      await expect.poll(() => page.getByTestId('order-stop').inputValue()).toMatch(/^\d+(\.\d+)?$/u);
      const stop = Number(await page.getByTestId('order-stop').inputValue());
      await expect.poll(() => page.getByTestId('order-submit').isEnabled()).toBe(true);
      await ui.shot('user-positions-order-ticket');
      await page.getByTestId('order-submit').click();
      const result = page.getByTestId('order-result');
      await result.waitFor({ timeout: 60_000 });
      expect(await result.getAttribute('data-status'), (await result.textContent()) ?? '').toBe('confirmed');
      await ui.toast('success', /Bought SOL/u);

      const openTable = page.getByTestId('positions-open-table');
      await openTable.waitFor();
      const rows = openTable.locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(1);
      const rowId = Number((await rows.first().getAttribute('data-testid'))!.replace('position-', ''));
      const apiOpen = await api<{ positions: ApiPosition[] }>('positions.list', { user: ana, status: 'open' });
      expect(apiOpen.positions).toHaveLength(1);
      const pos = apiOpen.positions[0]!;
      expect(pos).toMatchObject({ id: rowId, symbol: 'SOL', status: 'open' });
      expect(pos.stopLoss).toBeCloseTo(stop, 6);
      const cells = await rows.first().locator('td').allTextContents();
      expect(cells[0]).toContain('SOL');
      expect(uiNumber(cells[1]!)).toBeCloseTo(Number(pos.uiQuantity), 5);
      expect(uiNumber(cells[2]!)).toBeCloseTo(pos.averageEntryPrice!, 2);
      // A live order spent real (sandbox) USDC: the wallet shows less than the 1,000 it was given.
      const anaBalances = await api<{ balances: { tokens: { symbol: string; uiAmount: string }[] }[] }>(
        'wallet.balances',
        { user: ana },
      );
      expect(Number(anaBalances.balances[0]!.tokens.find((t) => t.symbol === 'USDC')!.uiAmount)).toBeCloseTo(950, 6);
      // The tab counts the open position; the sidebar too.
      await expect.poll(() => page.getByTestId('tab-positions').textContent()).toMatch(/Positions\s*1/u);
      await expect.poll(() => page.getByTestId(`user-tab-${ana}`).textContent()).toContain('1 open');

      // PnL updates live: the unrealized PnL of the row changes as the sandbox market moves, without a reload.
      const upnl = page.getByTestId(`position-upnl-${rowId}`);
      await expect.poll(() => upnl.textContent()).toMatch(/\d/u);
      const firstUpnl = (await upnl.textContent())!;
      await expect.poll(() => upnl.textContent(), { timeout: 45_000, interval: 500 }).not.toBe(firstUpnl);
      const laterUpnl = (await upnl.textContent())!;
      // And it matches the engine's own figure at about the same moment (to within the market's drift).
      const apiLater = await api<{ positions: ApiPosition[] }>('positions.list', { user: ana, status: 'open' });
      expect(Math.abs(uiNumber(laterUpnl) - Number(apiLater.positions[0]!.uiUnrealizedPnl))).toBeLessThan(2);
      // The total comes from the engine's stats (net of flows, with trusted prices): give it the stats' refresh, under load too.
      await expect
        .poll(() => page.getByTestId('user-total-pnl').textContent(), { timeout: 30_000, interval: 500 })
        .toMatch(/\$\d/u);
      await ui.shot('user-positions');
      await page.getByTestId('chart-equity').click();
      await ui.shot('user-positions-equity-chart');
      await page.getByTestId('chart-price').click();

      // ---- Activity: the trade is listed -----------------------------------------------------------
      await page.getByTestId('tab-activity').click();
      await page.getByTestId('activity-tab').waitFor();
      await page.getByTestId('activity-trades').waitFor();
      await expect.poll(() => page.getByTestId('activity-trades').locator('[data-testid^="trade-"]').count()).toBe(1);
      await ui.shot('user-activity');
      for (const sub of ['orders', 'events', 'audit'] as const) {
        await page.getByTestId(`activity-${sub}-tab`).click();
        await page.getByTestId(`activity-${sub}`).waitFor();
      }
      await expect.poll(() => page.getByTestId('activity-audit').textContent()).toMatch(/strategy|risk|order/iu);
      await ui.shot('user-activity-audit');

      // ---- Bo: an order placed through the API shows up by itself (the event stream) ----------------
      await page.getByTestId(`user-tab-${bo}`).click();
      await ui.userView('Bo');
      await page.getByTestId('tab-positions').click();
      await page.getByTestId('positions-tab').waitFor();
      await expect.poll(() => page.getByTestId('positions-open').textContent()).toContain('No open positions');
      const candles = await api<{ candles: { close: number }[] }>('market.candles', {
        token: 'SOL',
        timeframe: '1m',
        limit: 1,
      });
      const solPrice = candles.candles.at(-1)!.close;
      const boOrder = await api<{ status: string; code?: string | null; message?: string | null }>('orders.submit', {
        user: bo,
        side: 'buy',
        token: 'SOL',
        amount: '25',
        stopLoss: Math.round(solPrice * 0.9 * 100) / 100,
      });
      expect(boOrder.status, JSON.stringify(boOrder)).toBe('confirmed');
      const boRows = page.getByTestId('positions-open-table').locator('tbody tr');
      await expect.poll(() => boRows.count(), { timeout: 10_000, interval: 200 }).toBe(1);
      const boApi = await api<{ positions: ApiPosition[] }>('positions.list', { user: bo, status: 'open' });
      expect(boApi.positions).toHaveLength(1);
      expect(await boRows.first().getAttribute('data-testid')).toBe(`position-${boApi.positions[0]!.id}`);
      expect(await page.getByTestId('user-mode').textContent()).toMatch(/paper/iu);

      // ---- the rest of Ana's tabs, for the record ---------------------------------------------------
      await page.getByTestId(`user-tab-${ana}`).click();
      await ui.userView('Ana');
      await page.getByTestId('tab-wallet').click();
      await page.getByTestId('balances-table').waitFor();
      await expect.poll(() => page.getByTestId('balance-SOL').textContent()).toMatch(/SOL\s*\d/u);
      await ui.shot('user-wallet-after-trade');

      // ---- leaderboard ---------------------------------------------------------------------------------
      await page.getByTestId('nav-leaderboard').click();
      await page.getByTestId('leaderboard-table').waitFor();
      await expect.poll(() => page.getByTestId('leaderboard-table').locator('tbody tr').count()).toBe(2);
      const names = await page.getByTestId('leaderboard-table').locator('tbody tr td:nth-child(2)').allTextContents();
      expect(names.sort()).toEqual(['Ana', 'Bo']);
      await ui.shot('leaderboard');
      await page.getByTestId('leaderboard-by-pnl').click();
      await page.getByTestId('leaderboard-anonymous').check();
      await expect
        .poll(async () =>
          (await page.getByTestId('leaderboard-table').locator('tbody tr td:nth-child(2)').allTextContents()).join(','),
        )
        .not.toMatch(/Ana|Bo/u);
      await ui.shot('leaderboard-anonymous');

      // ---- overview: pause and resume a friend ---------------------------------------------------------
      await page.getByTestId('nav-overview').click();
      await page.getByTestId('overview').waitFor();
      await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-state')).toBe('trading');
      await expect.poll(() => page.getByTestId(`user-state-${ana}`).getAttribute('data-state')).toBe('active');
      await expect.poll(() => page.getByTestId(`user-state-${bo}`).getAttribute('data-state')).toBe('active');
      await expect.poll(() => page.getByTestId('kpi-open').textContent()).toMatch(/Open positions\s*2/u);
      await expect.poll(() => page.getByTestId('health-cycle').textContent()).not.toBe('—');
      await ui.shot('overview');
      // The engine's loop shows up live: the cycle number moves on by itself (2 s cycles, 5 s health polls).
      const cycleNo = async (): Promise<number> =>
        Number(/#(\d+)/u.exec((await page.getByTestId('kpi-cycle').textContent()) ?? '')?.[1] ?? Number.NaN);
      const cycle0 = await cycleNo();
      expect(cycle0).toBeGreaterThan(0);
      await expect.poll(cycleNo, { timeout: 15_000 }).toBeGreaterThan(cycle0);

      await page.getByTestId(`user-pause-${ana}`).click();
      await ui.toast('success', /Ana paused/u);
      await expect.poll(() => page.getByTestId(`user-state-${ana}`).getAttribute('data-state')).toBe('paused');
      expect(await page.getByTestId(`user-state-${bo}`).getAttribute('data-state')).toBe('active');
      let controls = await api<{
        global: { paused: boolean; halted: boolean };
        users: { userId: number; paused: boolean }[];
      }>('controls.status');
      expect(controls.users.find((u) => u.userId === ana)!.paused).toBe(true);
      expect(controls.users.find((u) => u.userId === bo)!.paused).toBe(false);
      await ui.shot('overview-user-paused');
      // Resuming a friend is sensitive: the host asks for a confirmation, the UI shows the dialog.
      const confirmsBefore = frames.filter((f) => f.includes('CONFIRMATION_REQUIRED')).length;
      await page.getByTestId(`user-resume-${ana}`).click();
      await dialog.waitFor();
      await expect.poll(() => dialog.textContent()).toContain('Resume Ana?');
      await page.getByTestId('confirm-engine-message').waitFor();
      expect(frames.filter((f) => f.includes('CONFIRMATION_REQUIRED')).length).toBe(confirmsBefore + 1);
      await page.getByTestId('confirm-ok').click();
      await ui.toast('success', /Ana resumed/u);
      await expect.poll(() => page.getByTestId(`user-state-${ana}`).getAttribute('data-state')).toBe('active');
      controls = await api('controls.status');
      expect(controls.users.find((u) => u.userId === ana)!.paused).toBe(false);

      // ---- overview: halt, then resume (the host's CONFIRMATION_REQUIRED, the in-app dialog) -------------
      await page.getByTestId('global-halt').click();
      await dialog.waitFor();
      await expect.poll(() => dialog.textContent()).toContain('Halt everything?');
      await ui.shot('confirm-dialog-halt');
      await page.getByTestId('confirm-ok').click();
      await page.getByTestId('halt-banner').waitFor();
      await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-state')).toBe('halted');
      await expect.poll(() => page.getByTestId(`user-state-${ana}`).getAttribute('data-state')).toBe('halted');
      await expect.poll(() => page.getByTestId(`user-state-${bo}`).getAttribute('data-state')).toBe('halted');
      expect(await page.getByTestId('global-halt').isDisabled()).toBe(true);
      expect(await page.getByTestId('global-resume').isEnabled()).toBe(true);
      controls = await api('controls.status');
      expect(controls.global).toMatchObject({ halted: true });
      await ui.shot('overview-halted', { keepToasts: true });

      // First a cancel: nothing changes.
      await page.getByTestId('global-resume').click();
      await dialog.waitFor();
      await page.getByTestId('confirm-cancel').click();
      await dialog.waitFor({ state: 'hidden' });
      expect((await api<{ global: { halted: boolean } }>('controls.status')).global.halted).toBe(true);
      await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-state')).toBe('halted');

      const resumeConfirms = frames.filter((f) => f.includes('CONFIRMATION_REQUIRED')).length;
      await page.getByTestId('global-resume').click();
      await dialog.waitFor();
      await expect.poll(() => dialog.textContent()).toContain('Resume after a halt?');
      const engineMessage = page.getByTestId('confirm-engine-message');
      await engineMessage.waitFor();
      expect(await engineMessage.textContent()).toMatch(/confirm to go ahead/iu);
      expect(frames.filter((f) => f.includes('CONFIRMATION_REQUIRED')).length).toBe(resumeConfirms + 1);
      await ui.shot('confirm-dialog-resume-after-halt');
      await page.getByTestId('confirm-ok').click();
      await dialog.waitFor({ state: 'hidden' });
      await ui.toast('success', /Trading resumed/u);
      await page.getByTestId('halt-banner').waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId('engine-state').getAttribute('data-state')).toBe('trading');
      await expect.poll(() => page.getByTestId(`user-state-${ana}`).getAttribute('data-state')).toBe('active');
      controls = await api('controls.status');
      expect(controls.global).toMatchObject({ halted: false, paused: false });

      // ---- settings ----------------------------------------------------------------------------------------
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings').waitFor();
      await page.getByTestId('network-form').waitFor();
      await expect.poll(() => page.getByTestId('network-sandbox').getAttribute('aria-checked')).toBe('true');
      await ui.shot('settings');

      // ---- light theme --------------------------------------------------------------------------------------
      await page.getByTestId('theme-toggle').click();
      await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('light');
      await ui.shot('settings');
      await page.getByTestId('nav-overview').click();
      await page.getByTestId('overview').waitFor();
      await ui.shot('overview');
      await page.getByTestId(`user-tab-${ana}`).click();
      await ui.userView('Ana');
      await page.getByTestId('tab-positions').click();
      await page.getByTestId('positions-open-table').waitFor();
      await ui.shot('user-positions');
      await page.getByTestId('tab-wallet').click();
      await page.getByTestId('balances-table').waitFor();
      await ui.shot('user-wallet');
      await page.getByTestId('nav-leaderboard').click();
      await page.getByTestId('leaderboard-table').waitFor();
      await ui.shot('leaderboard');

      // The whole flow ran in one document, on one socket.
      expect(await page.evaluate(() => (window as unknown as Record<string, unknown>)['__e2eMark'])).toBe(42);
      expect(await page.getByTestId('connection-status').getAttribute('data-status')).toBe('open');
      expect(problems).toEqual([]);

      // Finally the API agrees with what the UI showed.
      const finalAna = await api<{ positions: ApiPosition[] }>('positions.list', { user: ana, status: 'all' });
      expect(finalAna.positions.map((p) => [p.id, p.symbol, p.status])).toEqual([[rowId, 'SOL', 'open']]);
      const board = await api<{ rows: { name: string }[] }>('stats.leaderboard', {});
      expect(board.rows.map((r) => r.name).sort()).toEqual(['Ana', 'Bo']);
    } finally {
      await context.close();
    }
  }, 240_000);
});

/** Screen helpers around one page. */
class Ui {
  constructor(readonly page: Page) {}

  /** The user view for this name; returns the user's id. */
  async userView(name: string): Promise<number> {
    const view = this.page.getByTestId('user-view');
    await expect.poll(() => this.page.getByTestId('user-name').textContent()).toBe(name);
    return Number(await view.getAttribute('data-user-id'));
  }

  async activeTab(): Promise<string | null> {
    const tab = this.page.locator('[role="tab"][aria-selected="true"]');
    return ((await tab.getAttribute('data-testid')) ?? '').replace(/^tab-/u, '') || null;
  }

  /** Waits for a toast of this kind whose text matches. */
  async toast(kind: 'success' | 'error' | 'warning' | 'info', text: RegExp): Promise<void> {
    await expect
      .poll(async () => (await this.page.getByTestId(`toast-${kind}`).allTextContents()).join(' | '), {
        timeout: 20_000,
      })
      .toMatch(text);
  }

  /** Creates the shown user's wallet and acknowledges the recovery phrase. */
  async createWallet(shot?: string): Promise<void> {
    const p = this.page;
    await p.getByTestId('create-wallet').click();
    const dlg = p.getByTestId('mnemonic-dialog');
    await dlg.waitFor();
    const words = await p.getByTestId('mnemonic-words').locator('span').count();
    expect(words).toBe(12);
    if (shot) await this.shot(shot);
    expect(await p.getByTestId('mnemonic-close').isDisabled()).toBe(true);
    await p.getByTestId('mnemonic-ack').check();
    await p.getByTestId('mnemonic-close').click();
    await dlg.waitFor({ state: 'detached' });
    await p.getByTestId('deposit-address').waitFor();
    await p.getByTestId('deposit-qr').waitFor();
    await expect.poll(() => p.getByTestId('user-state').getAttribute('data-state')).not.toBe('no-wallet');
  }

  /** 10 SOL and 1,000 USDC from the sandbox faucet; waits for the balances and activation to show. */
  async fund(): Promise<void> {
    // The faucet lands on the sandbox chain; balances, activation and equity follow from engine cycles (2 s each),
    // so each wait covers several cycles on a loaded machine instead of expect.poll's default 1 s.
    const CHAIN = { timeout: 20_000, interval: 200 };
    const p = this.page;
    await p.getByTestId('faucet-panel').waitFor();
    await p.getByTestId('faucet-sol').click();
    await expect.poll(() => p.getByTestId('balance-SOL').locator('td').nth(1).textContent(), CHAIN).toBe('10');
    await expect.poll(() => p.getByTestId('faucet-usdc').isEnabled(), CHAIN).toBe(true);
    await p.getByTestId('faucet-usdc').click();
    await expect.poll(() => p.getByTestId('balance-USDC').locator('td').nth(1).textContent(), CHAIN).toBe('1,000');
    await expect.poll(() => p.getByTestId('activation-status').getAttribute('data-active'), CHAIN).toBe('true');
    await expect.poll(() => p.getByTestId('user-state').getAttribute('data-state'), CHAIN).toBe('active');
    await expect.poll(() => p.getByTestId('user-equity').textContent(), CHAIN).toMatch(/\$1,\d{3}|\$\d,\d{3}/u);
  }

  /**
   * Saves `<name>-<theme>.png` (the 1280×800 window) and, when the screen scrolls, `<name>-<theme>-full.png`
   * (the window grown to the height of the scrolled content, so nothing below the fold is missed).
   * Toasts are dismissed first (they would hide the corner of the screen) unless `keepToasts`.
   */
  async shot(name: string, opts: { keepToasts?: boolean } = {}): Promise<void> {
    const p = this.page;
    if (!opts.keepToasts) {
      // The toasts' close buttons have no data-testid: found by their title.
      const close = p.getByTestId('toasts').getByTitle('Dismiss');
      // Dispatched on the button itself: a click at its position could land on a dialog's overlay instead.
      for (let n = await close.count(); n > 0; n = await close.count()) await close.first().dispatchEvent('click');
    }
    const theme = await p.evaluate(() => document.documentElement.dataset['theme'] ?? 'dark');
    const base = `${name}-${theme}`;
    // Let a just-changed screen settle (layout, canvas charts) before the picture; animations are finished.
    await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await p.screenshot({ path: join(ARTIFACTS, `${base}.png`), animations: 'disabled' });
    const height = await p.evaluate(() => {
      const scrollers = [...document.querySelectorAll<HTMLElement>('.main, .wizard-body, .dialog, .splash')];
      const extra = Math.max(0, ...scrollers.map((el) => el.scrollHeight - el.clientHeight));
      return document.documentElement.clientHeight + extra;
    });
    if (height > VIEWPORT.height + 8) {
      await p.setViewportSize({ width: VIEWPORT.width, height: Math.min(height, 4000) });
      await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await p.screenshot({ path: join(ARTIFACTS, `${base}-full.png`), animations: 'disabled' });
      await p.setViewportSize(VIEWPORT);
    }
  }
}
