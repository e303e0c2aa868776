import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import { auditKeyOf, MasterKey, type Keychain } from '../../../engine/keystore';
import { Engine } from '../../../engine/runtime';
import {
  auditHash,
  GENESIS_HASH,
  keyedAuditHash,
  openDatabase,
  Store,
  type AuditEntry,
  type AuditVerdict,
} from '../../../engine/store';
import { forgeAuditRow } from '../../helpers/audit-forge';

/**
 * Issue 10, point 7: the audit chain is keyed (HMAC-SHA256 under a key derived
 * from the master key), so someone with the database file but not the keychain
 * cannot rewrite a row and recompute the chain; old unkeyed chains are keyed
 * once; key rotation re-keys the chain.
 */

const T0 = Date.parse('2026-01-01T00:00:00Z');
const ts = (i: number): string => new Date(T0 + i * 1000).toISOString();
const entry = (i: number): AuditEntry => ({ actor: 'cli', action: `test.action${i}`, userId: null, details: { n: i } });

const dirs: string[] = [];
const closers: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmpFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hv-audit-keyed-'));
  dirs.push(dir);
  return join(dir, 'harvest.db');
}

function openStore(file: string): Store {
  const store = new Store(openDatabase(file, { nowIso: ts(0) }));
  closers.push(() => store.close());
  return store;
}

function expectBadAt(v: AuditVerdict, id: number): void {
  expect(v.ok, JSON.stringify(v)).toBe(false);
  if (v.ok) return;
  expect(v.firstBadId).toBe(id);
  expect(v.message).toMatch(new RegExp(`audit row ${id}\\b`, 'u'));
}

function keyedStore(file: string, key: MasterKey): Store {
  const store = openStore(file);
  store.audit.useKey(auditKeyOf(key), ts(0), 'test');
  return store;
}

