/**
 * Issue 13, points 1 and 3, in a real browser (Chromium via playwright-core)
 * against a real `harvest serve`: a backtest started from the Backtest screen
 * shows its progress from pushes over the WebSocket the UI already has (the
 * bar moves, then the report appears), and the screen does not poll
 * backtest.job while the socket is up: the job is read once, for its report.
 * The cancel button still stops a run; while the socket is down the screen
 * asks instead, and a run that ended meanwhile still shows. Screenshots of the screen during and
 * after a run, dark and light, go to /tmp.
 */
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertE2eReady, e2eEnv, harvestOn, launchChromium, startServe, stopServe } from '../helpers/e2e';
import { tempDataDir } from '../helpers/datadir';

const ENV = e2eEnv();
let dir: { dir: string; cleanup: () => void };
let child: ChildProcess | null = null;
let url = '';
let browser: Browser | null = null;

beforeAll(async () => {
  assertE2eReady();
  dir = tempDataDir('hv-bt-progress-ui-');
  await harvestOn(dir.dir, ENV, 'user', 'add', 'ana');
  ({ child, url } = await startServe(dir.dir, ENV, 5));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopServe(child);
  dir?.cleanup();
});

/** What the page says to the engine about jobs, over the socket and over HTTP. */
function watchTraffic(page: Page) {
  const seen = { jobCallsOverWs: 0, jobCallsOverHttp: 0, jobPushes: 0, sockets: 0 };
  page.on('request', (r) => {
    if (r.url().includes('/api/command/backtest.job')) seen.jobCallsOverHttp++;
  });
  page.on('websocket', (ws) => {
    seen.sockets++;
    ws.on('framesent', (f) => {
      const m = JSON.parse(String(f.payload)) as { command?: string };
      if (m.command === 'backtest.job') seen.jobCallsOverWs++;
    });
    ws.on('framereceived', (f) => {
      if ((JSON.parse(String(f.payload)) as { type?: string }).type === 'job') seen.jobPushes++;
    });
  });
  return seen;
}

/** Records every value the progress bar shows, from the moment it appears. */
async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __progress: number[] };
    w.__progress = [];
    const note = () => {
      const bar = document.querySelector('[data-testid="backtest-progress"] [role="progressbar"]');
      const v = bar ? Number(bar.getAttribute('aria-valuenow')) : null;
      if (v !== null && w.__progress.at(-1) !== v) w.__progress.push(v);
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
  });
}

const progressSeen = (page: Page) => page.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
const barAt = (page: Page, atLeast: number) =>
  page.waitForFunction(
    (min) =>
      Number(
        document
          .querySelector('[data-testid="backtest-progress"] [role="progressbar"]')
          ?.getAttribute('aria-valuenow') ?? -1,
      ) >= min,
    atLeast,
    { timeout: 60_000 },
  );

async function setUpLongRun(page: Page): Promise<void> {
  await page.getByTestId('backtest-strategy-trend').click();
  await page.getByTestId('backtest-param-timeframe').locator('select').selectOption('5m');
  await page.getByTestId('backtest-token-WETH').click();
  await page.getByTestId('backtest-token-WBTC').click();
  await page.getByTestId('backtest-from').fill('2020-12-01');
  await page.getByTestId('backtest-to').fill('2021-07-01');
}

