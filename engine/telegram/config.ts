import { dataDirId } from '../kernel/paths';
import type { Keychain } from '../keystore';
import type { MetaRepo } from '../store';

/** Telegram's own Bot API; a setting, so tests and a self-hosted Bot API server can stand in. */
export const DEFAULT_API_ROOT = 'https://api.telegram.org';

const META_API_ROOT = 'telegram.apiRoot';
const META_OPERATOR_CHAT = 'telegram.operatorChatId';
const META_OPERATOR_USER = 'telegram.operatorTelegramUserId';

/** Where the bot token lives: the OS keychain, one account per data folder (like the Jupiter key). */
export function tokenAccount(dataDir: string): string {
  return `telegram-bot-token:${dataDirId(dataDir)}`;
}

/** A friend's TOTP secret (base32), also only in the keychain. */
export function totpAccount(dataDir: string, userId: number): string {
  return `telegram-totp:${dataDirId(dataDir)}:${userId}`;
}

export function readToken(keychain: Keychain, dataDir: string): string | null {
  try {
    return keychain.get(tokenAccount(dataDir));
  } catch {
    // No keychain: no token, so no bridge (fail closed, never a weaker home for it).
    return null;
  }
}

export function apiRootOf(meta: MetaRepo): string {
  return meta.get(META_API_ROOT) ?? DEFAULT_API_ROOT;
}

export function setApiRoot(meta: MetaRepo, url: string | null): void {
  meta.set(META_API_ROOT, url ?? DEFAULT_API_ROOT);
}

export interface OperatorLink {
  chatId: number;
  telegramUserId: number;
}

export function operatorLink(meta: MetaRepo): OperatorLink | null {
  const chat = meta.get(META_OPERATOR_CHAT);
  const user = meta.get(META_OPERATOR_USER);
  if (!chat || !user || chat === '' || user === '') return null;
  return { chatId: Number(chat), telegramUserId: Number(user) };
}

export function setOperatorLink(meta: MetaRepo, link: OperatorLink | null): void {
  meta.set(META_OPERATOR_CHAT, link ? String(link.chatId) : '');
  meta.set(META_OPERATOR_USER, link ? String(link.telegramUserId) : '');
}

/** A token as BotFather gives it: digits, a colon, then 30+ URL-safe characters. */
export const BOT_TOKEN_PATTERN = /^\d{3,20}:[A-Za-z0-9_-]{30,100}$/u;
