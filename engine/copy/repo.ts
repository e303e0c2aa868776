import type { Db } from '../store';
import type { CopyOutcome, Follow, FollowSettings, LegSide } from './types';

interface RawFollow {
  id: number;
  user_id: number;
  leader: string;
  leader_user_id: number | null;
  sizing: Follow['sizing'];
  fixed_usd: number | null;
  multiplier: number | null;
  max_usd: number | null;
  tokens_mode: Follow['tokensMode'];
  tokens: string;
  copy_sells: number;
  max_age_sec: number;
  active: number;
  created_at: string;
  updated_at: string;
}

const toFollow = (r: RawFollow): Follow => ({
  id: r.id,
  userId: r.user_id,
  leader: r.leader,
  leaderUserId: r.leader_user_id,
  sizing: r.sizing,
  fixedUsd: r.fixed_usd,
  multiplier: r.multiplier,
  maxUsd: r.max_usd,
  tokensMode: r.tokens_mode,
  tokens: JSON.parse(r.tokens) as string[],
  copySells: r.copy_sells === 1,
  maxAgeSec: r.max_age_sec,
  active: r.active === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** One leader trade as handled for one follow. */
export interface CopyTradeRow {
  id: number;
  network: string;
  followId: number;
  userId: number;
  leader: string;
  signature: string;
  side: LegSide;
  mint: string;
  leaderAmount: bigint;
  leaderUsd: number | null;
  blockTime: number | null;
  outcome: CopyOutcome;
  reason: string | null;
  clientId: string | null;
  /** The planned order (written before it is submitted). */
  order: { inputMint: string; outputMint: string; amount: bigint } | null;
  intentId: number | null;
  filled: { inAmount: bigint; outAmount: bigint } | null;
  seenAt: string;
  decidedAt: string | null;
}

interface RawTrade {
  id: number;
  network: string;
  follow_id: number;
  user_id: number;
  leader: string;
  signature: string;
  side: LegSide;
  mint: string;
  leader_amount: string;
  leader_usd: number | null;
  block_time: number | null;
  outcome: CopyOutcome;
  reason: string | null;
  client_id: string | null;
  order_in: string | null;
  order_out: string | null;
  order_amount: string | null;
  intent_id: number | null;
  filled_in: string | null;
  filled_out: string | null;
  seen_at: string;
  decided_at: string | null;
}

const toTrade = (r: RawTrade): CopyTradeRow => ({
  id: r.id,
  network: r.network,
  followId: r.follow_id,
  userId: r.user_id,
  leader: r.leader,
  signature: r.signature,
  side: r.side,
  mint: r.mint,
  leaderAmount: BigInt(r.leader_amount),
  leaderUsd: r.leader_usd,
  blockTime: r.block_time,
  outcome: r.outcome,
  reason: r.reason,
  clientId: r.client_id,
  order:
    r.order_in && r.order_out && r.order_amount
      ? { inputMint: r.order_in, outputMint: r.order_out, amount: BigInt(r.order_amount) }
      : null,
  intentId: r.intent_id,
  filled:
    r.filled_in !== null && r.filled_out !== null
      ? { inAmount: BigInt(r.filled_in), outAmount: BigInt(r.filled_out) }
      : null,
  seenAt: r.seen_at,
  decidedAt: r.decided_at,
});

export interface NewCopyTrade {
  network: string;
  followId: number;
  userId: number;
  leader: string;
  signature: string;
  side: LegSide;
  mint: string;
  leaderAmount: bigint;
  leaderUsd: number | null;
  blockTime: number | null;
  seenAt: string;
}

/** Copy trading's tables (migration 11): follows, leader cursors, handled leader trades, what copies hold. */
export class CopyRepo {
  constructor(private readonly db: Db) {}

  // ---- follows --------------------------------------------------------------

  /** Creates the follow, or updates (and re-activates) the one this user has of this leader. */
  upsertFollow(userId: number, leader: string, leaderUserId: number | null, s: FollowSettings, at: string): Follow {
    this.db
      .prepare(
        `INSERT INTO copy_follows (user_id, leader, leader_user_id, sizing, fixed_usd, multiplier, max_usd, tokens_mode,
           tokens, copy_sells, max_age_sec, active, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
         ON CONFLICT (user_id, leader) DO UPDATE SET
           leader_user_id = excluded.leader_user_id, sizing = excluded.sizing, fixed_usd = excluded.fixed_usd,
           multiplier = excluded.multiplier, max_usd = excluded.max_usd, tokens_mode = excluded.tokens_mode,
           tokens = excluded.tokens, copy_sells = excluded.copy_sells, max_age_sec = excluded.max_age_sec,
           -- Following again after an unfollow starts from now: trades made meanwhile are not this follow's.
           created_at = CASE WHEN copy_follows.active = 1 THEN copy_follows.created_at ELSE excluded.created_at END,
           active = 1, updated_at = excluded.updated_at`,
      )
      .run(
        userId,
        leader,
        leaderUserId,
        s.sizing,
        s.fixedUsd,
        s.multiplier,
        s.maxUsd,
        s.tokensMode,
        JSON.stringify(s.tokens),
        s.copySells ? 1 : 0,
        s.maxAgeSec,
        at,
        at,
      );
    return this.follow(userId, leader)!;
  }

  follow(userId: number, leader: string): Follow | null {
    const r = this.db.prepare('SELECT * FROM copy_follows WHERE user_id = ? AND leader = ?').get(userId, leader) as
      RawFollow | undefined;
    return r ? toFollow(r) : null;
  }

  followById(id: number): Follow | null {
    const r = this.db.prepare('SELECT * FROM copy_follows WHERE id = ?').get(id) as RawFollow | undefined;
    return r ? toFollow(r) : null;
  }

  /** True when an active follow was ended. */
  unfollow(userId: number, leader: string, at: string): boolean {
    return (
      this.db
        .prepare('UPDATE copy_follows SET active = 0, updated_at = ? WHERE user_id = ? AND leader = ? AND active = 1')
        .run(at, userId, leader).changes > 0
    );
  }

  /** Active follows (of one user, or everyone's), oldest first. */
  follows(userId?: number): Follow[] {
    const rows = (
      userId === undefined
        ? this.db.prepare('SELECT * FROM copy_follows WHERE active = 1 ORDER BY id').all()
        : this.db.prepare('SELECT * FROM copy_follows WHERE active = 1 AND user_id = ? ORDER BY id').all(userId)
    ) as RawFollow[];
    return rows.map(toFollow);
  }

  // ---- leader cursors -------------------------------------------------------

  cursor(network: string, leader: string): string | null {
    const r = this.db
      .prepare('SELECT signature FROM copy_cursors WHERE network = ? AND leader = ?')
      .get(network, leader) as { signature: string } | undefined;
    return r?.signature ?? null;
  }

  setCursor(network: string, leader: string, signature: string, slot: bigint, at: string): void {
    this.db
      .prepare(
        `INSERT INTO copy_cursors (network, leader, signature, slot, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (network, leader) DO UPDATE SET signature = excluded.signature, slot = excluded.slot,
           updated_at = excluded.updated_at`,
      )
      .run(network, leader, signature, slot.toString(), at);
  }

  // ---- handled leader trades ------------------------------------------------

  /** Records a leader trade for a follow; null when it was recorded before (it is handled once). */
  insertTrade(t: NewCopyTrade): number | null {
    const r = this.db
      .prepare(
        `INSERT INTO copy_trades (network, follow_id, user_id, leader, signature, side, mint, leader_amount, leader_usd,
           block_time, outcome, seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)
         ON CONFLICT (network, follow_id, signature, side) DO NOTHING`,
      )
      .run(
        t.network,
        t.followId,
        t.userId,
        t.leader,
        t.signature,
        t.side,
        t.mint,
        t.leaderAmount.toString(),
        t.leaderUsd,
        t.blockTime,
        t.seenAt,
      );
    return r.changes > 0 ? Number(r.lastInsertRowid) : null;
  }

  trade(network: string, followId: number, signature: string, side: LegSide): CopyTradeRow | null {
    const r = this.db
      .prepare('SELECT * FROM copy_trades WHERE network = ? AND follow_id = ? AND signature = ? AND side = ?')
      .get(network, followId, signature, side) as RawTrade | undefined;
    return r ? toTrade(r) : null;
  }

  tradeById(id: number): CopyTradeRow | null {
    const r = this.db.prepare('SELECT * FROM copy_trades WHERE id = ?').get(id) as RawTrade | undefined;
    return r ? toTrade(r) : null;
  }

  /** The order a pending row will submit, written before it is submitted. */
  planOrder(id: number, clientId: string, order: { inputMint: string; outputMint: string; amount: bigint }): void {
    this.db
      .prepare(
        "UPDATE copy_trades SET client_id = ?, order_in = ?, order_out = ?, order_amount = ? WHERE id = ? AND outcome = 'pending'",
      )
      .run(clientId, order.inputMint, order.outputMint, order.amount.toString(), id);
  }

  /** Settles a pending row; false when it was settled already (so its effects are applied once). */
  settle(
    id: number,
    outcome: Exclude<CopyOutcome, 'pending'>,
    reason: string | null,
    at: string,
    fill?: { intentId: number | null; inAmount?: bigint; outAmount?: bigint },
  ): boolean {
    return (
      this.db
        .prepare(
          `UPDATE copy_trades SET outcome = ?, reason = ?, decided_at = ?, intent_id = COALESCE(?, intent_id),
             filled_in = ?, filled_out = ? WHERE id = ? AND outcome = 'pending'`,
        )
        .run(
          outcome,
          reason,
          at,
          fill?.intentId ?? null,
          fill?.inAmount?.toString() ?? null,
          fill?.outAmount?.toString() ?? null,
          id,
        ).changes > 0
    );
  }

  pending(network: string): CopyTradeRow[] {
    return (
      this.db
        .prepare("SELECT * FROM copy_trades WHERE outcome = 'pending' AND network = ? ORDER BY id")
        .all(network) as RawTrade[]
    ).map(toTrade);
  }

  /** Handled leader trades, newest first (one user's, or everyone's). */
  trades(opts: { userId?: number; network?: string; limit?: number } = {}): CopyTradeRow[] {
    // One constant statement: a NULL filter matches every row (SQL is never built from values).
    return (
      this.db
        .prepare(
          `SELECT * FROM copy_trades
           WHERE (@user IS NULL OR user_id = @user) AND (@network IS NULL OR network = @network)
           ORDER BY id DESC LIMIT @limit`,
        )
        .all({ user: opts.userId ?? null, network: opts.network ?? null, limit: opts.limit ?? 100 }) as RawTrade[]
    ).map(toTrade);
  }

  /** Outcome counts per follow. */
  counts(followId: number): Record<CopyOutcome, number> {
    const out: Record<CopyOutcome, number> = { pending: 0, copied: 0, skipped: 0, refused: 0, failed: 0 };
    for (const r of this.db
      .prepare('SELECT outcome, COUNT(*) AS n FROM copy_trades WHERE follow_id = ? GROUP BY outcome')
      .all(followId) as { outcome: CopyOutcome; n: number }[])
      out[r.outcome] = r.n;
    return out;
  }

  // ---- what copies hold -----------------------------------------------------

  holding(followId: number, network: string, mint: string): bigint {
    const r = this.db
      .prepare('SELECT quantity FROM copy_holdings WHERE follow_id = ? AND network = ? AND mint = ?')
      .get(followId, network, mint) as { quantity: string } | undefined;
    return r ? BigInt(r.quantity) : 0n;
  }

  addHolding(followId: number, network: string, mint: string, delta: bigint): void {
    const next = this.holding(followId, network, mint) + delta;
    this.db
      .prepare(
        `INSERT INTO copy_holdings (follow_id, network, mint, quantity) VALUES (?, ?, ?, ?)
         ON CONFLICT (follow_id, network, mint) DO UPDATE SET quantity = excluded.quantity`,
      )
      .run(followId, network, mint, (next > 0n ? next : 0n).toString());
  }
}
