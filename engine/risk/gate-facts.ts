/**
 * What the risk gate reads about a friend (name, settings, book, risk state,
 * positions, recent trades), remembered between checks while the database has
 * not changed, so a busy cycle (thousands of entry checks) pays about a dozen
 * SQLite reads per friend once, not per check (issue #13, item 6).
 *
 * "Not changed" is read once per check: SQLite's total_changes() (every row
 * this connection inserted, updated or deleted, triggers included) and
 * data_version (bumped when another connection, such as a CLI command, commits).
 * They are two plain statements, not one SELECT over the pragma_data_version
 * table-valued function, which costs about 3 µs a step against 0.2 µs each.
 * Any write therefore invalidates every friend's facts: a fill recorded between
 * two checks of the same cycle is always seen by the next one. Two kinds of
 * writes are not counted: those the gate itself makes and applies to the cache
 * (a friend's risk state mark), and the writes the store explains
 * (engine/store/fact-changes.ts): rows of tables no fact is read from (the
 * decision log, candles, events, the order journal) drop nobody's facts, and
 * rows of one friend's facts (a fill's position, trade and paper balances, a
 * cash flow) drop only that friend's, through the friend's version. So the
 * runner's decision log and one friend's fill do not make ten thousand friends
 * be read again. Another connection's commit always counts.
 *
 * One instance serves the gates of one network (keys do not name it).
 *
 * Inside a transaction nothing is remembered: its writes may still be rolled
 * back, and a fact read under them would then outlive them.
 */
import type Database from 'better-sqlite3';
import { factChanges, type FactChanges, type Store } from '../store';
import type { Order } from '../order';
import type { RiskContext, RiskDecision, RiskGate } from './gate';

interface Stamp {
  changes: number;
  version: number;
}

interface Friend {
  stamp: Stamp;
  /** The friend's write count (FactChanges.friends) when these facts were read. */
  version: number;
  facts: Map<string, unknown>;
}

/** Facts that are not a friend's (the operator's global limits). */
const GLOBAL = -1;

export class GateFacts {
  private readonly versionStmt: Database.Statement<unknown[]>;
  private readonly changesStmt: Database.Statement<unknown[]>;
  /** Changes this cache made itself and already reflects (subtracted from total_changes). */
  private own = 0;
  /** The database's stamp for the check in progress; null outside a check or inside a transaction. */
  private stamp: Stamp | null = null;
  private depth = 0;
  private readonly friends = new Map<number, Friend>();
  /** The friend asked for last (a check asks for the same friend's facts a dozen times in a row). */
  private lastId = Number.NaN;
  private lastStamp: Stamp | null = null;
  private last: Friend | null = null;

  /** This connection's explained writes (engine/store/fact-changes.ts). */
  private readonly changes: FactChanges;

  constructor(private readonly store: Store) {
    this.changes = factChanges(store.db);
    this.versionStmt = store.db.prepare('PRAGMA data_version').pluck();
    this.changesStmt = store.db.prepare('SELECT total_changes()').pluck();
  }

  /** Runs one check with the database's stamp read once at its start (nested calls share it). */
  during<T>(fn: () => T): T {
    this.enter();
    try {
      return fn();
    } finally {
      this.leave();
    }
  }

  /** `gate.check(order, ctx)` inside one stamp, with no closure made per check. */
  check(gate: RiskGate, order: Order, ctx: RiskContext): RiskDecision {
    this.enter();
    try {
      return gate.check(order, ctx);
    } finally {
      this.leave();
    }
  }

  private leave(): void {
    if (--this.depth === 0) this.stamp = null;
  }

  private enter(): void {
    if (this.depth++ === 0 && !this.store.db.inTransaction) {
      const changes = (this.changesStmt.get() as number) - this.own - this.changes.explained;
      const version = this.versionStmt.get() as number;
      // The same object while the database is unchanged, so a friend's facts are current by identity.
      const prev = this.lastStamp;
      this.stamp =
        prev !== null && prev.changes === changes && prev.version === version
          ? prev
          : (this.lastStamp = { changes, version });
    }
  }

  /** The gate with every check inside one stamp (the facts its parts read are shared). */
  around(gate: RiskGate): RiskGate {
    return { check: (order, ctx) => this.check(gate, order, ctx) };
  }

  private friend(userId: number): Friend | null {
    const stamp = this.stamp;
    if (!stamp) return null;
    const version = this.changes.friends.get(userId) ?? 0;
    const last = this.last;
    if (last !== null && this.lastId === userId && last.stamp === stamp && last.version === version) return last;
    let f = this.friends.get(userId);
    if (!f || f.stamp.changes !== stamp.changes || f.stamp.version !== stamp.version || f.version !== version) {
      f = { stamp, version, facts: new Map() };
      this.friends.set(userId, f);
    }
    this.lastId = userId;
    this.last = f;
    return f;
  }

  /** A fact of a friend, read once while the database is unchanged (read through outside a check). */
  of<T>(userId: number, key: string, read: (userId: number) => T): T {
    const f = this.friend(userId);
    if (!f) return read(userId);
    const known = f.facts.get(key);
    if (known !== undefined || f.facts.has(key)) return known as T;
    const v = read(userId);
    f.facts.set(key, v);
    return v;
  }

  /**
   * A fact under a second key (a mint, an account, a day): no key text is built per check. The reader
   * is given the friend and the sub key, so a hot caller passes one function made once, not a closure
   * per check.
   */
  ofIn<T>(userId: number, key: string, sub: string, read: (userId: number, sub: string) => T): T {
    const f = this.friend(userId);
    if (!f) return read(userId, sub);
    let m = f.facts.get(key) as Map<string, T> | undefined;
    if (!m) f.facts.set(key, (m = new Map()));
    const known = m.get(sub);
    if (known !== undefined || m.has(sub)) return known as T;
    const v = read(userId, sub);
    m.set(sub, v);
    return v;
  }

  global<T>(key: string, read: (userId: number) => T): T {
    return this.of(GLOBAL, key, read);
  }

  /**
   * A fact that narrows over time (rows since a moment): the rows since the
   * earliest moment asked for are remembered and a later `since` filters them,
   * as the query's own `>=` on the same ISO text would.
   */
  since<T>(
    userId: number,
    key: string,
    sinceIso: string,
    at: (row: T) => string,
    read: (since: string, userId: number) => T[],
  ): T[] {
    const f = this.friend(userId);
    if (!f) return read(sinceIso, userId);
    const hit = f.facts.get(key) as { since: string; rows: T[] } | undefined;
    if (hit && hit.since <= sinceIso)
      return hit.since === sinceIso ? hit.rows : hit.rows.filter((r) => at(r) >= sinceIso);
    const rows = read(sinceIso, userId);
    f.facts.set(key, { since: sinceIso, rows });
    return rows;
  }

  /**
   * A write whose whole effect on the facts is `key` becoming `value` for this
   * friend: done, remembered, and not counted as a change (every other friend's
   * facts stay). Outside a check it is only the write.
   */
  write(userId: number, key: string, sub: string, value: unknown, write: () => void): void {
    const f = this.friend(userId);
    if (!f) {
      write();
      return;
    }
    const before = (this.changesStmt.get() as number) - this.changes.explained;
    write();
    this.own += (this.changesStmt.get() as number) - this.changes.explained - before;
    // A write the store attributes to this friend moved their version: these facts stay current, as the
    // write's whole effect is the value set below.
    f.version = this.changes.friends.get(userId) ?? 0;
    let m = f.facts.get(key) as Map<string, unknown> | undefined;
    if (!m) f.facts.set(key, (m = new Map()));
    m.set(sub, value);
  }
}
