import { isoTime, type Clock } from '../../kernel/clock';
import type { NewDecision, Store, StrategyStateRow } from '../../store';

/** Meta key: days of decision log kept (default DEFAULT_DECISION_RETENTION_DAYS). */
export const DECISION_RETENTION_META = 'strategy.decisionLogDays';
export const DEFAULT_DECISION_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export type StateDraft = Omit<StrategyStateRow, 'updatedAt' | 'decidedAt'> & { decidedAt?: string };

function sameValues(a: Record<string, number | null> | null, b: Record<string, number | null> | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}

function sameSignal(a: StrategyStateRow['signal'], b: StrategyStateRow['signal']): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.side === b.side && a.reason === b.reason && a.candleTime === b.candleTime;
}

/** Two states that differ only in their times: nothing worth a write. */
function sameState(a: StrategyStateRow, b: StateDraft): boolean {
  return (
    a.strategyId === b.strategyId &&
    a.timeframe === b.timeframe &&
    a.warmupHave === b.warmupHave &&
    a.warmupNeeded === b.warmupNeeded &&
    a.lastCandle === b.lastCandle &&
    sameValues(a.indicators, b.indicators) &&
    sameSignal(a.signal, b.signal) &&
    a.outcome === b.outcome &&
    a.code === b.code &&
    a.message === b.message &&
    a.tradedAt === b.tradedAt
  );
}

/**
 * The runner's side of the decision log: the live state of every (friend,
 * token) kept in memory (read once from the store), rewritten only when it
 * changes, and decisions queued; `flush` writes a batch of friends in one
 * transaction, so 10,000 friends cost a few commits per cycle, not one per
 * token. Old decisions are pruned by age at most once a day.
 */
export class DecisionLog {
  private states: Map<string, StrategyStateRow> | null = null;
  private readonly dirty = new Map<string, StrategyStateRow>();
  private readonly queued: NewDecision[] = [];
  private lastPrune: number | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** False keeps the state in memory only (a backtest: a commit per candle would dominate its run time). */
    private readonly persist = true,
  ) {}

  private all(): Map<string, StrategyStateRow> {
    if (!this.states) {
      this.states = new Map();
      for (const s of this.store.decisions.states()) this.states.set(`${s.userId}:${s.token}`, s);
    }
    return this.states;
  }

  state(userId: number, token: string): StrategyStateRow | null {
    return this.all().get(`${userId}:${token}`) ?? null;
  }

  /** Sets the state; a no-op when only its times would change. Returns the state in force. */
  setState(draft: StateDraft): StrategyStateRow {
    const key = `${draft.userId}:${draft.token}`;
    const prev = this.all().get(key);
    if (prev && sameState(prev, draft)) return prev;
    const now = isoTime(this.clock);
    const decidedAt =
      draft.decidedAt ?? (prev && prev.outcome === draft.outcome && prev.code === draft.code ? prev.decidedAt : now);
    const next: StrategyStateRow = { ...draft, decidedAt, updatedAt: now };
    this.all().set(key, next);
    this.dirty.set(key, next);
    return next;
  }

  record(d: Omit<NewDecision, 'recordedAt'>): void {
    this.queued.push({ ...d, recordedAt: isoTime(this.clock) });
  }

  /** Writes what changed since the last flush, in one transaction. */
  flush(): void {
    if (this.dirty.size === 0 && this.queued.length === 0) return;
    const states = [...this.dirty.values()];
    const decisions = this.queued.splice(0);
    this.dirty.clear();
    if (!this.persist) return;
    this.store.tx(() => {
      for (const s of states) this.store.decisions.saveState(s);
      for (const d of decisions) this.store.decisions.record(d);
    });
  }

  /** Deletes decisions older than the retention, at most once per clock day. Returns how many went. */
  pruneIfDue(): number {
    const now = this.clock.now();
    if (this.lastPrune !== null && now - this.lastPrune < DAY_MS) return 0;
    this.lastPrune = now;
    const days = Number(this.store.meta.get(DECISION_RETENTION_META) ?? DEFAULT_DECISION_RETENTION_DAYS);
    const keep = Number.isFinite(days) && days > 0 ? days : DEFAULT_DECISION_RETENTION_DAYS;
    return this.store.decisions.prune(new Date(now - keep * DAY_MS).toISOString());
  }
}
