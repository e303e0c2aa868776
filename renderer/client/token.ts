export const TOKEN_STORAGE_KEY = 'harvest.token';

interface LocationLike {
  href: string;
}
interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
interface HistoryLike {
  replaceState(data: unknown, unused: string, url?: string | URL | null): void;
}

/**
 * The host's access token: taken from `?token=` in the page URL (then kept in
 * sessionStorage for reloads and removed from the address bar, so it does not
 * linger in history or screenshots), else from sessionStorage.
 */
export function takeToken(loc: LocationLike, storage: StorageLike, history: HistoryLike): string | null {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    url.searchParams.delete('token');
    const rest = url.searchParams.toString();
    history.replaceState(null, '', `${url.pathname}${rest ? `?${rest}` : ''}${url.hash}`);
    return fromUrl;
  }
  return storage.getItem(TOKEN_STORAGE_KEY);
}

/** Accepts a pasted token or a whole "http://…/?token=…" URL. */
export function tokenFromPaste(text: string): string | null {
  const t = text.trim();
  if (!t) return null;
  try {
    const u = new URL(t);
    return u.searchParams.get('token');
  } catch {
    return /^[A-Za-z0-9_-]{16,}$/u.test(t) ? t : null;
  }
}
