import type { Db } from './database';
import { runForFriend } from './fact-changes';
import { statementCache } from './statements';

export interface PositionRow {
  id: number;
  userId: number;
  network: string;
  mint: string;
  quoteMint: string;
  status: 'open' | 'closed';
  /** The account the position lives in: the paper book or the on-chain wallet (positions never move between them). */
  account: 'paper' | 'live';
  quantity: bigint;
  costBasis: bigint;
  realizedPnl: bigint;
  feesLamports: bigint;
  stopLoss: number | null;
  takeProfit: number | null;
  trailingStopBps: number | null;
  highWater: number | null;
  stuckSince: string | null;
  openedAt: string;
  closedAt: string | null;
  updatedAt: string | null;
}

interface RawPosition {
  id: number;
  user_id: number;
  network: string;
  mint: string;
  quote_mint: string;
  status: 'open' | 'closed';
  account: 'paper' | 'live';
  quantity: string;
  cost_basis: string;
  realized_pnl: string;
  fees_lamports: string;
  stop_loss: number | null;
  take_profit: number | null;
  trailing_stop_bps: number | null;
  high_water: number | null;
  stuck_since: string | null;
  opened_at: string;
  closed_at: string | null;
  updated_at: string | null;
}

const toPosition = (r: RawPosition): PositionRow => ({
  id: r.id,
  userId: r.user_id,
  network: r.network,
  mint: r.mint,
  quoteMint: r.quote_mint,
  status: r.status,
  account: r.account,
  quantity: BigInt(r.quantity),
  costBasis: BigInt(r.cost_basis),
  realizedPnl: BigInt(r.realized_pnl),
  feesLamports: BigInt(r.fees_lamports),
  stopLoss: r.stop_loss,
  takeProfit: r.take_profit,
  trailingStopBps: r.trailing_stop_bps,
  highWater: r.high_water,
  stuckSince: r.stuck_since,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  updatedAt: r.updated_at,
});

export interface TradeRow {
  id: number;
  intentId: number;
  userId: number;
  network: string;
  venue: string;
  context: string;
  side: 'buy' | 'sell';
  baseMint: string;
  quoteMint: string;
  baseAmount: bigint;
  quoteAmount: bigint;
  feeLamports: bigint;
  price: number;
  realizedPnl: bigint;
  positionId: number | null;
  signature: string | null;
  executedAt: string;
}

interface RawTrade {
  id: number;
  intent_id: number;
  user_id: number;
  network: string;
  venue: string;
  context: string;
  side: 'buy' | 'sell';
  base_mint: string;
  quote_mint: string;
  base_amount: string;
  quote_amount: string;
  fee_lamports: string;
  price: number;
  realized_pnl: string;
  position_id: number | null;
  signature: string | null;
  executed_at: string;
}

const toTrade = (r: RawTrade): TradeRow => ({
  id: r.id,
  intentId: r.intent_id,
  userId: r.user_id,
  network: r.network,
  venue: r.venue,
  context: r.context,
  side: r.side,
  baseMint: r.base_mint,
  quoteMint: r.quote_mint,
  baseAmount: BigInt(r.base_amount),
  quoteAmount: BigInt(r.quote_amount),
  feeLamports: BigInt(r.fee_lamports),
  price: r.price,
  realizedPnl: BigInt(r.realized_pnl),
  positionId: r.position_id,
  signature: r.signature,
  executedAt: r.executed_at,
});

