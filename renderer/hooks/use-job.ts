import { useEffect, useRef, useState } from 'react';
import type { CommandOutput } from '../../engine/api/contract';
import type { JobUpdate } from '../../engine/api/client';
import { actions, useApp } from '../state/store';

export type Job = CommandOutput<'backtest.job'>;

/** How often a job is asked for while its progress cannot be pushed (the connection is down). */
export const POLL_MS = 250;

/**
 * Follows a background job until it ends, and hands its last state to `onEnd`
 * once. While the engine connection is up, progress is pushed (EngineClient.onJob)
 * and the job is read only once, when it is done, for its result. While the
 * connection is down, the job is polled instead; when the connection comes back,
 * one read catches up on what was missed.
 */
export function useJob(job: number | null, onEnd: (j: Job) => void): JobUpdate | null {
  const [state, setState] = useState<JobUpdate | null>(null);
  const conn = useApp((s) => s.conn);
  const client = actions().client;
  const pushed = conn === 'open' && typeof client.onJob === 'function';
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;
  const ended = useRef<number | null>(null);
  /** Whether this job was polled (so pushes may have been missed) since it started. */
  const polled = useRef(false);

  useEffect(() => {
    if (job === null) {
      setState(null);
      polled.current = false;
      return;
    }
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const end = (j: Job): void => {
      if (!alive || ended.current === job) return;
      ended.current = job;
      setState(j);
      onEndRef.current(j);
    };
    const failed = (e: unknown): void =>
      end({ job, kind: 'run', state: 'failed', progress: 0, error: (e as Error).message, run: null, optimise: null });
    /** Reads the job (with its result once done); true while it still runs. */
    const read = async (): Promise<boolean> => {
      try {
        const j = await client.call('backtest.job', { job });
        if (!alive) return false;
        if (j.state === 'running') {
          setState(j);
          return true;
        }
        end(j);
      } catch (e) {
        // The connection dropped under the read: the job runs on; ask again once it is back.
        if ((e as { code?: unknown }).code === 'DISCONNECTED') return alive;
        failed(e);
      }
      return false;
    };

    if (pushed) {
      const off = client.onJob!((u) => {
        if (!alive || u.job !== job || ended.current === job) return;
        if (u.state === 'running') return setState(u);
        // The result is not pushed (it can be large): read it once.
        if (u.state === 'done') void read();
        else end({ ...u, run: null, optimise: null });
      });
      if (polled.current) {
        polled.current = false;
        void read();
      }
      return () => {
        alive = false;
        off();
      };
    }

    polled.current = true;
    const tick = async (): Promise<void> => {
      if (await read()) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [job, pushed, client]);
  return state;
}
