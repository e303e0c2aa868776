import type { Db } from './database';
import { runFactNeutral } from './fact-changes';

export type DecisionOutcome = 'entered' | 'exited' | 'no-signal' | 'skipped' | 'warming-up' | 'error';
export const DECISION_OUTCOMES: readonly DecisionOutcome[] = [
  'entered',
  'exited',
  'no-signal',
  'skipped',
  'warming-up',
  'error',
];

/** The live state of one friend's strategy on one token (strategy_state). */
export interface StrategyStateRow {
  userId: number;
  token: string;
  strategyId: string;
  timeframe: string;
  warmupHave: number;
  warmupNeeded: number;
  /** Open time (ms) of the last candle evaluated; null before the first. */
  lastCandle: number | null;
  indicators: Record<string, number | null> | null;
  signal: { side: 'buy' | 'sell'; reason: string; candleTime: number } | null;
  outcome: DecisionOutcome;
  code: string;
  message: string;
  decidedAt: string;
  /** When a strategy order last filled for this token. */
  tradedAt: string | null;
  updatedAt: string;
}

/** One line of the decision log (strategy_decisions). */
export interface DecisionRow {
  id: number;
  userId: number;
  token: string;
  strategyId: string;
  candleTime: number | null;
  recordedAt: string;
  outcome: DecisionOutcome;
  code: string;
  message: string;
  signalSide: 'buy' | 'sell' | null;
  indicators: Record<string, number | null> | null;
  intentId: number | null;
  clientId: string | null;
}

export type NewDecision = Omit<DecisionRow, 'id'>;

interface StateDb {
  user_id: number;
  token: string;
  strategy_id: string;
  timeframe: string;
  warmup_have: number;
  warmup_needed: number;
  last_candle: number | null;
  indicators: string | null;
  signal_side: 'buy' | 'sell' | null;
  signal_reason: string | null;
  signal_candle: number | null;
  outcome: DecisionOutcome;
  code: string;
  message: string;
  decided_at: string;
  traded_at: string | null;
  updated_at: string;
}

interface DecisionDb {
  id: number;
  user_id: number;
  token: string;
  strategy_id: string;
  candle_time: number | null;
  recorded_at: string;
  outcome: DecisionOutcome;
  code: string;
  message: string;
  signal_side: 'buy' | 'sell' | null;
  indicators: string | null;
  intent_id: number | null;
  client_id: string | null;
}

const json = (v: Record<string, number | null> | null): string | null => (v === null ? null : JSON.stringify(v));
const parse = (v: string | null): Record<string, number | null> | null =>
  v === null ? null : (JSON.parse(v) as Record<string, number | null>);

function stateOf(r: StateDb): StrategyStateRow {
  return {
    userId: r.user_id,
    token: r.token,
    strategyId: r.strategy_id,
    timeframe: r.timeframe,
    warmupHave: r.warmup_have,
    warmupNeeded: r.warmup_needed,
    lastCandle: r.last_candle,
    indicators: parse(r.indicators),
    signal:
      r.signal_side && r.signal_reason !== null && r.signal_candle !== null
        ? { side: r.signal_side, reason: r.signal_reason, candleTime: r.signal_candle }
        : null,
    outcome: r.outcome,
    code: r.code,
    message: r.message,
    decidedAt: r.decided_at,
    tradedAt: r.traded_at,
    updatedAt: r.updated_at,
  };
}

function decisionOf(r: DecisionDb): DecisionRow {
  return {
    id: r.id,
    userId: r.user_id,
    token: r.token,
    strategyId: r.strategy_id,
    candleTime: r.candle_time,
    recordedAt: r.recorded_at,
    outcome: r.outcome,
    code: r.code,
    message: r.message,
    signalSide: r.signal_side,
    indicators: parse(r.indicators),
    intentId: r.intent_id,
    clientId: r.client_id,
  };
}

