import type { Address, Signature } from '@solana/kit';
import { describe, expect, it } from 'vitest';
import type { TokenBalanceEntry, TransactionDetails } from '../../../engine/chain';
import { parseLeaderSwap } from '../../../engine/copy';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../../engine/market';

const LEADER = 'Leader1111111111111111111111111111111111111' as Address;
const POOL = 'Poo11111111111111111111111111111111111111111' as Address;
const USDC = tokenBySymbol('USDC')!.mint;
const WETH = tokenBySymbol('WETH')!.mint;

function bal(accountIndex: number, mint: string, owner: Address, amount: bigint): TokenBalanceEntry {
  return { accountIndex, account: null, mint: mint as Address, owner, programId: null, amount, decimals: 6 };
}

/** A transaction the leader paid for: lamports before/after, token balances before/after. */
function tx(
  lamports: [bigint, bigint],
  pre: TokenBalanceEntry[],
  post: TokenBalanceEntry[],
  fee = 5_000n,
  err: unknown = null,
): TransactionDetails {
  return {
    signature: 'sig' as Signature,
    slot: 10n,
    blockTime: 1_700_000_000n,
    version: 0,
    accountKeys: [LEADER, POOL, 'Ata1' as Address, 'Ata2' as Address, 'Ata3' as Address],
    meta: {
      err: err as never,
      fee,
      preBalances: [lamports[0], 0n, 2_039_280n, 2_039_280n, 2_039_280n],
      postBalances: [lamports[1], 0n, 2_039_280n, 2_039_280n, 2_039_280n],
      preTokenBalances: pre,
      postTokenBalances: post,
      logMessages: [],
      computeUnitsConsumed: null,
    },
  };
}

describe('parseLeaderSwap: what a leader traded, from balances alone', () => {
  it('USDC → WETH through any program is a buy of WETH; the fee is not part of it', () => {
    const s = parseLeaderSwap(
      tx(
        [1_000_000_000n, 999_995_000n],
        [bal(2, USDC, LEADER, 500_000_000n), bal(3, WETH, LEADER, 0n)],
        [bal(2, USDC, LEADER, 400_000_000n), bal(3, WETH, LEADER, 3_000_000n)],
      ),
      LEADER,
    )!;
    expect(s.spent).toEqual({ mint: USDC, amount: 100_000_000n });
    expect(s.received).toEqual({ mint: WETH, amount: 3_000_000n });
    expect(s.legs).toEqual([
      { side: 'buy', mint: WETH, amount: 3_000_000n, heldBefore: 0n, counter: { mint: USDC, amount: 100_000_000n } },
    ]);
  });

  it('SOL → WETH is a sell of SOL and a buy of WETH; what was held before is read for the share sold', () => {
    const s = parseLeaderSwap(
      tx([5_000_000_000n, 3_999_995_000n], [bal(3, WETH, LEADER, 0n)], [bal(3, WETH, LEADER, 7_000_000n)]),
      LEADER,
    )!;
    expect(s.legs.map((l) => [l.side, l.mint, l.amount])).toEqual([
      ['sell', WRAPPED_SOL_MINT, 1_000_000_000n],
      ['buy', WETH, 7_000_000n],
    ]);
    expect(s.legs[0]!.heldBefore).toBe(5_000_000_000n);
  });

  it('a token on both sides leaves a SOL tip out; a stable-to-stable swap has no leg to copy', () => {
    const tipped = parseLeaderSwap(
      tx(
        [1_000_000_000n, 998_000_000n],
        [bal(2, WETH, LEADER, 9_000_000n), bal(3, USDC, LEADER, 0n)],
        [bal(2, WETH, LEADER, 0n), bal(3, USDC, LEADER, 300_000_000n)],
      ),
      LEADER,
    )!;
    expect(tipped.legs).toEqual([
      {
        side: 'sell',
        mint: WETH,
        amount: 9_000_000n,
        heldBefore: 9_000_000n,
        counter: { mint: USDC, amount: 300_000_000n },
      },
    ]);
    const pyusd = tokenBySymbol('PYUSD')!.mint;
    const stable = parseLeaderSwap(
      tx(
        [1_000_000_000n, 999_995_000n],
        [bal(2, USDC, LEADER, 10n), bal(3, pyusd, LEADER, 0n)],
        [bal(2, USDC, LEADER, 0n), bal(3, pyusd, LEADER, 10n)],
      ),
      LEADER,
    )!;
    expect(stable.legs).toEqual([]);
  });

  it('a transfer, a failed transaction or several assets out are not swaps', () => {
    const transfer = tx([1_000_000_000n, 999_995_000n], [bal(2, USDC, LEADER, 10n)], [bal(2, USDC, LEADER, 0n)]);
    expect(parseLeaderSwap(transfer, LEADER)).toBeNull();
    const failed = tx(
      [1_000_000_000n, 999_995_000n],
      [bal(2, USDC, LEADER, 10n), bal(3, WETH, LEADER, 0n)],
      [bal(2, USDC, LEADER, 0n), bal(3, WETH, LEADER, 1n)],
      5_000n,
      { InstructionError: [0, 'Custom'] },
    );
    expect(parseLeaderSwap(failed, LEADER)).toBeNull();
    const many = tx(
      [1_000_000_000n, 999_995_000n],
      [bal(2, USDC, LEADER, 10n), bal(3, WETH, LEADER, 10n), bal(4, WRAPPED_SOL_MINT, POOL, 0n)],
      [bal(2, USDC, LEADER, 0n), bal(3, WETH, LEADER, 0n), bal(4, WRAPPED_SOL_MINT, POOL, 0n)],
    );
    expect(parseLeaderSwap(many, LEADER)).toBeNull();
    // Someone else's balances moving is nothing to the leader.
    const others = tx([1_000_000_000n, 1_000_000_000n], [bal(2, USDC, POOL, 10n)], [bal(2, USDC, POOL, 0n)], 0n);
    expect(parseLeaderSwap(others, LEADER)).toBeNull();
  });
});
