import type { Db } from './database';
import { statementCache } from './statements';

export interface SettingsRow {
  userId: number;
  version: number;
  settings: unknown;
  updatedAt: string;
}

interface RawSettings {
  user_id: number;
  version: number;
  settings: string;
  updated_at: string;
}

export class SettingsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  insert(userId: number, settings: unknown, at: string): void {
    this.statements
      .prepare('INSERT INTO user_settings (user_id, version, settings, updated_at) VALUES (?, 1, ?, ?)')
      .run(userId, JSON.stringify(settings), at);
  }

  get(userId: number): SettingsRow | null {
    const r = this.statements
      .prepare('SELECT user_id, version, settings, updated_at FROM user_settings WHERE user_id = ?')
      .get(userId) as RawSettings | undefined;
    return r
      ? { userId: r.user_id, version: r.version, settings: JSON.parse(r.settings) as unknown, updatedAt: r.updated_at }
      : null;
  }

  /** The row's version alone (a cheap check that cached, parsed settings are still current); null when none. */
  versionOf(userId: number): number | null {
    const r = this.statements.prepare('SELECT version FROM user_settings WHERE user_id = ?').get(userId) as
      { version: number } | undefined;
    return r ? r.version : null;
  }

  /** Optimistic locking: succeeds only if the stored version is still `expectedVersion`. */
  update(userId: number, expectedVersion: number, settings: unknown, at: string): boolean {
    const info = this.statements
      .prepare(
        'UPDATE user_settings SET settings = ?, version = version + 1, updated_at = ? WHERE user_id = ? AND version = ?',
      )
      .run(JSON.stringify(settings), at, userId, expectedVersion);
    return info.changes === 1;
  }
}
