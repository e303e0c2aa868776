/**
 * `harvest backtest` and `harvest optimise` on a terminal: the work runs as a
 * background job and its progress is drawn on one line of stderr until it
 * ends. In this process the engine pushes the progress (engine/kernel/job-feed);
 * through a running engine's control channel, which has no push, it is polled.
 */
import type { CommandOutput, JobUpdate } from '../api';
import { systemClock, type Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { CliSession } from './dispatch';

export type JobStart = 'backtest.start' | 'backtest.optimiseStart';
type JobOut = CommandOutput<'backtest.job'>;

/** How often a job is asked for when its progress cannot be pushed. */
export const JOB_POLL_MS = 200;
const BAR_WIDTH = 24;

/** "Backtesting  [#######.................]  30 %" */
export function progressLine(start: JobStart, progress: number): string {
  const pct = Math.floor(Math.max(0, Math.min(1, progress)) * 100);
  const filled = Math.round((pct / 100) * BAR_WIDTH);
  return `${start === 'backtest.start' ? 'Backtesting' : 'Optimising'}  [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]  ${pct} %`;
}

/**
 * Starts the job, shows its progress through `draw` (null: clear the line),
 * and returns its final state with its result; a failed or cancelled job
 * throws, saying why.
 */
export async function followJob(
  s: CliSession,
  start: JobStart,
  input: unknown,
  draw: (line: string | null) => void,
  clock: Clock = systemClock,
): Promise<JobOut> {
  const latest = new Map<number, JobUpdate>();
  let wake: () => void = () => undefined;
  const off = s.onJob?.((u) => {
    latest.set(u.job, u);
    wake();
  });
  let drawn = false;
  const show = (progress: number): void => {
    drawn = true;
    draw(progressLine(start, progress));
  };
  try {
    const { job } = (await s.call(start, input)) as { job: number };
    show(0);
    let last: JobOut | null = null;
    for (;;) {
      if (off) {
        const u = latest.get(job);
        if (u && u.state !== 'running') break;
        if (u) show(u.progress);
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      last = (await s.call('backtest.job', { job })) as JobOut;
      if (last.state !== 'running') break;
      show(last.progress);
      await clock.sleep(JOB_POLL_MS);
    }
    // Pushes carry no result: read it once.
    const final = last ?? ((await s.call('backtest.job', { job })) as JobOut);
    if (final.state === 'failed') {
      const why = final.error ?? 'The job stopped.';
      // The job keeps only the words; engine/backtest/jobs.ts words an internal failure so.
      throw new HarvestError(why.includes('internal error') ? 'INTERNAL' : 'INVALID_INPUT', why);
    }
    if (final.state === 'cancelled') throw new HarvestError('REFUSED', 'Cancelled.');
    return final;
  } finally {
    off?.();
    if (drawn) draw(null);
  }
}

/** Draws on a terminal line of `write` (carriage return, clear to end of line). */
export function terminalLine(write: (text: string) => void): (line: string | null) => void {
  return (line) => write(line === null ? '\r\x1b[K' : `\r\x1b[K${line}`);
}
