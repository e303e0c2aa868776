import type Database from 'better-sqlite3';
import type { Db } from './database';
import { runForFriend } from './fact-changes';

/** Amounts here are micro-USD (USD × 10⁶) as bigint, stored as text. */
export interface EquitySnapshotRow {
  id: number;
  userId: number;
  network: string;
  ts: string;
  equity: bigint;
  deposits: bigint;
  withdrawals: bigint;
  highWater: bigint;
}

export interface CashFlowRow {
  id: number;
  userId: number;
  network: string;
  ts: string;
  kind: 'deposit' | 'withdrawal';
  amountUsd: bigint;
  ref: string | null;
  /** For a flow found on chain: its transaction, asset ('SOL' or a mint) and base units (positive). */
  signature?: string | null;
  mint?: string | null;
  amount?: bigint | null;
}

export interface RiskStateRow {
  userId: number;
  network: string;
  highWater: bigint;
  /** UTC day (YYYY-MM-DD) that dayStartEquity belongs to. */
  day: string;
  dayStartEquity: bigint;
  dailyLossDay: string | null;
  drawdownPausedAt: string | null;
  updatedAt: string;
}

interface RawSnapshot {
  id: number;
  user_id: number;
  network: string;
  ts: string;
  equity: string;
  deposits: string;
  withdrawals: string;
  high_water: string;
}

const toSnapshot = (r: RawSnapshot): EquitySnapshotRow => ({
  id: r.id,
  userId: r.user_id,
  network: r.network,
  ts: r.ts,
  equity: BigInt(r.equity),
  deposits: BigInt(r.deposits),
  withdrawals: BigInt(r.withdrawals),
  highWater: BigInt(r.high_water),
});

/** Every statement this repo runs (constants: prepared once, never built from values). */
const SQL = [
  'INSERT INTO equity_snapshots (user_id, network, ts, equity, deposits, withdrawals, high_water) VALUES (?, ?, ?, ?, ?, ?, ?)',
  'SELECT id, user_id, network, ts, equity, deposits, withdrawals, high_water FROM equity_snapshots WHERE user_id = ? AND network = ? AND ts >= ? ORDER BY ts, id LIMIT ?',
  'SELECT id, user_id, network, ts, equity, deposits, withdrawals, high_water FROM equity_snapshots WHERE user_id = ? AND network = ? ORDER BY ts DESC, id DESC LIMIT 1',
  'INSERT OR IGNORE INTO cash_flows (user_id, network, ts, kind, amount_usd, ref, signature, mint, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  'SELECT 1 FROM cash_flows WHERE user_id = ? AND ref = ?',
  'SELECT id, user_id, network, ts, kind, amount_usd, ref, signature, mint, amount FROM cash_flows WHERE user_id = ? AND network = ? AND ts >= ? ORDER BY ts, id',
  'SELECT user_id, network, high_water, day, day_start_equity, daily_loss_day, drawdown_paused_at, updated_at FROM risk_state WHERE user_id = ? AND network = ?',
  `INSERT INTO risk_state (user_id, network, high_water, day, day_start_equity, daily_loss_day, drawdown_paused_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(user_id, network) DO UPDATE SET high_water = excluded.high_water, day = excluded.day, day_start_equity = excluded.day_start_equity,
           daily_loss_day = excluded.daily_loss_day, drawdown_paused_at = excluded.drawdown_paused_at, updated_at = excluded.updated_at`,
  "SELECT COUNT(*) AS n FROM trades WHERE user_id = ? AND network = ? AND side = 'buy' AND context NOT IN ('exit', 'emergency') AND executed_at >= ?",
  "SELECT executed_at FROM trades WHERE user_id = ? AND network = ? AND side = 'sell' AND realized_pnl LIKE '-%' AND executed_at >= ? ORDER BY executed_at DESC",
  "SELECT MAX(closed_at) AS t FROM positions WHERE user_id = ? AND network = ? AND mint = ? AND status = 'closed'",
  'SELECT version, settings FROM user_settings WHERE user_id = ?',
  'SELECT value FROM meta WHERE key = ?',
  'SELECT mint, amount FROM paper_balances WHERE user_id = ?',
  'SELECT b.mint AS mint, b.amount AS amount FROM balances b JOIN wallets w ON w.address = b.address WHERE w.user_id = ? AND b.network = ?',
  "SELECT quantity FROM positions WHERE user_id = ? AND network = ? AND mint = ? AND status = 'open' AND (? IS NULL OR account = ?)",
  "SELECT COUNT(*) AS n FROM positions WHERE user_id = ? AND status = 'open' AND network = ? AND (? IS NULL OR account = ?)",
  "SELECT mint, quantity FROM positions WHERE user_id = ? AND status = 'open' AND network = ? AND (? IS NULL OR account = ?)",
] as const;
type Sql = (typeof SQL)[number];

