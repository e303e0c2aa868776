import { parseJobUpdate, type JobUpdate } from '../../engine/api/client';

/** Recent jobs whose latest update a new listener is given. */
const KEEP_JOBS = 20;

export interface JobHub {
  /** An update from the transport, validated here (the hop is not trusted); junk is dropped. */
  publish(raw: unknown): void;
  /** The latest update of each recent job at once, then every new one; returns an unsubscribe function. */
  subscribe(listener: (update: JobUpdate) => void): () => void;
}

/**
 * Fans pushed job updates out to the screens. It keeps each recent job's
 * latest update, so a screen that subscribes just after starting a job (or
 * after a short one already ended) still learns its state without asking.
 */
export function jobHub(): JobHub {
  const latest = new Map<number, JobUpdate>();
  const listeners = new Set<(u: JobUpdate) => void>();
  const tell = (l: (u: JobUpdate) => void, u: JobUpdate): void => {
    try {
      l(u);
    } catch {
      // one listener's failure must not stop the others
    }
  };
  return {
    publish(raw) {
      const u = parseJobUpdate(raw);
      if (!u) return;
      latest.delete(u.job);
      latest.set(u.job, u);
      while (latest.size > KEEP_JOBS) latest.delete(latest.keys().next().value!);
      for (const l of listeners) tell(l, u);
    },
    subscribe(listener) {
      listeners.add(listener);
      for (const u of latest.values()) tell(listener, u);
      return () => listeners.delete(listener);
    },
  };
}
