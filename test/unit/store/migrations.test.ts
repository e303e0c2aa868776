import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { dataDirLayout } from '../../../engine/kernel/paths';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openDatabase, peekMeta, schemaVersion, Store } from '../../../engine/store';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { EXPECTED_TABLES } from '../../helpers/schema';
import { expectHarvestError } from '../../helpers/errors';

const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-06-01T00:00:00.000Z';

function tables(db: Database.Database): string[] {
  return (
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[]
  ).map((r) => r.name);
}

function migrationRows(db: Database.Database): { version: number; name: string; applied_at: string }[] {
  return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as {
    version: number;
    name: string;
    applied_at: string;
  }[];
}

describe('database schema and migrations', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hv-mig-'));
    file = join(dir, 'harvest.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('migrations are numbered 1..n, strictly increasing, with names', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
    for (const m of MIGRATIONS) expect(m.name).toMatch(/^[a-z0-9_-]+$/);
  });

  test('a fresh database uses WAL, enforces foreign keys and has every table', () => {
    const db = openDatabase(file, { nowIso: NOW });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(tables(db)).toEqual(EXPECTED_TABLES);
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      // Foreign keys are really enforced, not just reported.
      expect(() =>
        db
          .prepare("INSERT INTO user_settings (user_id, version, settings, updated_at) VALUES (12345, 1, '{}', 'x')")
          .run(),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
    // WAL is a property of the file: a plain connection sees it too.
    const plain = new Database(file, { readonly: true });
    try {
      expect(plain.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      plain.close();
    }
  });

  test('each migration is recorded with its name and the time given by the caller', () => {
    const db = openDatabase(file, { nowIso: NOW });
    try {
      expect(migrationRows(db)).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: NOW })));
    } finally {
      db.close();
    }
  });

  test('reopening does not re-apply migrations and keeps the data', () => {
    const first = new Store(openDatabase(file, { nowIso: NOW }));
    first.users.insert('Ana', NOW);
    first.meta.set('k', 'v');
    first.close();

    const again = openDatabase(file, { nowIso: LATER });
    try {
      expect(migrationRows(again)).toEqual(
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: NOW })),
      );
      const store = new Store(again);
      expect(store.users.list().map((u) => u.name)).toEqual(['Ana']);
      expect(store.meta.get('k')).toBe('v');
      expect(again.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      again.close();
    }
  });

  test('a database from a newer Harvest (higher schema version) is refused with UNSUPPORTED and left as it was', () => {
    openDatabase(file, { nowIso: NOW }).close();
    const raw = new Database(file);
    raw
      .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
      .run(LATEST_SCHEMA_VERSION + 1, 'from-the-future', NOW);
    raw.close();

    expectHarvestError(
      () => openDatabase(file, { nowIso: LATER }),
      'UNSUPPORTED',
      new RegExp(`schema ${LATEST_SCHEMA_VERSION + 1}, this build knows ${LATEST_SCHEMA_VERSION}.*Upgrade Harvest`),
    );

    const check = new Database(file, { readonly: true });
    try {
      expect(migrationRows(check).map((r) => r.version)).toEqual([
        ...MIGRATIONS.map((m) => m.version),
        LATEST_SCHEMA_VERSION + 1,
      ]);
      expect(tables(check)).toEqual(EXPECTED_TABLES);
    } finally {
      check.close();
    }
  });

  test('a database with unrelated tables but no migration table gets the schema', () => {
    const raw = new Database(file);
    raw.exec('CREATE TABLE something_else (x INTEGER)');
    expect(schemaVersion(raw)).toBe(0);
    raw.close();
    const db = openDatabase(file, { nowIso: NOW });
    try {
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      expect(tables(db)).toEqual([...EXPECTED_TABLES, 'something_else'].sort());
    } finally {
      db.close();
    }
  });

  test('read-only open neither creates a missing file nor migrates', () => {
    expect(() => openDatabase(file, { nowIso: NOW, readonly: true })).toThrow();
    const raw = new Database(file);
    raw.exec('CREATE TABLE t (x INTEGER)');
    raw.close();
    const ro = openDatabase(file, { nowIso: NOW, readonly: true });
    try {
      expect(schemaVersion(ro)).toBe(0);
      expect(tables(ro)).toEqual(['t']);
    } finally {
      ro.close();
    }
  });

  test('peekMeta reads a value without creating or migrating', () => {
    expect(() => peekMeta(file, 'x')).toThrow();
    const raw = new Database(file);
    raw.exec('CREATE TABLE t (x INTEGER)');
    raw.close();
    expect(peekMeta(file, 'x')).toBeNull();
    const s = new Store(openDatabase(file, { nowIso: NOW }));
    s.meta.set('x', 'y');
    s.close();
    expect(peekMeta(file, 'x')).toBe('y');
    expect(peekMeta(file, 'absent')).toBeNull();
  });
});

describe('engine start-up on a newer schema', () => {
  test('Engine.open refuses with UNSUPPORTED, writes nothing, and frees the data directory', async () => {
    const d = tempDataDir();
    try {
      const e = openEngine(d.dir);
      const db = e.layout.db;
      await e.close();
      const raw = new Database(db);
      raw
        .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(LATEST_SCHEMA_VERSION + 7, 'future', NOW);
      const auditRows = (raw.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n;
      raw.close();

      expectHarvestError(() => openEngine(d.dir), 'UNSUPPORTED', /newer Harvest/);

      const check = new Database(dataDirLayout(d.dir).db, { readonly: true });
      try {
        expect((check.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n).toBe(auditRows);
      } finally {
        check.close();
      }
      // The lock was released: after the operator removes the future row, the directory opens again.
      const fix = new Database(db);
      fix.prepare('DELETE FROM schema_migrations WHERE version = ?').run(LATEST_SCHEMA_VERSION + 7);
      fix.close();
      const again = openEngine(d.dir);
      await again.close();
    } finally {
      d.cleanup();
    }
  });
});
