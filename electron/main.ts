import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, powerSaveBlocker, protocol, session } from 'electron';
import type { EngineEvent, EventPayload } from '../engine/api/events';
import { HarvestError } from '../engine/kernel/errors';
import { readOwner } from '../engine/kernel/owner-lock';
import { APP_NAME, dataDirLayout } from '../engine/kernel/paths';
import { GLOBAL_SCOPE } from '../engine/risk/controls';
import { Engine } from '../engine/runtime/engine';
import { NetworkName } from '../engine/runtime/network';
import { registerIpc } from './ipc';
import { redirectSqliteBinding, SQLITE_BINDING_ENV } from './native';
import { createNotifier, registerAppUserModelId, type Notifier } from './notifications';
import {
  APP_SCHEME,
  appProtocolHandler,
  hardenSession,
  hardenWebContents,
  loadFailurePage,
  rendererSource,
  secureWebPreferences,
  type RendererSource,
} from './security';
import { captureFirstPaint, endSmokeRun, smokeScreenshotPath } from './smoke';
import { createTray, type HarvestTray } from './tray';
import { askOnClose, trayHostAvailable } from './tray-host';
import { registerBridge, TelegramBridge } from '../engine/telegram';
// The app's engine runs every command, signs and derives keys: all of it loaded up front (engine-parts.ts).
import '../engine/runtime/engine-parts';

/**
 * The desktop shell: one instance, one secure window, the engine in this
 * (main) process, a tray, notifications, and no system sleep while trading.
 * Every piece is a function taking what it needs, so tests drive them with a
 * stubbed `electron` module; launch() wires them for the real app.
 */

/** How often the trading loop runs a cycle (the same as `harvest run`). */
export const DEFAULT_CYCLE_MS = 10_000;

export interface ShellPaths {
  /** The built preload script (sandboxed preloads must be CommonJS). */
  preload: string;
  /** The built renderer that app:// serves. */
  rendererDir: string;
}

/** Paths next to the built main script: out/main/main.js → out/preload/, dist/renderer/ (also inside app.asar). */
export function defaultPaths(mainScriptUrl: string = import.meta.url): ShellPaths {
  const here = dirname(fileURLToPath(mainScriptUrl));
  return {
    preload: join(here, '..', 'preload', 'preload.cjs'),
    rendererDir: join(here, '..', '..', 'dist', 'renderer'),
  };
}

/** Before `ready`: app:// behaves like https (standard, secure, fetch) so 'self' in the CSP means it. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
    },
  ]);
}

/**
 * The single-instance lock. A second launch quits at once and brings the
 * first instance's window forward instead. Returns false in the second one.
 */
export function acquireSingleInstance(onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => onSecondInstance());
  return true;
}

export function showWindow(window: BrowserWindow | null): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

export interface WindowDeps {
  preload: string;
  source: RendererSource;
  /** True once the app is really quitting: until then, closing the window only hides it. */
  isQuitting: () => boolean;
  /**
   * What closing the window does while not quitting. Default: hide it (Harvest stays in the
   * tray). Without a tray host the shell asks instead (electron/tray-host.ts askOnClose).
   */
  onCloseRequest?: (window: BrowserWindow) => void;
}

/**
 * Loads the UI; when that fails (Electron's loadURL rejects: the dev server is down, a
 * redirect was blocked) shows loadFailurePage with a Retry that loads the UI again.
 * Resolves true when the UI loaded; never rejects (an unhandled rejection in main would
 * only be logged, leaving a blank window).
 */
export async function loadUi(window: BrowserWindow, url: string): Promise<boolean> {
  try {
    await window.loadURL(url);
    return true;
  } catch (e) {
    if (window.isDestroyed()) return false;
    const reason = e instanceof Error ? e.message : String(e);
    await window.loadURL(loadFailurePage(url, reason)).catch(() => undefined);
    if (!window.isDestroyed()) window.show();
    return false;
  }
}

