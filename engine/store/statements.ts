import type Database from 'better-sqlite3';
import type { Db } from './database';

/**
 * A repository's prepared statements, each compiled on first use and reused
 * after: better-sqlite3 parses and plans the SQL on every prepare(), which the
 * trading cycle would otherwise pay per query. Keyed by the SQL text, which in
 * the repositories is always a constant (never built from values), so the
 * cache stays as small as the repository's own list of queries. A statement
 * walked with iterate() must not come from here (a busy statement cannot be
 * reused while it is being walked).
 */
export function statementCache(db: () => Db): { prepare(sql: string): Database.Statement<unknown[]> } {
  const cache = new Map<string, Database.Statement<unknown[]>>();
  return {
    // Named prepare so the SQL-safety test checks every call site for a constant string, as it does db.prepare.
    prepare(sql) {
      let s = cache.get(sql);
      if (!s) {
        s = db().prepare(sql);
        cache.set(sql, s);
      }
      return s;
    },
  };
}
