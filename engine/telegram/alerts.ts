import type { EngineEvent, EventPayload, EventType, Severity } from '../api/events';
import { formatUnits, tokenByMint } from '../market';
import { UserSettingsSchema } from '../users/settings';
import type { Store } from '../store';
import { shortAddress } from './format';
import type { TelegramRepo } from './links-repo';
import { operatorLink } from './config';

/** The events a friend hears about: fills, exits, breakers, activation, deposits, withdrawals, failures, STUCK. */
export const FRIEND_ALERT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'trade.executed',
  'position.closed',
  'breaker.tripped',
  'user.activated',
  'user.deactivated',
  'wallet.deposit',
  'wallet.funded',
  'withdrawal.sent',
  'withdrawal.failed',
  'order.failed',
  'exit.stuck',
  'risk.dailyLossHit',
  'risk.drawdownPaused',
]);

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

function amount(mint: string, base: string): string {
  if (mint === 'SOL') return `${formatUnits(BigInt(base), 9)} SOL`;
  const t = tokenByMint(mint);
  return t ? `${formatUnits(BigInt(base), t.decimals)} ${t.symbol}` : `${base} units of ${shortAddress(mint)}`;
}

function symbolOf(mint: string): string {
  return mint === 'SOL' ? 'SOL' : (tokenByMint(mint)?.symbol ?? shortAddress(mint));
}

/** The alert text a friend reads for one of their events (null: not something to tell them). */
export function friendAlertText(e: EngineEvent): string | null {
  switch (e.type) {
    case 'trade.executed': {
      const p = e.payload as EventPayload<'trade.executed'>;
      const what = `${amount(p.baseMint, p.baseAmount)} for ${amount(p.quoteMint, p.quoteAmount)}`;
      const why = p.context === 'exit' ? ' (stop or target hit)' : p.context === 'manual' ? '' : ` (${p.context})`;
      return `${p.side === 'buy' ? 'Bought' : 'Sold'} ${what}${why}.`;
    }
    case 'position.closed': {
      const p = e.payload as EventPayload<'position.closed'>;
      return `Position in ${symbolOf(p.mint)} closed, result ${amount(p.quoteMint, p.realizedPnl)}.`;
    }
    case 'breaker.tripped': {
      const p = e.payload as EventPayload<'breaker.tripped'>;
      return `Your trading paused itself after ${p.failures} failed orders (${p.reason}). The operator can resume it.`;
    }
    case 'user.activated':
      return (e.payload as EventPayload<'user.activated'>).reason === 'no-chain'
        ? 'Trading is active, on paper (there is no chain here).'
        : 'Your wallet is funded: trading is active.';
    case 'user.deactivated':
      return 'Your wallet fell below the minimum: trading is not active until it is topped up.';
    case 'wallet.deposit': {
      const p = e.payload as EventPayload<'wallet.deposit'>;
      return `Deposit received: ${amount(p.mint === 'SOL' ? 'SOL' : p.mint, p.amount)}.`;
    }
    case 'wallet.funded': {
      const p = e.payload as EventPayload<'wallet.funded'>;
      return `Deposit received: ${amount(p.mint, p.amount)}.`;
    }
    case 'withdrawal.sent': {
      const p = e.payload as EventPayload<'withdrawal.sent'>;
      return `Withdrawal done: ${amount(p.mint, p.amount)} to ${shortAddress(p.to)}.`;
    }
    case 'withdrawal.failed': {
      const p = e.payload as EventPayload<'withdrawal.failed'>;
      return `A withdrawal failed: ${p.reason}`;
    }
    case 'order.failed': {
      const p = e.payload as EventPayload<'order.failed'>;
      return `An order failed: ${p.reason}`;
    }
    case 'exit.stuck': {
      const p = e.payload as EventPayload<'exit.stuck'>;
      return `STUCK: your ${symbolOf(p.mint)} position could not be closed (${p.reason}). Harvest keeps trying and the operator is told.`;
    }
    case 'risk.dailyLossHit': {
      const p = e.payload as EventPayload<'risk.dailyLossHit'>;
      return `Daily loss limit reached (${p.lossPct.toFixed(1)}%): no new entries until ${p.resumesAt.slice(11, 16)} UTC.`;
    }
    case 'risk.drawdownPaused': {
      const p = e.payload as EventPayload<'risk.drawdownPaused'>;
      return `Paused: your equity is ${p.drawdownPct.toFixed(1)}% below its high (limit ${p.limitPct}%).`;
    }
    default:
      return null;
  }
}

/**
 * Whether a friend's event goes to their chat: one of the alert kinds, the
 * friend's notification settings allow it (enabled, not muted) and it is at
 * or above their Telegram alert floor (default: everything, fills included).
 */
export function friendWants(store: Store, floor: Severity, e: EngineEvent): boolean {
  if (!FRIEND_ALERT_TYPES.has(e.type)) return false;
  const raw = (store.settings.get(e.userId!)?.settings as { notifications?: unknown } | undefined)?.notifications;
  const schema = UserSettingsSchema.shape.notifications;
  const parsed = schema.safeParse(raw);
  const n = parsed.success ? parsed.data : schema.parse(undefined);
  return n.enabled && !n.muted.includes(e.type) && RANK[e.severity] >= RANK[floor];
}

export interface Routed {
  chatId: number;
  text: string;
}

/**
 * Where one event goes: to the chat of the friend it concerns (and no one
 * else's), and, at warning or above, to the operator's chat when linked.
 */
export function routeEvent(store: Store, repo: TelegramRepo, e: EngineEvent): Routed[] {
  const out: Routed[] = [];
  if (e.userId !== null) {
    const f = repo.find(e.userId);
    if (f && f.chatId !== null && friendWants(store, f.alertMinSeverity, e)) {
      const text = friendAlertText(e);
      if (text) out.push({ chatId: f.chatId, text });
    }
  }
  const op = operatorLink(store.meta);
  if (op && RANK[e.severity] >= RANK.warning) {
    const who = e.userId === null ? 'everyone' : (store.users.byId(e.userId)?.name ?? 'a friend');
    const text = friendAlertText(e) ?? e.type.replace('.', ': ');
    out.push({ chatId: op.chatId, text: `[${e.severity}] ${who}: ${text}` });
  }
  return out;
}
