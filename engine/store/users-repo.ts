import type { Db } from './database';
import { statementCache } from './statements';

export interface UserRow {
  id: number;
  name: string;
  createdAt: string;
}

interface RawUser {
  id: number;
  name: string;
  created_at: string;
}

const toUser = (r: RawUser): UserRow => ({ id: r.id, name: r.name, createdAt: r.created_at });

/**
 * Names are unique regardless of case and Unicode composition. Normalised again
 * after lower-casing: lower-casing can leave a decomposed sequence (e.g. "H̱"
 * becomes "h" + U+0331, whereas "ẖ" is one precomposed code point).
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}

export class UsersRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  insert(name: string, createdAt: string): UserRow {
    const info = this.statements
      .prepare('INSERT INTO users (name, name_key, created_at) VALUES (?, ?, ?)')
      .run(name, nameKey(name), createdAt);
    return { id: Number(info.lastInsertRowid), name, createdAt };
  }

  byId(id: number): UserRow | null {
    const r = this.statements.prepare('SELECT id, name, created_at FROM users WHERE id = ?').get(id) as
      RawUser | undefined;
    return r ? toUser(r) : null;
  }

  byName(name: string): UserRow | null {
    const r = this.statements
      .prepare('SELECT id, name, created_at FROM users WHERE name_key = ?')
      .get(nameKey(name)) as RawUser | undefined;
    return r ? toUser(r) : null;
  }

  list(): UserRow[] {
    return (this.statements.prepare('SELECT id, name, created_at FROM users ORDER BY id').all() as RawUser[]).map(
      toUser,
    );
  }

  rename(id: number, name: string): void {
    this.statements.prepare('UPDATE users SET name = ?, name_key = ? WHERE id = ?').run(name, nameKey(name), id);
  }

  isActive(id: number): boolean {
    const r = this.statements.prepare('SELECT active FROM users WHERE id = ?').get(id) as
      { active: number } | undefined;
    return r?.active === 1;
  }

  setActive(id: number, active: boolean): void {
    this.statements.prepare('UPDATE users SET active = ? WHERE id = ?').run(active ? 1 : 0, id);
  }

  delete(id: number): void {
    this.statements.prepare('DELETE FROM users WHERE id = ?').run(id);
  }
}
