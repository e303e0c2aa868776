import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, powerSaveBlocker, protocol, session } from 'electron';
import type { EngineEvent, EventPayload } from '../engine/api/events';
import { HarvestError } from '../engine/kernel/errors';
import { readOwner } from '../engine/kernel/owner-lock';
import { APP_NAME, dataDirLayout } from '../engine/kernel/paths';
import { GLOBAL_SCOPE } from '../engine/risk/controls';
import { Engine } from '../engine/runtime/engine';
import { registerIpc } from './ipc';
import { redirectSqliteBinding, SQLITE_BINDING_ENV } from './native';
import { createNotifier, type Notifier } from './notifications';
import {
  APP_SCHEME,
  appProtocolHandler,
  hardenSession,
  hardenWebContents,
  rendererSource,
  secureWebPreferences,
  type RendererSource,
} from './security';
import { createTray, type HarvestTray } from './tray';
import { registerBridge, TelegramBridge } from '../engine/telegram';

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
    window.hide();
  });
  void window.loadURL(deps.source.url);
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
export function openEngineOrExplain(dataDir: string, open: (dataDir: string) => Engine = defaultOpen): Engine | null {
  try {
    return open(dataDir);
  } catch (e) {
    const { title, message } = explainStartupFailure(e, dataDir);
    dialog.showErrorBox(title, message);
    return null;
  }
}

function defaultOpen(dataDir: string): Engine {
  return Engine.open({ dataDir, ownerKind: 'engine', actor: 'ui' });
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
}

export interface Shell {
  engine: Engine;
  window: BrowserWindow;
  tray: HarvestTray;
  notifier: Notifier;
  sleepGuard: SleepGuard;
  source: RendererSource;
  showWindow(): void;
  /** Stops everything and closes the engine (idempotent). */
  shutdown(): Promise<void>;
}

/**
 * After `ready`: opens the engine (or explains why not and returns null),
 * serves the renderer, creates the window, IPC, tray and notifications, and
 * starts the trading loop and the control channel (so the CLI reaches it).
 */
export async function startShell(opts: ShellOptions): Promise<Shell | null> {
  const engine = openEngineOrExplain(opts.dataDir, opts.openEngine);
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

  const window = createMainWindow({ preload: opts.paths.preload, source, isQuitting: () => quitting });
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

  return { engine, window, tray, notifier, sleepGuard, source, showWindow: show, shutdown };
}

/** The real app: wires everything to Electron's lifecycle. */
export function launch(): void {
  // Development: better-sqlite3 built for Electron by build/electron-dev.mjs (see electron/native.ts).
  if (!app.isPackaged) redirectSqliteBinding(process.env[SQLITE_BINDING_ENV]);
  app.setName(APP_NAME);
  // The same directory the CLI uses by default (engine/kernel/paths.ts), also in development.
  app.setPath('userData', join(app.getPath('appData'), APP_NAME));
  registerAppScheme();
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents));

  let shell: Shell | null = null;
  if (!acquireSingleInstance(() => shell?.showWindow())) return;
  // Closing the window hides it; Harvest keeps running in the tray until Quit.
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
      shell = await startShell({
        dataDir: process.env['HARVEST_DATA_DIR'] || app.getPath('userData'),
        paths: defaultPaths(),
        ...(devServerUrl ? { devServerUrl } : {}),
      });
      if (!shell) app.exit(1);
    })
    .catch((e: unknown) => {
      dialog.showErrorBox('Harvest could not start', e instanceof Error ? (e.stack ?? e.message) : String(e));
      app.exit(1);
    });
}
