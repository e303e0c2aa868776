/**
 * Backtests and optimisations started from the UI run as jobs: the call that
 * starts one returns at once with a job number; each change of the job's
 * progress or state is published (the UI transports push it to the screen,
 * see engine/kernel/job-feed.ts), the result is read with the job number, and
 * the job can be cancelled. The work runs on worker threads, so
 * the engine keeps serving (and trading) while it goes.
 */
import type { JobUpdate } from '../api/client';
import { HarvestError } from '../kernel/errors';
import { startWorker } from './optimise';
import type { BacktestReport, BacktestRequest } from './report';

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';
export type JobKind = JobUpdate['kind'];

export interface JobHooks {
  /** Share done, 0..1. */
  onProgress(done: number): void;
  signal: AbortSignal;
}

export interface Job<T> {
  id: number;
  kind: JobKind;
  state: JobState;
  progress: number;
  error: string | null;
  result: T | null;
}

/** Finished jobs kept for their result: the screen reads one shortly after it ends. */
const KEEP_FINISHED = 20;

const cancelled = (): HarvestError => new HarvestError('REFUSED', 'Cancelled.');

export class BacktestJobs {
  private next = 1;
  private readonly jobs = new Map<number, Job<unknown> & { abort: AbortController }>();

  /** `publish` hears every change of a job's progress or state (not its result). */
  constructor(private readonly publish: (update: JobUpdate) => void = () => undefined) {}

  start<T>(kind: JobKind, work: (hooks: JobHooks) => Promise<T>): number {
    const id = this.next++;
    const abort = new AbortController();
    const job: Job<unknown> & { abort: AbortController } = {
      id,
      kind,
      state: 'running',
      progress: 0,
      error: null,
      result: null,
      abort,
    };
    this.jobs.set(id, job);
    this.prune();
    const hooks: JobHooks = {
      onProgress: (d) => {
        if (job.state !== 'running') return;
        const progress = Math.max(job.progress, Math.min(1, d));
        if (progress === job.progress) return;
        job.progress = progress;
        this.changed(job);
      },
      signal: abort.signal,
    };
    work(hooks).then(
      (result) => {
        if (job.state !== 'running') return;
        job.state = 'done';
        job.progress = 1;
        job.result = result;
        this.changed(job);
      },
      (e: unknown) => {
        if (job.state !== 'running') return;
        job.state = abort.signal.aborted ? 'cancelled' : 'failed';
        job.error = abort.signal.aborted
          ? null
          : e instanceof HarvestError
            ? e.message
            : `The backtest stopped on an internal error: ${(e as Error)?.message ?? String(e)}`;
        this.changed(job);
      },
    );
    return id;
  }

  get(id: number): Job<unknown> {
    const job = this.jobs.get(id);
    if (!job) throw new HarvestError('NOT_FOUND', `No backtest job ${id} (jobs last until the engine restarts).`);
    const { abort: _abort, ...out } = job;
    return out;
  }

  /** Stops a running job (its threads are terminated); a finished one stays as it ended. */
  cancel(id: number): Job<unknown> {
    const job = this.jobs.get(id);
    if (!job) throw new HarvestError('NOT_FOUND', `No backtest job ${id}.`);
    if (job.state === 'running') {
      job.state = 'cancelled';
      job.abort.abort();
      this.changed(job);
    }
    return this.get(id);
  }

  /** Stops every running job (engine shutdown). */
  cancelAll(): void {
    for (const j of this.jobs.values()) if (j.state === 'running') this.cancel(j.id);
  }

  private changed(j: Job<unknown>): void {
    this.publish({ job: j.id, kind: j.kind, state: j.state, progress: j.progress, error: j.error });
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(j.id);
  }
}

/** One backtest on a worker thread, with its progress; aborting terminates the thread. */
export function runReportInWorker(req: BacktestRequest, hooks: JobHooks): Promise<BacktestReport> {
  return new Promise<BacktestReport>((resolve, reject) => {
    if (hooks.signal.aborted) return reject(cancelled());
    const w = startWorker({ kind: 'run', req });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      hooks.signal.removeEventListener('abort', onAbort);
      void w.terminate();
      f();
    };
    const onAbort = (): void => finish(() => reject(cancelled()));
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    w.on(
      'message',
      (m: { progress: number } | { report: BacktestReport } | { error: { code: string; message: string } }) => {
        if ('progress' in m) hooks.onProgress(m.progress);
        else if ('report' in m) finish(() => resolve(m.report));
        else
          finish(() =>
            reject(
              new HarvestError(
                (m.error.code as ConstructorParameters<typeof HarvestError>[0]) ?? 'INTERNAL',
                m.error.message,
              ),
            ),
          );
      },
    );
    w.on('error', (e) => finish(() => reject(e)));
    w.on('exit', (code) =>
      finish(() => reject(new HarvestError('INTERNAL', `The backtest thread stopped (exit ${code}).`))),
    );
  });
}
