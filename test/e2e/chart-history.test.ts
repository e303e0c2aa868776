/**
 * Issue 11 item 1 in a browser: right after `harvest serve` starts on a fresh
 * data folder, the market chart shows history at its first paint (seeded from
 * the sandbox's replay), labelled as replay time. Real parts: the built CLI
 * and UI, the sandbox over HTTP, Chromium through playwright-core. The
 * screenshot is kept in test-artifacts/e2e/chart-history.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARVEST_BIN, REPO_ROOT } from '../helpers/cli';
import { tempDataDir } from '../helpers/datadir';

const RENDERER_INDEX = join(REPO_ROOT, 'dist', 'renderer', 'index.html');
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e');
const CHROMIUM = process.env['HARVEST_E2E_CHROMIUM'] ?? '/usr/bin/chromium';

let dataDir: { dir: string; cleanup: () => void } | null = null;
let child: ChildProcess | null = null;
let browser: Browser | null = null;
let url = '';
let origin = '';
let token = '';

beforeAll(async () => {
  if (!existsSync(RENDERER_INDEX)) throw new Error('The UI is not built: run `npm run build:renderer` first.');
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (apt-get install chromium).`);
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = tempDataDir('hv-chart-');
  child = spawn(
    process.execPath,
    [HARVEST_BIN, '--data-dir', dataDir.dir, 'serve', '--json', '--port', '0', '--cycle-seconds', '2'],
    { env: { ...process.env, HARVEST_MASTER_KEY: undefined, HARVEST_LOG_LEVEL: 'warn' }, stdio: 'pipe' },
  );
  child.stdin!.end();
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s\n${out}\n${err}`)), 60_000);
    child!.on('exit', () => reject(new Error(`harvest serve exited early\n${out}\n${err}`)));
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        try {
          const msg = JSON.parse(line) as { event?: string; url?: string; origin?: string };
          if (msg.event !== 'ready') continue;
          clearTimeout(timer);
          url = msg.url!;
          origin = msg.origin!;
          token = new URL(url).searchParams.get('token')!;
          return resolve();
        } catch {
          // not a JSON line
        }
      }
    });
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}, 90_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  dataDir?.cleanup();
});

describe('the market chart on a fresh data folder', () => {
  it('shows history at once, in replay time', async () => {
    // The engine answers with history before its first cycle has run.
    const res = await fetch(`${origin}/api/command/market.candles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: { token: 'SOL', timeframe: '1h', limit: 300 } }),
    });
    const body = (await res.json()) as { result: { timeKind: string; candles: { source: string }[] } };
    expect(body.result.timeKind).toBe('replay');
    expect(body.result.candles.filter((c) => c.source === 'seed:replay').length).toBeGreaterThanOrEqual(160);

    const page = await (await browser!.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(url);
    await page.getByTestId('wizard-skip').click();
    const chart = page.getByTestId('overview-price-chart');
    await chart.waitFor();
    // History at first paint: the legend (last close, change) and the replay-time note, no empty state.
    await chart.getByTestId('chart-replay-time').waitFor();
    expect(await chart.locator('.chart-empty').count()).toBe(0);
    expect(await chart.getByTestId('chart-replay-time').textContent()).toMatch(
      /sandbox replay time, .*2020 \(60× speed\)/u,
    );
    await page.waitForTimeout(500); // one animation frame of the chart library, for the picture only
    await page.screenshot({ path: join(ARTIFACTS, 'chart-history.png') });
  }, 60_000);
});
