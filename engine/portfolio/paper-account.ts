/**
 * The paper account (issue #9, item 3): a virtual book with an explicit
 * starting capital, never mixed with the on-chain wallet. Opening it, resetting
 * it and topping it up are the paper account's cash flows, so its return,
 * PnL, high-water mark and daily loss are net of them like a wallet's.
 *
 * The book itself (store.paper) is one per user; its figures are stored
 * under the account key `<network>:paper` (account.ts).
 */
import { HarvestError } from '../kernel/errors';
import { parseUnits, tokenBySymbol } from '../market';
import type { Store } from '../store';
import type { PaperCapital } from '../users/settings';
import { accountKey, accountRows } from './account';
import { recordCashFlow, toMicroUsd, valueHoldings, type Holding, type PriceFn } from './performance';

/** A capital (symbol → decimal amount) as book holdings; SOL is held as the wrapped mint, as paper fills do. */
export function capitalHoldings(capital: PaperCapital): Holding[] {
  return Object.entries(capital).map(([symbol, amount]) => {
    const t = tokenBySymbol(symbol);
    if (!t) throw new HarvestError('INVALID_INPUT', `Unknown token "${symbol}" in the paper capital.`);
    return { mint: t.mint, amount: parseUnits(amount, t.decimals) };
  });
}

/**
 * A fresh ref for a paper flow: unique even for two flows in the same
 * millisecond (a manual or fast-forwarded clock), since a ref seen before
 * would be ignored as already recorded.
 */
function paperRef(store: Store, userId: number, network: string, what: string, nowMs: number): string {
  return `paper:${what}:${nowMs}:${store.risk.cashFlows(userId, accountKey(network, 'paper')).length + 1}`;
}

function bookHoldings(store: Store, userId: number): Holding[] {
  return [...store.paper.balances(userId)].map(([mint, amount]) => ({ mint, amount }));
}

function priced(holdings: readonly Holding[], price: PriceFn, what: string): bigint {
  const v = valueHoldings(holdings, price);
  if (v.missing.length > 0)
    throw new HarvestError(
      'REFUSED',
      `No fresh price for ${v.missing.join(', ')}, so ${what} cannot be valued; try again when the feed answers.`,
    );
  return toMicroUsd(v.usd);
}

/** Whether the user's paper book exists (it is opened once, then only trades, resets and top-ups move it). */
export const paperAccountOpen = (store: Store, userId: number): boolean => store.paper.balances(userId).size > 0;

/**
 * Opens the paper account with its starting capital if it is not open yet:
 * sets the book and records the capital as the account's opening deposit.
 * Returns false when it could not be valued (no price): nothing is written,
 * and the account stays closed (an order then finds no balance: fail closed).
 */
export function ensurePaperAccount(
  store: Store,
  userId: number,
  network: string,
  capital: PaperCapital,
  price: PriceFn,
  nowMs: number,
): boolean {
  if (paperAccountOpen(store, userId)) return true;
  const holdings = capitalHoldings(capital);
  const v = valueHoldings(holdings, price);
  if (v.missing.length > 0) return false;
  store.tx(() => {
    // Checked again inside the write: the account opens once, whoever gets here first.
    if (paperAccountOpen(store, userId)) return;
    for (const h of holdings) store.paper.set(userId, h.mint, h.amount);
    recordCashFlow(store, {
      userId,
      network: accountKey(network, 'paper'),
      kind: 'deposit',
      amountUsd: toMicroUsd(v.usd),
      nowMs,
      ref: paperRef(store, userId, network, 'open', nowMs),
    });
  });
  return true;
}

export interface PaperReset {
  withdrawnUsd: bigint;
  depositedUsd: bigint;
  book: Holding[];
}

/**
 * Resets the paper account to `capital`: everything in the book leaves as a
 * withdrawal (at current prices), the capital arrives as a deposit. Refused
 * while paper positions are open (their tokens are in the book; close them first).
 */
export function resetPaperAccount(
  store: Store,
  userId: number,
  network: string,
  capital: PaperCapital,
  price: PriceFn,
  nowMs: number,
): PaperReset {
  const open = openPositionsOf(store, userId, network, 'paper');
  if (open > 0)
    throw new HarvestError(
      'CONFLICT',
      `${open} paper position(s) are open; close them first (a reset would drop their tokens from the book).`,
    );
  const current = bookHoldings(store, userId);
  const withdrawn = priced(current, price, 'the paper book');
  const next = capitalHoldings(capital);
  const deposited = priced(next, price, 'the new capital');
  const key = accountKey(network, 'paper');
  store.tx(() => {
    for (const h of current) store.paper.set(userId, h.mint, 0n);
    for (const h of next) store.paper.set(userId, h.mint, h.amount);
    if (withdrawn > 0n)
      recordCashFlow(store, {
        userId,
        network: key,
        kind: 'withdrawal',
        amountUsd: withdrawn,
        nowMs,
        ref: paperRef(store, userId, network, 'reset-out', nowMs),
        equityBefore: withdrawn,
      });
    recordCashFlow(store, {
      userId,
      network: key,
      kind: 'deposit',
      amountUsd: deposited,
      nowMs,
      ref: paperRef(store, userId, network, 'reset-in', nowMs),
    });
  });
  return { withdrawnUsd: withdrawn, depositedUsd: deposited, book: bookHoldings(store, userId) };
}

/** Adds `amounts` to the paper book as a deposit into the paper account. */
export function topUpPaperAccount(
  store: Store,
  userId: number,
  network: string,
  amounts: PaperCapital,
  price: PriceFn,
  nowMs: number,
): { depositedUsd: bigint; book: Holding[] } {
  const add = capitalHoldings(amounts);
  const deposited = priced(add, price, 'the top-up');
  store.tx(() => {
    for (const h of add) store.paper.set(userId, h.mint, store.paper.balance(userId, h.mint) + h.amount);
    recordCashFlow(store, {
      userId,
      network: accountKey(network, 'paper'),
      kind: 'deposit',
      amountUsd: deposited,
      nowMs,
      ref: paperRef(store, userId, network, 'top-up', nowMs),
    });
  });
  return { depositedUsd: deposited, book: bookHoldings(store, userId) };
}

/** Open positions of an account on a network (for the mode switch's message). */
export function openPositionsOf(store: Store, userId: number, network: string, mode: 'paper' | 'live'): number {
  return accountRows(
    store.portfolio.trades(userId, { limit: 10_000_000 }),
    store.portfolio.positions(userId, { status: 'open', limit: 10_000 }),
    network,
    mode,
  ).positions.length;
}
