import type { Controls } from './controls';
import { isRiskReducing } from '../order';
import { tokenByMint, WRAPPED_SOL_MINT, formatUnits } from '../market';
import type { Store } from '../store';

import { userSettingsOf } from '../users/settings-cache';
import { solReserveLamports } from '../funds/reserves';
import { PASS, refuse, type RiskGate } from './gate';
import type { GateFacts } from './gate-facts';
import { usdValue } from './sizing';

/** How a refusal names the friend; without a store it still never shows an id. */
export type FriendName = (userId: number) => string;

/** "Pia's buy of WETH" / "Pia's sell of WETH": what was refused, by name and token. */
function orderOf(order: { side: string; inputMint: string; outputMint: string }, friend: string): string {
  const mint = order.side === 'buy' ? order.outputMint : order.inputMint;
  return `${friend}'s ${order.side} of ${symbolOf(mint)}`;
}

/**
 * Halt stops everything. A pause (global, per user, a tripped breaker, the
 * drawdown limit) stops entries only: reducing risk is always allowed, so
 * sells, closes and exits pass every pause (issue #9, item 6). Every refusal
 * names the friend, the token, and the command that lifts it (issue #17).
 */
export function controlsGate(controls: Controls, nameOf: FriendName = () => 'this friend'): RiskGate {
  return {
    check(order) {
      const g = controls.global();
      // The sentences are built only for a refusal: nearly every check passes.
      if (g.halted) {
        const what = orderOf(order, nameOf(order.userId));
        return refuse(
          'HALTED',
          `Trading is halted${g.reason ? ` (${g.reason})` : ''}, so ${what} was not signed; nothing is signed until the operator resumes everyone (harvest resume, or Resume in the app).`,
        );
      }
      if (isRiskReducing(order)) return PASS;
      if (g.paused) {
        const what = orderOf(order, nameOf(order.userId));
        return refuse(
          'PAUSED_GLOBAL',
          `Trading is paused for everyone${g.reason ? ` (${g.reason})` : ''}, so ${what} was refused; sells, closes and exits still run. The operator resumes everyone with harvest resume, or Resume in the app.`,
        );
      }
      const u = controls.user(order.userId);
      if (u.paused) {
        const friend = nameOf(order.userId);
        const what = orderOf(order, friend);
        const resume = `the operator resumes ${friend} with harvest resume ${friend.includes(' ') ? `"${friend}"` : friend}, or Resume on their tab`;
        if (u.reason?.startsWith('breaker'))
          return refuse(
            'BREAKER_TRIPPED',
            `${friend}'s breaker tripped (${u.reason}), so ${what} was refused; no new entries until ${resume}. Sells, closes and exits still run.`,
          );
        if (u.reason?.startsWith('drawdown'))
          return refuse(
            'MAX_DRAWDOWN',
            `${friend} is paused by the drawdown limit (${u.reason}), so ${what} was refused; no new entries until ${resume}. Sells, closes and exits still run.`,
          );
        return refuse(
          'PAUSED_USER',
          `${friend} is paused${u.reason ? ` (${u.reason})` : ''}, so ${what} was refused; no new entries until ${resume}. Sells, closes and exits still run.`,
        );
      }
      return PASS;
    },
  };
}

/** The friend-naming function a store gives the controls gate (from the gate's facts when it has them). */
export function friendNames(store: Store, facts?: GateFacts): FriendName {
  const read = (userId: number): string => store.users.byId(userId)?.name ?? 'this friend';
  if (!facts) return read;
  return (userId) => {
    const f = facts.friend(userId);
    return (f.name ??= store.users.byId(userId)?.name ?? null) ?? 'this friend';
  };
}

/**
 * The gates' readers of a friend's name and settings, made once per gate: a check hands these to the
 * facts instead of a closure of its own.
 */
interface Readers {
  name: FriendName;
  settings: (userId: number) => ReturnType<typeof userSettingsOf>;
}

function readersOf(store: Store, facts?: GateFacts): Readers {
  const settings = (userId: number): ReturnType<typeof userSettingsOf> => userSettingsOf(store, userId);
  return {
    name: friendNames(store, facts),
    settings: facts
      ? (userId) => {
          const f = facts.friend(userId);
          return (f.settings ??= userSettingsOf(store, userId));
        }
      : settings,
  };
}

/** Base units as the token's units: "24.106974 SOL" (an unknown mint, shortened, with raw units). */
function amountOf(amount: bigint, mint: string): string {
  const t = tokenByMint(mint);
  return t
    ? `${formatUnits(amount, t.decimals)} ${t.symbol}`
    : `${amount} raw units of ${mint.slice(0, 4)}…${mint.slice(-4)}`;
}

