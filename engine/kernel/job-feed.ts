import type { JobUpdate } from '../api/client';
import type { Clock } from './clock';

/** At most this many progress updates a second per job reach the UI (the final state always does). */
export const JOB_UPDATES_PER_SECOND = 10;

type Listener = (update: JobUpdate) => void;

interface Pace {
  lastSentAt: number;
  /** The newest update held back by the pace, sent when its turn comes. */
  held: JobUpdate | null;
  waiting: boolean;
}

/**
 * Progress of background jobs, for the UI transports (WebSocket host, Electron
 * IPC). Deliberately not the event bus: bus events are stored and clear the
 * risk gate's cache, and a progress bar needs neither. Updates are paced per
 * job (a worker may report far more often than a person can see); a held-back
 * update goes out when its turn comes, and a job's final state goes out at
 * once, never held and never dropped.
 */
export class JobFeed {
  private readonly listeners = new Set<Listener>();
  private readonly paces = new Map<number, Pace>();
  private readonly minIntervalMs: number;

  constructor(
    private readonly clock: Clock,
    perSecond = JOB_UPDATES_PER_SECOND,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.minIntervalMs = 1000 / perSecond;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(update: JobUpdate): void {
    const now = this.clock.now();
    if (update.state !== 'running') {
      this.paces.delete(update.job);
      this.deliver(update);
      return;
    }
    const pace = this.paces.get(update.job);
    if (!pace) {
      this.paces.set(update.job, { lastSentAt: now, held: null, waiting: false });
      this.deliver(update);
      return;
    }
    const wait = pace.lastSentAt + this.minIntervalMs - now;
    if (wait <= 0 && !pace.waiting) {
      pace.lastSentAt = now;
      this.deliver(update);
      return;
    }
    pace.held = update;
    if (pace.waiting) return;
    pace.waiting = true;
    void this.clock.sleep(Math.max(0, wait)).then(() => {
      pace.waiting = false;
      // The job ended (its final state went out) or was replaced meanwhile: nothing stale follows it.
      if (this.paces.get(update.job) !== pace || pace.held === null) return;
      const held = pace.held;
      pace.held = null;
      pace.lastSentAt = this.clock.now();
      this.deliver(held);
    });
  }

  private deliver(update: JobUpdate): void {
    for (const l of this.listeners) {
      try {
        l(update);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}
