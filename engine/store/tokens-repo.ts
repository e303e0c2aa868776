import type { Db } from './database';
import { statementCache } from './statements';

export interface StoredCheck {
  check: string;
  level: 'ok' | 'warn' | 'refuse';
  reason: string;
}

export interface TokenRecord {
  mint: string;
  symbol: string;
  name: string;
  decimals: number;
  tokenProgram: string;
  checks: StoredCheck[];
  verdict: 'ok' | 'warn' | 'refuse';
  checkedAt: string;
  addedBy: string;
  addedAt: string;
  allowedBy: string | null;
  allowedAt: string | null;
}

interface Row {
  mint: string;
  symbol: string;
  name: string;
  decimals: number;
  token_program: string;
  checks: string;
  verdict: 'ok' | 'warn' | 'refuse';
  checked_at: string;
  added_by: string;
  added_at: string;
  allowed_by: string | null;
  allowed_at: string | null;
}

const toRecord = (r: Row): TokenRecord => ({
  mint: r.mint,
  symbol: r.symbol,
  name: r.name,
  decimals: r.decimals,
  tokenProgram: r.token_program,
  checks: JSON.parse(r.checks) as StoredCheck[],
  verdict: r.verdict,
  checkedAt: r.checked_at,
  addedBy: r.added_by,
  addedAt: r.added_at,
  allowedBy: r.allowed_by,
  allowedAt: r.allowed_at,
});

/** Tokens added by mint, with their safety checks and the operator's acknowledgement (engine/tokens). */
export class TokensRepo {
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  /**
   * Adds a token or refreshes its facts and checks. An acknowledgement stays
   * only while the verdict is no worse than when it was given: a token that
   * turns from warned to refused loses it.
   */
  upsert(t: Omit<TokenRecord, 'allowedBy' | 'allowedAt'>): void {
    this.statements
      .prepare(
        `INSERT INTO tokens (mint, symbol, name, decimals, token_program, checks, verdict, checked_at, added_by, added_at)
         VALUES (@mint, @symbol, @name, @decimals, @tokenProgram, @checks, @verdict, @checkedAt, @addedBy, @addedAt)
         ON CONFLICT(mint) DO UPDATE SET symbol = excluded.symbol, name = excluded.name, decimals = excluded.decimals,
           token_program = excluded.token_program, checks = excluded.checks, verdict = excluded.verdict,
           checked_at = excluded.checked_at,
           allowed_by = CASE WHEN excluded.verdict = 'refuse' THEN NULL ELSE tokens.allowed_by END,
           allowed_at = CASE WHEN excluded.verdict = 'refuse' THEN NULL ELSE tokens.allowed_at END`,
      )
      .run({ ...t, checks: JSON.stringify(t.checks) });
  }

  allow(mint: string, by: string, at: string): boolean {
    return (
      this.statements
        .prepare("UPDATE tokens SET allowed_by = ?, allowed_at = ? WHERE mint = ? AND verdict != 'refuse'")
        .run(by, at, mint).changes > 0
    );
  }

  get(mint: string): TokenRecord | null {
    const r = this.statements.prepare('SELECT * FROM tokens WHERE mint = ?').get(mint) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  list(): TokenRecord[] {
    return (this.statements.prepare('SELECT * FROM tokens ORDER BY added_at, mint').all() as Row[]).map(toRecord);
  }
}
