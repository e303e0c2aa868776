import Database from 'better-sqlite3';
import { auditHash, auditRowOf, GENESIS_HASH, type RawAudit } from '../../engine/store';

/**
 * What an attacker holding only the database file does to the audit log: drop
 * the append-only trigger, rewrite row `id`, then recompute that row's hash,
 * every later one and the head pointer with `hashOf` (by default the public
 * SHA-256 chain; a test may pass a key the attacker made up).
 */
export function forgeAuditRow(file: string, id: number, hashOf: typeof auditHash = auditHash): void {
  const db = new Database(file);
  try {
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update;');
    db.prepare("UPDATE audit_log SET actor = 'nobody', details = '{\"n\":-1}' WHERE id = ?").run(id);
    let prev =
      id === 1
        ? GENESIS_HASH
        : (db.prepare('SELECT hash FROM audit_log WHERE id = ?').get(id - 1) as { hash: string }).hash;
    let last = id;
    for (const raw of db.prepare('SELECT * FROM audit_log WHERE id >= ? ORDER BY id').all(id) as RawAudit[]) {
      const hash = hashOf(prev, auditRowOf(raw));
      db.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?').run(prev, hash, raw.id);
      prev = hash;
      last = raw.id;
    }
    db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head'").run(JSON.stringify({ id: last, hash: prev }));
  } finally {
    db.close();
  }
}