describe('keyed audit chain', () => {
  test('a row rewritten with the SHA-256 chain recomputed is caught at that row; the unkeyed chain would not catch it', () => {
    const key = MasterKey.random();
    const file = tmpFile();
    const store = keyedStore(file, key);
    for (let i = 1; i <= 6; i++) store.audit.append(entry(i), ts(i));
    expect(store.audit.scheme()).toBe('hmac-sha256');
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 6 });

    forgeAuditRow(file, 3, auditHash);
    expectBadAt(store.audit.verify(), 3);
    expect(store.audit.verify()).toMatchObject({ problem: 'modified' });

    // The same script against an unkeyed chain goes unnoticed: that is the hole the key closes.
    const plainFile = tmpFile();
    const plain = openStore(plainFile);
    for (let i = 1; i <= 6; i++) plain.audit.append(entry(i), ts(i));
    forgeAuditRow(plainFile, 3, auditHash);
    expect(plain.audit.verify()).toMatchObject({ ok: true, rows: 6 });
  });

  test('recomputing with a key derived from another master key fails too', () => {
    const file = tmpFile();
    const store = keyedStore(file, MasterKey.random());
    for (let i = 1; i <= 4; i++) store.audit.append(entry(i), ts(i));
    const guess = auditKeyOf(MasterKey.random()).secret;
    forgeAuditRow(file, 2, (prev, row) => keyedAuditHash(guess, prev, row));
    expectBadAt(store.audit.verify(), 2);
  });

  test('the audit key is its own HKDF derivation: not the master key, not the wallet-sealing key', () => {
    const key = MasterKey.random();
    const a = auditKeyOf(key);
    expect(a.keyId).toBe(key.id);
    expect(a.secret).toHaveLength(32);
    expect(a.secret.equals(Buffer.from(key.toHex(), 'hex'))).toBe(false);
    expect(a.secret.equals(key.subkey('wallet-seal'))).toBe(false);
    expect(auditKeyOf(key).secret.equals(a.secret)).toBe(true);
  });

  test('a keyed chain opened without its key fails closed: no unkeyed append, no unkeyed verify', () => {
    const file = tmpFile();
    const store = keyedStore(file, MasterKey.random());
    store.audit.append(entry(1), ts(1));
    store.close();
    closers.pop();
    const keyless = openStore(file);
    expect(() => keyless.audit.append(entry(2), ts(2))).toThrow(/keyed with the master key/u);
    expect(() => keyless.audit.verify()).toThrow(/keyed with the master key/u);
  });

  test('an existing unkeyed chain is keyed once at first open with the key, with a marker row', () => {
    const key = MasterKey.random();
    const file = tmpFile();
    const legacy = openStore(file);
    for (let i = 1; i <= 5; i++) legacy.audit.append(entry(i), ts(i));
    const legacyHead = legacy.audit.head();
    legacy.close();
    closers.pop();

    const store = openStore(file);
    expect(store.audit.useKey(auditKeyOf(key), ts(10), 'engine')).toEqual({ kind: 'migrated', rows: 5 });
    expect(store.audit.scheme()).toBe('hmac-sha256');
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 6 });
    const [marker] = store.audit.list({ limit: 1 });
    expect(marker).toMatchObject({
      id: 6,
      action: 'audit.keyed',
      details: { rows: 5, keyId: key.id, legacyHeadHash: legacyHead.hash },
    });
    // Every row now carries a keyed hash: the public SHA-256 no longer reproduces it.
    const first = store.audit.list({ beforeId: 2, limit: 1 })[0]!;
    expect(first.hash).not.toBe(auditHash(GENESIS_HASH, first));
    expect(first.hash).toBe(keyedAuditHash(auditKeyOf(key).secret, GENESIS_HASH, first));
    // The append-only triggers are back after the re-key.
    expect(() => store.db.prepare("UPDATE audit_log SET actor = 'x' WHERE id = 1").run()).toThrow(/append-only/u);
    expect(() => store.db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/u);
    // A second open does nothing more.
    expect(store.audit.useKey(auditKeyOf(key), ts(11), 'engine')).toEqual({ kind: 'keyed' });
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 6 });
  });

  test('an unkeyed chain already tampered is keyed only up to the bad row: verify still names it', () => {
    const file = tmpFile();
    const legacy = openStore(file);
    for (let i = 1; i <= 5; i++) legacy.audit.append(entry(i), ts(i));
    const raw = new Database(file);
    raw.exec('DROP TRIGGER audit_log_no_update;');
    raw.exec("UPDATE audit_log SET actor = 'evil' WHERE id = 3");
    raw.close();
    legacy.close();
    closers.pop();

    const store = openStore(file);
    const keying = store.audit.useKey(auditKeyOf(MasterKey.random()), ts(10), 'engine');
    expect(keying).toMatchObject({ kind: 'migrated-broken', rows: 2, verdict: { firstBadId: 3 } });
    expectBadAt(store.audit.verify(), 3);
    // The append-only trigger the attacker left in place is back after the re-key.
    expect(() => store.db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/append-only/u);
  });

  test('rekey moves the chain to a new key; the old key no longer verifies it and says why', () => {
    const k1 = MasterKey.random();
    const k2 = MasterKey.random();
    const file = tmpFile();
    const store = keyedStore(file, k1);
    for (let i = 1; i <= 4; i++) store.audit.append(entry(i), ts(i));
    expect(store.tx(() => store.audit.rekey(auditKeyOf(k2)))).toBe(4);
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 4 });
    store.audit.append(entry(5), ts(5));
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 5 });

    const other = openStore(file);
    other.audit.useKey(auditKeyOf(k1), ts(6), 'test');
    const v = other.audit.verify();
    expectBadAt(v, 1);
    expect(v.ok ? '' : v.message).toContain(k2.id);
  });

  test('rekey of a tampered chain keeps the evidence: verify under the new key names the same row', () => {
    const file = tmpFile();
    const store = keyedStore(file, MasterKey.random());
    for (let i = 1; i <= 5; i++) store.audit.append(entry(i), ts(i));
    forgeAuditRow(file, 4, auditHash);
    expect(store.audit.rekey(auditKeyOf(MasterKey.random()))).toBe(3);
    expectBadAt(store.audit.verify(), 4);
  });

  test('a re-key rolled back with its transaction leaves the chain and the key in use as they were', () => {
    const k1 = MasterKey.random();
    const file = tmpFile();
    const store = keyedStore(file, k1);
    for (let i = 1; i <= 3; i++) store.audit.append(entry(i), ts(i));
    const head = store.audit.head();
    const before = store.audit.currentKey;
    expect(() =>
      store.tx(() => {
        store.audit.rekey(auditKeyOf(MasterKey.random()));
        throw new Error('a wallet failed to re-seal');
      }),
    ).toThrow('a wallet failed to re-seal');
    store.audit.resumeKey(before);
    expect(store.audit.head()).toEqual(head);
    expect(store.audit.verify()).toMatchObject({ ok: true, rows: 3 });
  });
});