/** The only window: isolated, sandboxed, no Node, no navigation, no pop-ups; closing it keeps Harvest in the tray. */
export function createMainWindow(deps: WindowDeps): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: APP_NAME,
    backgroundColor: '#0f1115',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(deps.preload),
  });
  hardenWebContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  window.on('close', (event) => {
    if (deps.isQuitting()) return;
    event.preventDefault();
    if (deps.onCloseRequest) deps.onCloseRequest(window);
    else window.hide();
  });
  let showingFailure = false;
  const load = (): void => {
    showingFailure = false;
    void loadUi(window, deps.source.url).then((ok) => (showingFailure = !ok));
  };
  // The failure page's Retry link: its navigation is refused (hardenWebContents), the UI is loaded again.
  window.webContents.on('will-navigate', (_event, url) => {
    if (showingFailure && url === deps.source.url) load();
  });
  load();
  return window;
}

/** What a failed engine start means for the operator, and how to fix it. */
export function explainStartupFailure(e: unknown, dataDir: string): { title: string; message: string } {
  const err = e instanceof HarvestError ? e : null;
  switch (err?.code) {
    case 'KEYCHAIN_UNAVAILABLE':
    case 'MASTER_KEY_MISSING':
      return {
        title: 'Harvest cannot reach the OS keychain',
        message:
          `${err.message}\n\n` +
          'Harvest keeps its master key only in the OS keychain and never stores wallet keys unencrypted, so it will not start without it.\n' +
          'On Linux: install and unlock a Secret Service (gnome-keyring or KWallet), e.g. by logging in to a desktop session, then start Harvest again.\n' +
          'On macOS / Windows: make sure you are logged in to your user account (Keychain / Credential Manager unlocked).',
      };
    case 'DATA_DIR_BUSY': {
      const owner = readOwner(dataDirLayout(dataDir));
      return {
        title: 'Harvest is already running',
        message:
          `Another Harvest process${owner ? ` (pid ${owner.pid}, ${owner.kind})` : ''} owns ${dataDir}.\n\n` +
          'Probably `harvest run` or `harvest serve` in a terminal. Stop it (Ctrl-C), then start the desktop app again.',
      };
    }
    case 'MASTER_KEY_MISMATCH':
    case 'TAMPERED':
      return {
        title: 'Harvest cannot open its data',
        message: `${err.message}\n\nNothing was changed. If the keychain entry was lost, restore from your recovery kit (harvest restore).`,
      };
    default:
      return {
        title: 'Harvest could not start',
        message: `${e instanceof Error ? e.message : String(e)}\n\nData directory: ${dataDir}`,
      };
  }
}

/**
 * Opens the engine in this process with the OS keychain master key. On
 * failure shows what went wrong and how to fix it, then returns null (the
 * caller quits): fail closed, never fall back to something weaker.
 */
export function openEngineOrExplain(
  dataDir: string,
  open: (dataDir: string) => Engine = (d) => defaultOpen(d),
): Engine | null {
  try {
    return open(dataDir);
  } catch (e) {
    const { title, message } = explainStartupFailure(e, dataDir);
    dialog.showErrorBox(title, message);
    return null;
  }
}

function defaultOpen(dataDir: string, network?: NetworkName): Engine {
  return Engine.open({ dataDir, ownerKind: 'engine', actor: 'ui', ...(network ? { network: { name: network } } : {}) });
}

/**
 * A development run's network (HARVEST_NETWORK, set by build/electron-dev.mjs: the sandbox
 * unless --network was given). A packaged app ignores it and uses the data folder's setting.
 */
export function devNetwork(isPackaged: boolean, env: NodeJS.ProcessEnv = process.env): NetworkName | undefined {
  if (isPackaged) return undefined;
  const parsed = NetworkName.safeParse(env['HARVEST_NETWORK']);
  return parsed.success ? parsed.data : undefined;
}

/** Keeps the system awake while the engine is trading (loop running, not paused, not halted). */
export class SleepGuard {
  private blockerId: number | null = null;

  sync(trading: boolean): void {
    if (trading && this.blockerId === null) {
      this.blockerId = powerSaveBlocker.start('prevent-app-suspension');
    } else if (!trading && this.blockerId !== null) {
      powerSaveBlocker.stop(this.blockerId);
      this.blockerId = null;
    }
  }

  get active(): boolean {
    return this.blockerId !== null;
  }
}

