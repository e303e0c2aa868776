import type { Clock } from '../kernel/clock';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One GET with a timeout; the body is parsed as JSON when it is JSON. */
export async function getJson(
  url: string,
  opts: { signal?: AbortSignal; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const r = await fetch(url, { headers: { accept: 'application/json', ...opts.headers }, signal });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the error message
  }
  return { status: r.status, headers: r.headers, body };
}

/** Seconds of a Retry-After header (delta-seconds form), or null. */
export function retryAfterMs(headers: Headers): number | null {
  const v = headers.get('retry-after');
  if (v === null) return null;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : null;
}

/**
 * Spaces requests to one service on the injected clock: at least
 * `minIntervalMs` apart, and none before a time the service named (a
 * Retry-After, a spent weight budget). Every wait goes through `clock.sleep`,
 * so tests see exactly how long the source held back.
 */
export class RequestPacer {
  private nextAt = 0;
  private holdUntil = 0;

  constructor(
    private readonly clock: Clock,
    private readonly minIntervalMs: number,
  ) {}

  /** Waits until the next request may go. */
  async turn(signal?: AbortSignal): Promise<void> {
    const at = Math.max(this.nextAt, this.holdUntil);
    const wait = at - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait, signal);
    if (signal?.aborted) throw new Error('history request stopped: the engine is stopping');
    this.nextAt = this.clock.now() + this.minIntervalMs;
  }

  /** No request before `ms` from now. */
  holdFor(ms: number): void {
    this.holdUntil = Math.max(this.holdUntil, this.clock.now() + ms);
  }
}
