import type { RiskGate } from '../risk/gate';
import type { Store } from '../store';
import { buyPermission } from './registry';

/**
 * The entry gate of tokens added by mint: a buy of a refused token, or of a
 * warned one no operator acknowledged yet, goes no further. Sells always pass:
 * getting out of a token must never wait on its checks.
 */
export function tokenSafetyGate(store: Store): RiskGate {
  return {
    check(order) {
      if (order.side !== 'buy') return { ok: true };
      const p = buyPermission(store, order.outputMint);
      return p.ok ? p : { ok: false, code: 'TOKEN_UNSAFE', message: p.reason };
    },
  };
}