function symbolOf(mint: string): string {
  return tokenByMint(mint)?.symbol ?? `token ${mint.slice(0, 4)}…${mint.slice(-4)}`;
}

/** The largest entry a user allows, by USD notional; a sell only reduces risk, so it is never too large. */
export function orderSizeGate(store: Store, facts?: GateFacts): RiskGate {
  const read = readersOf(store, facts);
  return {
    check(order, ctx) {
      if (isRiskReducing(order)) return PASS; // every sell is risk-reducing
      const settings = read.settings(order.userId);
      const token = tokenByMint(order.inputMint);
      const price = ctx.price(order.inputMint);
      if (!token || price === null)
        return refuse(
          'STALE_PRICE',
          `No fresh price for ${symbolOf(order.inputMint)}, so ${read.name(order.userId)}'s order cannot be sized; no new entries until the price feed recovers. Try again in a minute.`,
        );
      const usd = usdValue(order.amount, token.decimals, price);
      if (usd > settings.maxOrderUsd) {
        return refuse(
          'ORDER_TOO_LARGE',
          `${read.name(order.userId)}'s order of ${amountOf(order.amount, order.inputMint)} is worth about $${usd.toFixed(2)}, above ${read.name(order.userId)}'s $${settings.maxOrderUsd} limit per order. Order at most $${settings.maxOrderUsd}, or raise the limit in ${read.name(order.userId)}'s risk settings.`,
        );
      }
      return PASS;
    },
  };
}

/**
 * The wallet must hold what the order spends; SOL spending keeps the reserve
 * for fees and rent (and what open positions need to exit). A sell must not
 * exceed the position it sells from.
 */
export function balanceGate(store: Store, network: string, facts?: GateFacts): RiskGate {
  const read = readersOf(store, facts);
  const liveOpenCount = (userId: number): number => {
    if (!facts) return store.risk.openCount(userId, network, 'live');
    const live = facts.friend(userId).live;
    if (live.openCount < 0) live.openCount = store.risk.openCount(userId, network, 'live');
    return live.openCount;
  };
  return {
    check(order, ctx) {
      if (order.amount <= 0n)
        return refuse(
          'ORDER_TOO_SMALL',
          `${read.name(order.userId)}'s order spends 0 ${symbolOf(order.inputMint)}: enter an amount above zero.`,
        );
      // Positions of the account the user trades now (paper and live never mix).
      const mode = read.settings(order.userId).mode;
      if (order.side === 'sell') {
        const pos = store.portfolio.openPosition(order.userId, network, order.inputMint, mode);
        if (!pos || pos.quantity === 0n)
          return refuse(
            'NO_POSITION',
            `${read.name(order.userId)} has no open ${symbolOf(order.inputMint)} position to sell (${mode} account). Check the open positions first.`,
          );
        if (order.amount > pos.quantity) {
          const held = amountOf(pos.quantity, order.inputMint);
          return refuse(
            'NO_POSITION',
            `${read.name(order.userId)}'s ${symbolOf(order.inputMint)} position holds ${held}; this sell asks for ${amountOf(order.amount, order.inputMint)}. Sell at most ${held}, or close the position.`,
          );
        }
      }
      if (order.inputMint === WRAPPED_SOL_MINT) {
        const lamports = ctx.balances.get('SOL') ?? 0n;
        // A paper book pays no network fee or rent, so it keeps no SOL reserve (a paper SOL position can be sold whole).
        const keep = mode === 'live' ? solReserveLamports(liveOpenCount(order.userId)) : 0n;
        if (order.amount + keep > lamports) {
          const most = lamports > keep ? lamports - keep : 0n;
          return refuse(
            'SOL_RESERVE',
            `Spending ${formatUnits(order.amount, 9)} SOL would leave ${read.name(order.userId)}'s wallet less than the ${formatUnits(keep, 9)} SOL it keeps for fees and rent (it holds ${formatUnits(lamports, 9)} SOL). Spend at most ${formatUnits(most, 9)} SOL, or deposit more SOL.`,
          );
        }
        return PASS;
      }
      const held = ctx.balances.get(order.inputMint) ?? 0n;
      if (order.amount > held) {
        return refuse(
          'INSUFFICIENT_BALANCE',
          `${read.name(order.userId)}'s wallet holds ${amountOf(held, order.inputMint)}; this order needs ${amountOf(order.amount, order.inputMint)}. Order at most ${amountOf(held, order.inputMint)}, or deposit more ${symbolOf(order.inputMint)}.`,
        );
      }
      return PASS;
    },
  };
}
