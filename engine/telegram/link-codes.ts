import { createHash, randomInt } from 'node:crypto';
import { isoTime, type Clock } from '../kernel/clock';
import type { Store } from '../store';
import type { TelegramRepo } from './links-repo';
import { setOperatorLink } from './config';

/** How long a link code works. */
export const LINK_CODE_TTL_MS = 15 * 60_000;
/** No 0/O, 1/I/L: a code read off a screen and typed on a phone. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 10;

export function hashCode(code: string): string {
  return createHash('sha256').update(code.trim().toUpperCase()).digest('hex');
}

export function newLinkCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** Issues a fresh code for a friend (or the operator, userId null); earlier unused ones stop working. Audited. */
export function issueLinkCode(
  store: Store,
  repo: TelegramRepo,
  clock: Clock,
  userId: number | null,
  actor: string,
): { code: string; expiresAt: string } {
  const code = newLinkCode();
  const now = isoTime(clock);
  const expiresAt = new Date(clock.now() + LINK_CODE_TTL_MS).toISOString();
  store.tx(() => {
    repo.expireCodes(userId, now);
    repo.insertCode(hashCode(code), userId, now, expiresAt);
    store.audit.append(
      {
        actor,
        action: 'telegram.codeIssued',
        userId,
        details: { expiresAt, for: userId === null ? 'operator' : 'friend' },
      },
      now,
    );
  });
  return { code, expiresAt };
}

export type Redemption = { ok: true; userId: number | null } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/**
 * Redeems a code sent as `/start CODE`: single use, before its expiry, and
 * audited either way with the Telegram user id that tried it.
 */
export function redeemLinkCode(
  store: Store,
  repo: TelegramRepo,
  clock: Clock,
  code: string,
  telegram: { userId: number; chatId: number },
): Redemption {
  const now = isoTime(clock);
  const h = hashCode(code);
  return store.tx(() => {
    const row = repo.code(h);
    let result: Redemption;
    if (!row) result = { ok: false, reason: 'unknown' };
    else if (row.usedAt !== null) result = { ok: false, reason: 'used' };
    else if (Date.parse(row.expiresAt) <= clock.now()) result = { ok: false, reason: 'expired' };
    else if (!repo.useCode(h, now)) result = { ok: false, reason: 'used' };
    else result = { ok: true, userId: row.userId };
    const actor = `telegram:${telegram.userId}`;
    if (result.ok) {
      if (result.userId === null)
        setOperatorLink(store.meta, { chatId: telegram.chatId, telegramUserId: telegram.userId });
      else repo.link(result.userId, telegram.userId, telegram.chatId, now);
      store.audit.append(
        {
          actor,
          action: 'telegram.linked',
          userId: result.userId,
          details: { telegramUserId: telegram.userId, for: result.userId === null ? 'operator' : 'friend' },
        },
        now,
      );
    } else {
      store.audit.append(
        {
          actor,
          action: 'telegram.linkRefused',
          userId: row?.userId ?? null,
          details: { telegramUserId: telegram.userId, reason: result.reason },
        },
        now,
      );
    }
    return result;
  });
}
