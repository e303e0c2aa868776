import type { Db } from './database';
import { statementCache } from './statements';

export interface SingleSourceToken {
  mint: string;
  allowedBy: string;
  allowedAt: string;
}

/** The per-token opt-in to a single-source price (engine/market/oracle decides with it). */
export class PriceTrustRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  allow(mint: string, by: string, at: string): void {
    this.statements
      .prepare(
        'INSERT INTO single_source_tokens (mint, allowed_by, allowed_at) VALUES (?, ?, ?) ON CONFLICT(mint) DO UPDATE SET allowed_by = excluded.allowed_by, allowed_at = excluded.allowed_at',
      )
      .run(mint, by, at);
  }

  /** True when the mint was allowed and now is not. */
  revoke(mint: string): boolean {
    return this.statements.prepare('DELETE FROM single_source_tokens WHERE mint = ?').run(mint).changes > 0;
  }

  isAllowed(mint: string): boolean {
    return this.statements.prepare('SELECT 1 FROM single_source_tokens WHERE mint = ?').get(mint) !== undefined;
  }

  list(): SingleSourceToken[] {
    return (
      this.statements.prepare('SELECT mint, allowed_by, allowed_at FROM single_source_tokens ORDER BY mint').all() as {
        mint: string;
        allowed_by: string;
        allowed_at: string;
      }[]
    ).map((r) => ({ mint: r.mint, allowedBy: r.allowed_by, allowedAt: r.allowed_at }));
  }
}
