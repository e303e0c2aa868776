import { isJitoTipAccount, type TransactionDetails } from '../chain';
import { HarvestError } from '../kernel/errors';
import { WRAPPED_SOL_MINT } from '../market';

export interface ActualFill {
  inAmount: bigint;
  outAmount: bigint;
  feeLamports: bigint;
}

/**
 * What a confirmed swap really did to the wallet, from the transaction's own
 * balance changes. SOL is counted as native lamports plus wrapped SOL, with
 * the network fee and any token-account rent the wallet deposited set apart
 * (rent is a refundable deposit, not a cost of the trade). A Jito tip (what
 * the transaction paid into Jito's tip accounts) is a fee too: it is added to
 * feeLamports and kept out of the traded amounts, like the priority fee that
 * meta.fee already holds.
 */
export function fillFromTransaction(
  tx: TransactionDetails,
  wallet: string,
  inputMint: string,
  outputMint: string,
): ActualFill {
  const meta = tx.meta;
  if (!meta) throw new HarvestError('INTERNAL', `Transaction ${tx.signature} has no metadata to read the fill from.`);
  if (meta.err) throw new HarvestError('INTERNAL', `Transaction ${tx.signature} failed on chain; it has no fill.`);
  const wi = tx.accountKeys.indexOf(wallet as never);
  if (wi < 0) throw new HarvestError('INTERNAL', `Transaction ${tx.signature} does not involve the wallet ${wallet}.`);
  const solDelta = meta.postBalances[wi]! - meta.preBalances[wi]!;

  const tokenDelta = new Map<string, bigint>();
  const preByIndex = new Map(meta.preTokenBalances.map((b) => [b.accountIndex, b]));
  let rentDeposited = 0n;
  for (const post of meta.postTokenBalances) {
    if (post.owner !== wallet) continue;
    const pre = preByIndex.get(post.accountIndex);
    tokenDelta.set(post.mint, (tokenDelta.get(post.mint) ?? 0n) + post.amount - (pre?.amount ?? 0n));
    if (!pre) {
      // A token account created for the wallet in this transaction: the lamports it gained beyond the wrapped
      // amount are rent. (Its address may have held lamports already, e.g. sent there by anyone before the
      // account was created; only what it gained in this transaction came from the wallet.)
      const gained = (meta.postBalances[post.accountIndex] ?? 0n) - (meta.preBalances[post.accountIndex] ?? 0n);
      rentDeposited += gained - (post.mint === WRAPPED_SOL_MINT ? post.amount : 0n);
    }
  }
  for (const pre of meta.preTokenBalances) {
    if (pre.owner !== wallet) continue;
    if (meta.postTokenBalances.some((p) => p.accountIndex === pre.accountIndex)) continue;
    // A token account of the wallet closed by the transaction (e.g. the temporary wSOL account).
    tokenDelta.set(pre.mint, (tokenDelta.get(pre.mint) ?? 0n) - pre.amount);
    const refunded = meta.preBalances[pre.accountIndex] ?? 0n;
    rentDeposited -= refunded - (pre.mint === WRAPPED_SOL_MINT ? pre.amount : 0n);
  }
  const tip = tipPaid(tx);
  const delta = (mint: string): bigint =>
    mint === WRAPPED_SOL_MINT
      ? solDelta + meta.fee + tip + rentDeposited + (tokenDelta.get(mint) ?? 0n)
      : (tokenDelta.get(mint) ?? 0n);
  const inAmount = -delta(inputMint);
  const outAmount = delta(outputMint);
  if (inAmount <= 0n || outAmount <= 0n) {
    throw new HarvestError(
      'INTERNAL',
      `Transaction ${tx.signature} does not look like a swap of ${inputMint} for ${outputMint} (in ${inAmount}, out ${outAmount}).`,
    );
  }
  return { inAmount, outAmount, feeLamports: meta.fee + tip };
}

/** Lamports the transaction paid into Jito's tip accounts. */
export function tipPaid(tx: TransactionDetails): bigint {
  const meta = tx.meta!;
  let tip = 0n;
  tx.accountKeys.forEach((key, i) => {
    if (!isJitoTipAccount(key)) return;
    const gained = (meta.postBalances[i] ?? 0n) - (meta.preBalances[i] ?? 0n);
    if (gained > 0n) tip += gained;
  });
  return tip;
}