function prepareDecisionStatements(db: Db) {
  return {
    upsertStmt: db.prepare(
      `INSERT INTO strategy_state (user_id, token, strategy_id, timeframe, warmup_have, warmup_needed, last_candle,
         indicators, signal_side, signal_reason, signal_candle, outcome, code, message, decided_at, traded_at, updated_at)
       VALUES (@user_id, @token, @strategy_id, @timeframe, @warmup_have, @warmup_needed, @last_candle, @indicators,
         @signal_side, @signal_reason, @signal_candle, @outcome, @code, @message, @decided_at, @traded_at, @updated_at)
       ON CONFLICT(user_id, token) DO UPDATE SET strategy_id = excluded.strategy_id, timeframe = excluded.timeframe,
         warmup_have = excluded.warmup_have, warmup_needed = excluded.warmup_needed, last_candle = excluded.last_candle,
         indicators = excluded.indicators, signal_side = excluded.signal_side, signal_reason = excluded.signal_reason,
         signal_candle = excluded.signal_candle, outcome = excluded.outcome, code = excluded.code,
         message = excluded.message, decided_at = excluded.decided_at, traded_at = excluded.traded_at,
         updated_at = excluded.updated_at`,
    ),
    insertStmt: db.prepare(
      `INSERT INTO strategy_decisions (user_id, token, strategy_id, candle_time, recorded_at, outcome, code, message,
         signal_side, indicators, intent_id, client_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    stateStmt: db.prepare('SELECT * FROM strategy_state WHERE user_id = ? AND token = ?'),
    statesOfStmt: db.prepare('SELECT * FROM strategy_state WHERE user_id = ? ORDER BY token'),
    allStatesStmt: db.prepare('SELECT * FROM strategy_state ORDER BY user_id, token'),
    listStmt: db.prepare(
      `SELECT * FROM strategy_decisions
       WHERE user_id = ? AND recorded_at >= ? AND recorded_at <= ?
       ORDER BY recorded_at DESC, id DESC LIMIT ?`,
    ),
    pruneStmt: db.prepare('DELETE FROM strategy_decisions WHERE recorded_at < ?'),
  };
}

/**
 * The strategy decision log and live state (migration 9). Statements are
 * prepared once: the runner writes here for every friend and token each
 * cycle a candle closes.
 */
export class DecisionsRepo {
  // Prepared on first use, not in the constructor: a restore opens a Store over backups older than migration 9.
  private prepared: ReturnType<typeof prepareDecisionStatements> | null = null;

  constructor(private readonly db: Db) {}

  private get s(): ReturnType<typeof prepareDecisionStatements> {
    this.prepared ??= prepareDecisionStatements(this.db);
    return this.prepared;
  }

  saveState(s: StrategyStateRow): void {
    runFactNeutral(this.db, this.s.upsertStmt, {
      user_id: s.userId,
      token: s.token,
      strategy_id: s.strategyId,
      timeframe: s.timeframe,
      warmup_have: s.warmupHave,
      warmup_needed: s.warmupNeeded,
      last_candle: s.lastCandle,
      indicators: json(s.indicators),
      signal_side: s.signal?.side ?? null,
      signal_reason: s.signal?.reason ?? null,
      signal_candle: s.signal?.candleTime ?? null,
      outcome: s.outcome,
      code: s.code,
      message: s.message,
      decided_at: s.decidedAt,
      traded_at: s.tradedAt,
      updated_at: s.updatedAt,
    });
  }

  state(userId: number, token: string): StrategyStateRow | null {
    const r = this.s.stateStmt.get(userId, token) as StateDb | undefined;
    return r ? stateOf(r) : null;
  }

  /** One user's states, or everyone's (by user, then token). */
  states(userId?: number): StrategyStateRow[] {
    const rows = (userId === undefined ? this.s.allStatesStmt.all() : this.s.statesOfStmt.all(userId)) as StateDb[];
    return rows.map(stateOf);
  }

  record(d: NewDecision): number {
    return Number(
      runFactNeutral(
        this.db,
        this.s.insertStmt,
        d.userId,
        d.token,
        d.strategyId,
        d.candleTime,
        d.recordedAt,
        d.outcome,
        d.code,
        d.message,
        d.signalSide,
        json(d.indicators),
        d.intentId,
        d.clientId,
      ).lastInsertRowid,
    );
  }

  /** A user's decisions recorded within [from, to] (ISO times, inclusive), newest first. */
  list(userId: number, opts: { from?: string; to?: string; limit?: number } = {}): DecisionRow[] {
    const rows = this.s.listStmt.all(userId, opts.from ?? '', opts.to ?? '\uffff', opts.limit ?? 100) as DecisionDb[];
    return rows.map(decisionOf);
  }

  /** Deletes decisions recorded before `cutoff` (ISO); returns how many. */
  prune(cutoff: string): number {
    return runFactNeutral(this.db, this.s.pruneStmt, cutoff).changes;
  }
}
