import type { EventType, Severity } from './events';

/**
 * How grave each event is unless its emitter says otherwise. Apart from the event schemas
 * (events.ts builds over a hundred zod schemas at load) so the event bus, which every
 * command that opens the data directory loads, does not pay for them.
 */
export const defaultSeverity: Record<EventType, Severity> = {
  'user.activated': 'info',
  'user.deactivated': 'warning',
  'wallet.funded': 'info',
  'wallet.deposit': 'info',
  'wallet.external_withdrawal': 'warning',
  'ledger.mismatch': 'critical',
  'ledger.acknowledged': 'warning',
  'withdrawal.sent': 'info',
  'withdrawal.failed': 'warning',
  'whitelist.changed': 'warning',
  'rpc.degraded': 'warning',
  'order.rejected': 'info',
  'order.failed': 'warning',
  'trade.executed': 'info',
  'position.closed': 'info',
  'breaker.tripped': 'critical',
  'exit.stuck': 'critical',
  'breaker.globalTripped': 'critical',
  'breaker.globalReset': 'info',
  'controls.changed': 'warning',
  'strategy.error': 'warning',
  'strategy.entrySkipped': 'info',
  'feed.stale': 'warning',
  'feed.recovered': 'info',
  'price.disagreement': 'warning',
  'price.stale': 'warning',
  'price.restored': 'info',
  'order.priceRefused': 'warning',
  'risk.dailyLossHit': 'warning',
  'risk.drawdownPaused': 'critical',
  'copy.trade': 'info',
  'candles.seedFailed': 'warning',
  'triggerOrder.placed': 'info',
  'triggerOrder.filled': 'info',
  'triggerOrder.cancelled': 'info',
  'triggerOrder.expired': 'info',
  'triggerOrder.failed': 'warning',
  'position.exitsChanged': 'info',
};
