import type { TransactionDetails } from '../../chain';
import { WRAPPED_SOL_MINT } from '../../market';

/** The asset key for SOL: native lamports and wrapped SOL together, as trades and balance reads count them. */
export const SOL_ASSET = 'SOL';

export interface WalletEffect {
  /** Asset -> change in base units as the balance reads measure the wallet (lamports + wrapped SOL; token amounts). */
  deltas: Map<string, bigint>;
  /** The network fee, when the wallet paid it (it is the fee payer). */
  fee: bigint;
  /**
   * Lamports the wallet (as fee payer) put into its own token accounts this transaction created, beyond
   * wrapped amounts (rent deposits; negative when a closed account refunded rent). Counted as trades count it.
   */
  rent: bigint;
  /** The same for token accounts it created for others (a recipient's account on a withdrawal). */
  rentOut: bigint;
  failed: boolean;
}

/**
 * What one transaction did to one wallet, from its pre/post balances: SOL
 * from meta.pre/postBalances at the wallet's index plus wrapped SOL, tokens
 * from pre/postTokenBalances whose owner is the wallet (SPL Token and
 * Token-2022 alike). Zero deltas are left out.
 */
export function walletEffect(tx: TransactionDetails, wallet: string): WalletEffect {
  const meta = tx.meta;
  const deltas = new Map<string, bigint>();
  if (!meta) return { deltas, fee: 0n, rent: 0n, rentOut: 0n, failed: false };
  const add = (k: string, v: bigint): void => {
    if (v !== 0n) deltas.set(k, (deltas.get(k) ?? 0n) + v);
  };
  const wi = tx.accountKeys.indexOf(wallet as never);
  if (wi >= 0) add(SOL_ASSET, (meta.postBalances[wi] ?? 0n) - (meta.preBalances[wi] ?? 0n));
  const payer = tx.accountKeys[0] === wallet;

  const pre = new Map(meta.preTokenBalances.map((b) => [b.accountIndex, b]));
  const post = new Map(meta.postTokenBalances.map((b) => [b.accountIndex, b]));
  let rent = 0n;
  let rentOut = 0n;
  for (const idx of new Set([...pre.keys(), ...post.keys()])) {
    const a = pre.get(idx);
    const b = post.get(idx);
    const mint = (b ?? a)!.mint;
    const owner = (b ?? a)!.owner;
    const amountDelta = (b?.amount ?? 0n) - (a?.amount ?? 0n);
    if (owner === wallet) add(mint === WRAPPED_SOL_MINT ? SOL_ASSET : mint, amountDelta);
    // Rent: the lamports a token account gained or gave back when it was created or closed, beyond
    // the wrapped amount. Only when the wallet paid the transaction is it the wallet's money.
    if (payer && (!a || !b)) {
      const lamports = (meta.postBalances[idx] ?? 0n) - (meta.preBalances[idx] ?? 0n);
      const r = lamports - (mint === WRAPPED_SOL_MINT ? amountDelta : 0n);
      if (owner === wallet) rent += r;
      else rentOut += r;
    }
  }
  for (const [k, v] of deltas) if (v === 0n) deltas.delete(k);
  return { deltas, fee: payer ? meta.fee : 0n, rent, rentOut, failed: meta.err !== null };
}
