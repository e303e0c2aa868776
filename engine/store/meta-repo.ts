import type { Db } from './database';
import { runForFriend } from './fact-changes';
import { statementCache } from './statements';

export class MetaRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  get(key: string): string | null {
    const row = this.statements.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  /** set() of a key that belongs to one friend (their facts' version moves, nobody else's; fact-changes.ts). */
  setForFriend(userId: number, key: string, value: string): void {
    runForFriend(
      this.db,
      userId,
      'other',
      this.statements.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      key,
      value,
    );
  }

  set(key: string, value: string): void {
    this.statements
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }
}
