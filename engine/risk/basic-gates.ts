import type { Controls } from './controls';
import { isRiskReducing } from '../order';
import { tokenByMint, WRAPPED_SOL_MINT, formatUnits } from '../market';
import type { Store } from '../store';

import { userSettingsOf } from '../users/settings-cache';
import { solReserveLamports } from '../funds/reserves';
import { refuse, type RiskGate } from './gate';
import { usdValue } from './sizing';

/**
 * Halt stops everything. A pause (global, per user, a tripped breaker, the
 * drawdown limit) stops entries only: reducing risk is always allowed, so
 * sells, closes and exits pass every pause (issue #9, item 6).
 */
export function controlsGate(controls: Controls): RiskGate {
  return {
    check(order) {
      const g = controls.global();
      if (g.halted)
        return refuse(
          'HALTED',
          `Trading is halted${g.reason ? ` (${g.reason})` : ''}; nothing is signed until the operator resumes.`,
        );
      if (isRiskReducing(order)) return { ok: true };
      if (g.paused)
        return refuse(
          'PAUSED_GLOBAL',
          `Trading is paused for everyone${g.reason ? ` (${g.reason})` : ''}; sells, closes and exits still run.`,
        );
      const u = controls.user(order.userId);
      if (u.paused) {
        if (u.reason?.startsWith('breaker'))
          return refuse(
            'BREAKER_TRIPPED',
            `This user's breaker tripped (${u.reason}); no new entries until the operator resumes them. Sells, closes and exits still run.`,
          );
        if (u.reason?.startsWith('drawdown'))
          return refuse(
            'MAX_DRAWDOWN',
            `This user is paused by the drawdown limit (${u.reason}); the operator must resume them. Sells, closes and exits still run.`,
          );
        return refuse(
          'PAUSED_USER',
          `This user is paused${u.reason ? ` (${u.reason})` : ''}; no new entries until resumed. Sells, closes and exits still run.`,
        );
      }
      return { ok: true };
    },
  };
}

/** The largest entry a user allows, by USD notional; a sell only reduces risk, so it is never too large. */
export function orderSizeGate(store: Store): RiskGate {
  return {
    check(order, ctx) {
      if (isRiskReducing(order)) return { ok: true }; // every sell is risk-reducing
      const settings = userSettingsOf(store, order.userId);
      const token = tokenByMint(order.inputMint);
      const price = ctx.price(order.inputMint);
      if (!token || price === null)
        return refuse('STALE_PRICE', `No fresh price for ${order.inputMint}; no new entries until the feed recovers.`);
      const usd = usdValue(order.amount, token.decimals, price);
      if (usd > settings.maxOrderUsd) {
        return refuse(
          'ORDER_TOO_LARGE',
          `This order is worth about $${usd.toFixed(2)}, above this user's $${settings.maxOrderUsd} limit per order.`,
        );
      }
      return { ok: true };
    },
  };
}

/**
 * The wallet must hold what the order spends; SOL spending keeps the reserve
 * for fees and rent (and what open positions need to exit). A sell must not
 * exceed the position it sells from.
 */
export function balanceGate(store: Store, network: string): RiskGate {
  return {
    check(order, ctx) {
      if (order.amount <= 0n) return refuse('ORDER_TOO_SMALL', 'The amount must be more than zero.');
      // Positions of the account the user trades now (paper and live never mix).
      const mode = userSettingsOf(store, order.userId).mode;
      if (order.side === 'sell') {
        const pos = store.portfolio.openPosition(order.userId, network, order.inputMint, mode);
        if (!pos || pos.quantity === 0n)
          return refuse('NO_POSITION', 'There is no open position in this token to sell.');
        if (order.amount > pos.quantity) {
          const held = tokenByMint(order.inputMint);
          const units = (n: bigint): string =>
            held ? `${formatUnits(n, held.decimals)} ${held.symbol}` : `${formatUnits(n, 0)} units`;
          return refuse(
            'NO_POSITION',
            `The position holds ${units(pos.quantity)}; this sell asks for ${units(order.amount)}.`,
          );
        }
      }
      const token = tokenByMint(order.inputMint);
      const decimals = token?.decimals ?? 0;
      if (order.inputMint === WRAPPED_SOL_MINT) {
        const lamports = ctx.balances.get('SOL') ?? 0n;
        // A paper book pays no network fee or rent, so it keeps no SOL reserve (a paper SOL position can be sold whole).
        const keep = mode === 'live' ? solReserveLamports(store.risk.openCount(order.userId, network, mode)) : 0n;
        if (order.amount + keep > lamports) {
          return refuse(
            'SOL_RESERVE',
            `Spending ${formatUnits(order.amount, 9)} SOL would leave less than the ${formatUnits(keep, 9)} SOL the wallet keeps for fees and rent (it holds ${formatUnits(lamports, 9)}).`,
          );
        }
        return { ok: true };
      }
      const held = ctx.balances.get(order.inputMint) ?? 0n;
      if (order.amount > held) {
        return refuse(
          'INSUFFICIENT_BALANCE',
          `The wallet holds ${formatUnits(held, decimals)} ${token?.symbol ?? order.inputMint}; this order needs ${formatUnits(order.amount, decimals)}.`,
        );
      }
      return { ok: true };
    },
  };
}
