/**
 * The job feed paces each job's progress for the UI (at most ten a second,
 * the newest held back until its turn), and never holds or drops a job's
 * final state; BacktestJobs publishes every change of progress and state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JobUpdate } from '../../../engine/api/client';
import { BacktestJobs } from '../../../engine/backtest/jobs';
import { ManualClock } from '../../../engine/kernel/clock';
import { JobFeed } from '../../../engine/kernel/job-feed';

const running = (job: number, progress: number): JobUpdate => ({
  job,
  kind: 'run',
  state: 'running',
  progress,
  error: null,
});

/** Lets the clock's woken sleepers run their continuations. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('JobFeed', () => {
  it('sends the first update at once, holds the rest to ten a second, and sends the newest held one', async () => {
    const clock = new ManualClock(0);
    const feed = new JobFeed(clock);
    const got: [number, number][] = [];
    feed.subscribe((u) => got.push([clock.now(), u.progress]));
    for (let i = 1; i <= 50; i++) feed.publish(running(1, i / 100));
    expect(got).toEqual([[0, 0.01]]);
    clock.advance(100);
    await settle();
    expect(got).toEqual([
      [0, 0.01],
      [100, 0.5],
    ]);
    // Nothing new: nothing sent.
    clock.advance(500);
    await settle();
    expect(got).toHaveLength(2);
    // Once the interval has passed, an update goes at once again.
    feed.publish(running(1, 0.6));
    expect(got.at(-1)).toEqual([600, 0.6]);
  });

  it("paces each job on its own, and a job's final state goes at once with nothing stale after it", async () => {
    const clock = new ManualClock(0);
    const feed = new JobFeed(clock);
    const got: JobUpdate[] = [];
    feed.subscribe((u) => got.push(u));
    feed.publish(running(1, 0.1));
    feed.publish(running(2, 0.1));
    feed.publish(running(1, 0.2));
    feed.publish({ job: 1, kind: 'run', state: 'done', progress: 1, error: null });
    expect(got.map((u) => [u.job, u.state, u.progress])).toEqual([
      [1, 'running', 0.1],
      [2, 'running', 0.1],
      [1, 'done', 1],
    ]);
    clock.advance(1000);
    await settle();
    expect(got).toHaveLength(3);
  });

  it('property: per job, sent progress updates are at least 100 ms apart, never go back, and the final one is last', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 3 })), { maxLength: 80 }),
        fc.constantFrom('done', 'failed', 'cancelled'),
        async (steps, final) => {
          const clock = new ManualClock(0);
          const feed = new JobFeed(clock);
          const got: { at: number; u: JobUpdate }[] = [];
          feed.subscribe((u) => got.push({ at: clock.now(), u }));
          const progress = new Map<number, number>();
          for (const [dt, job] of steps) {
            clock.advance(dt);
            await settle();
            const p = Math.min(0.99, (progress.get(job) ?? 0) + 0.01);
            progress.set(job, p);
            feed.publish(running(job, p));
          }
          feed.publish({ job: 1, kind: 'run', state: final as JobUpdate['state'], progress: 0.5, error: null });
          clock.advance(10_000);
          await settle();
          for (const job of [1, 2, 3]) {
            const mine = got.filter((g) => g.u.job === job);
            const runs = mine.filter((g) => g.u.state === 'running');
            for (let i = 1; i < runs.length; i++) {
              expect(runs[i]!.at - runs[i - 1]!.at).toBeGreaterThanOrEqual(100);
              expect(runs[i]!.u.progress).toBeGreaterThan(runs[i - 1]!.u.progress);
            }
            // The newest progress of a job still running is delivered in the end.
            if (job !== 1 && progress.has(job)) expect(runs.at(-1)?.u.progress).toBe(progress.get(job));
          }
          expect(got.filter((g) => g.u.job === 1).at(-1)?.u.state).toBe(final);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('BacktestJobs', () => {
  it('publishes each new progress, then the final state (done, failed or cancelled), never the result', async () => {
    const got: JobUpdate[] = [];
    const jobs = new BacktestJobs((u) => got.push(u));
    const a = jobs.start('run', async (h) => {
      h.onProgress(0.25);
      h.onProgress(0.25);
      h.onProgress(0.5);
      return { big: 'report' };
    });
    const b = jobs.start('optimise', async () => {
      throw new Error('boom');
    });
    const c = jobs.start('run', (h) => new Promise((_r, reject) => h.signal.addEventListener('abort', reject)));
    jobs.cancel(c);
    await settle();
    expect(got.filter((u) => u.job === a).map((u) => [u.state, u.progress])).toEqual([
      ['running', 0.25],
      ['running', 0.5],
      ['done', 1],
    ]);
    expect(got.filter((u) => u.job === b)).toEqual([
      {
        job: b,
        kind: 'optimise',
        state: 'failed',
        progress: 0,
        error: 'The backtest stopped on an internal error: boom',
      },
    ]);
    expect(got.filter((u) => u.job === c).map((u) => u.state)).toEqual(['cancelled']);
    expect(JSON.stringify(got)).not.toContain('report');
  });
});