/** A keychain in memory: rotation writes pending and primary slots here. */
function memoryKeychain(): Keychain {
  const m = new Map<string, string>();
  return { get: (a) => m.get(a) ?? null, set: (a, v) => void m.set(a, v), delete: (a) => void m.delete(a) };
}

describe('the engine keys the chain', () => {
  function openEngine(dataDir: string, keychain: Keychain): Engine {
    const engine = Engine.open({ dataDir, keychain, env: {}, clock: new ManualClock(T0), logger: silentLogger });
    closers.push(() => engine.close());
    return engine;
  }

  test('a new data directory is keyed from its first row; rotation re-keys the chain and verify passes', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hv-audit-eng-')), 'd');
    dirs.push(dir);
    const keychain = memoryKeychain();
    const engine = openEngine(dir, keychain);
    engine.users.add('ann', 'cli');
    engine.wallets.create(engine.users.list()[0]!.id, 12, 'cli');
    expect(engine.store.audit.scheme()).toBe('hmac-sha256');
    expect(await engine.execute('audit.verify', {})).toMatchObject({ ok: true });
    const oldKey = engine.key.id;
    const hashesBefore = engine.store.audit.list().map((r) => r.hash);

    const rotated = await engine.execute('keys.rotate', {});
    expect(rotated.oldKeyId).toBe(oldKey);
    const verdict = await engine.execute('audit.verify', {});
    expect(verdict).toMatchObject({ ok: true });
    const after = engine.store.audit.list();
    expect(after[0]).toMatchObject({ action: 'keys.rotated' });
    // Every earlier row now has a hash under the new key.
    const rekeyed = after.slice(1).map((r) => r.hash);
    expect(rekeyed).toHaveLength(hashesBefore.length);
    rekeyed.forEach((h, i) => expect(h).not.toBe(hashesBefore[i]));

    // Reopened (the keychain now holds the new key): still verifies, and a rewritten row is named.
    await engine.close();
    const again = openEngine(dir, keychain);
    expect(await again.execute('audit.verify', {})).toMatchObject({ ok: true });
    await again.close();
    forgeAuditRow(join(dir, 'harvest.db'), 2, auditHash);
    const third = openEngine(dir, keychain);
    expectBadAt(await third.execute('audit.verify', {}), 2);
  });

  test('a data directory with an unkeyed chain (release 1) is keyed at its first start', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'hv-audit-eng-')), 'd');
    dirs.push(dir);
    const keychain = memoryKeychain();
    const first = openEngine(dir, keychain);
    await first.close();
    // Make it look like release 1 wrote it: unkeyed hashes, no scheme recorded.
    const db = new Database(join(dir, 'harvest.db'));
    db.exec("DELETE FROM meta WHERE key IN ('audit_scheme', 'audit_key_id')");
    db.close();
    const f = join(dir, 'harvest.db');
    const legacyRows = (() => {
      const raw = new Database(f);
      const n = (raw.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
      raw.close();
      return n;
    })();
    forgeAuditRow(f, 1, auditHash);
    const engine = openEngine(dir, keychain);
    expect(engine.store.audit.scheme()).toBe('hmac-sha256');
    expect(await engine.execute('audit.verify', {})).toMatchObject({ ok: true, rows: legacyRows + 1 });
    expect(engine.store.audit.list({ limit: 1 })[0]).toMatchObject({
      action: 'audit.keyed',
      details: { rows: legacyRows },
    });
  });
});