/** Equity snapshots, cash flows and the risk engine's per-user state, plus the trade queries risk rules need. */
export class RiskRepo {
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();

  constructor(private readonly db: Db) {}

  /** Prepared once per connection: the risk engine runs these for every entry check. */
  private st(sql: Sql): Database.Statement<unknown[]> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  // ---- equity snapshots --------------------------------------------------

  insertSnapshot(s: Omit<EquitySnapshotRow, 'id'>): number {
    const info = runForFriend(
      this.db,
      s.userId,
      'other',
      this.st(SQL[0]),
      s.userId,
      s.network,
      s.ts,
      s.equity.toString(),
      s.deposits.toString(),
      s.withdrawals.toString(),
      s.highWater.toString(),
    );
    return Number(info.lastInsertRowid);
  }

  /** Snapshots of one user on one network, oldest first. */
  snapshots(userId: number, network: string, opts: { sinceIso?: string; limit?: number } = {}): EquitySnapshotRow[] {
    return (this.st(SQL[1]).all(userId, network, opts.sinceIso ?? '', opts.limit ?? 1_000_000) as RawSnapshot[]).map(
      toSnapshot,
    );
  }

  lastSnapshot(userId: number, network: string): EquitySnapshotRow | null {
    const r = this.st(SQL[2]).get(userId, network) as RawSnapshot | undefined;
    return r ? toSnapshot(r) : null;
  }

  // ---- cash flows ----------------------------------------------------------

  /** Records a flow; false when one with the same ref was already recorded (idempotent import). */
  insertCashFlow(f: Omit<CashFlowRow, 'id'>): boolean {
    const info = runForFriend(
      this.db,
      f.userId,
      'flows',
      this.st(SQL[3]),
      f.userId,
      f.network,
      f.ts,
      f.kind,
      f.amountUsd.toString(),
      f.ref,
      f.signature ?? null,
      f.mint ?? null,
      f.amount === undefined || f.amount === null ? null : f.amount.toString(),
    );
    return info.changes === 1;
  }

  hasCashFlowRef(userId: number, ref: string): boolean {
    return this.st(SQL[4]).get(userId, ref) !== undefined;
  }

