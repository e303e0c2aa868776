/**
 * Keeps one `harvest run` up on the soak's data directory, the way a service
 * manager would: whenever it dies (a scheduled SIGKILL, or on its own) it is
 * started again. A kill can land while the engine is starting (and so while it
 * reconciles the journal a previous kill left behind), which is kept on purpose.
 */
import type { ChildProcess } from 'node:child_process';
import { sleep, startHarvest, stop, type Running } from './procs';

export interface EngineReady {
  event: 'ready';
  pid: number;
  socket: string;
}

export interface SupervisorStats {
  starts: number;
  startFailures: number;
  killsWhileUp: number;
  killsWhileStarting: number;
  /** Exits nobody asked for: crashes. */
  unexpectedExits: number;
  unexpectedTails: string[];
  /** Wall ms from a kill to the next ready line. */
  recoveryMs: number[];
  /** When an engine was up (ready → exit), wall ms. */
  upIntervals: { from: number; to: number }[];
}

/** How long an engine was up within [from, to]. */
export function upMsWithin(stats: SupervisorStats, from: number, to: number): number {
  return stats.upIntervals.reduce((a, u) => a + Math.max(0, Math.min(u.to, to) - Math.max(u.from, from)), 0);
}

export class EngineSupervisor {
  readonly stats: SupervisorStats = {
    starts: 0,
    startFailures: 0,
    killsWhileUp: 0,
    killsWhileStarting: 0,
    unexpectedExits: 0,
    unexpectedTails: [],
    recoveryMs: [],
    upIntervals: [],
  };
  private child: ChildProcess | null = null;
  private up: Running<EngineReady> | null = null;
  private stopping = false;
  private killedAt: number | null = null;
  private expected = new WeakSet<ChildProcess>();
  private waiters: ((socket: string) => void)[] = [];
  private loop: Promise<void> | null = null;
  lastStartError = '';

  constructor(
    private readonly dir: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** The control socket of the engine once it is up. */
  waitUp(): Promise<string> {
    if (this.up) return Promise.resolve(this.up.ready.socket);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get isUp(): boolean {
    return this.up !== null;
  }

  /** SIGKILLs the engine wherever it is (up or starting); it is restarted at once. */
  kill(): 'up' | 'starting' | 'none' {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return 'none';
    const where = this.up ? 'up' : 'starting';
    if (where === 'up') this.stats.killsWhileUp++;
    else this.stats.killsWhileStarting++;
    this.expected.add(c);
    this.killedAt ??= Date.now();
    c.kill('SIGKILL');
    return where;
  }

  /** Stops restarting, and stops the running engine with SIGTERM (SIGKILL after `graceMs`). */
  async shutdown(graceMs: number): Promise<'exited' | 'killed' | 'none'> {
    this.stopping = true;
    const up = this.up;
    let how: 'exited' | 'killed' | 'none' = 'none';
    if (up) {
      this.expected.add(up.child);
      how = await stop(up, graceMs);
    } else if (this.child) {
      this.expected.add(this.child);
      this.child.kill('SIGKILL');
    }
    await this.loop;
    this.loop = null;
    return how;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let r: Running<EngineReady>;
      try {
        this.stats.starts++;
        r = await startHarvest<EngineReady>(this.dir, this.args, this.env, 90_000, (c) => (this.child = c));
      } catch (e) {
        if (!this.expected.has(this.child!)) {
          // A start refused under faults (e.g. the sandbox did not answer through the proxy): try again.
          this.stats.startFailures++;
          this.lastStartError = (e as Error).message.slice(0, 2_000);
          await sleep(500);
        }
        continue;
      }
      if (this.stopping) {
        await stop(r, 10_000);
        break;
      }
      this.up = r;
      const upFrom = Date.now();
      if (this.killedAt !== null) this.stats.recoveryMs.push(Date.now() - this.killedAt);
      this.killedAt = null;
      for (const w of this.waiters.splice(0)) w(r.ready.socket);
      await r.exited;
      this.up = null;
      this.stats.upIntervals.push({ from: upFrom, to: Date.now() });
      if (!this.expected.has(r.child)) {
        this.stats.unexpectedExits++;
        this.stats.unexpectedTails.push(r.stderrTail().slice(-1_500));
      }
    }
  }
}
