import type Database from 'better-sqlite3';
import type { Db } from './database';

/**
 * What the risk gate's fact cache (engine/risk/gate-facts.ts) needs to know of
 * the writes on a connection, beyond SQLite's total_changes():
 *
 * - rows written to tables no risk fact is read from (the strategy decision
 *   log and states, candles, events, the order journal): they change nothing
 *   a fact says, so they drop nobody's facts;
 * - rows written to one friend's facts (a position, a trade, a paper balance,
 *   a cash flow of that friend): they drop only that friend's facts, through
 *   the friend's version.
 *
 * Every other row (any table, any statement not run through here, rows written
 * by triggers, which RunResult.changes leaves out and total_changes() counts)
 * stays an unexplained change and drops everyone's facts: forgetting to route a
 * write through here costs speed, never a stale fact. Another connection's
 * commits are seen through data_version and drop everything too.
 */
export interface FactChanges {
  /** Rows written through runFactNeutral or runForFriend (subtracted from total_changes()). */
  explained: number;
  /** Per friend, how many writes to their facts so far. */
  readonly friends: Map<number, number>;
  /** Writes to any friend's facts so far (while it is unchanged, no friend's count moved). */
  writes: number;
}

const counters = new WeakMap<Db, FactChanges>();

/** This connection's counters (one object for its lifetime: a caller may keep it). */
export function factChanges(db: Db): FactChanges {
  let c = counters.get(db);
  if (!c) counters.set(db, (c = { explained: 0, friends: new Map(), writes: 0 }));
  return c;
}

/** Runs a write to a table no risk fact is read from. */
export function runFactNeutral(db: Db, stmt: Database.Statement<unknown[]>, ...args: unknown[]): Database.RunResult {
  const r = stmt.run(...args);
  factChanges(db).explained += r.changes;
  return r;
}

/** Runs a write whose rows all belong to `userId`'s facts (the statement names that friend's rows only). */
export function runForFriend(
  db: Db,
  userId: number,
  stmt: Database.Statement<unknown[]>,
  ...args: unknown[]
): Database.RunResult {
  const r = stmt.run(...args);
  if (r.changes > 0) {
    const c = factChanges(db);
    c.explained += r.changes;
    c.friends.set(userId, (c.friends.get(userId) ?? 0) + 1);
    c.writes++;
  }
  return r;
}
