import type { Clock } from '../kernel/clock';

/**
 * A token bucket per chat: a burst of `burst` messages, refilled at
 * `perMinute`. A chat over its rate is told once, then ignored until it slows.
 */
export class ChatRateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number; warned: boolean }>();

  constructor(
    private readonly clock: Clock,
    private readonly perMinute = 20,
    private readonly burst = 8,
  ) {}

  /** 'ok', 'warn' (first refusal: say so once) or 'drop'. */
  take(chatId: number): 'ok' | 'warn' | 'drop' {
    const now = this.clock.now();
    const b = this.buckets.get(chatId) ?? { tokens: this.burst, at: now, warned: false };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    this.buckets.set(chatId, b);
    if (this.buckets.size > 10_000) this.buckets.delete(this.buckets.keys().next().value as number);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      b.warned = false;
      return 'ok';
    }
    if (b.warned) return 'drop';
    b.warned = true;
    return 'warn';
  }
}
