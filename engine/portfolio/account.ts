/**
 * Accounts (issue #9, item 3). A user has two accounts per network: the
 * on-chain wallet (live) and the paper account (a virtual book with its own
 * starting capital). Each keeps its own figures: equity snapshots, cash
 * flows and risk state are stored under the account's key, so switching
 * paper ↔ live keeps both histories and never mixes them.
 *
 * The live account's key is the network name itself, so cash flows found on
 * the chain (recorded with the network) are the wallet's flows, as before.
 */
import type { PositionRow, TradeRow } from '../store';

export type AccountMode = 'paper' | 'live';

/** The key an account's snapshots, flows and risk state are stored under. */
export const accountKey = (network: string, mode: AccountMode): string =>
  mode === 'paper' ? `${network}:paper` : network;

/** How UI and CLI name an account, so paper and on-chain balances are never confused. */
export const accountLabel = (mode: AccountMode): string => (mode === 'paper' ? 'Paper account' : 'On-chain wallet');

/** A trade belongs to the paper account when it was filled by the paper venue. */
export const tradeMode = (t: Pick<TradeRow, 'venue'>): AccountMode => (t.venue === 'paper' ? 'paper' : 'live');

/** The trades (by venue) and positions (by their account) of one account on one network. */
export function accountRows(
  trades: readonly TradeRow[],
  positions: readonly PositionRow[],
  network: string,
  mode: AccountMode,
): { trades: TradeRow[]; positions: PositionRow[] } {
  const onNet = trades.filter((t) => t.network === network);
  return {
    trades: onNet.filter((t) => tradeMode(t) === mode),
    positions: positions.filter((p) => p.network === network && p.account === mode),
  };
}
