import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { shell, type Session, type WebContents, type WebPreferences } from 'electron';

/**
 * The shell's security policy in one place: the app:// protocol that serves
 * the built renderer, its Content-Security-Policy, the window's web
 * preferences, and the rules every web contents gets (no navigation, no new
 * windows, no webviews, no permissions).
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'harvest';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/**
 * The renderer loads only its own files; no inline script, no eval, no
 * network (the engine is reached over IPC only), no frames, no plugins.
 * Inline styles stay allowed: React and lightweight-charts set element styles.
 */
export const PRODUCTION_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "media-src 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Development only (electron-vite's dev server): the React refresh preamble is
 * an inline script and hot reload talks to the dev server over a WebSocket.
 */
export function developmentCsp(devServerUrl: string): string {
  const u = new URL(devServerUrl);
  const ws = `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}`;
  return PRODUCTION_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "connect-src 'self'",
    `connect-src 'self' ${ws}`,
  );
}

/** Where the renderer comes from: the app:// protocol, or the dev server in development. */
export interface RendererSource {
  /** The URL the window loads. */
  url: string;
  /** scheme://host the renderer's frames must have for IPC to be accepted. */
  origin: string;
  csp: string;
}

export function rendererSource(devServerUrl: string | undefined): RendererSource {
  if (devServerUrl) {
    const u = new URL(devServerUrl);
    return { url: u.href, origin: `${u.protocol}//${u.host}`, csp: developmentCsp(devServerUrl) };
  }
  return { url: APP_URL, origin: APP_ORIGIN, csp: PRODUCTION_CSP };
}

/**
 * scheme://host of a URL. WHATWG `URL.origin` is "null" for non-special
 * schemes like app://, so it cannot be used to compare them.
 */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (!u.host) return null;
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** The web preferences of the only window: isolated, sandboxed, no Node, web security on. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/**
 * Sites the UI links to (target=_blank) that the OS browser may open: the chart library's
 * attribution (TradingView's licence asks for it) and the Solana explorers. Nothing else.
 */
export const EXTERNAL_LINK_HOSTS: ReadonlySet<string> = new Set([
  'www.tradingview.com',
  'tradingview.com',
  'solscan.io',
  'explorer.solana.com',
  'solana.fm',
]);

/** Whether a link may leave the app for the OS browser: https only, a host on the list, no credentials. */
export function isAllowedExternalLink(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && EXTERNAL_LINK_HOSTS.has(u.hostname);
}

/**
 * Every web contents (the window and anything it might try to create):
 * navigation away is refused, new windows are refused, webviews are refused.
 * A new-window request for an allowed external link (isAllowedExternalLink)
 * goes to the OS browser through shell.openExternal; the app still opens no window.
 */
export function hardenWebContents(
  contents: WebContents,
  openExternal: (url: string) => Promise<void> = (url) => shell.openExternal(url),
): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalLink(url)) void openExternal(url).catch(() => undefined);
    return { action: 'deny' };
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The page the window shows when its UI did not load (the dev server is down, a
 * redirect was blocked, the build is missing). Its Retry link points at the UI's
 * own URL: the navigation is refused like every other and the shell reloads the
 * UI instead (createMainWindow). No script: the page's own CSP forbids it.
 */
export function loadFailurePage(url: string, reason: string): string {
  const html = `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Harvest could not load</title>
<style>body{font:15px system-ui,sans-serif;background:#0f1115;color:#e6e6e6;margin:15vh auto;max-width:36em;padding:0 1em}
a{display:inline-block;margin-top:1em;padding:.5em 1.5em;background:#2d6cdf;color:#fff;border-radius:4px;text-decoration:none}
code{color:#aaa}</style></head><body>
<h1>Harvest's window could not load</h1>
<p>${escapeHtml(reason)}</p>
<p>The engine keeps running as before; only the window is affected.</p>
<p><code>${escapeHtml(url)}</code></p>
<a id="retry" href="${escapeHtml(url)}">Retry</a>
</body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}

/** Permissions the renderer may use: only writing to the clipboard (copy an address). */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** The CSP header on every response (the dev server's too), and no permission prompts. */
export function hardenSession(session: Session, csp: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [csp];
    headers['X-Content-Type-Options'] = ['nosniff'];
    callback({ responseHeaders: headers });
  });
  session.setPermissionRequestHandler((_wc, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  session.setPermissionCheckHandler((_wc, permission) => ALLOWED_PERMISSIONS.has(permission));
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The app:// handler: serves files of the built renderer (and nothing outside
 * it), with the CSP on every response. A path without a file extension is a
 * client-side route and gets index.html.
 */
export function appProtocolHandler(
  rendererDir: string,
  csp: string = PRODUCTION_CSP,
): (request: Request) => Promise<Response> {
  const root = resolve(rendererDir);
  const headers = (type: string): Record<string, string> => ({
    'Content-Type': type,
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  const fail = (status: number, text: string): Response =>
    new Response(text, { status, headers: headers('text/plain; charset=utf-8') });
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return fail(400, 'Bad request');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return fail(404, 'Not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'Method not allowed');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return fail(400, 'Bad request');
    }
    if (path.includes('\0')) return fail(400, 'Bad request');
    let file = resolve(root, `.${path.startsWith('/') ? path : `/${path}`}`);
    if (file !== root && !file.startsWith(root + sep)) return fail(403, 'Forbidden');
    if (file === root || (!extname(file) && !(await isFile(file)))) file = resolve(root, 'index.html');
    if (!(await isFile(file))) return fail(404, 'Not found');
    const body = await readFile(file);
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: headers(MIME[extname(file).toLowerCase()] ?? 'application/octet-stream'),
    });
  };
}