export interface ShellEngine {
  readonly controls: Engine['controls'];
  readonly bus: Engine['bus'];
}

/** Re-checks the sleep guard whenever the global controls change. */
export function keepAwakeWhileTrading(engine: ShellEngine, guard: SleepGuard, loopRunning: () => boolean): () => void {
  const sync = (c: { paused: boolean; halted: boolean }): void => guard.sync(loopRunning() && !c.paused && !c.halted);
  sync(engine.controls.global());
  return engine.bus.subscribe((e: EngineEvent) => {
    // The event carries the new state (a resume is emitted before Controls' cache reflects it).
    if (e.type !== 'controls.changed') return;
    const p = e.payload as EventPayload<'controls.changed'>;
    if (p.scope === GLOBAL_SCOPE) sync(p);
  });
}

export interface ShellOptions {
  dataDir: string;
  paths: ShellPaths;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL) instead of app://. */
  devServerUrl?: string;
  openEngine?: (dataDir: string) => Engine;
  cycleMs?: number;
  /** Overrides the data folder's network (development: devNetwork). */
  network?: NetworkName;
  /** Whether closing the window may hide it to the tray (default: electron/tray-host.ts detection). */
  trayHost?: () => Promise<boolean>;
  /** A smoke run (electron/smoke.ts): write the window's first paint here. */
  smokeScreenshot?: string;
}

export interface Shell {
  engine: Engine;
  window: BrowserWindow;
  tray: HarvestTray;
  notifier: Notifier;
  sleepGuard: SleepGuard;
  source: RendererSource;
  showWindow(): void;
  /** Whether closing the window hides it to a tray (false: it asks, quit or minimize). */
  trayHost: boolean;
  /** Stops everything and closes the engine (idempotent). */
  shutdown(): Promise<void>;
  /** A smoke run's screenshot: its size once written (electron/smoke.ts). */
  firstPaint?: Promise<number>;
}

/**
 * After `ready`: opens the engine (or explains why not and returns null),
 * serves the renderer, creates the window, IPC, tray and notifications, and
 * starts the trading loop and the control channel (so the CLI reaches it).
 */
export async function startShell(opts: ShellOptions): Promise<Shell | null> {
  const engine = openEngineOrExplain(opts.dataDir, opts.openEngine ?? ((d) => defaultOpen(d, opts.network)));
  if (!engine) return null;
  try {
    return await wireShell(engine, opts);
  } catch (e) {
    // Whatever failed, the data directory is not left locked by a half-started app.
    await engine.close().catch(() => undefined);
    throw e;
  }
}

async function wireShell(engine: Engine, opts: ShellOptions): Promise<Shell> {
  let quitting = false;
  app.on('before-quit', () => {
    quitting = true;
  });

  const source = rendererSource(opts.devServerUrl);
  hardenSession(session.defaultSession, source.csp);
  if (!opts.devServerUrl) protocol.handle(APP_SCHEME, appProtocolHandler(opts.paths.rendererDir, source.csp));

  const hasTray = await (opts.trayHost ?? (() => trayHostAvailable()))();
  let asking = false;
  const window = createMainWindow({
    preload: opts.paths.preload,
    source,
    isQuitting: () => quitting,
    // Without a tray host a hidden window has no way back: ask instead of hiding.
    ...(hasTray
      ? {}
      : {
          onCloseRequest: (w: BrowserWindow) => {
            if (asking) return;
            asking = true;
            void askOnClose(w, () => app.quit()).finally(() => (asking = false));
          },
        }),
  });
  // Armed before anything is awaited, so the first 'ready-to-show' is not missed.
  const firstPaint = opts.smokeScreenshot ? captureFirstPaint(window, opts.smokeScreenshot) : undefined;
  // Handled by launch(); until then a rejection is not reported as unhandled.
  firstPaint?.catch(() => undefined);
  const show = (): void => showWindow(window);
  const disposeIpc = registerIpc(engine, { window: () => window, rendererOrigin: source.origin, log: engine.log });
  const tray = createTray(engine, { showWindow: show, quit: () => app.quit() });
  const notifier = createNotifier(engine, { onClick: show });
  const sleepGuard = new SleepGuard();
  let loopRunning = false;
  const stopAwake = keepAwakeWhileTrading(engine, sleepGuard, () => loopRunning);

  try {
    await engine.serveControl();
  } catch (e) {
    engine.log.warn({ err: String(e) }, 'control channel not available: CLI commands will not reach the desktop app');
  }
  engine.startTrading(opts.cycleMs ?? DEFAULT_CYCLE_MS);
  loopRunning = true;
  // The Telegram bridge (issue #15): idle until a bot token is stored; never in the trading loop's way.
  const telegram = new TelegramBridge(engine);
  registerBridge(engine, telegram);
  telegram.start();
  const c = engine.controls.global();
  sleepGuard.sync(!c.paused && !c.halted);

  let closing: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      quitting = true;
      stopAwake();
      sleepGuard.sync(false);
      notifier.dispose();
      tray.dispose();
      disposeIpc();
      await telegram.stop();
      await engine.close();
    })();
    return closing;
  };

  return {
    engine,
    window,
    tray,
    notifier,
    sleepGuard,
    source,
    trayHost: hasTray,
    showWindow: show,
    shutdown,
    ...(firstPaint ? { firstPaint } : {}),
  };
}

