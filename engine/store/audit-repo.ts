import { createHash } from 'node:crypto';
import type { Db } from './database';
import { MetaRepo } from './meta-repo';

export const GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit_head';

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

interface RawAudit {
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

export function auditHash(prevHash: string, row: Omit<AuditRow, 'hash' | 'prevHash'>): string {
  const body = canonicalJson({
    id: row.id,
    ts: row.ts,
    actor: row.actor,
    action: row.action,
    userId: row.userId,
    details: row.details,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

const toRow = (r: RawAudit): AuditRow => ({
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

  constructor(private readonly db: Db) {
    this.meta = new MetaRepo(db);
  }

  /** Appends inside the caller's transaction if there is one, so the entry commits with the action. */
  append(entry: AuditEntry, ts: string): AuditRow {
    return this.db.transaction(() => {
      const head = this.head();
      const id = head.id + 1;
      const partial = { id, ts, ...entry };
      const hash = auditHash(head.hash, partial);
      this.db
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
        ? this.db
            .prepare(
              'SELECT id, ts, actor, action, user_id, details, prev_hash, hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?',
            )
            .all(before, limit)
        : this.db
            .prepare(
              'SELECT id, ts, actor, action, user_id, details, prev_hash, hash FROM audit_log WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
            )
            .all(opts.userId, before, limit);
    return (rows as RawAudit[]).map(toRow);
  }

  verify(): AuditVerdict {
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
      if (auditHash(prevHash, row) !== row.hash) {
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
