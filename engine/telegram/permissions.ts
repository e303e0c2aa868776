import { z } from 'zod';

/**
 * What the operator lets a friend do from Telegram. `view` is always there;
 * the others add to it. Exporting keys is not a permission: no Telegram
 * command reaches `wallet.export`, whatever is granted (see commands.ts).
 */
export const TELEGRAM_PERMISSIONS = ['view', 'trade', 'pause', 'withdraw', 'risk'] as const;
export type TelegramPermission = (typeof TELEGRAM_PERMISSIONS)[number];
export const TelegramPermissionSchema = z.enum(TELEGRAM_PERMISSIONS);

export const PERMISSION_LABELS: Record<TelegramPermission, string> = {
  view: 'see their balance, positions, trades and PnL',
  trade: 'buy, sell and close within their risk settings',
  pause: 'pause and resume their own trading',
  withdraw: 'withdraw to their whitelisted addresses (with a second confirmation)',
  risk: 'change their own risk preset',
};

/** A clean, ordered set that always holds `view`. */
export function normalizePermissions(list: readonly string[]): TelegramPermission[] {
  const wanted = new Set<string>(['view', ...list]);
  return TELEGRAM_PERMISSIONS.filter((p) => wanted.has(p));
}

/** Reads the stored JSON; anything unreadable counts as view only (fail closed). */
export function parseStoredPermissions(text: string): TelegramPermission[] {
  try {
    const r = z.array(TelegramPermissionSchema).safeParse(JSON.parse(text));
    return r.success ? normalizePermissions(r.data) : ['view'];
  } catch {
    return ['view'];
  }
}
