import type { Address, Signature } from '@solana/kit';
import { describe, expect, it } from 'vitest';
import type { TokenBalanceEntry, TransactionDetails } from '../../../engine/chain';
import { walletEffect } from '../../../engine/funds/flows';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../../engine/market';

const PYUSD = tokenBySymbol('PYUSD')!; // Token-2022
const USDC = tokenBySymbol('USDC')!;
const WALLET = 'Wa11et1111111111111111111111111111111111111' as Address;
const OTHER = 'Other11111111111111111111111111111111111111' as Address;

const tb = (accountIndex: number, mint: string, owner: Address, amount: bigint): TokenBalanceEntry => ({
  accountIndex,
  account: null,
  mint: mint as Address,
  owner,
  programId: null,
  amount,
  decimals: 6,
});

function tx(p: {
  keys: Address[];
  pre: bigint[];
  post: bigint[];
  preTokens?: TokenBalanceEntry[];
  postTokens?: TokenBalanceEntry[];
  fee?: bigint;
  err?: unknown;
}): TransactionDetails {
  return {
    signature: 'sig' as Signature,
    slot: 1n,
    blockTime: 1n,
    version: 0,
    accountKeys: p.keys,
    meta: {
      err: (p.err ?? null) as never,
      fee: p.fee ?? 5_000n,
      preBalances: p.pre,
      postBalances: p.post,
      preTokenBalances: p.preTokens ?? [],
      postTokenBalances: p.postTokens ?? [],
      logMessages: [],
      computeUnitsConsumed: null,
    },
  };
}

describe('walletEffect', () => {
  it('an incoming Token-2022 transfer whose sender created the account: only the token moves, no rent is ours', () => {
    const e = walletEffect(
      tx({
        keys: [OTHER, 'Src1' as Address, 'Ata1' as Address, WALLET],
        pre: [10_000_000n, 2_039_280n, 0n, 1_000n],
        post: [7_955_720n, 2_039_280n, 2_039_280n, 1_000n],
        preTokens: [tb(1, PYUSD.mint, OTHER, 50n)],
        postTokens: [tb(1, PYUSD.mint, OTHER, 20n), tb(2, PYUSD.mint, WALLET, 30n)],
      }),
      WALLET,
    );
    expect([...e.deltas]).toEqual([[PYUSD.mint, 30n]]);
    expect(e).toMatchObject({ fee: 0n, rent: 0n, rentOut: 0n, failed: false });
  });

  it('as fee payer: fee, rent into its own new account, rent for a recipient, wrapped SOL counted as SOL', () => {
    const e = walletEffect(
      tx({
        keys: [WALLET, 'Wsol' as Address, 'Ata1' as Address, 'Dest' as Address],
        pre: [5_000_000_000n, 0n, 0n, 0n],
        post: [
          5_000_000_000n - 5_000n - 2_039_280n - 1_000_000n - 2_039_280n - 2_039_280n,
          2_039_280n + 1_000_000n,
          2_039_280n,
          2_039_280n,
        ],
        postTokens: [
          tb(1, WRAPPED_SOL_MINT, WALLET, 1_000_000n),
          tb(2, USDC.mint, WALLET, 0n),
          tb(3, USDC.mint, OTHER, 0n),
        ],
      }),
      WALLET,
    );
    // SOL as balances measure it: lamports + wrapped; the rent left the measured balance.
    expect(e.deltas.get('SOL')).toBe(-5_000n - 2_039_280n * 3n);
    expect(e).toMatchObject({ fee: 5_000n, rent: 2_039_280n * 2n, rentOut: 2_039_280n });
  });

  it('a failed transaction it paid for costs only the fee', () => {
    const e = walletEffect(
      tx({ keys: [WALLET], pre: [1_000_000n], post: [995_000n], err: { InstructionError: [0, 'Custom'] } }),
      WALLET,
    );
    expect([...e.deltas]).toEqual([['SOL', -5_000n]]);
    expect(e.failed).toBe(true);
  });
});
