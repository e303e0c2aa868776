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
 * cash flow) drop only that friend's, and of theirs only what that kind of
 * row feeds (FriendFacts.catchUp: a fill re-reads positions and trades, not
 * the risk state, cash flows or settings), through the friend's counts. So the
 * runner's decision log and one friend's fill do not make ten thousand friends
 * be read again. Another connection's commit always counts.
 *
 * One instance serves the gates of one network (keys do not name it).
 *
 * A friend's facts are one record of fixed shape (FriendFacts: a field per
 * fact, an account's facts apart per account, a mint's per mint), not a map of
 * maps keyed by text: a check reads a dozen of them, and fixed fields are
 * fewer lookups, fewer objects and one shape for the optimising compiler.
 *
 * Inside a transaction nothing is remembered: its writes may still be rolled
 * back, and a fact read under them would then outlive them. There (and outside
 * a check) friend() hands out a fresh, empty record, so every fact is read
 * from the store.
 */
import type Database from 'better-sqlite3';
import { factChanges, FriendWrites, type CashFlowRow, type FactChanges, type RiskStateRow, type Store } from '../store';
import type { Order } from '../order';
import { isoAt } from '../portfolio/performance';
import type { UserSettings } from '../users/settings';
import type { RiskContext, RiskDecision, RiskGate } from './gate';
import type { EffectiveLimits } from './presets';

interface Stamp {
  changes: number;
  version: number;
}

/**
 * Every empty list of rows a fact keeps is this one: an empty array made by a query, by map() or by a
 * literal each have their own shape, and a check that meets one it has not met before leaves the
 * optimised code. Never written to.
 */
const NO_ROWS: readonly never[] = Object.freeze([]);

/** The rows, or NO_ROWS when there are none. */
export function rowsOrNone<T>(rows: readonly T[]): readonly T[] {
  return rows.length === 0 ? NO_ROWS : rows;
}

/**
 * A fact that narrows over time (rows since a moment): the rows since the earliest moment asked for are
 * remembered and a later `since` filters them, as the query's own `>=` on the same ISO text would.
 */
export class RowsSince<T> {
  /** The moment the rows were read from (ISO text of it, which orders as the moments do). */
  private sinceMs = Number.POSITIVE_INFINITY;
  private rows: readonly T[] = NO_ROWS;

  /**
   * The rows at or after sinceMs; `read(ISO text of sinceMs, userId)` only when none remembered cover it.
   * No text is made unless rows are read or filtered (nearly always there are none to filter).
   */
  get(
    sinceMs: number,
    at: (row: T) => string,
    read: (since: string, userId: number) => T[],
    userId: number,
  ): readonly T[] {
    if (this.sinceMs <= sinceMs) {
      if (this.rows.length === 0 || this.sinceMs === sinceMs) return this.rows;
      const since = isoAt(sinceMs);
      return this.rows.filter((r) => at(r) >= since);
    }
    this.rows = rowsOrNone(read(isoAt(sinceMs), userId));
    this.sinceMs = sinceMs;
    return this.rows;
  }
}

/** What a mint means to a friend: the open quantity in each account, the last close of a position in it. */
export class MintFacts {
  /** Undefined: not read yet; null: no open position. */
  paperQuantity: bigint | null | undefined = undefined;
  liveQuantity: bigint | null | undefined = undefined;
  lastClose: string | null | undefined = undefined;
}

/** The facts of one of a friend's accounts (paper or the on-chain wallet). Undefined: not read yet. */
export class AccountFacts {
  /** What the account holds: the paper book, or the wallet's last-seen balances. */
  held: { mint: string; amount: bigint }[] | undefined = undefined;
  state: RiskStateRow | null | undefined = undefined;
  /** The risk engine's last worked-out account for this record (engine/risk/risk-engine.ts, AccountMemo). */
  memo: unknown = undefined;
  flows: RowsSince<CashFlowRow> | undefined = undefined;
  positions: readonly { mint: string; quantity: bigint }[] | undefined = undefined;
  /** -1: not read yet. */
  openCount = -1;
}

/** Everything the gates read about one friend, while the database is unchanged. Undefined: not read yet. */
export class FriendFacts {
  settings: Readonly<UserSettings> | undefined = undefined;
  /** The limits in force under these settings (the risk engine's, with the global limits). */
  limits: EffectiveLimits | undefined = undefined;
  /** Null: no such user. */
  name: string | null | undefined = undefined;
  withdrawalsImported = false;
  /** Entries since entriesSince (the start of a UTC day). */
  entriesSince: string | undefined = undefined;
  entries = 0;
  losingCloses: RowsSince<string> | undefined = undefined;
  readonly paper = new AccountFacts();
  readonly live = new AccountFacts();
  private mints: Map<string, MintFacts> | null = null;

  /** The friend's write counts (FactChanges.friends) these facts reflect. */
  readonly seen = new FriendWrites();

  constructor(
    /** The database's stamp when read; null: a record for one use (outside a check or in a transaction). */
    readonly stamp: Stamp | null,
  ) {}

