import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';

/** One message for one chat. */
export interface OutgoingMessage {
  chatId: number;
  text: string;
}

/** Messages waiting at most; beyond it the oldest is dropped (an outage must not grow memory without end). */
const MAX_QUEUED = 1000;
const ATTEMPTS = 3;

/**
 * Alerts leave through here. `push` only queues and returns at once, so the
 * event bus (and the trading loop that emits on it) never waits on Telegram;
 * one worker sends in order, retries a few times with a pause, then drops
 * and logs. A hung or failing Bot API only ever delays this queue.
 */
export class Outbox {
  private readonly queue: OutgoingMessage[] = [];
  private running = false;
  private dropped = 0;

  constructor(
    private readonly send: (m: OutgoingMessage) => Promise<void>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly retryMs = 5_000,
  ) {}

  push(m: OutgoingMessage): void {
    if (this.signal.aborted) return;
    this.queue.push(m);
    while (this.queue.length > MAX_QUEUED) {
      this.queue.shift();
      this.dropped++;
    }
    if (!this.running) void this.drain();
  }

  get size(): number {
    return this.queue.length;
  }

  get droppedCount(): number {
    return this.dropped;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.signal.aborted) {
        const m = this.queue.shift()!;
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
          try {
            await this.send(m);
            break;
          } catch (e) {
            if (attempt === ATTEMPTS || this.signal.aborted) {
              this.dropped++;
              this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'telegram message dropped');
              break;
            }
            await this.clock.sleep(this.retryMs * attempt, this.signal);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
