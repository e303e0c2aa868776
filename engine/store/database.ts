import Database from 'better-sqlite3';
import { HarvestError } from '../kernel/errors';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
  /** Time string for migration records; callers pass it from their Clock. */
  nowIso: string;
}

/** Opens (creating if needed) the Harvest database and brings its schema up to date. */
export function openDatabase(file: string, opts: OpenOptions): Db {
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      applyMigrations(db, opts.nowIso);
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

export function schemaVersion(db: Db): number {
  const row = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!row) return 0;
  const v = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return v.v ?? 0;
}

export function applyMigrations(db: Db, nowIso: string): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT',
  );
  const current = schemaVersion(db);
  if (current > LATEST_SCHEMA_VERSION) {
    throw new HarvestError(
      'UNSUPPORTED',
      `This data directory was written by a newer Harvest (schema ${current}, this build knows ${LATEST_SCHEMA_VERSION}). Upgrade Harvest; migrations only go forward.`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, nowIso);
    }).immediate();
  }
}

/** Reads one meta value from a database file without creating or migrating it. */
export function peekMeta(file: string, key: string): string | null {
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (!hasMeta) return null;
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  } finally {
    db?.close();
  }
}
