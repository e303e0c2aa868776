import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** A fresh 256-bit access token, hex. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/**
 * Constant-time token check. Both sides are hashed first, so the compared
 * buffers always have the same length and even the candidate's length leaks
 * nothing through timing.
 */
export function tokenMatches(expected: string, candidate: unknown): boolean {
  if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > 1024) return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(candidate, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of `Authorization: Bearer T`, or null. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/iu.exec(header);
  return m ? m[1]! : null;
}

/** Addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/u, '$1');
  if (h === 'localhost') return true;
  const kind = isIP(h);
  if (kind === 4) return h.startsWith('127.');
  if (kind === 6) return h === '::1' || /^::ffff:127\./u.test(h) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/u.test(h);
  return false;
}

export function isWildcardHost(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/u, '$1');
  return h === '0.0.0.0' || h === '::' || h === '0:0:0:0:0:0:0:0';
}

/** `host:port` as it appears in a URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  const h = host.replace(/^\[(.*)\]$/u, '$1');
  return isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`;
}

/**
 * The `host:port` pairs a browser may legitimately use to reach this host:
 * the loopback names always, plus the bound address (or every interface
 * address for a wildcard bind) when listening beyond loopback.
 */
export function reachableAuthorities(boundHost: string, port: number): string[] {
  const names = new Set<string>(['127.0.0.1', 'localhost', '::1']);
  if (!isLoopbackHost(boundHost)) {
    if (isWildcardHost(boundHost)) {
      for (const list of Object.values(networkInterfaces())) {
        for (const a of list ?? []) names.add(a.address.replace(/%.*$/u, ''));
      }
    } else {
      names.add(boundHost.replace(/^\[(.*)\]$/u, '$1'));
    }
  }
  return [...names].map((n) => hostPort(n, port).toLowerCase());
}

/**
 * Headers on every response. The CSP allows only this host's own scripts,
 * styles, images (and data: images, e.g. QR codes) and connections (its own
 * WebSocket), and no framing.
 */
export function securityHeaders(wsOrigins: readonly string[]): Record<string, string> {
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self' ${wsOrigins.join(' ')}`.trim(),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}
