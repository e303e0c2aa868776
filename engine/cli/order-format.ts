import type { CommandOutput } from '../api';

type TriggerOrderOut = CommandOutput<'orders.open'>['orders'][number];

const STATUS: Record<TriggerOrderOut['status'], string> = {
  open: 'waiting',
  triggered: 'reached its price, filling',
  filled: 'filled',
  cancelled: 'cancelled',
  expired: 'expired',
  failed: 'did not fill',
};

/** "#3 limit buy of 50 USDC of WETH at 2,000 USDC: waiting, expires 2026-01-02 00:00 UTC". */
export function formatTriggerOrder(o: TriggerOrderOut): string {
  const when =
    o.status === 'open' || o.status === 'triggered'
      ? `expires ${o.expiresAt.slice(0, 16).replace('T', ' ')} UTC`
      : (o.closedAt ?? '').slice(0, 16).replace('T', ' ');
  const why = o.reason && o.status !== 'cancelled' && o.status !== 'expired' ? ` (${o.reason})` : '';
  return `#${o.id} ${o.description}: ${STATUS[o.status]}${why}${when ? `, ${when}` : ''}`;
}

/** Human-readable output of limit/stop orders and editable exits. */
export const orderFormatters = {
  'orders.place': (o: CommandOutput<'orders.place'>): string =>
    `Placed order #${o.id}: ${o.description}. It fires once when a trusted price reaches it; it expires ${o.expiresAt.slice(0, 16).replace('T', ' ')} UTC. Cancel it with: harvest orders cancel <user> ${o.id}`,
  'orders.open': (o: CommandOutput<'orders.open'>): string =>
    o.orders.length === 0 ? 'No limit or stop orders.' : o.orders.map(formatTriggerOrder).join('\n'),
  'orders.cancel': (o: CommandOutput<'orders.cancel'>): string => `Cancelled order #${o.id}: ${o.description}.`,
  'positions.setExits': (o: CommandOutput<'positions.setExits'>): string => o.message,
};
