import type { Db } from './database';

export interface BalanceRow {
  address: string;
  mint: string;
  amount: bigint;
  seenAt: string;
}

/** Last-seen balances and open positions: what a user still holds. */
export class HoldingsRepo {
  constructor(private readonly db: Db) {}

  upsertBalance(address: string, mint: string, amount: bigint, seenAt: string): void {
    this.db
      .prepare(
        'INSERT INTO balances (address, mint, amount, seen_at) VALUES (?, ?, ?, ?) ON CONFLICT(address, mint) DO UPDATE SET amount = excluded.amount, seen_at = excluded.seen_at',
      )
      .run(address, mint, amount.toString(), seenAt);
  }

  balances(address: string): BalanceRow[] {
    const rows = this.db
      .prepare('SELECT address, mint, amount, seen_at FROM balances WHERE address = ? ORDER BY mint')
      .all(address) as { address: string; mint: string; amount: string; seen_at: string }[];
    return rows.map((r) => ({ address: r.address, mint: r.mint, amount: BigInt(r.amount), seenAt: r.seen_at }));
  }

  openPositionCount(userId: number): number {
    return (
      this.db.prepare("SELECT COUNT(*) AS n FROM positions WHERE user_id = ? AND status = 'open'").get(userId) as {
        n: number;
      }
    ).n;
  }
}
