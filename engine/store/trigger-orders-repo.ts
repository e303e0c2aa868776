import type { Db } from './database';
import { statementCache } from './statements';

export type TriggerKind = 'limit' | 'stop';
export type TriggerStatus = 'open' | 'triggered' | 'filled' | 'cancelled' | 'expired' | 'failed';

/** A stored limit or stop order (engine/execution/trigger-orders.ts fires it). */
export interface TriggerOrderRow {
  id: number;
  userId: number;
  network: string;
  account: 'live' | 'paper';
  kind: TriggerKind;
  side: 'buy' | 'sell';
  mint: string;
  quoteMint: string;
  /** Base units of what the order pays: the quote asset for a buy, the token for a sell. */
  amount: bigint;
  /** Quote asset per whole token, the unit of a position's price and exit levels. */
  triggerPrice: number;
  slippageBps: number;
  status: TriggerStatus;
  reason: string | null;
  intentId: number | null;
  firedPrice: number | null;
  /** Clock ms. */
  expiresAt: number;
  createdAt: string;
  triggeredAt: string | null;
  closedAt: string | null;
}

export type NewTriggerOrder = Pick<
  TriggerOrderRow,
  | 'userId'
  | 'network'
  | 'account'
  | 'kind'
  | 'side'
  | 'mint'
  | 'quoteMint'
  | 'amount'
  | 'triggerPrice'
  | 'slippageBps'
  | 'expiresAt'
  | 'createdAt'
>;

interface Raw {
  id: number;
  user_id: number;
  network: string;
  account: 'live' | 'paper';
  kind: TriggerKind;
  side: 'buy' | 'sell';
  mint: string;
  quote_mint: string;
  amount: string;
  trigger_price: number;
  slippage_bps: number;
  status: TriggerStatus;
  reason: string | null;
  intent_id: number | null;
  fired_price: number | null;
  expires_at: number;
  created_at: string;
  triggered_at: string | null;
  closed_at: string | null;
}

const toRow = (r: Raw): TriggerOrderRow => ({
  id: r.id,
  userId: r.user_id,
  network: r.network,
  account: r.account,
  kind: r.kind,
  side: r.side,
  mint: r.mint,
  quoteMint: r.quote_mint,
  amount: BigInt(r.amount),
  triggerPrice: r.trigger_price,
  slippageBps: r.slippage_bps,
  status: r.status,
  reason: r.reason,
  intentId: r.intent_id,
  firedPrice: r.fired_price,
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  triggeredAt: r.triggered_at,
  closedAt: r.closed_at,
});

/** Limit and stop orders. Every status change is a compare-and-set on the status it leaves, so it happens once. */
export class TriggerOrdersRepo {
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  insert(o: NewTriggerOrder): number {
    const r = this.statements
      .prepare(
        `INSERT INTO trigger_orders (user_id, network, account, kind, side, mint, quote_mint, amount, trigger_price,
           slippage_bps, status, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
      )
      .run(
        o.userId,
        o.network,
        o.account,
        o.kind,
        o.side,
        o.mint,
        o.quoteMint,
        o.amount.toString(),
        o.triggerPrice,
        o.slippageBps,
        o.expiresAt,
        o.createdAt,
      );
    return Number(r.lastInsertRowid);
  }

  byId(id: number): TriggerOrderRow | null {
    const r = this.statements.prepare('SELECT * FROM trigger_orders WHERE id = ?').get(id) as Raw | undefined;
    return r ? toRow(r) : null;
  }

  /** Open and triggered orders on a network (what the monitor looks at each cycle). */
  live(network: string): TriggerOrderRow[] {
    return (
      this.statements
        .prepare("SELECT * FROM trigger_orders WHERE status IN ('open', 'triggered') AND network = ? ORDER BY id")
        .all(network) as Raw[]
    ).map(toRow);
  }

  /** A user's orders, newest first; `openOnly` keeps those not yet settled. */
  list(userId: number, openOnly: boolean, limit = 200): TriggerOrderRow[] {
    const sql = openOnly
      ? "SELECT * FROM trigger_orders WHERE user_id = ? AND status IN ('open', 'triggered') ORDER BY id DESC LIMIT ?"
      : 'SELECT * FROM trigger_orders WHERE user_id = ? ORDER BY id DESC LIMIT ?';
    return (this.statements.prepare(sql).all(userId, limit) as Raw[]).map(toRow);
  }

  /** open → triggered, with the price that crossed the level. False when it was no longer open. */
  markTriggered(id: number, price: number, at: string): boolean {
    return (
      this.statements
        .prepare(
          "UPDATE trigger_orders SET status = 'triggered', fired_price = ?, triggered_at = ? WHERE id = ? AND status = 'open'",
        )
        .run(price, at, id).changes > 0
    );
  }

  /** Ends an order: from `from` to a final status, once. */
  finish(
    id: number,
    from: 'open' | 'triggered',
    to: 'filled' | 'cancelled' | 'expired' | 'failed',
    reason: string | null,
    intentId: number | null,
    at: string,
  ): boolean {
    return (
      this.statements
        .prepare(
          'UPDATE trigger_orders SET status = ?, reason = ?, intent_id = COALESCE(?, intent_id), closed_at = ? WHERE id = ? AND status = ?',
        )
        .run(to, reason, intentId, at, id, from).changes > 0
    );
  }

  /** Records the journaled order of a triggered one whose outcome is not known yet. */
  setIntent(id: number, intentId: number): void {
    this.statements.prepare('UPDATE trigger_orders SET intent_id = ? WHERE id = ?').run(intentId, id);
  }
}