  cashFlows(userId: number, network: string, sinceIso = ''): CashFlowRow[] {
    const rows = this.st(SQL[5]).all(userId, network, sinceIso) as {
      id: number;
      user_id: number;
      network: string;
      ts: string;
      kind: 'deposit' | 'withdrawal';
      amount_usd: string;
      ref: string | null;
      signature: string | null;
      mint: string | null;
      amount: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      network: r.network,
      ts: r.ts,
      kind: r.kind,
      amountUsd: BigInt(r.amount_usd),
      ref: r.ref,
      signature: r.signature,
      mint: r.mint,
      amount: r.amount === null ? null : BigInt(r.amount),
    }));
  }

  // ---- risk state ----------------------------------------------------------

  state(userId: number, network: string): RiskStateRow | null {
    const r = this.st(SQL[6]).get(userId, network) as
      | {
          user_id: number;
          network: string;
          high_water: string;
          day: string;
          day_start_equity: string;
          daily_loss_day: string | null;
          drawdown_paused_at: string | null;
          updated_at: string;
        }
      | undefined;
    return r
      ? {
          userId: r.user_id,
          network: r.network,
          highWater: BigInt(r.high_water),
          day: r.day,
          dayStartEquity: BigInt(r.day_start_equity),
          dailyLossDay: r.daily_loss_day,
          drawdownPausedAt: r.drawdown_paused_at,
          updatedAt: r.updated_at,
        }
      : null;
  }

  saveState(s: RiskStateRow): void {
    runForFriend(
      this.db,
      s.userId,
      'state',
      this.st(SQL[7]),
      s.userId,
      s.network,
      s.highWater.toString(),
      s.day,
      s.dayStartEquity.toString(),
      s.dailyLossDay,
      s.drawdownPausedAt,
      s.updatedAt,
    );
  }

  // ---- what the rules read from trades and positions -----------------------

  /** Entries (buys that are not exits) since a time. */
  entriesSince(userId: number, network: string, sinceIso: string): number {
    return (this.st(SQL[8]).get(userId, network, sinceIso) as { n: number }).n;
  }

  /** Times of sells that realized a loss since a time, newest first. */
  losingClosesSince(userId: number, network: string, sinceIso: string): string[] {
    return (this.st(SQL[9]).all(userId, network, sinceIso) as { executed_at: string }[]).map((r) => r.executed_at);
  }

  /** When the user's last position in a token closed, or null. */
  lastClose(userId: number, network: string, mint: string): string | null {
    const r = this.st(SQL[10]).get(userId, network, mint) as { t: string | null };
    return r.t;
  }
  // ---- the hot path of an entry check, on cached statements ---------------

  /** A user's settings row, raw (the caller parses and caches by version). */
  settingsRaw(userId: number): { version: number; settings: string } | null {
    return (this.st(SQL[11]).get(userId) as { version: number; settings: string } | undefined) ?? null;
  }

  metaValue(key: string): string | null {
    return (this.st(SQL[12]).get(key) as { value: string } | undefined)?.value ?? null;
  }

  paperBook(userId: number): { mint: string; amount: bigint }[] {
    return (this.st(SQL[13]).all(userId) as { mint: string; amount: string }[]).map((r) => ({
      mint: r.mint,
      amount: BigInt(r.amount),
    }));
  }

  /** Last-seen balances of a user's wallet on a network. */
  walletBalances(userId: number, network: string): { mint: string; amount: bigint }[] {
    return (
      this.st(SQL[14]).all(userId, network) as {
        mint: string;
        amount: string;
      }[]
    ).map((r) => ({ mint: r.mint, amount: BigInt(r.amount) }));
  }

  /** The open quantity in a token; with `account`, of that account's position only (paper and live never mix). */
  openQuantity(userId: number, network: string, mint: string, account?: 'paper' | 'live'): bigint | null {
    const a = account ?? null;
    const r = this.st(SQL[15]).get(userId, network, mint, a, a) as { quantity: string } | undefined;
    return r ? BigInt(r.quantity) : null;
  }

  openCount(userId: number, network: string, account?: 'paper' | 'live'): number {
    const a = account ?? null;
    return (this.st(SQL[16]).get(userId, network, a, a) as { n: number }).n;
  }

  /** Every open position's token and quantity; with `account`, of that account only (what max exposure adds up). */
  openPositions(userId: number, network: string, account?: 'paper' | 'live'): { mint: string; quantity: bigint }[] {
    const a = account ?? null;
    return (this.st(SQL[17]).all(userId, network, a, a) as { mint: string; quantity: string }[]).map((r) => ({
      mint: r.mint,
      quantity: BigInt(r.quantity),
    }));
  }
}
