import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session, WebContents } from 'electron';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import { acquireSingleInstance, createMainWindow, loadUi, registerAppScheme, showWindow } from '../../../electron/main';
import {
  APP_URL,
  appProtocolHandler,
  developmentCsp,
  hardenSession,
  hardenWebContents,
  isAllowedExternalLink,
  PRODUCTION_CSP,
  rendererSource,
} from '../../../electron/security';
import {
  electronModule,
  type FakeBrowserWindow,
  FakeWebContents,
  fakeApp,
  resetElectronStub,
  stub,
} from './electron-stub';

beforeEach(() => resetElectronStub());

function newWindow(quitting = false): FakeBrowserWindow {
  const w = createMainWindow({
    preload: '/app/out/preload/preload.cjs',
    source: rendererSource(undefined),
    isQuitting: () => quitting,
  });
  return w as unknown as FakeBrowserWindow;
}

describe('main window', () => {
  it('is isolated, sandboxed, without Node, with web security, and loads app://harvest/', () => {
    const w = newWindow();
    expect(stub.windows).toEqual([w]);
    const prefs = w.options['webPreferences'] as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/out/preload/preload.cjs',
    });
    expect(w.options).toMatchObject({ width: 1280, height: 800, show: false });
    expect(w.loaded).toEqual([APP_URL]);
    // Shown once ready, not before (no white flash).
    expect(w.visible).toBe(false);
    w.emit('ready-to-show');
    expect(w.visible).toBe(true);
  });

  it('denies every navigation, redirect, webview and new window', () => {
    const w = newWindow();
    for (const url of [
      'https://evil.example/',
      'app://harvest/other.html',
      'file:///etc/passwd',
      'javascript:alert(1)',
    ]) {
      expect(w.webContents.tryNavigate(url)).toBe(true);
      expect(w.webContents.tryNavigate(url, 'will-redirect')).toBe(true);
      expect(w.webContents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(w.webContents.tryNavigate('https://x', 'will-attach-webview')).toBe(true);
  });

  it('opens allowlisted https links (target=_blank) in the OS browser, nothing else, and never a window', async () => {
    const w = newWindow();
    const open = (url: string): unknown => w.webContents.windowOpenHandler!({ url });
    for (const url of [
      'https://www.tradingview.com/',
      'https://solscan.io/tx/5abc',
      'https://explorer.solana.com/address/So11111111111111111111111111111111111111112',
    ]) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    for (const url of [
      'http://www.tradingview.com/',
      'https://www.tradingview.com.evil.example/',
      'https://user:pw@www.tradingview.com/',
      'https://evil.example/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://harvest/index.html',
      'not a url',
    ]) {
      expect(open(url)).toEqual({ action: 'deny' });
      expect(isAllowedExternalLink(url), url).toBe(false);
    }
    await new Promise((r) => setImmediate(r));
    expect(stub.openedExternal).toEqual([
      'https://www.tradingview.com/',
      'https://solscan.io/tx/5abc',
      'https://explorer.solana.com/address/So11111111111111111111111111111111111111112',
    ]);
    // Following such a link in the window itself is still refused.
    expect(w.webContents.tryNavigate('https://www.tradingview.com/')).toBe(true);
  });

  it('a failed load rejects like Electron (did-fail-load first) and is never left unhandled', async () => {
    stub.loadFailures.set('http://localhost:5173/', [-102, 'ERR_CONNECTION_REFUSED']);
    const failed: unknown[] = [];
    const w = new electronModule.BrowserWindow();
    w.webContents.on('did-fail-load', (_e, code: number) => failed.push(code));
    await expect(w.loadURL('http://localhost:5173/')).rejects.toMatchObject({ code: 'ERR_CONNECTION_REFUSED' });
    expect(failed).toEqual([-102]);
    const ok = await loadUi(w as never, 'http://localhost:5173/');
    expect(ok).toBe(false);
    expect(w.loaded.at(-1)).toMatch(/^data:text\/html/u);
    expect(decodeURIComponent(w.loaded.at(-1)!)).toContain('ERR_CONNECTION_REFUSED');
  });

  it('hardens any other web contents the same way', () => {
    const c = new FakeWebContents();
    hardenWebContents(c as unknown as WebContents);
    expect(c.tryNavigate('https://evil.example/')).toBe(true);
    expect(c.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('closing the window hides it (Harvest stays in the tray); when quitting it really closes', () => {
    let quitting = false;
    const w = createMainWindow({
      preload: 'p',
      source: rendererSource(undefined),
      isQuitting: () => quitting,
    }) as unknown as FakeBrowserWindow;
    w.show();
    w.close();
    expect(w.isDestroyed()).toBe(false);
    expect(w.isVisible()).toBe(false);
    expect(stub.appCalls).not.toContain('quit');
    quitting = true;
    w.close();
    expect(w.isDestroyed()).toBe(true);
  });

  it('showWindow restores, shows and focuses', () => {
    const w = newWindow();
    w.minimize();
    w.hide();
    showWindow(w as never);
    expect(w).toMatchObject({ minimized: false, visible: true, focused: true });
    showWindow(null);
  });
});

describe('single instance', () => {
  it('a second instance quits at once', () => {
    stub.singleInstanceLock = false;
    const onSecond = vi.fn();
    expect(acquireSingleInstance(onSecond)).toBe(false);
    expect(stub.appCalls).toEqual(['requestSingleInstanceLock', 'quit', 'quitted']);
    expect(fakeApp.listenerCount('second-instance')).toBe(0);
  });

  it('the first instance brings its window forward when a second one starts', () => {
    const w = newWindow();
    w.minimize();
    w.hide();
    expect(acquireSingleInstance(() => showWindow(w as never))).toBe(true);
    expect(stub.appCalls).toEqual(['requestSingleInstanceLock']);
    fakeApp.emit('second-instance', {}, ['harvest'], '/');
    expect(w).toMatchObject({ visible: true, focused: true, minimized: false });
  });
});

describe('content security', () => {
  it('the production CSP allows only the app itself: no inline or remote script, no eval, no frames, no network', () => {
    const d = Object.fromEntries(PRODUCTION_CSP.split('; ').map((p) => [p.split(' ')[0], p.split(' ').slice(1)]));
    expect(d['default-src']).toEqual(["'none'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['connect-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['frame-src']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(PRODUCTION_CSP).not.toMatch(/unsafe-eval|https?:|\*/u);
    // Development adds only the dev server's hot-reload socket and the React refresh preamble.
    expect(developmentCsp('http://localhost:5173/')).toContain("connect-src 'self' ws://localhost:5173");
  });

  it('puts the CSP on every response and grants no permission but clipboard writes', () => {
    hardenSession(electronModule.session.defaultSession as unknown as Session, PRODUCTION_CSP);
    expect(stub.headersListeners).toHaveLength(1);
    let out: { responseHeaders?: Record<string, string[]> } = {};
    (stub.headersListeners[0] as (d: unknown, cb: (r: typeof out) => void) => void)(
      { responseHeaders: { 'content-security-policy': ['default-src *'], 'content-type': ['text/html'] } },
      (r) => (out = r),
    );
    expect(out.responseHeaders).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': [PRODUCTION_CSP],
      'X-Content-Type-Options': ['nosniff'],
    });
    const answers: Record<string, boolean> = {};
    for (const p of [
      'notifications',
      'media',
      'geolocation',
      'openExternal',
      'clipboard-read',
      'clipboard-sanitized-write',
    ]) {
      (stub.permissionRequestHandler as (wc: unknown, p: string, cb: (ok: boolean) => void) => void)(
        null,
        p,
        (ok) => (answers[p] = ok),
      );
    }
    expect(answers).toEqual({
      notifications: false,
      media: false,
      geolocation: false,
      openExternal: false,
      'clipboard-read': false,
      'clipboard-sanitized-write': true,
    });
    expect((stub.permissionCheckHandler as (wc: unknown, p: string) => boolean)(null, 'media')).toBe(false);
  });

  it('registers app:// as a standard, secure scheme before ready', () => {
    registerAppScheme();
    expect(stub.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
  });
});

describe('app:// protocol', () => {
  let dir: string;
  let handler: (r: Request) => Promise<Response>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hv-renderer-'));
    mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Harvest</title>');
    writeFileSync(join(dir, 'renderer', 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'outside');
    handler = appProtocolHandler(join(dir, 'renderer'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const get = (url: string, method = 'GET'): Promise<Response> => handler(new Request(url, { method }));

  it('serves the built renderer with the CSP and the right types', async () => {
    const index = await get('app://harvest/index.html');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(PRODUCTION_CSP);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<title>Harvest</title>');
    const js = await get('app://harvest/assets/index-abc.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
  });

  it('answers client-side routes with index.html and missing assets with 404', async () => {
    expect(await (await get('app://harvest/')).text()).toContain('Harvest');
    expect(await (await get('app://harvest/users/alice/wallet')).text()).toContain('Harvest');
    expect((await get('app://harvest/assets/missing.js')).status).toBe(404);
  });

  it('never serves anything outside the renderer folder or for another host', async () => {
    for (const url of [
      'app://harvest/..%2Fsecret.txt',
      'app://harvest/%2e%2e/secret.txt',
      'app://harvest/assets/..%2F..%2Fsecret.txt',
      'app://harvest/../secret.txt',
    ]) {
      const r = await get(url);
      expect(await r.text(), url).not.toContain('outside');
    }
    expect((await get('app://harvest/..%2Fsecret.txt')).status).toBe(403);
    expect((await get('app://evil/index.html')).status).toBe(404);
    expect((await get('app://harvest/index.html', 'POST')).status).toBe(405);
  });
});
