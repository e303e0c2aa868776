import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';

export interface RateLimit {
  /** Requests allowed in any window of `perMs` milliseconds (the bucket size). */
  requests: number;
  perMs: number;
}

/** Fits the public mainnet endpoint: 100 requests per 10 s per IP. */
export const DEFAULT_RATE_LIMIT: RateLimit = { requests: 100, perMs: 10_000 };

export function validateRateLimit(limit: RateLimit, what: string): void {
  if (
    !Number.isSafeInteger(limit.requests) ||
    limit.requests < 1 ||
    !Number.isFinite(limit.perMs) ||
    limit.perMs <= 0
  ) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Invalid rate limit for ${what}: expected a whole number of requests (>= 1) per a positive number of milliseconds, got ${limit.requests} per ${limit.perMs} ms.`,
    );
  }
}

/**
 * A token bucket of `requests` tokens in which each spent token comes back exactly `perMs` after it
 * was spent. A full bucket allows a burst of `requests`, and no window of `perMs` ever sees more than
 * `requests` grants — the guarantee a "N requests per W seconds" provider limit needs (a bucket that
 * refills continuously would allow up to 2N in one window).
 *
 * Waiters are served first come, first served; all waiting goes through the injected Clock.
 */
export class RateLimiter {
  /** Times (clock ms) at which the tokens still out were spent, oldest first. */
  private readonly spent: number[] = [];
  private readonly waiters: (() => void)[] = [];
  private pumping = false;
  private pausedUntil = 0;

  constructor(
    private readonly clock: Clock,
    readonly limit: RateLimit,
  ) {
    validateRateLimit(limit, 'rate limiter');
  }

  /** Resolves when a token has been taken for the caller. */
  acquire(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      void this.pump();
    });
  }

  /** Grant nothing before `untilMs` (a provider's Retry-After). */
  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
  }

  /** Tokens that could be granted right now. */
  available(): number {
    const now = this.clock.now();
    this.expire(now);
    if (now < this.pausedUntil) return 0;
    return this.limit.requests - this.spent.length;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private expire(now: number): void {
    while (this.spent.length > 0 && (this.spent[0] as number) + this.limit.perMs <= now) this.spent.shift();
  }

  /** Milliseconds until the next grant is possible (0 = now). */
  private waitMs(now: number): number {
    this.expire(now);
    let wait = Math.max(0, this.pausedUntil - now);
    if (this.spent.length >= this.limit.requests) {
      wait = Math.max(wait, (this.spent[0] as number) + this.limit.perMs - now);
    }
    return wait;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const now = this.clock.now();
        const wait = this.waitMs(now);
        if (wait > 0) {
          await this.clock.sleep(wait);
          continue;
        }
        this.spent.push(now);
        const next = this.waiters.shift() as () => void;
        next();
      }
    } finally {
      this.pumping = false;
    }
  }
}
