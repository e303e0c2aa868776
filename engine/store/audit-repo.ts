import { createHash, createHmac } from 'node:crypto';
import { HarvestError } from '../kernel/errors';
import type { Db } from './database';
import { statementCache } from './statements';
import { MetaRepo } from './meta-repo';

export const GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit_head';
/**
 * How the chain's hashes are made. Absent means 'sha256': a chain written before
 * the chain was keyed (or by a store opened without a key, as in tests).
 */
const SCHEME_KEY = 'audit_scheme';
/** The public id of the master key whose audit key the chain is under. */
const KEY_ID_KEY = 'audit_key_id';

export type AuditScheme = 'sha256' | 'hmac-sha256';

/**
 * The key the chain is HMAC'd with: derived from the master key (its own HKDF
 * label), so someone holding the database file but not the keychain cannot
 * rewrite a row and recompute the chain. `keyId` is the master key's public id.
 */
export interface AuditKey {
  keyId: string;
  secret: Buffer;
}

/** What opening the chain with a key found and did. */
export type AuditKeying =
  | { kind: 'keyed' }
  | { kind: 'migrated'; rows: number }
  | { kind: 'migrated-broken'; rows: number; verdict: Extract<AuditVerdict, { ok: false }> };

type HashFn = (prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash'>) => string;

export interface AuditEntry {
  actor: string;
  action: string;
  userId: number | null;
  /** Never a secret: callers pass identifiers and outcomes only. */
  details: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  id: number;
  ts: string;
  prevHash: string;
  hash: string;
}

export interface RawAudit {
  id: number;
  ts: string;
  actor: string;
  action: string;
  user_id: number | null;
  details: string;
  prev_hash: string;
  hash: string;
}

export type AuditVerdict =
  | { ok: true; rows: number; headHash: string }
  | {
      ok: false;
      rows: number;
      /** The first row that is missing or does not match its hash. */
      firstBadId: number;
      problem: 'modified' | 'deleted' | 'reordered';
      message: string;
    };

/** Key order must not change a hash, so objects are serialised with sorted keys. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

function rowBody(row: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  return canonicalJson({
    id: row.id,
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    userId: row.userId,
    details: row.details,
  });
}

/** The unkeyed hash: anyone can recompute it, so it only proves the chain is whole, not who wrote it. */
export function auditHash(prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  return createHash('sha256').update(prevHash).update('\n').update(rowBody(row)).digest('hex');
}

/** The keyed hash: HMAC-SHA256 under the audit key, over the same bytes as the unkeyed one. */
export function keyedAuditHash(secret: Buffer, prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  return createHmac('sha256', secret).update(prevHash).update('\n').update(rowBody(row)).digest('hex');
}

/** A row as SQLite holds it (also what a test playing an attacker reads with a raw connection). */
export const toRow = (r: RawAudit): AuditRow => ({
  id: r.id,
  ts: r.ts,
  actor: r.actor,
  action: r.action,
  userId: r.user_id,
  details: JSON.parse(r.details) as Record<string, unknown>,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export class AuditRepo {
  private readonly meta: MetaRepo;
  private key: AuditKey | null = null;

  /** Each query prepared once, on first use (engine/store/statements.ts). */

  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {
    this.meta = new MetaRepo(db);
  }

  scheme(): AuditScheme {
    return this.meta.get(SCHEME_KEY) === 'hmac-sha256' ? 'hmac-sha256' : 'sha256';
  }

  /** The audit key in use, so a caller that re-keys can put it back if its transaction fails. */
  get currentKey(): AuditKey | null {
    return this.key;
  }

  /** Puts back the key a rolled-back re-key replaced (the database rolled back; memory must follow). */
  resumeKey(key: AuditKey | null): void {
    this.key = key;
  }

  /**
   * Opens the chain with its key. An unkeyed chain (written before keying
   * existed) is re-keyed once, in one transaction, and a marker row records it.
   * A chain already broken is re-keyed only up to its first bad row, so the
   * evidence survives: verify still names that row.
   */
  useKey(key: AuditKey, ts: string, actor: string): AuditKeying {
    if (this.scheme() === 'hmac-sha256') {
      this.key = key;
      return { kind: 'keyed' };
    }
    return this.db.transaction((): AuditKeying => {
      const before = this.verifyWith(auditHash);
      const rows = this.rekeyWith(auditHash, key);
      if (rows === 0 && before.ok) return { kind: 'keyed' };
      this.append(
        {
          actor,
          action: 'audit.keyed',
          userId: null,
          details: {
            rows,
            keyId: key.keyId,
            ...(before.ok ? { legacyHeadHash: before.headHash } : { brokenAt: before.firstBadId }),
          },
        },
        ts,
      );
      return before.ok ? { kind: 'migrated', rows } : { kind: 'migrated-broken', rows, verdict: before };
    })();
  }

  /**
   * Re-keys the whole chain under `next` (key rotation), inside the caller's
   * transaction. Only rows that verify under the current key are re-keyed: a
   * tampered row and everything after it keep their old hashes, so verify
   * under the new key still reports the first bad row.
   */
  rekey(next: AuditKey): number {
    const hash = this.hashFn();
    return this.db.transaction(() => this.rekeyWith(hash, next))();
  }

  /** Appends inside the caller's transaction if there is one, so the entry commits with the action. */
  append(entry: AuditEntry, ts: string): AuditRow {
    const hashOf = this.hashFn();
    return this.db.transaction(() => {
      const head = this.head();
      const id = head.id + 1;
      const partial = { id, ts, ...entry };
      const hash = hashOf(head.hash, partial);
      this.statements
        .prepare(
          'INSERT INTO audit_log (id, ts, actor, action, user_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, ts, entry.actor, entry.action, entry.userId, canonicalJson(entry.details), head.hash, hash);
      // The head pointer lets verify notice rows deleted from the end of the chain.
      this.meta.set(HEAD_KEY, JSON.stringify({ id, hash }));
      return { ...partial, prevHash: head.hash, hash };
    })();
  }

  head(): { id: number; hash: string } {
    const raw = this.meta.get(HEAD_KEY);
    if (!raw) return { id: 0, hash: GENESIS_HASH };
    return JSON.parse(raw) as { id: number; hash: string };
  }

  list(opts: { userId?: number; limit?: number; beforeId?: number } = {}): AuditRow[] {
    const limit = opts.limit ?? 100;
    const before = opts.beforeId ?? Number.MAX_SAFE_INTEGER;
    const rows =
      opts.userId === undefined
        ? this.statements
            .prepare(
              'SELECT id, ts, actor, action, user_id, details, prev_hash, hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?',
            )
            .all(before, limit)
        : this.statements
            .prepare(
              'SELECT id, ts, actor, action, user_id, details, prev_hash, hash FROM audit_log WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
            )
            .all(opts.userId, before, limit);
    return (rows as RawAudit[]).map(toRow);
  }

  verify(): AuditVerdict {
    const verdict = this.verifyWith(this.hashFn());
    const keyId = this.meta.get(KEY_ID_KEY);
    if (!verdict.ok && this.key && keyId !== null && keyId !== this.key.keyId) {
      return {
        ...verdict,
        message: `${verdict.message}; the chain is keyed under master key ${keyId}, not the one in use (${this.key.keyId})`,
      };
    }
    return verdict;
  }

  /**
   * The hash this chain is written with. A keyed chain without its key fails
   * closed: neither appended to nor verified with the unkeyed hash.
   */
  private hashFn(): HashFn {
    if (this.scheme() === 'sha256') return auditHash;
    const key = this.key;
    if (!key) {
      throw new HarvestError(
        'MASTER_KEY_MISSING',
        'The audit log is keyed with the master key, which this store was opened without.',
      );
    }
    return (prev, row) => keyedAuditHash(key.secret, prev, row);
  }

  /** Rewrites the valid prefix of the chain under `next`; returns how many rows it re-keyed. */
  private rekeyWith(current: HashFn, next: AuditKey): number {
    const rows = (
      this.statements
        .prepare('SELECT id, ts, actor, action, user_id, details, prev_hash, hash FROM audit_log ORDER BY id')
        .all() as RawAudit[]
    ).map(toRow);
    const head = this.head();
    // The append-only trigger stays in force for everyone else: dropped and re-created inside this
    // transaction, with the same constant text as migration 1 (no SQL is ever built from values).
    this.db.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
    const update = this.statements.prepare('UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?');
    let oldPrev = GENESIS_HASH;
    let newPrev = GENESIS_HASH;
    let rekeyed = 0;
    for (const [i, row] of rows.entries()) {
      const valid = row.id === i + 1 && row.prevHash === oldPrev && current(oldPrev, row) === row.hash;
      if (!valid) break;
      const hash = keyedAuditHash(next.secret, newPrev, row);
      update.run(newPrev, hash, row.id);
      oldPrev = row.hash;
      newPrev = hash;
      rekeyed++;
    }
    this.db.exec(
      "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
    );
    // The head moves only if it pointed at the last re-keyed row; otherwise the mismatch it shows is evidence.
    if (rekeyed > 0 && head.id === rekeyed && head.hash === oldPrev) {
      this.meta.set(HEAD_KEY, JSON.stringify({ id: rekeyed, hash: newPrev }));
    }
    this.meta.set(SCHEME_KEY, 'hmac-sha256');
    this.meta.set(KEY_ID_KEY, next.keyId);
    this.key = next;
    return rekeyed;
  }

  private verifyWith(hashOf: HashFn): AuditVerdict {
    const stmt = this.db.prepare(
      'SELECT id, ts, actor, action, user_id, details, prev_hash, hash FROM audit_log ORDER BY id',
    );
    let prevHash = GENESIS_HASH;
    let expectedId = 1;
    let rows = 0;
    for (const raw of stmt.iterate() as IterableIterator<RawAudit>) {
      const row = toRow(raw);
      rows++;
      if (row.id !== expectedId) {
        return bad(rows, expectedId, 'deleted', `audit row ${expectedId} is missing (deleted)`);
      }
      if (row.prevHash !== prevHash) {
        return bad(rows, row.id, 'reordered', `audit row ${row.id} does not follow row ${row.id - 1} (chain broken)`);
      }
      if (hashOf(prevHash, row) !== row.hash) {
        return bad(rows, row.id, 'modified', `audit row ${row.id} was modified after it was written`);
      }
      prevHash = row.hash;
      expectedId++;
    }
    const head = this.head();
    if (head.id !== expectedId - 1 || head.hash !== prevHash) {
      if (head.id >= expectedId) {
        return bad(rows, expectedId, 'deleted', `audit rows from ${expectedId} to ${head.id} are missing (deleted)`);
      }
      return bad(rows, head.id, 'modified', 'the audit head does not match the last row');
    }
    return { ok: true, rows, headHash: prevHash };
  }
}

function bad(
  rows: number,
  firstBadId: number,
  problem: 'modified' | 'deleted' | 'reordered',
  message: string,
): AuditVerdict {
  return { ok: false, rows, firstBadId, problem, message };
}
