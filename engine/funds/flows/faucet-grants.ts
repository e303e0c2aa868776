import type { Store } from '../../store';
import { SOL_ASSET } from './effect';

/**
 * Journals what a faucet gave, by signature, so the flow scanner knows these
 * transactions as Harvest's own. A faucet answers with the SOL airdrop's
 * signature first (when SOL was asked for), then one per token, in order.
 */
export function recordFaucetGrants(
  store: Store,
  userId: number,
  network: string,
  lamports: bigint,
  tokens: readonly { mint: string; amount: bigint }[],
  signatures: readonly string[],
  at: string,
): void {
  const grants: { mint: string; amount: bigint }[] = [
    ...(lamports > 0n ? [{ mint: SOL_ASSET, amount: lamports }] : []),
    ...tokens,
  ];
  if (signatures.length !== grants.length)
    throw new Error(`the faucet answered ${signatures.length} signature(s) for ${grants.length} grant(s)`);
  store.tx(() => {
    grants.forEach((g, i) =>
      store.flows.insertGrant({
        userId,
        network,
        mint: g.mint,
        amount: g.amount,
        signature: signatures[i]!,
        createdAt: at,
      }),
    );
  });
}
