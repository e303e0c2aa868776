import type { Clock } from '../kernel/clock';

/**
 * Request timeouts on the injected Clock. The Clock has no way to cancel a sleep, so instead of one
 * sleep per request (which would keep a process alive for a whole timeout after the last request
 * finished) one loop ticks while anything is being watched and fires the deadlines that have passed.
 * A deadline fires at most `tickMs` late; the loop ends at most one tick after the last unwatch.
 */
export class Deadlines {
  private readonly watched = new Map<number, { at: number; fire: () => void }>();
  private nextId = 0;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly tickMs: number,
  ) {}

  /** Calls `fire` once the clock reaches `at`, unless the returned function is called first. */
  watch(at: number, fire: () => void): () => void {
    const id = this.nextId++;
    this.watched.set(id, { at, fire });
    if (!this.running) void this.loop();
    return () => {
      this.watched.delete(id);
    };
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.watched.size > 0) {
        await this.clock.sleep(this.tickMs);
        const now = this.clock.now();
        for (const [id, entry] of this.watched) {
          if (entry.at <= now) {
            this.watched.delete(id);
            entry.fire();
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
