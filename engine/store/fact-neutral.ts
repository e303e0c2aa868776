import type Database from 'better-sqlite3';
import type { Db } from './database';

/**
 * Rows written on a connection to tables that no risk fact is read from (the
 * strategy decision log and states, candles, events), counted apart so the risk
 * gate's fact cache (engine/risk/gate-facts.ts) can tell "the database changed"
 * from "something a fact is read from changed". Without it every decision-log
 * line the strategy runner writes between two entry checks would drop every
 * friend's facts, and a busy live cycle would read them all again.
 *
 * Only a statement's own rows are counted (RunResult.changes leaves out rows
 * written by triggers, which total_changes() includes), so a trigger on one of
 * these tables that wrote elsewhere would still count as a change: the safe side.
 */
const counts = new WeakMap<Db, { n: number }>();

/** Runs a write to a fact-neutral table and counts its rows. */
export function runFactNeutral(db: Db, stmt: Database.Statement<unknown[]>, ...args: unknown[]): Database.RunResult {
  const r = stmt.run(...args);
  let c = counts.get(db);
  if (!c) counts.set(db, (c = { n: 0 }));
  c.n += r.changes;
  return r;
}

/** Rows this connection wrote to fact-neutral tables so far (compare with SQLite's total_changes()). */
export function factNeutralChanges(db: Db): number {
  return counts.get(db)?.n ?? 0;
}
