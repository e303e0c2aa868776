import { AccountRole, type Address, type Instruction } from '@solana/kit';
import type { MintFacts } from '../tokens/mint-layout';
import { TOKEN_2022_PROGRAM } from './token-programs';

/**
 * What a Token-2022 mint's extensions mean for the market maker's escrow: the
 * account size InitializeAccount3 needs (each mint extension brings its account
 * extension), the fee a transfer withholds, and the gross amount that delivers a
 * net amount after that fee. Pure, so the arithmetic is tested on its own.
 */

const BASE_ACCOUNT_SIZE = 165n;
/** spl-token-2022 ExtensionType numbers of the account-side extensions. */
const TRANSFER_FEE_AMOUNT = { type: 2, len: 8 };
const NON_TRANSFERABLE_ACCOUNT = { type: 13, len: 0 };
const TRANSFER_HOOK_ACCOUNT = { type: 15, len: 1 };
const PAUSABLE_ACCOUNT = { type: 27, len: 0 };

/** Bytes of a token account of this mint (165 for a mint without extensions). */
export function tokenAccountSize(facts: MintFacts | null): bigint {
  if (!facts) return BASE_ACCOUNT_SIZE;
  const ext = [
    facts.transferFeeBps !== null ? TRANSFER_FEE_AMOUNT : null,
    facts.nonTransferable ? NON_TRANSFERABLE_ACCOUNT : null,
    facts.transferHookProgram ? TRANSFER_HOOK_ACCOUNT : null,
    facts.pausable ? PAUSABLE_ACCOUNT : null,
  ].filter((e) => e !== null);
  if (ext.length === 0) return BASE_ACCOUNT_SIZE;
  // The account-type byte at offset 165, then type (u16) + length (u16) + value per extension.
  return BASE_ACCOUNT_SIZE + 1n + BigInt(ext.reduce((s, e) => s + 4 + e.len, 0));
}

/** The fee a transfer of `amount` withholds (spl-token-2022 TransferFee::calculate_fee: ceil, capped). */
export function transferFee(facts: MintFacts | null, amount: bigint): bigint {
  const bps = facts?.transferFeeBps ?? 0;
  if (bps === 0 || amount === 0n) return 0n;
  const raw = (amount * BigInt(bps) + 9_999n) / 10_000n;
  const max = facts?.transferFeeMax ?? raw;
  return raw < max ? raw : max;
}

/** What arrives when `amount` is sent. */
export function netOfFee(facts: MintFacts | null, amount: bigint): bigint {
  return amount - transferFee(facts, amount);
}

/** The smallest amount to send so that at least `net` arrives; null when no amount can (a 100 % fee). */
export function grossForNet(facts: MintFacts | null, net: bigint): bigint | null {
  const bps = BigInt(facts?.transferFeeBps ?? 0);
  if (bps === 0n || net === 0n) return net;
  if (bps >= 10_000n) return null;
  // What arrives never falls as the amount sent grows: binary search the smallest that delivers.
  let lo = net;
  let hi = (net * 10_000n) / (10_000n - bps) + 2n;
  while (lo < hi) {
    const mid = (lo + hi) / 2n;
    if (netOfFee(facts, mid) >= net) hi = mid;
    else lo = mid + 1n;
  }
  return lo;
}

/**
 * Token-2022 HarvestWithheldTokensToMint (TransferFeeExtension 26, sub-instruction 4, permissionless):
 * moves the fees withheld in `sources` to the mint, so those accounts can be closed.
 */
export function harvestWithheldInstruction(mint: Address, sources: Address[]): Instruction {
  return {
    programAddress: TOKEN_2022_PROGRAM,
    accounts: [
      { address: mint, role: AccountRole.WRITABLE },
      ...sources.map((address) => ({ address, role: AccountRole.WRITABLE })),
    ],
    data: new Uint8Array([26, 4]),
  };
}