/** Positions and trades. Every money column is a bigint in base units, stored as text. */
export class PortfolioRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  /** The open position in a token; with `account`, only that account's (a paper and a live position never merge). */
  openPosition(userId: number, network: string, mint: string, account?: 'paper' | 'live'): PositionRow | null {
    const r = this.statements
      .prepare(
        "SELECT id, user_id, network, mint, quote_mint, status, account, quantity, cost_basis, realized_pnl, fees_lamports, stop_loss, take_profit, trailing_stop_bps, high_water, stuck_since, opened_at, closed_at, updated_at FROM positions WHERE user_id = ? AND network = ? AND mint = ? AND status = 'open' AND (? IS NULL OR account = ?) ORDER BY id LIMIT 1",
      )
      .get(userId, network, mint, account ?? null, account ?? null) as RawPosition | undefined;
    return r ? toPosition(r) : null;
  }

  position(id: number): PositionRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, user_id, network, mint, quote_mint, status, account, quantity, cost_basis, realized_pnl, fees_lamports, stop_loss, take_profit, trailing_stop_bps, high_water, stuck_since, opened_at, closed_at, updated_at FROM positions WHERE id = ?',
      )
      .get(id) as RawPosition | undefined;
    return r ? toPosition(r) : null;
  }

  positions(userId: number, opts: { status?: 'open' | 'closed'; limit?: number } = {}): PositionRow[] {
    return (
      this.statements
        .prepare(
          'SELECT id, user_id, network, mint, quote_mint, status, account, quantity, cost_basis, realized_pnl, fees_lamports, stop_loss, take_profit, trailing_stop_bps, high_water, stuck_since, opened_at, closed_at, updated_at FROM positions WHERE user_id = ? AND (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?',
        )
        .all(userId, opts.status ?? null, opts.status ?? null, opts.limit ?? 1000) as RawPosition[]
    ).map(toPosition);
  }

  allOpen(): PositionRow[] {
    return (
      this.statements
        .prepare(
          "SELECT id, user_id, network, mint, quote_mint, status, account, quantity, cost_basis, realized_pnl, fees_lamports, stop_loss, take_profit, trailing_stop_bps, high_water, stuck_since, opened_at, closed_at, updated_at FROM positions WHERE status = 'open' ORDER BY id",
        )
        .all() as RawPosition[]
    ).map(toPosition);
  }

  /** Inserts a position; `account` defaults to live (the paper venue says paper). */
  insertPosition(
    p: Omit<PositionRow, 'id' | 'closedAt' | 'stuckSince' | 'account'> & { account?: 'paper' | 'live' },
  ): number {
    const info = runForFriend(
      this.db,
      p.userId,
      // A new open position changes what is open, not when the last one closed.
      p.status === 'open' ? 'positions' : 'closes',
      this.statements.prepare(
        'INSERT INTO positions (user_id, network, mint, quote_mint, status, account, quantity, cost_basis, realized_pnl, fees_lamports, stop_loss, take_profit, trailing_stop_bps, high_water, opened_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      p.userId,
      p.network,
      p.mint,
      p.quoteMint,
      p.status,
      p.account ?? 'live',
      p.quantity.toString(),
      p.costBasis.toString(),
      p.realizedPnl.toString(),
      p.feesLamports.toString(),
      p.stopLoss,
      p.takeProfit,
      p.trailingStopBps,
      p.highWater,
      p.openedAt,
      p.updatedAt,
    );
    return Number(info.lastInsertRowid);
  }

  updatePosition(p: PositionRow): void {
    runForFriend(
      this.db,
      p.userId,
      'closes',
      this.statements.prepare(
        'UPDATE positions SET status = ?, quantity = ?, cost_basis = ?, realized_pnl = ?, fees_lamports = ?, stop_loss = ?, take_profit = ?, trailing_stop_bps = ?, high_water = ?, stuck_since = ?, closed_at = ?, updated_at = ? WHERE id = ?',
      ),
      p.status,
      p.quantity.toString(),
      p.costBasis.toString(),
      p.realizedPnl.toString(),
      p.feesLamports.toString(),
      p.stopLoss,
      p.takeProfit,
      p.trailingStopBps,
      p.highWater,
      p.stuckSince,
      p.closedAt,
      p.updatedAt,
      p.id,
    );
  }

  insertTrade(t: Omit<TradeRow, 'id'>): number {
    const info = runForFriend(
      this.db,
      t.userId,
      'trades',
      this.statements.prepare(
        'INSERT INTO trades (intent_id, user_id, network, venue, context, side, base_mint, quote_mint, base_amount, quote_amount, fee_lamports, price, realized_pnl, position_id, signature, executed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      t.intentId,
      t.userId,
      t.network,
      t.venue,
      t.context,
      t.side,
      t.baseMint,
      t.quoteMint,
      t.baseAmount.toString(),
      t.quoteAmount.toString(),
      t.feeLamports.toString(),
      t.price,
      t.realizedPnl.toString(),
      t.positionId,
      t.signature,
      t.executedAt,
    );
    return Number(info.lastInsertRowid);
  }

  tradeByIntent(intentId: number): TradeRow | null {
    const r = this.statements
      .prepare(
        'SELECT id, intent_id, user_id, network, venue, context, side, base_mint, quote_mint, base_amount, quote_amount, fee_lamports, price, realized_pnl, position_id, signature, executed_at FROM trades WHERE intent_id = ?',
      )
      .get(intentId) as RawTrade | undefined;
    return r ? toTrade(r) : null;
  }

  trades(userId: number, opts: { limit?: number; sinceIso?: string } = {}): TradeRow[] {
    return (
      this.statements
        .prepare(
          'SELECT id, intent_id, user_id, network, venue, context, side, base_mint, quote_mint, base_amount, quote_amount, fee_lamports, price, realized_pnl, position_id, signature, executed_at FROM trades WHERE user_id = ? AND executed_at >= ? ORDER BY id DESC LIMIT ?',
        )
        .all(userId, opts.sinceIso ?? '', opts.limit ?? 1000) as RawTrade[]
    ).map(toTrade);
  }

  tradeCount(): number {
    return (this.statements.prepare('SELECT COUNT(*) AS n FROM trades').get() as { n: number }).n;
  }
}

/** Pause/halt state per scope ('global' or 'user:<id>'). */
export interface ControlRow {
  scope: string;
  paused: boolean;
  halted: boolean;
  reason: string | null;
  updatedAt: string;
}

export class ControlsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  get(scope: string): ControlRow | null {
    const r = this.statements
      .prepare('SELECT scope, paused, halted, reason, updated_at FROM controls WHERE scope = ?')
      .get(scope) as
      { scope: string; paused: number; halted: number; reason: string | null; updated_at: string } | undefined;
    return r
      ? { scope: r.scope, paused: r.paused === 1, halted: r.halted === 1, reason: r.reason, updatedAt: r.updated_at }
      : null;
  }

  all(): ControlRow[] {
    const rows = this.statements
      .prepare('SELECT scope, paused, halted, reason, updated_at FROM controls ORDER BY scope')
      .all() as {
      scope: string;
      paused: number;
      halted: number;
      reason: string | null;
      updated_at: string;
    }[];
    return rows.map((r) => ({
      scope: r.scope,
      paused: r.paused === 1,
      halted: r.halted === 1,
      reason: r.reason,
      updatedAt: r.updated_at,
    }));
  }

  set(scope: string, state: { paused: boolean; halted: boolean; reason: string | null }, at: string): void {
    this.statements
      .prepare(
        'INSERT INTO controls (scope, paused, halted, reason, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET paused = excluded.paused, halted = excluded.halted, reason = excluded.reason, updated_at = excluded.updated_at',
      )
      .run(scope, state.paused ? 1 : 0, state.halted ? 1 : 0, state.reason, at);
  }
}

/** The simulated ledger of paper users. */
export class PaperRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  balance(userId: number, mint: string): bigint {
    const r = this.statements
      .prepare('SELECT amount FROM paper_balances WHERE user_id = ? AND mint = ?')
      .get(userId, mint) as { amount: string } | undefined;
    return r ? BigInt(r.amount) : 0n;
  }

  balances(userId: number): Map<string, bigint> {
    const rows = this.statements.prepare('SELECT mint, amount FROM paper_balances WHERE user_id = ?').all(userId) as {
      mint: string;
      amount: string;
    }[];
    return new Map(rows.map((r) => [r.mint, BigInt(r.amount)]));
  }

  set(userId: number, mint: string, amount: bigint): void {
    if (amount < 0n) throw new Error(`paper balance of ${mint} would go negative`);
    runForFriend(
      this.db,
      userId,
      'paper',
      this.statements.prepare(
        'INSERT INTO paper_balances (user_id, mint, amount) VALUES (?, ?, ?) ON CONFLICT(user_id, mint) DO UPDATE SET amount = excluded.amount',
      ),
      userId,
      mint,
      amount.toString(),
    );
  }
}
