import type { Db } from './database';
import { runForFriend } from './fact-changes';
import { statementCache } from './statements';

export interface BalanceRow {
  network: string;
  address: string;
  mint: string;
  amount: bigint;
  seenAt: string;
}

/** Last-seen balances and open positions: what a user still holds. */
export class HoldingsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  /**
   * A wallet's balance as last read. With `userId` (the wallet's friend) only that friend's risk facts are
   * dropped; without, everyone's are (engine/store/fact-changes.ts).
   */
  upsertBalance(network: string, address: string, mint: string, amount: bigint, seenAt: string, userId?: number): void {
    const stmt = this.statements.prepare(
      'INSERT INTO balances (network, address, mint, amount, seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(network, address, mint) DO UPDATE SET amount = excluded.amount, seen_at = excluded.seen_at',
    );
    const args = [network, address, mint, amount.toString(), seenAt];
    if (userId === undefined) stmt.run(...args);
    else runForFriend(this.db, userId, 'holdings', stmt, ...args);
  }

  /** Last seen balances of an address on one network, or on every network when none is named. */
  balances(address: string, network?: string): BalanceRow[] {
    const rows = this.statements
      .prepare(
        'SELECT network, address, mint, amount, seen_at FROM balances WHERE address = ? AND (? IS NULL OR network = ?) ORDER BY network, mint',
      )
      .all(address, network ?? null, network ?? null) as {
      network: string;
      address: string;
      mint: string;
      amount: string;
      seen_at: string;
    }[];
    return rows.map((r) => ({
      network: r.network,
      address: r.address,
      mint: r.mint,
      amount: BigInt(r.amount),
      seenAt: r.seen_at,
    }));
  }

  /** Quantity of a mint held in a user's open positions (base units). */
  openPositionQuantity(userId: number, mint: string, network?: string): bigint {
    const rows = this.statements
      .prepare(
        "SELECT quantity FROM positions WHERE user_id = ? AND mint = ? AND status = 'open' AND (? IS NULL OR network = ?)",
      )
      .all(userId, mint, network ?? null, network ?? null) as { quantity: string }[];
    return rows.reduce((sum, r) => sum + BigInt(r.quantity), 0n);
  }

  /** Open positions of a user on one network, or on any network when none is named. */
  openPositionCount(userId: number, network?: string): number {
    return (
      this.statements
        .prepare(
          "SELECT COUNT(*) AS n FROM positions WHERE user_id = ? AND status = 'open' AND (? IS NULL OR network = ?)",
        )
        .get(userId, network ?? null, network ?? null) as { n: number }
    ).n;
  }
}
