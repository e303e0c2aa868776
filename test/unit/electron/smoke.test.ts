/**
 * Issue 18 point 7, the main process's half of `npm run smoke:electron`: with
 * HARVEST_SMOKE_SCREENSHOT set, the window's first paint is captured after
 * 'ready-to-show', written as a PNG, and the app quits through its normal quit
 * flow (the engine is closed). Without the variable nothing of that happens.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import { launch } from '../../../electron/main';
import { smokeScreenshotPath } from '../../../electron/smoke';
import { Engine } from '../../../engine/runtime';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { resetElectronStub, stub, type FakeBrowserWindow } from './electron-stub';

let tmp: ReturnType<typeof tempDataDir>;
let shots: string;
let startTrading: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  resetElectronStub();
  tmp = tempDataDir('hv-smoke-');
  shots = mkdtempSync(join(tmpdir(), 'hv-smoke-shot-'));
  // The real loop would connect the sandbox network; only the shell's wiring is under test.
  startTrading = vi.spyOn(Engine.prototype, 'startTrading').mockImplementation(() => undefined);
  stub.paths.set('appData', dirname(tmp.dir));
  vi.stubEnv('HARVEST_DATA_DIR', tmp.dir);
  vi.stubEnv('ELECTRON_RENDERER_URL', '');
  vi.stubEnv('HARVEST_TRAY', '1');
});

afterEach(() => {
  startTrading.mockRestore();
  vi.unstubAllEnvs();
  rmSync(shots, { recursive: true, force: true });
  tmp.cleanup();
});

/** launch() as the real app runs it, resolved once the shell is whole (its tray exists). */
async function launched(): Promise<FakeBrowserWindow> {
  launch('linux');
  await vi.waitFor(() => expect(stub.trays).toHaveLength(1));
  const w = stub.windows.at(-1);
  if (!w) throw new Error('no window');
  return w;
}

/** The engine's lock on the data folder is released: it was closed. */
async function engineClosed(): Promise<void> {
  const again = openEngine(tmp.dir, { actor: 'ui', ownerKind: 'engine' });
  await again.close();
}

describe('smoke run (HARVEST_SMOKE_SCREENSHOT)', () => {
  it('after the first paint: captures the page, writes the PNG, quits through the normal quit flow', async () => {
    const png = join(shots, 'first-paint.png');
    vi.stubEnv('HARVEST_SMOKE_SCREENSHOT', png);
    const w = await launched();
    // Nothing before the first paint.
    expect(w.webContents.captures).toBe(0);
    expect(existsSync(png)).toBe(false);
    expect(stub.appCalls).not.toContain('quit');

    w.emit('ready-to-show');
    await vi.waitFor(() => expect(stub.appCalls).toContain('quitted'));
    expect(w.webContents.captures).toBe(1);
    expect(readFileSync(png)).toEqual(w.webContents.capturedPng);
    // The tray's Quit path: app.quit(), will-quit closes the engine, then the app really quits; no exit(1).
    expect(stub.appCalls.filter((c) => c.startsWith('exit'))).toEqual([]);
    expect(stub.handlers.size).toBe(0);
    await engineClosed();
  });

  it('an empty capture (nothing painted): no file, the engine is closed, the app exits 1', async () => {
    const png = join(shots, 'first-paint.png');
    vi.stubEnv('HARVEST_SMOKE_SCREENSHOT', png);
    const w = await launched();
    w.webContents.capturedPng = Buffer.alloc(0);
    w.emit('ready-to-show');
    await vi.waitFor(() => expect(stub.appCalls).toContain('exit:1'));
    expect(existsSync(png)).toBe(false);
    expect(stub.handlers.size).toBe(0);
    await engineClosed();
  });

  it('without the variable: no capture, no file, the app keeps running', async () => {
    const w = await launched();
    w.emit('ready-to-show');
    await new Promise((r) => setTimeout(r, 20));
    expect(w.isVisible()).toBe(true);
    expect(w.webContents.captures).toBe(0);
    expect(stub.appCalls).not.toContain('quit');
    expect(stub.handlers.size).toBeGreaterThan(0);
    // Clean up the way a user would.
    await stub.trays[0]!.click('quit');
    await vi.waitFor(() => expect(stub.appCalls).toContain('quitted'));
  });

  it('a packaged app ignores the variable, like the other development variables', () => {
    const env = { HARVEST_SMOKE_SCREENSHOT: '/tmp/x.png' };
    expect(smokeScreenshotPath(true, env)).toBeUndefined();
    expect(smokeScreenshotPath(false, env)).toBe('/tmp/x.png');
    expect(smokeScreenshotPath(false, {})).toBeUndefined();
  });
});