/** The real app: wires everything to Electron's lifecycle. */
export function launch(platform: NodeJS.Platform = process.platform): void {
  // Development: better-sqlite3 built for Electron by build/electron-dev.mjs (see electron/native.ts).
  if (!app.isPackaged) redirectSqliteBinding(process.env[SQLITE_BINDING_ENV]);
  app.setName(APP_NAME);
  // Windows delivers toasts only under the installer's AppUserModelId (electron/notifications.ts).
  registerAppUserModelId(platform);
  // The same directory the CLI uses by default (engine/kernel/paths.ts). A development run keeps
  // Chromium's profile and the single-instance lock in its own data folder (build/electron-dev.mjs
  // sets it), so it neither shares the installed app's profile nor is taken for its second instance.
  const devDataDir = !app.isPackaged ? process.env['HARVEST_DATA_DIR'] : undefined;
  app.setPath('userData', devDataDir ? resolve(devDataDir) : join(app.getPath('appData'), APP_NAME));
  registerAppScheme();
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents));

  let shell: Shell | null = null;
  if (!acquireSingleInstance(() => shell?.showWindow())) return;
  // Closing the window hides it to the tray, or (no tray host) asks: quit or minimize. It is
  // never destroyed short of quitting, so this fires only on the way out.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => shell?.showWindow());

  // Ctrl-C in a terminal (electron-vite dev) or a service manager's stop: quit properly, closing the engine.
  const onSignal = (): void => app.quit();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let shutDown = false;
  app.on('will-quit', (event) => {
    if (shutDown || !shell) return;
    event.preventDefault();
    void shell
      .shutdown()
      .catch((e: unknown) => shell?.engine.log.error({ err: String(e) }, 'engine did not close cleanly'))
      .finally(() => {
        shutDown = true;
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        app.quit();
      });
  });

  app
    .whenReady()
    .then(async () => {
      const devServerUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined;
      const network = devNetwork(app.isPackaged);
      const screenshot = smokeScreenshotPath(app.isPackaged);
      shell = await startShell({
        ...(network ? { network } : {}),
        ...(screenshot ? { smokeScreenshot: screenshot } : {}),
        dataDir: process.env['HARVEST_DATA_DIR'] || app.getPath('userData'),
        paths: defaultPaths(),
        ...(devServerUrl ? { devServerUrl } : {}),
      });
      if (!shell) return app.exit(1);
      const started = shell;
      // A smoke run (npm run smoke:electron) quits after its screenshot, the way the tray's Quit does.
      if (started.firstPaint && screenshot) {
        void endSmokeRun(started.firstPaint, screenshot, {
          quit: () => app.quit(),
          fail: (reason) => {
            started.engine.log.error(reason);
            void started.shutdown().finally(() => app.exit(1));
          },
          log: (m) => started.engine.log.info(m),
        });
      }
    })
    .catch((e: unknown) => {
      dialog.showErrorBox('Harvest could not start', e instanceof Error ? (e.stack ?? e.message) : String(e));
      app.exit(1);
    });
}
