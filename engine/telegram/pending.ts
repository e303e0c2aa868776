import { randomBytes } from 'node:crypto';
import type { Clock } from '../kernel/clock';

/** One API call a friend is about to make, shown to them before it runs. */
export interface Action {
  command: string;
  input: Record<string, unknown>;
  /** The question the Confirm button answers, in the friend's words. */
  prompt: string;
  /** Withdrawals of a friend with TOTP on ask for a code after Confirm. */
  needsTotp: boolean;
  /** The permission this action needs, checked again when it runs. */
  permission: string;
  /** The chat command it came from, for the audit. */
  origin: string;
}

export type PendingEntry =
  | { kind: 'confirm'; action: Action }
  | { kind: 'choose'; choices: { text: string; action: Action }[] }
  | { kind: 'totp'; action: Action };

interface Stored {
  entry: PendingEntry;
  telegramUserId: number;
  userId: number;
  expiresAt: number;
}

/** How long a Confirm button or a code prompt stays usable. */
export const PENDING_TTL_MS = 2 * 60_000;
const MAX_PENDING = 500;

/**
 * Buttons and prompts waiting for a friend. Each is bound to the Telegram user
 * and the friend it was shown to, expires, and is used once: pressing an old
 * Confirm twice never runs anything twice.
 */
export class PendingActions {
  private readonly items = new Map<string, Stored>();

  constructor(private readonly clock: Clock) {}

  add(entry: PendingEntry, telegramUserId: number, userId: number): string {
    this.prune();
    while (this.items.size >= MAX_PENDING) {
      const oldest = this.items.keys().next().value;
      if (oldest === undefined) break;
      this.items.delete(oldest);
    }
    const id = randomBytes(6).toString('hex');
    this.items.set(id, { entry, telegramUserId, userId, expiresAt: this.clock.now() + PENDING_TTL_MS });
    return id;
  }

  /** Takes an entry for this Telegram user and friend (once); null when unknown, used, expired or someone else's. */
  take(id: string, telegramUserId: number, userId: number): PendingEntry | null {
    const s = this.items.get(id);
    if (!s) return null;
    if (s.telegramUserId !== telegramUserId || s.userId !== userId) return null;
    this.items.delete(id);
    if (this.clock.now() >= s.expiresAt) return null;
    return s.entry;
  }

  /** The code prompt waiting for this Telegram user, if any (taken). */
  takeTotp(telegramUserId: number, userId: number): Action | null {
    for (const [id, s] of this.items) {
      if (s.entry.kind === 'totp' && s.telegramUserId === telegramUserId && s.userId === userId) {
        this.items.delete(id);
        return this.clock.now() < s.expiresAt ? s.entry.action : null;
      }
    }
    return null;
  }

  private prune(): void {
    const now = this.clock.now();
    for (const [id, s] of this.items) if (now >= s.expiresAt) this.items.delete(id);
  }
}
