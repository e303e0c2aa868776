import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import { commandNames } from '../../../engine/api/contract';
import { KEYCHAIN_SERVICE, OsKeychain } from '../../../engine/keystore';
import { loadKeyring } from '../../../engine/keystore/keychain';
import { Engine, type Funds } from '../../../engine/runtime';
import { DEFAULT_CYCLE_MS, defaultPaths, devNetwork, launch, startShell, type Shell } from '../../../electron/main';
import { buildBridge } from '../../../electron/preload';
import { APP_URL } from '../../../electron/security';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { fakeApp, fakeIpcRenderer, resetElectronStub, stub, type FakeBrowserWindow } from './electron-stub';

let tmp: ReturnType<typeof tempDataDir>;
let shell: Shell | null = null;
let startTrading: ReturnType<typeof vi.spyOn>;

const root = join(import.meta.dirname, '..', '..', '..');
const paths = { preload: '/app/out/preload/preload.cjs', rendererDir: '/app/dist/renderer' };
/** The real Engine.open as the desktop calls it, with the test clock and no log output. */
const open = (dataDir: string): Engine => openEngine(dataDir, { actor: 'ui', ownerKind: 'engine' });

beforeEach(() => {
  resetElectronStub();
  tmp = tempDataDir('hv-shell-');
  // The real loop would connect the sandbox network; here we only check that it is started.
  startTrading = vi.spyOn(Engine.prototype, 'startTrading').mockImplementation(() => undefined);
});

afterEach(async () => {
  await shell?.shutdown();
  shell = null;
  startTrading.mockRestore();
  vi.unstubAllEnvs();
  tmp.cleanup();
});

