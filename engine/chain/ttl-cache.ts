import type { Clock } from '../kernel/clock';

/** A small time-to-live cache on the injected Clock, bounded in entries (oldest dropped first). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { expiresAt: number; value: V }>();

  constructor(
    private readonly clock: Clock,
    readonly ttlMs: number,
    readonly maxEntries: number,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 && this.maxEntries > 0;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (!this.enabled) return;
    const now = this.clock.now();
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.prune(now);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { expiresAt: now + this.ttlMs, value });
  }

  clear(): void {
    this.entries.clear();
  }

  /** Drops the entries whose key `keep` does not accept. */
  retain(keep: (key: string) => boolean): void {
    for (const key of this.entries.keys()) if (!keep(key)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
