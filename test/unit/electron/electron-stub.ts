/**
 * A stand-in for the `electron` module, for tests of electron/ (the Electron
 * binary cannot be downloaded here, and `require('electron')` would try).
 * It records what the shell does: ipcMain handlers, BrowserWindow options and
 * web-contents handlers, tray images and menus, notifications, dialogs,
 * contextBridge exposures, protocol handlers, power-save blockers and app
 * lifecycle calls.
 *
 * Use it in a test file with:
 *   vi.mock('electron', async () => (await import('./electron-stub')).electronModule);
 * and call resetElectronStub() in beforeEach.
 */
import { EventEmitter } from 'node:events';

type Fn = (...args: never[]) => unknown;

/** A cancellable Electron-style event. */
export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

export class FakeWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  url = '';
  readonly mainFrame: FakeFrame = { url: '', parent: null };
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;

  setWindowOpenHandler(h: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  getURL(): string {
    return this.url;
  }
  /** How many times the page was captured (capturePage). */
  captures = 0;
  /** What the next capturePage returns: a painted page (a small PNG) unless set to an empty image. */
  capturedPng: Buffer = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  /** Like Electron's capturePage: a NativeImage of what is painted (isEmpty() before any paint). */
  capturePage(): Promise<{ toPNG(): Buffer; isEmpty(): boolean }> {
    this.captures++;
    const png = this.capturedPng;
    return Promise.resolve({ toPNG: () => png, isEmpty: () => png.length === 0 });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** What a navigation attempt does: true when the shell prevented it. */
  tryNavigate(url: string, event = 'will-navigate'): boolean {
    const e = new FakeEvent();
    this.emit(event, e, url);
    return e.defaultPrevented;
  }
  /** An IPC invoke event from this contents' main frame (or a given frame). */
  ipcEvent(frame: FakeFrame | null = this.mainFrame): { sender: FakeWebContents; senderFrame: FakeFrame | null } {
    return { sender: this, senderFrame: frame };
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly options: Record<string, unknown>;
  readonly webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  focused = false;
  destroyed = false;
  readonly loaded: string[] = [];

  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = options;
    state.windows.push(this);
  }
  /**
   * Like Electron: the promise rejects when the load fails (the server is down, a redirect was
   * blocked), after 'did-fail-load' was emitted with Chromium's error code; a failure to give is
   * taken from stub.loadFailures (url -> [code, description]).
   */
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    const failure = state.loadFailures.get(url);
    if (failure) {
      const [code, description] = failure;
      this.webContents.emit('did-fail-load', new FakeEvent(), code, description, url, true);
      const err = Object.assign(new Error(`${description} (${code}) loading '${url}'`), {
        code: description,
        errno: code,
        url,
      });
      return Promise.reject(err);
    }
    return Promise.resolve();
  }
  show(): void {
    this.visible = true;
    this.minimized = false;
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
  }
  focus(): void {
    this.focused = true;
  }
  minimize(): void {
    this.minimized = true;
    this.focused = false;
  }
  restore(): void {
    this.minimized = false;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  /** The user clicking the close button: 'close' can be prevented; otherwise the window is destroyed. */
  close(): void {
    const e = new FakeEvent();
    this.emit('close', e);
    if (e.defaultPrevented) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

export interface FakeImage {
  kind: 'png';
  buffer: Buffer;
  scaleFactor: number;
}

export interface FakeMenuItem {
  id?: string;
  label?: string;
  type?: string;
  enabled?: boolean;
  click?: (...args: unknown[]) => unknown;
}

export class FakeMenu {
  constructor(readonly items: FakeMenuItem[]) {}
  getMenuItemById(id: string): FakeMenuItem | null {
    return this.items.find((i) => i.id === id) ?? null;
  }
}

export class FakeTray extends EventEmitter {
  image: FakeImage;
  tooltip = '';
  menu: FakeMenu | null = null;
  readonly images: FakeImage[] = [];
  destroyed = false;

  constructor(image: FakeImage) {
    super();
    this.image = image;
    this.images.push(image);
    state.trays.push(this);
  }
  setImage(image: FakeImage): void {
    this.image = image;
    this.images.push(image);
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setContextMenu(menu: FakeMenu): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  item(id: string): FakeMenuItem {
    const item = this.menu?.getMenuItemById(id);
    if (!item) throw new Error(`no tray menu item "${id}"`);
    return item;
  }
  /** Clicks a menu item the way Electron does, returning whatever the handler returned (awaitable). */
  async click(id: string): Promise<void> {
    const item = this.item(id);
    if (item.enabled === false) throw new Error(`tray menu item "${id}" is disabled`);
    await item.click?.(item, undefined, {});
    // Electron ignores what a click handler returns, so handlers start their work with `void`; like
    // Electron's event loop, let that work's promise chain run out before the caller looks.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export class FakeNotification extends EventEmitter {
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  shown = false;
  /**
   * Whether the OS shows it. On Windows a toast is delivered only when the app's AppUserModelId
   * matches the one on its Start-menu shortcut (the installer's appId); Electron's default id,
   * when setAppUserModelId was never called, matches no shortcut.
   */
  delivered = false;
  constructor(readonly options: { title?: string; body?: string; urgency?: string }) {
    super();
    state.notifications.push(this);
  }
  show(): void {
    this.shown = true;
    this.delivered =
      state.platform !== 'win32' ||
      (state.appUserModelId !== null && state.appUserModelId === state.shortcutAppUserModelId);
  }
  close(): void {
    this.emit('close');
  }
}

export interface MessageBoxCall {
  window: unknown;
  options: {
    message: string;
    detail?: string;
    buttons?: string[];
    type?: string;
    cancelId?: number;
    defaultId?: number;
  };
}

const state = {
  handlers: new Map<string, Fn>(),
  windows: [] as FakeBrowserWindow[],
  trays: [] as FakeTray[],
  notifications: [] as FakeNotification[],
  messageBoxes: [] as MessageBoxCall[],
  errorBoxes: [] as { title: string; content: string }[],
  /** What the next message boxes answer: a button index, or a function of the call. */
  messageBoxAnswer: 0 as number | ((call: MessageBoxCall) => number),
  exposed: new Map<string, unknown>(),
  privilegedSchemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: Request) => Promise<Response> | Response>(),
  headersListeners: [] as Fn[],
  permissionRequestHandler: null as null | Fn,
  permissionCheckHandler: null as null | Fn,
  powerSave: { nextId: 1, active: new Set<number>(), started: [] as string[] },
  singleInstanceLock: true,
  appCalls: [] as string[],
  paths: new Map<string, string>(),
  name: 'Electron',
  invokes: [] as { channel: string; args: unknown[] }[],
  /** Loads that fail, by URL: [Chromium error code, description], e.g. [-102, 'ERR_CONNECTION_REFUSED']. */
  loadFailures: new Map<string, [number, string]>(),
  /** The OS the stub plays (Notification delivery on win32 depends on the AppUserModelId). */
  platform: process.platform as NodeJS.Platform,
  appUserModelId: null as string | null,
  /** The AppUserModelId on the installed Start-menu shortcut (NSIS writes the appId there). */
  shortcutAppUserModelId: 'app.harvest.desktop' as string | null,
  openedExternal: [] as string[],
};

class FakeApp extends EventEmitter {
  isPackaged = false;
  requestSingleInstanceLock(): boolean {
    state.appCalls.push('requestSingleInstanceLock');
    return state.singleInstanceLock;
  }
  quit(): void {
    state.appCalls.push('quit');
    const e = new FakeEvent();
    this.emit('before-quit', e);
    if (e.defaultPrevented) return;
    const w = new FakeEvent();
    this.emit('will-quit', w);
    if (w.defaultPrevented) return;
    state.appCalls.push('quitted');
  }
  exit(code = 0): void {
    state.appCalls.push(`exit:${code}`);
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  setName(name: string): void {
    state.name = name;
  }
  getName(): string {
    return state.name;
  }
  getPath(name: string): string {
    const p = state.paths.get(name);
    if (!p) throw new Error(`stub app.getPath: no path "${name}" set`);
    return p;
  }
  setPath(name: string, value: string): void {
    state.paths.set(name, value);
  }
  setAppUserModelId(id: string): void {
    state.appCalls.push(`setAppUserModelId:${id}`);
    state.appUserModelId = id;
  }
}

const app = new FakeApp();
const ipcRenderer = new (class extends EventEmitter {
  /** The renderer-side sender used to route invokes to ipcMain handlers (set by tests). */
  route: null | (() => { sender: unknown; senderFrame: unknown }) = null;
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    state.invokes.push({ channel, args });
    const h = state.handlers.get(channel);
    if (this.route && h) return Promise.resolve((h as (...a: unknown[]) => unknown)(this.route(), ...args));
    return Promise.resolve({ invoked: channel });
  }
})();

export const electronModule = {
  app,
  BrowserWindow: FakeBrowserWindow,
  Tray: FakeTray,
  Menu: { buildFromTemplate: (items: FakeMenuItem[]) => new FakeMenu(items) },
  Notification: FakeNotification,
  nativeImage: {
    createFromBuffer: (buffer: Buffer, opts?: { scaleFactor?: number }): FakeImage => ({
      kind: 'png',
      buffer,
      scaleFactor: opts?.scaleFactor ?? 1,
    }),
  },
  ipcMain: {
    handle(channel: string, fn: Fn): void {
      if (state.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      state.handlers.set(channel, fn);
    },
    removeHandler(channel: string): void {
      state.handlers.delete(channel);
    },
  },
  ipcRenderer,
  contextBridge: {
    exposeInMainWorld(key: string, api: unknown): void {
      if (state.exposed.has(key))
        throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
      state.exposed.set(key, api);
    },
  },
  dialog: {
    showMessageBox(a: unknown, b?: unknown): Promise<{ response: number; checkboxChecked: boolean }> {
      const call: MessageBoxCall =
        b === undefined
          ? { window: null, options: a as MessageBoxCall['options'] }
          : { window: a, options: b as MessageBoxCall['options'] };
      state.messageBoxes.push(call);
      const r = typeof state.messageBoxAnswer === 'function' ? state.messageBoxAnswer(call) : state.messageBoxAnswer;
      return Promise.resolve({ response: r, checkboxChecked: false });
    },
    showErrorBox(title: string, content: string): void {
      state.errorBoxes.push({ title, content });
    },
  },
  protocol: {
    registerSchemesAsPrivileged(schemes: unknown[]): void {
      state.privilegedSchemes.push(...schemes);
    },
    handle(scheme: string, handler: (req: Request) => Promise<Response> | Response): void {
      if (state.protocolHandlers.has(scheme)) throw new Error(`scheme ${scheme} is already handled`);
      state.protocolHandlers.set(scheme, handler);
    },
    unhandle(scheme: string): void {
      state.protocolHandlers.delete(scheme);
    },
  },
  session: {
    defaultSession: {
      webRequest: {
        onHeadersReceived(listener: Fn): void {
          state.headersListeners.push(listener);
        },
      },
      setPermissionRequestHandler(h: Fn): void {
        state.permissionRequestHandler = h;
      },
      setPermissionCheckHandler(h: Fn): void {
        state.permissionCheckHandler = h;
      },
    },
  },
  powerSaveBlocker: {
    start(type: string): number {
      const id = state.powerSave.nextId++;
      state.powerSave.active.add(id);
      state.powerSave.started.push(type);
      return id;
    },
    stop(id: number): void {
      state.powerSave.active.delete(id);
    },
    isStarted(id: number): boolean {
      return state.powerSave.active.has(id);
    },
  },
  shell: {
    openExternal(url: string): Promise<void> {
      state.openedExternal.push(url);
      return Promise.resolve();
    },
  },
};

export const stub = state;
export const fakeApp = app;
export const fakeIpcRenderer = ipcRenderer;

export function resetElectronStub(): void {
  state.handlers.clear();
  state.windows.length = 0;
  state.trays.length = 0;
  state.notifications.length = 0;
  state.messageBoxes.length = 0;
  state.errorBoxes.length = 0;
  state.messageBoxAnswer = 0;
  state.exposed.clear();
  state.privilegedSchemes.length = 0;
  state.protocolHandlers.clear();
  state.headersListeners.length = 0;
  state.permissionRequestHandler = null;
  state.permissionCheckHandler = null;
  state.powerSave = { nextId: 1, active: new Set(), started: [] };
  state.singleInstanceLock = true;
  state.appCalls.length = 0;
  state.paths.clear();
  state.name = 'Electron';
  state.invokes.length = 0;
  state.loadFailures.clear();
  state.platform = process.platform;
  state.appUserModelId = null;
  state.shortcutAppUserModelId = 'app.harvest.desktop';
  state.openedExternal.length = 0;
  FakeNotification.supported = true;
  app.removeAllListeners();
  app.isPackaged = false;
  ipcRenderer.removeAllListeners();
  ipcRenderer.route = null;
}

/** Invokes a registered ipcMain handler as Electron would. */
export async function invokeHandler(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
  const h = state.handlers.get(channel);
  if (!h) throw new Error(`no ipcMain handler for ${channel}`);
  return (h as (...a: unknown[]) => unknown)(event, ...args);
}
