import { ManualClock } from '../../../../engine/kernel/clock';

/** A ManualClock that knows when its sleepers are due, so a test can jump straight to the next one. */
export class TestClock extends ManualClock {
  private readonly due: number[] = [];
  /** Every sleep asked for, in ms. */
  readonly sleeps: number[] = [];

  constructor(startMs = 1_700_000_000_000) {
    super(startMs);
  }

  override sleep(ms: number): Promise<void> {
    const until = this.now() + ms;
    this.due.push(until);
    this.sleeps.push(ms);
    return super.sleep(ms).then(() => {
      const i = this.due.indexOf(until);
      if (i >= 0) this.due.splice(i, 1);
    });
  }

  get pendingSleeps(): number {
    return this.due.length;
  }

  /** Moves time to the earliest sleeper's wake-up (or wakes the ones already due). */
  advanceToNext(): void {
    if (this.due.length === 0) return;
    const next = Math.min(...this.due);
    this.advance(Math.max(0, next - this.now()));
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const realDelay = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

export interface DriveOptions {
  /** True while real work (HTTP) is under way; time is not moved then. */
  busy: () => boolean;
  /** Also move time while busy once it has lasted this many real ms (for hung requests). Default: never. */
  advanceWhileBusyAfterMs?: number;
  /** Fail if virtual time moves further than this. Default 1 hour. */
  maxVirtualMs?: number;
}

/**
 * Runs `promise` to completion on virtual time: whenever no request is on the wire, jumps the clock
 * to the next sleeper. Deterministic: time only moves when the code under test is waiting on it.
 */
export async function drive<T>(clock: TestClock, promise: Promise<T>, opts: DriveOptions): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  const start = clock.now();
  const maxVirtualMs = opts.maxVirtualMs ?? 3_600_000;
  let busySince: number | null = null;
  for (;;) {
    await turn();
    await turn();
    if (settled) break;
    if (clock.now() - start > maxVirtualMs)
      throw new Error(`drive: still pending after ${maxVirtualMs} ms of virtual time`);
    if (opts.busy()) {
      busySince ??= performance.now();
      if (opts.advanceWhileBusyAfterMs === undefined || performance.now() - busySince < opts.advanceWhileBusyAfterMs) {
        await realDelay(1);
        continue;
      }
    }
    busySince = null;
    if (clock.pendingSleeps > 0) clock.advanceToNext();
  }
  return promise;
}