  /**
   * Forgets what the friend's writes since `seen` may have changed, by kind (engine/store/fact-changes.ts):
   * a fill's position, trade and paper balances drop the positions, trades and paper book read, not
   * the settings, name, risk state or cash flows. Their settings and name are not a friend's writes:
   * writing them changes the stamp, which drops the whole record. The account worked out from these
   * facts, and the withdrawals import, go with any write of the friend.
   */
  catchUp(now: FriendWrites): void {
    const seen = this.seen;
    if (now.all === seen.all) return;
    const all = now.other !== seen.other;
    const closes = all || now.closes !== seen.closes;
    if (closes || now.positions !== seen.positions) {
      // What is open; the last close in a token (kept with the token's facts) only when one may have closed.
      if (closes) this.mints = null;
      else if (this.mints !== null) for (const m of this.mints.values()) m.paperQuantity = m.liveQuantity = undefined;
      this.paper.positions = this.live.positions = undefined;
      this.paper.openCount = this.live.openCount = -1;
    }
    if (all || now.trades !== seen.trades) {
      this.entriesSince = undefined;
      this.losingCloses = undefined;
    }
    if (all || now.paper !== seen.paper) this.paper.held = undefined;
    if (all || now.holdings !== seen.holdings) this.live.held = undefined;
    if (all || now.flows !== seen.flows) this.paper.flows = this.live.flows = undefined;
    if (all || now.state !== seen.state) this.paper.state = this.live.state = undefined;
    this.paper.memo = this.live.memo = undefined;
    this.withdrawalsImported = false;
    seen.copyFrom(now);
  }

  account(mode: 'paper' | 'live'): AccountFacts {
    return mode === 'paper' ? this.paper : this.live;
  }

  mint(mint: string): MintFacts {
    let byMint = this.mints;
    if (byMint === null) byMint = this.mints = new Map();
    let m = byMint.get(mint);
    if (m === undefined) byMint.set(mint, (m = new MintFacts()));
    return m;
  }
}

/** The counts of a friend never written. */
const NO_WRITES = new FriendWrites();

export class GateFacts {
  private readonly versionStmt: Database.Statement<unknown[]>;
  private readonly changesStmt: Database.Statement<unknown[]>;
  /** Changes this cache made itself and already reflects (subtracted from total_changes). */
  private own = 0;
  /** The database's stamp for the check in progress; null outside a check or inside a transaction. */
  private stamp: Stamp | null = null;
  private depth = 0;
  private readonly friends = new Map<number, FriendFacts>();
  /** The friend asked for last (a check asks for the same friend's facts several times in a row). */
  private lastId = Number.NaN;
  private lastStamp: Stamp | null = null;
  /** FactChanges.writes when `last` was last found current: while it is the same, no friend's count moved. */
  private lastWrites = -1;
  private last: FriendFacts | null = null;
  /** The operator's global limits (meta text), with the stamp they were read under. */
  private globalRaw: string | null = null;
  private globalStamp: Stamp | null = null;

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

  /** A friend's facts: kept while the database is unchanged, else a new record (read afresh as asked). */
  friend(userId: number): FriendFacts {
    const stamp = this.stamp;
    if (stamp === null) return new FriendFacts(null);
    const writes = this.changes.writes;
    const same = this.lastId === userId;
    // One path for the friend asked for last, one met again and one read afresh: the compiler has then
    // seen every step before a cycle first meets a remembered friend. A stamp equal in value is the same
    // object (enter keeps it).
    let f = same ? this.last! : this.friends.get(userId);
    const fresh = f === undefined || f.stamp !== stamp;
    if (!fresh && same && this.lastWrites === writes) return f!;
    const now = this.changes.friends.get(userId) ?? NO_WRITES;
    if (fresh) {
      f = new FriendFacts(stamp);
      f.seen.copyFrom(now);
      this.friends.set(userId, f);
    }
    f!.catchUp(now);
    this.lastId = userId;
    this.last = f!;
    this.lastWrites = writes;
    return f!;
  }

  /** The operator's global limits as stored, read once while the database is unchanged. */
  globalLimits(read: () => string | null): string | null {
    const stamp = this.stamp;
    if (stamp === null) return read();
    if (this.globalStamp !== stamp) {
      this.globalRaw = read();
      this.globalStamp = stamp;
    }
    return this.globalRaw;
  }

  /**
   * A write of `f`'s friend whose whole effect on the facts the caller sets on `f` right after: done, and
   * not counted as a change (every other friend's facts stay, and so do these). Outside a check it is
   * only the write.
   */
  write(userId: number, f: FriendFacts, write: () => void): void {
    if (f.stamp === null) {
      write();
      return;
    }
    // What other writes of the friend changed since f was asked for goes first (the write's own effect not).
    f.catchUp(this.changes.friends.get(userId) ?? NO_WRITES);
    const before = (this.changesStmt.get() as number) - this.changes.explained;
    write();
    this.own += (this.changesStmt.get() as number) - this.changes.explained - before;
    f.seen.copyFrom(this.changes.friends.get(userId));
    if (this.last === f) this.lastWrites = this.changes.writes;
  }
}
