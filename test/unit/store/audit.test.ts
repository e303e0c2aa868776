import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  auditHash,
  canonicalJson,
  GENESIS_HASH,
  openDatabase,
  Store,
  type AuditEntry,
  type AuditVerdict,
} from '../../../engine/store';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const ts = (i: number): string => new Date(T0 + i * 1000).toISOString();

interface TmpStore {
  store: Store;
  file: string;
  /** A second connection, as an attacker with file access would have: the append-only triggers dropped. */
  attacker: () => Database.Database;
  cleanup: () => void;
}

function tmpStore(): TmpStore {
  const dir = mkdtempSync(join(tmpdir(), 'hv-audit-'));
  const file = join(dir, 'harvest.db');
  const store = new Store(openDatabase(file, { nowIso: ts(0) }));
  let raw: Database.Database | null = null;
  return {
    store,
    file,
    attacker: () => {
      if (!raw) {
        raw = new Database(file);
        raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      }
      return raw;
    },
    cleanup: () => {
      raw?.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const entry = (i: number, userId: number | null = null): AuditEntry => ({
  actor: 'cli',
  action: `test.action${i % 3}`,
  userId,
  details: { n: i, note: `entry ${i}` },
});

function appendN(store: Store, n: number): void {
  for (let i = 1; i <= n; i++) store.audit.append(entry(i, i % 2 === 0 ? i : null), ts(i));
}

function expectBad(v: AuditVerdict, id: number, problem: 'modified' | 'deleted' | 'reordered'): void {
  expect(v.ok, JSON.stringify(v)).toBe(false);
  if (v.ok) return;
  expect({ firstBadId: v.firstBadId, problem: v.problem }).toEqual({ firstBadId: id, problem });
  expect(v.message.length).toBeGreaterThan(10);
}

describe('audit log hash chain', () => {
  let t: TmpStore;
  beforeEach(() => {
    t = tmpStore();
  });
  afterEach(() => t.cleanup());

  test('an empty log verifies with the genesis hash', () => {
    expect(t.store.audit.verify()).toEqual({ ok: true, rows: 0, headHash: GENESIS_HASH });
    expect(t.store.audit.head()).toEqual({ id: 0, hash: GENESIS_HASH });
  });

  test('append chains each row to the previous one and moves the head', () => {
    const a = t.store.audit.append(entry(1), ts(1));
    const b = t.store.audit.append(entry(2, 5), ts(2));
    expect(a.id).toBe(1);
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.id).toBe(2);
    expect(b.prevHash).toBe(a.hash);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).not.toBe(a.hash);
    expect(b.hash).toBe(auditHash(a.hash, { id: 2, ts: ts(2), ...entry(2, 5) }));
    expect(t.store.audit.head()).toEqual({ id: 2, hash: b.hash });
    expect(t.store.audit.verify()).toEqual({ ok: true, rows: 2, headHash: b.hash });
  });

  test('list returns rows newest first, filtered by user, limit and beforeId', () => {
    appendN(t.store, 10);
    expect(t.store.audit.list().map((r) => r.id)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(t.store.audit.list({ limit: 3 }).map((r) => r.id)).toEqual([10, 9, 8]);
    expect(t.store.audit.list({ beforeId: 4 }).map((r) => r.id)).toEqual([3, 2, 1]);
    expect(t.store.audit.list({ userId: 4 }).map((r) => r.id)).toEqual([4]);
    const [row] = t.store.audit.list({ userId: 6 });
    expect(row).toMatchObject({
      id: 6,
      ts: ts(6),
      actor: 'cli',
      action: 'test.action0',
      userId: 6,
      details: { n: 6, note: 'entry 6' },
    });
  });

  test('the hash does not depend on the key order of details', () => {
    const r1 = t.store.audit.append(
      { actor: 'cli', action: 'x', userId: null, details: { b: 1, a: { d: 2, c: 3 } } },
      ts(1),
    );
    expect(
      auditHash(GENESIS_HASH, {
        id: 1,
        ts: ts(1),
        actor: 'cli',
        action: 'x',
        userId: null,
        details: { a: { c: 3, d: 2 }, b: 1 },
      }),
    ).toBe(r1.hash);
    expect(canonicalJson({ b: 1, a: [{ z: 1, y: 2 }], c: undefined })).toBe('{"a":[{"y":2,"z":1}],"b":1}');
    expect(t.store.audit.verify().ok).toBe(true);
  });

  test('an entry appended in a transaction that rolls back leaves no row and no head change', () => {
    appendN(t.store, 2);
    const head = t.store.audit.head();
    expect(() =>
      t.store.tx(() => {
        t.store.audit.append(entry(3), ts(3));
        throw new Error('the action failed');
      }),
    ).toThrow('the action failed');
    expect(t.store.audit.head()).toEqual(head);
    expect(t.store.audit.verify()).toMatchObject({ ok: true, rows: 2 });
    expect(t.store.audit.append(entry(3), ts(3)).id).toBe(3);
    expect(t.store.audit.verify()).toMatchObject({ ok: true, rows: 3 });
  });

  test('UPDATE and DELETE are blocked by triggers', () => {
    appendN(t.store, 3);
    const db = t.store.db;
    expect(() => db.prepare("UPDATE audit_log SET actor = 'evil' WHERE id = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 3').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    // The triggers also hold on any other connection.
    const other = new Database(t.file);
    try {
      expect(() => other.prepare("UPDATE audit_log SET details = '{}' WHERE id = 1").run()).toThrow(/append-only/);
      expect(() => other.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/);
    } finally {
      other.close();
    }
    expect(t.store.audit.verify()).toMatchObject({ ok: true, rows: 3 });
  });

  test.each([
    ['actor', "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3"],
    ['action', "UPDATE audit_log SET action = 'wallet.created' WHERE id = 3"],
    ['ts', "UPDATE audit_log SET ts = '2030-01-01T00:00:00.000Z' WHERE id = 3"],
    ['user_id', 'UPDATE audit_log SET user_id = 99 WHERE id = 3'],
    ['details', `UPDATE audit_log SET details = '{"n":3,"note":"entry 4"}' WHERE id = 3`],
  ])('a modified %s is reported at that row as modified', (_col, sql) => {
    appendN(t.store, 5);
    t.attacker().exec(sql);
    expectBad(t.store.audit.verify(), 3, 'modified');
  });

  test('a changed prev_hash is reported as a broken chain at that row', () => {
    appendN(t.store, 5);
    t.attacker().exec(`UPDATE audit_log SET prev_hash = '${'a'.repeat(64)}' WHERE id = 4`);
    expectBad(t.store.audit.verify(), 4, 'reordered');
  });

  test('a modified row whose hash the attacker recomputed is caught at the next row', () => {
    appendN(t.store, 5);
    const raw = t.attacker();
    const row = t.store.audit.list({ beforeId: 3, limit: 1 })[0]!;
    const forged = { ...row, actor: 'nobody' };
    raw.prepare("UPDATE audit_log SET actor = 'nobody', hash = ? WHERE id = 2").run(auditHash(row.prevHash, forged));
    expectBad(t.store.audit.verify(), 3, 'reordered');
  });

  test('a deleted middle row is reported as deleted at its id', () => {
    appendN(t.store, 6);
    t.attacker().exec('DELETE FROM audit_log WHERE id = 3');
    expectBad(t.store.audit.verify(), 3, 'deleted');
  });

  test('a deleted first row is reported as deleted at id 1', () => {
    appendN(t.store, 4);
    t.attacker().exec('DELETE FROM audit_log WHERE id = 1');
    expectBad(t.store.audit.verify(), 1, 'deleted');
  });

  test('deleted tail rows are detected through the head pointer', () => {
    appendN(t.store, 6);
    t.attacker().exec('DELETE FROM audit_log WHERE id >= 5');
    expectBad(t.store.audit.verify(), 5, 'deleted');
  });

  test('the whole log deleted is detected', () => {
    appendN(t.store, 3);
    t.attacker().exec('DELETE FROM audit_log');
    expectBad(t.store.audit.verify(), 1, 'deleted');
  });

  test('swapped rows are detected at the first swapped position', () => {
    appendN(t.store, 6);
    t.attacker().exec(
      'UPDATE audit_log SET id = -1 WHERE id = 2; UPDATE audit_log SET id = 2 WHERE id = 4; UPDATE audit_log SET id = 4 WHERE id = -1;',
    );
    expectBad(t.store.audit.verify(), 2, 'reordered');
  });

  test('appending continues the chain after a reopen', () => {
    appendN(t.store, 3);
    t.store.close();
    const again = new Store(openDatabase(t.file, { nowIso: ts(99) }));
    try {
      expect(again.audit.append(entry(4), ts(4)).id).toBe(4);
      expect(again.audit.verify()).toMatchObject({ ok: true, rows: 4 });
    } finally {
      again.close();
    }
  });
});

type Tamper =
  | { kind: 'column'; column: 'actor' | 'action' | 'ts' | 'user_id' | 'details' }
  | { kind: 'delete' }
  | { kind: 'prev_hash' }
  | { kind: 'rehash' };

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({
    kind: fc.constant('column' as const),
    column: fc.constantFrom('actor', 'action', 'ts', 'user_id', 'details') as fc.Arbitrary<
      'actor' | 'action' | 'ts' | 'user_id' | 'details'
    >,
  }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({ kind: fc.constant('prev_hash' as const) }),
  fc.record({ kind: fc.constant('rehash' as const) }),
);

const entryArb: fc.Arbitrary<AuditEntry> = fc.record({
  actor: fc.constantFrom('cli', 'ui', 'engine'),
  action: fc.string({ minLength: 1, maxLength: 20 }),
  userId: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
  details: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) as fc.Arbitrary<
    Record<string, unknown>
  >,
});

describe('property: any single tampering is detected at the right id', () => {
  test('random chains, one random tampering each', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { minLength: 1, maxLength: 12 }),
        fc.nat(),
        tamperArb,
        (entries, rawTarget, tamper) => {
          const t = tmpStore();
          try {
            entries.forEach((e, i) => t.store.audit.append(e, ts(i + 1)));
            const n = entries.length;
            expect(t.store.audit.verify()).toMatchObject({ ok: true, rows: n });
            const id = (rawTarget % n) + 1;
            const row = t.store.audit.list({ beforeId: id + 1, limit: 1 })[0]!;
            expect(row.id).toBe(id);
            const raw = t.attacker();
            let expected: { id: number; problem: 'modified' | 'deleted' | 'reordered' };
            switch (tamper.kind) {
              case 'column': {
                const sql = `UPDATE audit_log SET ${tamper.column} = ? WHERE id = ?`;
                const value =
                  tamper.column === 'user_id'
                    ? (row.userId ?? 0) + 1
                    : tamper.column === 'details'
                      ? canonicalJson({ ...row.details, 'tampered!': true })
                      : tamper.column === 'ts'
                        ? ts(10_000)
                        : `${tamper.column === 'actor' ? row.actor : row.action}!`;
                raw.prepare(sql).run(value, id);
                expected = { id, problem: 'modified' };
                break;
              }
              case 'delete':
                raw.prepare('DELETE FROM audit_log WHERE id = ?').run(id);
                expected = { id, problem: 'deleted' };
                break;
              case 'prev_hash':
                raw.prepare('UPDATE audit_log SET prev_hash = ? WHERE id = ?').run('f'.repeat(64), id);
                expected = { id, problem: 'reordered' };
                break;
              case 'rehash': {
                // A smarter attacker rewrites the row and its own hash: the next row's link breaks,
                // or for the last row, the head pointer no longer matches.
                const forged = { ...row, action: `${row.action}?` };
                raw
                  .prepare('UPDATE audit_log SET action = ?, hash = ? WHERE id = ?')
                  .run(forged.action, auditHash(row.prevHash, forged), id);
                expected = id < n ? { id: id + 1, problem: 'reordered' } : { id, problem: 'modified' };
                break;
              }
            }
            expectBad(t.store.audit.verify(), expected.id, expected.problem);
          } finally {
            t.cleanup();
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