describe('engine start-up', () => {
  it('without a keychain: says how to fix it, writes nothing, opens no window', async () => {
    const broken = {
      get: () => {
        throw new Error('org.freedesktop.DBus.Error.ServiceUnknown');
      },
      set: () => {
        throw new Error('org.freedesktop.DBus.Error.ServiceUnknown');
      },
      delete: () => undefined,
    };
    shell = await startShell({
      dataDir: tmp.dir,
      paths,
      openEngine: (dataDir) => Engine.open({ dataDir, keychain: broken, env: {}, ownerKind: 'engine', actor: 'ui' }),
    });
    expect(shell).toBeNull();
    expect(stub.errorBoxes).toHaveLength(1);
    const box = stub.errorBoxes[0]!;
    expect(box.title).toBe('Harvest cannot reach the OS keychain');
    expect(box.content).toMatch(/gnome-keyring/u);
    expect(box.content).toMatch(/HARVEST_MASTER_KEY/u);
    expect(stub.windows).toHaveLength(0);
    expect(stub.handlers.size).toBe(0);
    expect(existsSync(tmp.dir)).toBe(false);
  });

  it('an installation without the keychain binary for this system: a clear message, no crash', async () => {
    const missing = new OsKeychain(KEYCHAIN_SERVICE, () =>
      loadKeyring(() => {
        throw new Error("Cannot find module '@napi-rs/keyring-win32-arm64-msvc'");
      }),
    );
    shell = await startShell({
      dataDir: tmp.dir,
      paths,
      openEngine: (dataDir) => Engine.open({ dataDir, keychain: missing, env: {}, ownerKind: 'engine', actor: 'ui' }),
    });
    expect(shell).toBeNull();
    expect(stub.errorBoxes[0]!.title).toBe('Harvest cannot reach the OS keychain');
    expect(stub.errorBoxes[0]!.content).toMatch(/@napi-rs\/keyring\) has no binary for this system/u);
    // The module is loaded lazily: nothing in the engine or the shell imports it at start-up.
    const files = execFileSync('git', ['ls-files', 'engine', 'electron'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts'));
    const eager = files.filter((f) =>
      /^import\s+(?!type\b)[^;]*from\s+'@napi-rs\/keyring'/mu.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(eager).toEqual([]);
  });

  it('when another Harvest process owns the data directory: says which and how to stop it', async () => {
    const other = openEngine(tmp.dir, { ownerKind: 'engine' });
    try {
      shell = await startShell({ dataDir: tmp.dir, paths, openEngine: open });
      expect(shell).toBeNull();
      expect(stub.errorBoxes[0]!.title).toBe('Harvest is already running');
      expect(stub.errorBoxes[0]!.content).toContain(`pid ${process.pid}`);
      expect(stub.windows).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('the running shell', () => {
  async function start(trayHost = true): Promise<Shell> {
    shell = await startShell({ dataDir: tmp.dir, paths, openEngine: open, trayHost: async () => trayHost });
    expect(shell).not.toBeNull();
    return shell!;
  }

  it('serves app://, opens the secure window, wires IPC, tray and notifications, serves the CLI and starts trading', async () => {
    const s = await start();
    expect([...stub.protocolHandlers.keys()]).toEqual(['app']);
    expect(stub.headersListeners).toHaveLength(1);
    expect(stub.windows).toHaveLength(1);
    const w = stub.windows[0]!;
    expect(w.loaded).toEqual([APP_URL]);
    expect(w.options['webPreferences']).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      preload: paths.preload,
    });
    expect(stub.handlers.size).toBe(commandNames.length);
    expect(stub.trays).toHaveLength(1);
    expect(s.tray.state).toBe('running');
    expect(startTrading).toHaveBeenCalledTimes(1);
    expect(startTrading).toHaveBeenCalledWith(DEFAULT_CYCLE_MS);
    expect(existsSync(s.engine.layout.socket)).toBe(true);
    expect(s.engine.owner.kind).toBe('engine');
    expect(s.engine.actor).toBe('ui');
  });

  it('the renderer bridge reaches the engine through the IPC handlers', async () => {
    const s = await start();
    const w = stub.windows[0]!;
    fakeIpcRenderer.route = () => w.webContents.ipcEvent();
    const bridge = buildBridge();
    expect(await bridge.commands['users.add']({ name: 'zoe' })).toMatchObject({ ok: true, result: { name: 'zoe' } });
    const listed = await bridge.commands['users.list']({});
    expect(listed.ok && listed.result.users.map((u) => u.name)).toEqual(['zoe']);
    expect(s.engine.store.users.list().map((u) => u.name)).toEqual(['zoe']);
  });

  it('keeps the system awake while trading, not while paused or halted', async () => {
    const s = await start();
    expect(stub.powerSave.started).toEqual(['prevent-app-suspension']);
    expect(stub.powerSave.active.size).toBe(1);
    expect(s.sleepGuard.active).toBe(true);
    await stub.trays[0]!.click('pause');
    expect(stub.powerSave.active.size).toBe(0);
    await stub.trays[0]!.click('resume');
    expect(stub.powerSave.active.size).toBe(1);
    s.engine.controls.halt('incident', 'cli');
    expect(stub.powerSave.active.size).toBe(0);
    s.engine.controls.resumeAll('cli');
    expect(stub.powerSave.active.size).toBe(1);
    // A user's pause does not stop the others: still trading.
    const u = s.engine.store.users.insert('u', '2026-01-01T00:00:00.000Z');
    s.engine.controls.pauseUser(u.id, 'breaker', 'engine');
    expect(stub.powerSave.active.size).toBe(1);
  });

  it('starts paused (no sleep blocker) when the data directory was left paused', async () => {
    const e = open(tmp.dir);
    e.controls.pauseAll('left paused', 'cli');
    await e.close();
    const s = await start();
    expect(s.tray.state).toBe('paused');
    expect(stub.powerSave.active.size).toBe(0);
  });

  it('without a tray host (vanilla GNOME), closing asks: keep running minimized, or stop trading and quit', async () => {
    const s = await start(false);
    expect(s.trayHost).toBe(false);
    const w = stub.windows[0]!;
    w.show();
    // "Keep running minimized": still trading, on the taskbar, never hidden.
    stub.messageBoxAnswer = 0;
    w.close();
    await vi.waitFor(() => expect(w.minimized).toBe(true));
    expect(stub.messageBoxes).toHaveLength(1);
    expect(stub.messageBoxes[0]!.options.buttons).toEqual([
      'Keep running minimized',
      'Stop trading and quit',
      'Cancel',
    ]);
    expect(w.isVisible()).toBe(true);
    expect(w.isDestroyed()).toBe(false);
    expect(stub.appCalls).not.toContain('quit');
    // "Cancel": nothing changes.
    w.restore();
    stub.messageBoxAnswer = 2;
    w.close();
    await vi.waitFor(() => expect(stub.messageBoxes).toHaveLength(2));
    await new Promise((r) => setImmediate(r));
    expect(w).toMatchObject({ visible: true, minimized: false });
    expect(stub.appCalls).not.toContain('quit');
    // "Stop trading and quit".
    stub.messageBoxAnswer = 1;
    w.close();
    await vi.waitFor(() => expect(stub.appCalls).toContain('quit'));
  });

  it('a window whose UI fails to load shows an error page with Retry, and Retry loads the UI', async () => {
    stub.loadFailures.set(APP_URL, [-6, 'ERR_FILE_NOT_FOUND']);
    await start();
    const w = stub.windows[0]!;
    await vi.waitFor(() => expect(w.loaded).toHaveLength(2));
    const page = decodeURIComponent(w.loaded[1]!.replace(/^data:text\/html;charset=utf-8,/u, ''));
    expect(page).toMatch(/could not load/u);
    expect(page).toContain('ERR_FILE_NOT_FOUND');
    expect(page).toContain(`href="${APP_URL}"`);
    expect(w.visible).toBe(true);
    // Retry: the link's navigation is refused and the UI is loaded again, now successfully.
    stub.loadFailures.clear();
    expect(w.webContents.tryNavigate(APP_URL)).toBe(true);
    await vi.waitFor(() => expect(w.loaded).toEqual([APP_URL, w.loaded[1], APP_URL]));
    // Once the UI is up, the same URL is not reloaded by a stray navigation.
    await new Promise((r) => setImmediate(r));
    w.webContents.tryNavigate(APP_URL);
    expect(w.loaded).toHaveLength(3);
  });

  it('a breaker event becomes an OS notification that opens the window', async () => {
    const s = await start();
    const w = stub.windows[0]!;
    const alice = s.engine.store.users.insert('alice', '2026-01-01T00:00:00.000Z');
    s.engine.bus.emit('breaker.tripped', alice.id, { failures: 3, reason: 'x' });
    expect(stub.notifications.map((n) => n.options.title)).toEqual(['Breaker tripped — alice']);
    stub.notifications[0]!.emit('click');
    expect(w.visible).toBe(true);
    expect(w.webContents.sent.map((m) => m.channel)).toContain('harvest:event');
  });

  it('closing the window hides it and the engine keeps running; shutdown closes everything', async () => {
    const s = await start();
    const w = stub.windows[0]!;
    w.show();
    w.close();
    expect(w.isDestroyed()).toBe(false);
    expect(w.isVisible()).toBe(false);
    expect(await s.engine.executeUntyped('users.list', {})).toEqual({ users: [] });

    await s.shutdown();
    expect(stub.handlers.size).toBe(0);
    expect(stub.trays[0]!.destroyed).toBe(true);
    expect(stub.powerSave.active.size).toBe(0);
    expect(() => s.engine.key).toThrow(/closed/u);
    // The data directory is free again.
    const again = open(tmp.dir);
    await again.close();
    shell = null;
  });
});

describe('prompt Quit (issue 10, point 4)', () => {
  it('with a 60 s cycle, Quit closes the engine within 2 s: the wait between cycles is interrupted', async () => {
    // The real loop this time, over a network stand-in whose steps return at once.
    startTrading.mockRestore();
    const steps: string[] = [];
    const funds = {
      refreshPrices: async () => void steps.push('prices'),
      balances: { refresh: async () => [] },
      performance: { snapshotEquity: () => undefined },
      reviewRisk: () => undefined,
      openPaperAccounts: () => undefined,
      exits: { runCycle: async () => ({ exits: 0, stuck: 0 }) },
      runStrategies: async () => (steps.push('strategies'), { signals: 0, orders: 0, errors: 0 }),
    } as unknown as Funds;
    const fundsSpy = vi.spyOn(Engine.prototype, 'funds').mockResolvedValue(funds);
    try {
      shell = await startShell({ dataDir: tmp.dir, paths, openEngine: open, cycleMs: 60_000 });
      const s = shell!;
      await vi.waitFor(() => expect(steps).toContain('strategies'));
      const t0 = performance.now();
      await s.shutdown();
      const ms = performance.now() - t0;
      console.log(`desktop Quit: engine closed in ${Math.round(ms)} ms`);
      expect(ms).toBeLessThan(2_000);
      expect(() => s.engine.key).toThrow(/closed/u);
      shell = null;
    } finally {
      fundsSpy.mockRestore();
      startTrading = vi.spyOn(Engine.prototype, 'startTrading').mockImplementation(() => undefined);
    }
  });
});

describe('launch', () => {
  function lastWindow(): FakeBrowserWindow {
    const w = stub.windows.at(-1);
    if (!w) throw new Error('no window yet');
    return w;
  }

  it('wires the real lifecycle: user data dir, single instance, second instance focuses, quit closes the engine', async () => {
    stub.paths.set('appData', dirname(tmp.dir));
    vi.stubEnv('HARVEST_DATA_DIR', tmp.dir);
    vi.stubEnv('ELECTRON_RENDERER_URL', '');
    vi.stubEnv('HARVEST_TRAY', '1');
    vi.stubEnv('HARVEST_NETWORK', 'devnet');
    stub.platform = 'win32';
    const opened = vi.spyOn(Engine, 'open');
    launch('win32');
    // Windows: the installer's AppUserModelId, before anything can notify.
    expect(stub.appUserModelId).toBe('app.harvest.desktop');
    expect(stub.name).toBe('Harvest');
    // A development run (HARVEST_DATA_DIR from electron-dev.mjs): Chromium's profile and the
    // single-instance lock live in that folder, not in the installed app's.
    expect(stub.paths.get('userData')).toBe(tmp.dir);
    expect(stub.privilegedSchemes).toHaveLength(1);
    expect(stub.appCalls.slice(0, 2)).toEqual(['setAppUserModelId:app.harvest.desktop', 'requestSingleInstanceLock']);
    await vi.waitFor(() => expect(stub.trays).toHaveLength(1));
    const w = lastWindow();
    expect(startTrading).toHaveBeenCalledTimes(1);
    // A development run (not packaged) takes the network electron-dev.mjs chose.
    expect(opened.mock.calls[0]![0]).toMatchObject({ dataDir: tmp.dir, network: { name: 'devnet' } });
    opened.mockRestore();

    // A second launch: this instance's window comes forward.
    w.minimize();
    w.hide();
    fakeApp.emit('second-instance', {}, [], '/');
    expect(w).toMatchObject({ visible: true, focused: true, minimized: false });

    // Closing the window: still running, still in the tray.
    w.close();
    expect(w.isVisible()).toBe(false);
    expect(w.isDestroyed()).toBe(false);
    expect(stub.appCalls).not.toContain('quit');

    // Ctrl-C / SIGTERM quits properly too (the listener is ours until the engine is closed).
    const sigterm = process.listeners('SIGTERM').length;
    expect(sigterm).toBeGreaterThanOrEqual(1);

    // Quit from the tray: the engine is closed before the app really quits.
    await stub.trays[0]!.click('quit');
    await vi.waitFor(() => expect(stub.appCalls).toContain('quitted'));
    expect(stub.handlers.size).toBe(0);
    expect(process.listeners('SIGTERM')).toHaveLength(sigterm - 1);
    const again = open(tmp.dir);
    await again.close();
  });

  it('a packaged app ignores the development variables: its own folder, its configured network', async () => {
    stub.paths.set('appData', dirname(tmp.dir));
    vi.stubEnv('HARVEST_DATA_DIR', tmp.dir);
    vi.stubEnv('HARVEST_NETWORK', 'mainnet');
    fakeApp.isPackaged = true;
    stub.singleInstanceLock = false;
    launch('linux');
    expect(stub.paths.get('userData')).toBe(join(dirname(tmp.dir), 'Harvest'));
    expect(stub.appUserModelId).toBeNull();
    expect(devNetwork(true, { HARVEST_NETWORK: 'mainnet' })).toBeUndefined();
    expect(devNetwork(false, { HARVEST_NETWORK: 'mainnet' })).toBe('mainnet');
    expect(devNetwork(false, { HARVEST_NETWORK: 'moon' })).toBeUndefined();
  });

  it('a second instance quits without opening anything', async () => {
    stub.paths.set('appData', dirname(tmp.dir));
    vi.stubEnv('HARVEST_DATA_DIR', tmp.dir);
    stub.singleInstanceLock = false;
    launch();
    await new Promise((r) => setImmediate(r));
    expect(stub.appCalls).toContain('quit');
    expect(stub.windows).toHaveLength(0);
    expect(existsSync(tmp.dir)).toBe(false);
  });

  it('the built layout: preload next to main, renderer in dist/', () => {
    expect(defaultPaths('file:///opt/Harvest/resources/app.asar/out/main/main.js')).toEqual({
      preload: '/opt/Harvest/resources/app.asar/out/preload/preload.cjs',
      rendererDir: '/opt/Harvest/resources/app.asar/dist/renderer',
    });
  });
});
