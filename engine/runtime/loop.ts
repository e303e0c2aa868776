import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { Funds } from './engine';

export interface CycleReport {
  cycle: number;
  startedAt: number;
  durationMs: number;
  users: number;
  active: number;
  exits: number;
  stuck: number;
  signals: number;
  orders: number;
  errors: number;
}

/** A step of the cycle that runs after prices, balances and exits (e.g. strategies). */
export type CycleStep = (funds: Funds, report: CycleReport) => Promise<void>;

/**
 * The engine's heartbeat: every interval, fresh prices, balances (and with
 * them activation), outside flows, the ledger check when due (at start and
 * hourly), equity, the exit monitor, then the added steps. A cycle never
 * overlaps the previous one: the next starts only after this one ends. An
 * error in a step is counted and logged; it never stops the loop.
 */
export class TradingLoop {
  private running = false;
  /** Aborted by stop(): wakes the wait between cycles at once and skips the rest of a cycle. */
  private readonly stopping = new AbortController();
  private cycleNo = 0;
  /** When prices were last asked for (by a cycle or by the keeper), engine clock ms. */
  private pricesAt = -Infinity;
  private refreshingPrices = false;
  private readonly steps: CycleStep[] = [];
  last: CycleReport | null = null;

  constructor(
    private readonly funds: () => Promise<Funds>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  addStep(step: CycleStep): void {
    this.steps.push(step);
  }

  async runCycle(): Promise<CycleReport> {
    if (this.running) throw new Error('a cycle is already running');
    this.running = true;
    const startedAt = this.clock.now();
    const report: CycleReport = {
      cycle: ++this.cycleNo,
      startedAt,
      durationMs: 0,
      users: 0,
      active: 0,
      exits: 0,
      stuck: 0,
      signals: 0,
      orders: 0,
      errors: 0,
    };
    try {
      const f = await this.funds();
      await this.guard(report, 'prices', () => this.refreshPrices(f));
      await this.guard(report, 'balances', async () => {
        const b = await f.balances.refresh();
        report.users = b.length;
        report.active = b.filter((x) => x.active).length;
      });
      // Flows before equity: a deposit must raise the mark before the snapshot sees the larger balance.
      await this.guard(report, 'flows', async () => {
        const r = await f.flows.scan();
        report.errors += r.failed.length;
        // Activation follows a flow in the same cycle, even one that landed after this cycle's balance read.
        if (r.withFlows.length > 0) await f.balances.refresh(r.withFlows);
      });
      await this.guard(report, 'ledger', async () => {
        await f.ledger.runDue();
      });
      await this.guard(report, 'equity', async () => {
        f.openPaperAccounts();
        f.performance.snapshotEquity(this.clock.now());
        f.reviewRisk();
      });
      await this.guard(report, 'exits', async () => {
        const e = await f.exits.runCycle();
        report.exits = e.exits;
        report.stuck = e.stuck;
      });
      // Limit and stop orders on the same trusted prices as the exits, before any new entry of the cycle.
      await this.guard(report, 'orders', async () => {
        const o = await f.orders.runCycle();
        report.orders += o.fired;
      });
      await this.guard(report, 'strategies', async () => {
        const s = await f.runStrategies();
        report.signals = s.signals;
        report.orders += s.orders;
        report.errors += s.errors;
      });
      await this.guard(report, 'copy', async () => {
        const c = await f.copy.poll();
        report.orders += c.copied + c.refused + c.failed + c.pending;
        report.errors += c.errors;
      });
      for (const step of this.steps) await this.guard(report, 'step', () => step(f, report));
    } catch (e) {
      report.errors++;
      this.log.error({ err: (e as Error).message }, 'cycle failed');
    } finally {
      report.durationMs = this.clock.now() - startedAt;
      this.running = false;
      this.last = report;
    }
    this.log.info(
      report,
      `cycle ${report.cycle}: ${report.active}/${report.users} active, ${report.signals} signal(s), ${report.orders} order(s), ${report.exits} exit(s), ${report.errors} error(s), ${report.durationMs} ms`,
    );
    return report;
  }

  /** Runs cycles until stop(); each starts `intervalMs` after the previous started, or at once if it ran long. */
  async run(): Promise<void> {
    const keeper = this.keepPricesFresh();
    while (!this.stopped) {
      const started = this.clock.now();
      await this.runCycle();
      const wait = this.intervalMs - (this.clock.now() - started);
      if (wait > 0 && !this.stopped) await this.clock.sleep(wait, this.stopping.signal);
    }
    await keeper;
  }

  /**
   * Prices stay fresh while a cycle runs long. A cycle can wait tens of seconds on slow chain reads
   * (an RPC timing out, a friend's failing wallet); without this, every price would go stale meanwhile
   * and every friend's entries and manual orders would be refused for it. So while a cycle runs, the
   * prices are refreshed again each interval (never two refreshes at once).
   */
  private async keepPricesFresh(): Promise<void> {
    while (!this.stopped) {
      await this.clock.sleep(this.intervalMs, this.stopping.signal);
      if (this.stopped) return;
      if (!this.running || this.clock.now() - this.pricesAt < this.intervalMs) continue;
      try {
        await this.refreshPrices(await this.funds());
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'price refresh between cycles failed');
      }
    }
  }

  private async refreshPrices(f: Funds): Promise<void> {
    if (this.refreshingPrices) return;
    this.refreshingPrices = true;
    this.pricesAt = this.clock.now();
    try {
      await f.refreshPrices();
    } finally {
      this.refreshingPrices = false;
    }
  }

  /**
   * Stops promptly whatever the interval: the wait between cycles ends now, and
   * a running cycle ends after its current step (an order in flight finishes
   * its journal step; no new step starts).
   */
  stop(): void {
    this.stopping.abort();
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async guard(report: CycleReport, what: string, fn: () => Promise<void>): Promise<void> {
    if (this.stopped) return;
    try {
      await fn();
    } catch (e) {
      report.errors++;
      this.log.error({ step: what, err: (e as Error).message }, 'cycle step failed');
    }
  }
}
