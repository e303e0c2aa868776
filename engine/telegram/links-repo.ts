import type { Db } from '../store';
import { parseStoredPermissions, type TelegramPermission } from './permissions';

export interface TelegramFriendRow {
  userId: number;
  permissions: TelegramPermission[];
  telegramUserId: number | null;
  chatId: number | null;
  linkedAt: string | null;
  alertMinSeverity: 'info' | 'warning' | 'critical';
  summaryHour: number | null;
  lastSummaryDay: string | null;
  totp: boolean;
}

interface RawFriend {
  user_id: number;
  permissions: string;
  telegram_user_id: number | null;
  chat_id: number | null;
  linked_at: string | null;
  alert_min_severity: 'info' | 'warning' | 'critical';
  summary_hour: number | null;
  last_summary_day: string | null;
  totp: number;
}

function toRow(r: RawFriend): TelegramFriendRow {
  return {
    userId: r.user_id,
    permissions: parseStoredPermissions(r.permissions),
    telegramUserId: r.telegram_user_id,
    chatId: r.chat_id,
    linkedAt: r.linked_at,
    alertMinSeverity: r.alert_min_severity,
    summaryHour: r.summary_hour,
    lastSummaryDay: r.last_summary_day,
    totp: r.totp === 1,
  };
}

export interface LinkCodeRow {
  userId: number | null;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** The Telegram tables of migration 10: friends' links and permissions, and one-time link codes. */
export class TelegramRepo {
  constructor(private readonly db: Db) {}

  /** A friend's row, created with the defaults (view only, not linked) on first use. */
  friend(userId: number): TelegramFriendRow {
    this.db.prepare('INSERT OR IGNORE INTO telegram_friends (user_id) VALUES (?)').run(userId);
    return toRow(this.db.prepare('SELECT * FROM telegram_friends WHERE user_id = ?').get(userId) as RawFriend);
  }

  /** A friend's row if one exists (read only: no row is created). */
  find(userId: number): TelegramFriendRow | null {
    const r = this.db.prepare('SELECT * FROM telegram_friends WHERE user_id = ?').get(userId) as RawFriend | undefined;
    return r ? toRow(r) : null;
  }

  byTelegramUser(telegramUserId: number): TelegramFriendRow | null {
    const r = this.db.prepare('SELECT * FROM telegram_friends WHERE telegram_user_id = ?').get(telegramUserId) as
      RawFriend | undefined;
    return r ? toRow(r) : null;
  }

  linked(): TelegramFriendRow[] {
    return (
      this.db.prepare('SELECT * FROM telegram_friends WHERE telegram_user_id IS NOT NULL').all() as RawFriend[]
    ).map(toRow);
  }

  setPermissions(userId: number, permissions: readonly TelegramPermission[]): void {
    this.friend(userId);
    this.db
      .prepare('UPDATE telegram_friends SET permissions = ? WHERE user_id = ?')
      .run(JSON.stringify(permissions), userId);
  }

  /** Links a Telegram user to this friend; any earlier link of that Telegram user to another friend ends. */
  link(userId: number, telegramUserId: number, chatId: number, at: string): void {
    this.friend(userId);
    this.db
      .prepare(
        'UPDATE telegram_friends SET telegram_user_id = NULL, chat_id = NULL, linked_at = NULL WHERE telegram_user_id = ?',
      )
      .run(telegramUserId);
    this.db
      .prepare('UPDATE telegram_friends SET telegram_user_id = ?, chat_id = ?, linked_at = ? WHERE user_id = ?')
      .run(telegramUserId, chatId, at, userId);
  }

  unlink(userId: number): boolean {
    const r = this.db
      .prepare(
        'UPDATE telegram_friends SET telegram_user_id = NULL, chat_id = NULL, linked_at = NULL WHERE user_id = ? AND telegram_user_id IS NOT NULL',
      )
      .run(userId);
    return r.changes > 0;
  }

  setSummaryHour(userId: number, hour: number | null): void {
    this.friend(userId);
    this.db.prepare('UPDATE telegram_friends SET summary_hour = ? WHERE user_id = ?').run(hour, userId);
  }

  setAlertMinSeverity(userId: number, severity: 'info' | 'warning' | 'critical'): void {
    this.friend(userId);
    this.db.prepare('UPDATE telegram_friends SET alert_min_severity = ? WHERE user_id = ?').run(severity, userId);
  }

  markSummarySent(userId: number, day: string): void {
    this.db.prepare('UPDATE telegram_friends SET last_summary_day = ? WHERE user_id = ?').run(day, userId);
  }

  setTotp(userId: number, on: boolean): void {
    this.friend(userId);
    this.db.prepare('UPDATE telegram_friends SET totp = ? WHERE user_id = ?').run(on ? 1 : 0, userId);
  }

  insertCode(codeHash: string, userId: number | null, createdAt: string, expiresAt: string): void {
    this.db
      .prepare('INSERT INTO telegram_link_codes (code_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(codeHash, userId, createdAt, expiresAt);
  }

  code(codeHash: string): LinkCodeRow | null {
    const r = this.db
      .prepare('SELECT user_id, created_at, expires_at, used_at FROM telegram_link_codes WHERE code_hash = ?')
      .get(codeHash) as
      { user_id: number | null; created_at: string; expires_at: string; used_at: string | null } | undefined;
    return r ? { userId: r.user_id, createdAt: r.created_at, expiresAt: r.expires_at, usedAt: r.used_at } : null;
  }

  /** Marks a code used; false if it already was (a second redemption loses the race). */
  useCode(codeHash: string, at: string): boolean {
    return (
      this.db
        .prepare('UPDATE telegram_link_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL')
        .run(at, codeHash).changes === 1
    );
  }

  /** Ends a friend's unused codes (a fresh code replaces the one shown before). */
  expireCodes(userId: number | null, at: string): void {
    if (userId === null)
      this.db.prepare('UPDATE telegram_link_codes SET used_at = ? WHERE user_id IS NULL AND used_at IS NULL').run(at);
    else
      this.db
        .prepare('UPDATE telegram_link_codes SET used_at = ? WHERE user_id = ? AND used_at IS NULL')
        .run(at, userId);
  }
}
