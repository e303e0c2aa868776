import type { Db } from './database';
import { runFactNeutral } from './fact-changes';
import { statementCache } from './statements';

export interface EventRow {
  id: number;
  ts: string;
  type: string;
  severity: 'info' | 'warning' | 'critical';
  userId: number | null;
  payload: unknown;
}

interface RawEvent {
  id: number;
  ts: string;
  type: string;
  severity: EventRow['severity'];
  user_id: number | null;
  payload: string;
}

const toEvent = (r: RawEvent): EventRow => ({
  id: r.id,
  ts: r.ts,
  type: r.type,
  severity: r.severity,
  userId: r.user_id,
  payload: JSON.parse(r.payload) as unknown,
});

export class EventsRepo {
  /** Each query prepared once, on first use (engine/store/statements.ts). */
  private readonly statements = statementCache(() => this.db);

  constructor(private readonly db: Db) {}

  insert(e: Omit<EventRow, 'id'>): EventRow {
    const info = runFactNeutral(
      this.db,
      this.statements.prepare('INSERT INTO events (ts, type, severity, user_id, payload) VALUES (?, ?, ?, ?, ?)'),
      e.ts,
      e.type,
      e.severity,
      e.userId,
      JSON.stringify(e.payload),
    );
    return { ...e, id: Number(info.lastInsertRowid) };
  }

  list(opts: { userId?: number; type?: string; limit?: number; afterId?: number } = {}): EventRow[] {
    const rows = this.statements
      .prepare(
        'SELECT id, ts, type, severity, user_id, payload FROM events WHERE (? IS NULL OR user_id = ?) AND (? IS NULL OR type = ?) AND id > ? ORDER BY id DESC LIMIT ?',
      )
      .all(
        opts.userId ?? null,
        opts.userId ?? null,
        opts.type ?? null,
        opts.type ?? null,
        opts.afterId ?? 0,
        opts.limit ?? 100,
      );
    return (rows as RawEvent[]).map(toEvent);
  }
}