describe('Backtest progress over the WebSocket', () => {
  it('the bar moves from pushes and the report appears, with no backtest.job polling while connected; cancel stops a run', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    const traffic = watchTraffic(page);
    await page.goto(url);
    await page.getByTestId('nav-backtest').click();
    await page.getByTestId('backtest-screen').waitFor();
    await setUpLongRun(page);

    for (const theme of ['dark', 'light'] as const) {
      if ((await page.locator('html').getAttribute('data-theme')) !== theme)
        await page.getByTestId('theme-toggle').click();
      const before = { ...traffic };
      await recordProgress(page);
      await page.getByTestId('backtest-run').click();
      await barAt(page, 1);
      await page.getByTestId('backtest-progress').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `/tmp/backtest-progress-${theme}.png` });
      await page.getByTestId('backtest-report').waitFor({ timeout: 120_000 });
      await page.getByTestId('backtest-progress').waitFor({ state: 'detached' });
      await page.getByTestId('backtest-report').scrollIntoViewIfNeeded();
      await page.screenshot({ path: `/tmp/backtest-done-${theme}.png` });

      const values = await progressSeen(page);
      // The bar moved: it showed values between start and end, never going back.
      expect(values.filter((v) => v > 0 && v < 100).length, String(values)).toBeGreaterThan(0);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      // Progress came as pushes; backtest.job was read once, for the report, and never over HTTP.
      expect(traffic.jobPushes - before.jobPushes).toBeGreaterThan(1);
      expect(traffic.jobCallsOverWs - before.jobCallsOverWs).toBe(1);
      expect(traffic.jobCallsOverHttp).toBe(0);
    }
    expect(traffic.sockets).toBe(1);

    // Cancel: the run stops, the form comes back, nothing is polled.
    const saved = await page.locator('[data-testid^="backtest-saved-"]').count();
    const before = { ...traffic };
    await page.getByTestId('backtest-run').click();
    await barAt(page, 1);
    await page.getByTestId('backtest-progress-cancel').click();
    await page.getByTestId('toast-info').filter({ hasText: 'Backtest cancelled' }).waitFor();
    await page.getByTestId('backtest-run').waitFor();
    expect(await page.getByTestId('backtest-progress').count()).toBe(0);
    expect(await page.getByTestId('backtest-error').count()).toBe(0);
    expect(traffic.jobCallsOverWs - before.jobCallsOverWs).toBe(0);
    // The cancelled run was not saved (its final push said so; the list is read after a finished run only).
    const list = JSON.parse(await harvestOn(dir.dir, ENV, '--json', 'backtest', 'list')) as { runs: unknown[] };
    expect(list.runs).toHaveLength(2);
    expect(await page.locator('[data-testid^="backtest-saved-"]').count()).toBe(saved);
    await page.close();
  }, 300_000);

  it('when the socket drops mid-run, the screen asks for the job instead; the report appears once it is back', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    let down = false;
    const live: WebSocketRoute[] = [];
    const jobCalls: number[] = [];
    // The page's socket goes through here: passed to the server while up, closed at once while down.
    await page.routeWebSocket(/\/api\/ws/u, (ws) => {
      if (down) return void ws.close();
      const server = ws.connectToServer();
      const nth = live.length + 1;
      ws.onMessage((m) => {
        if ((JSON.parse(String(m)) as { command?: string }).command === 'backtest.job') jobCalls.push(nth);
        server.send(m);
      });
      server.onMessage((m) => ws.send(m));
      live.push(ws);
    });
    await page.goto(url);
    await page.getByTestId('nav-backtest').click();
    await page.getByTestId('backtest-screen').waitFor();
    await setUpLongRun(page);
    const runs = async () =>
      (JSON.parse(await harvestOn(dir.dir, ENV, '--json', 'backtest', 'list')) as { runs: unknown[] }).runs.length;
    const saved = await runs();

    await page.getByTestId('backtest-run').click();
    await barAt(page, 1);
    down = true;
    for (const ws of live) await ws.close();
    // The run ends on the engine while the page cannot hear it.
    await expect.poll(runs, { timeout: 60_000, interval: 250 }).toBe(saved + 1);
    expect(await page.getByTestId('backtest-progress').count()).toBe(1);
    down = false;
    await page.getByTestId('backtest-report').waitFor({ timeout: 60_000 });
    await page.getByTestId('backtest-progress').waitFor({ state: 'detached' });
    expect(await page.getByTestId('backtest-error').count()).toBe(0);
    // The job was read over the socket that came back (no push told it the run had ended).
    expect(jobCalls.filter((n) => n === live.length).length).toBeGreaterThan(0);
    expect(live.length).toBeGreaterThan(1);
    await page.close();
  }, 180_000);
});
