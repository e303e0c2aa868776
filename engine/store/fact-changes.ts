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
 *   a cash flow of that friend): they drop only that friend's facts, and of
 *   those only what the table written feeds (FriendFact), through the
 *   friend's counts.
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
  /** Per friend, how many writes to each kind of their facts so far. */
  readonly friends: Map<number, FriendWrites>;
  /** Writes to any friend's facts so far (while it is unchanged, no friend's count moved). */
  writes: number;
}

/**
 * What a write of one friend's rows may change: their open positions (quantities, counts), their positions
 * closed too (`closes`: the last close in a token as well; any position update counts as one), trades
 * (entries, losing closes), paper balances, stored wallet balances, cash flows, risk state; or `other` (an
 * equity snapshot, a friend's meta key), which the gate treats as everything of the friend.
 */
export type FriendFact = 'positions' | 'closes' | 'trades' | 'paper' | 'holdings' | 'flows' | 'state' | 'other';

/** A friend's write counts by kind (and in all); a reader keeps a copy and compares. */
export class FriendWrites {
  all = 0;
  positions = 0;
  closes = 0;
  trades = 0;
  paper = 0;
  holdings = 0;
  flows = 0;
  state = 0;
  other = 0;

  copyFrom(w: FriendWrites | undefined): void {
    this.all = w?.all ?? 0;
    this.positions = w?.positions ?? 0;
    this.closes = w?.closes ?? 0;
    this.trades = w?.trades ?? 0;
    this.paper = w?.paper ?? 0;
    this.holdings = w?.holdings ?? 0;
    this.flows = w?.flows ?? 0;
    this.state = w?.state ?? 0;
    this.other = w?.other ?? 0;
  }
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

/**
 * Runs a write whose rows all belong to `userId`'s facts of one kind (the statement names that friend's
 * rows only, in the table `fact` says).
 */
export function runForFriend(
  db: Db,
  userId: number,
  fact: FriendFact,
  stmt: Database.Statement<unknown[]>,
  ...args: unknown[]
): Database.RunResult {
  const r = stmt.run(...args);
  if (r.changes > 0) {
    const c = factChanges(db);
    c.explained += r.changes;
    let w = c.friends.get(userId);
    if (w === undefined) c.friends.set(userId, (w = new FriendWrites()));
    w[fact]++;
    w.all++;
    c.writes++;
  }
  return r;
}
