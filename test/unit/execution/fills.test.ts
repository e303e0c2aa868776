/**
 * fillFromTransaction (issue #4, item 1: "read the actual amounts from the
 * confirmed transaction's balance changes") on crafted transaction details
 * shaped like real swaps: SOL in and out (native lamports and wrapped SOL),
 * token accounts created for the wallet (rent is a deposit, not a cost), the
 * temporary wSOL account Jupiter creates and closes, and token → token.
 */
import type { Address, Signature } from '@solana/kit';
import { describe, expect, it } from 'vitest';
import type { TokenBalanceEntry, TransactionDetails } from '../../../engine/chain';
import { fillFromTransaction } from '../../../engine/execution';
import { HarvestError } from '../../../engine/kernel/errors';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../../engine/market';

const USDC = tokenBySymbol('USDC')!.mint;
const WETH = tokenBySymbol('WETH')!.mint;
const SOL = WRAPPED_SOL_MINT;
const WALLET = 'Wa11et1111111111111111111111111111111111111' as Address;
const MM = 'MarketMaker11111111111111111111111111111111' as Address;
const TOKEN_RENT = 2_039_280n;
const FEE = 15_000n;

/** An account in a crafted transaction: lamports before and after, and (for a token account) its token state. */
interface Acct {
  key: string;
  pre: bigint;
  post: bigint;
  token?: { mint: string; owner: string; pre: bigint | null; post: bigint | null };
}

function tx(accounts: Acct[], opts: { fee?: bigint; err?: unknown } = {}): TransactionDetails {
  const entry = (i: number, a: Acct, amount: bigint): TokenBalanceEntry => ({
    accountIndex: i,
    account: a.key as Address,
    mint: a.token!.mint as Address,
    owner: a.token!.owner as Address,
    programId: null,
    amount,
    decimals: 6,
  });
  return {
    signature: 'sig' as Signature,
    slot: 1n,
    blockTime: null,
    version: 0,
    accountKeys: accounts.map((a) => a.key as Address),
    meta: {
      err: (opts.err ?? null) as never,
      fee: opts.fee ?? FEE,
      preBalances: accounts.map((a) => a.pre),
      postBalances: accounts.map((a) => a.post),
      preTokenBalances: accounts.flatMap((a, i) => (a.token && a.token.pre !== null ? [entry(i, a, a.token.pre)] : [])),
      postTokenBalances: accounts.flatMap((a, i) =>
        a.token && a.token.post !== null ? [entry(i, a, a.token.post)] : [],
      ),
      logMessages: [],
      computeUnitsConsumed: null,
    },
  };
}

/** The market maker's side of a swap: big inventory accounts that move the opposite way (must be ignored). */
const mmToken = (key: string, mint: string, pre: bigint, post: bigint): Acct => ({
  key,
  pre: TOKEN_RENT,
  post: TOKEN_RENT,
  token: { mint, owner: MM, pre, post },
});

describe('fillFromTransaction', () => {
  it('SOL in (native lamports), USDC out into a token account the swap creates: rent and fee are not part of the input', () => {
    const inAmount = 2_000_000_000n;
    const out = 301_234_567n;
    const d = tx([
      { key: WALLET, pre: 10_000_000_000n, post: 10_000_000_000n - inAmount - FEE - TOKEN_RENT },
      { key: 'UsdcAta', pre: 0n, post: TOKEN_RENT, token: { mint: USDC, owner: WALLET, pre: null, post: out } },
      { key: MM, pre: 50n * 10n ** 9n, post: 50n * 10n ** 9n + inAmount },
      mmToken('MmUsdc', USDC, 10n ** 12n, 10n ** 12n - out),
    ]);
    expect(fillFromTransaction(d, WALLET, SOL, USDC)).toEqual({ inAmount, outAmount: out, feeLamports: FEE });
  });

  it('SOL in through a temporary wSOL account created and closed in the same transaction', () => {
    const inAmount = 1_500_000_000n;
    const out = 222_000_000n;
    // The temp account exists in neither the pre nor the post token balances; its lamports start and end at 0.
    const d = tx([
      { key: WALLET, pre: 5_000_000_000n, post: 5_000_000_000n - inAmount - FEE },
      { key: 'TempWsol', pre: 0n, post: 0n },
      {
        key: 'UsdcAta',
        pre: TOKEN_RENT,
        post: TOKEN_RENT,
        token: { mint: USDC, owner: WALLET, pre: 7n, post: 7n + out },
      },
      mmToken('MmWsol', SOL, 10n ** 12n, 10n ** 12n + inAmount),
      mmToken('MmUsdc', USDC, 10n ** 12n, 10n ** 12n - out),
    ]);
    expect(fillFromTransaction(d, WALLET, SOL, USDC)).toEqual({ inAmount, outAmount: out, feeLamports: FEE });
  });

  it('SOL in from a wSOL account that stays open (created with rent, wrapped amount partly spent)', () => {
    const wrapped = 3_000_000_000n;
    const inAmount = 1_000_000_000n;
    const out = 150_000_000n;
    // The wallet creates its wSOL ATA, wraps 3 SOL into it, the swap takes 1 SOL of it; 2 SOL stay wrapped.
    const d = tx([
      { key: WALLET, pre: 10_000_000_000n, post: 10_000_000_000n - wrapped - TOKEN_RENT - FEE },
      {
        key: 'WsolAta',
        pre: 0n,
        post: TOKEN_RENT + wrapped - inAmount,
        token: { mint: SOL, owner: WALLET, pre: null, post: wrapped - inAmount },
      },
      { key: 'UsdcAta', pre: TOKEN_RENT, post: TOKEN_RENT, token: { mint: USDC, owner: WALLET, pre: 0n, post: out } },
      mmToken('MmUsdc', USDC, 10n ** 12n, 10n ** 12n - out),
    ]);
    expect(fillFromTransaction(d, WALLET, SOL, USDC)).toEqual({ inAmount, outAmount: out, feeLamports: FEE });
  });

  it('SOL in, output account created at an address that already held lamports: only the rent the wallet added is set apart', () => {
    const inAmount = 1_000_000_000n;
    const out = 150_000_000n;
    const dust = 1_000_000n; // sent to the ATA address by someone before it existed; creating it tops it up to rent
    const d = tx([
      { key: WALLET, pre: 10_000_000_000n, post: 10_000_000_000n - inAmount - FEE - (TOKEN_RENT - dust) },
      { key: 'UsdcAta', pre: dust, post: TOKEN_RENT, token: { mint: USDC, owner: WALLET, pre: null, post: out } },
      mmToken('MmUsdc', USDC, 10n ** 12n, 10n ** 12n - out),
    ]);
    expect(fillFromTransaction(d, WALLET, SOL, USDC)).toEqual({ inAmount, outAmount: out, feeLamports: FEE });
  });

  it('USDC in, SOL out as native lamports', () => {
    const inAmount = 100_000_000n;
    const out = 654_321_000n;
    const d = tx([
      { key: WALLET, pre: 1_000_000_000n, post: 1_000_000_000n + out - FEE },
      {
        key: 'UsdcAta',
        pre: TOKEN_RENT,
        post: TOKEN_RENT,
        token: { mint: USDC, owner: WALLET, pre: 500_000_000n, post: 500_000_000n - inAmount },
      },
      { key: 'Escrow', pre: out + 890_880n, post: 890_880n },
      mmToken('MmUsdc', USDC, 10n ** 12n, 10n ** 12n + inAmount),
    ]);
    expect(fillFromTransaction(d, WALLET, USDC, SOL)).toEqual({ inAmount, outAmount: out, feeLamports: FEE });
  });

  it('USDC in, SOL out through the wallet’s wSOL account, unwrapped (closed) at the end: its rent comes back and is not output', () => {
    const inAmount = 100_000_000n;
    const out = 654_321_000n;
    const leftover = 5n; // wrapped SOL the account already held is unwrapped too: still the wallet's SOL, not output
    const d = tx([
      { key: WALLET, pre: 1_000_000_000n, post: 1_000_000_000n + out + leftover + TOKEN_RENT - FEE },
      {
        key: 'WsolAta',
        pre: TOKEN_RENT + leftover,
        post: 0n,
        token: { mint: SOL, owner: WALLET, pre: leftover, post: null },
      },
      {
        key: 'UsdcAta',
        pre: TOKEN_RENT,
        post: TOKEN_RENT,
        token: { mint: USDC, owner: WALLET, pre: inAmount, post: 0n },
      },
      mmToken('MmUsdc', USDC, 10n ** 12n, 10n ** 12n + inAmount),
      mmToken('MmWsol', SOL, 10n ** 12n, 10n ** 12n - out),
    ]);
    expect(fillFromTransaction(d, WALLET, USDC, SOL)).toEqual({ inAmount, outAmount: out, feeLamports: FEE });
  });

  it('token → token with the output token account created for the wallet (the rent does not leak into either amount)', () => {
    const inAmount = 250_000_000n;
    const out = 12_345_678n;
    const d = tx([
      { key: WALLET, pre: 1_000_000_000n, post: 1_000_000_000n - FEE - TOKEN_RENT },
      {
        key: 'UsdcAta',
        pre: TOKEN_RENT,
        post: TOKEN_RENT,
        token: { mint: USDC, owner: WALLET, pre: 1_000_000_000n, post: 1_000_000_000n - inAmount },
      },
      { key: 'WethAta', pre: 0n, post: TOKEN_RENT, token: { mint: WETH, owner: WALLET, pre: null, post: out } },
      mmToken('MmUsdc', USDC, 10n ** 12n, 10n ** 12n + inAmount),
      mmToken('MmWeth', WETH, 10n ** 12n, 10n ** 12n - out),
    ]);
    expect(fillFromTransaction(d, WALLET, USDC, WETH)).toEqual({ inAmount, outAmount: out, feeLamports: FEE });
  });

  it('counts every token account the wallet owns in that mint (not only the associated one)', () => {
    const d = tx([
      { key: WALLET, pre: 1_000_000_000n, post: 1_000_000_000n - FEE },
      { key: 'UsdcA', pre: TOKEN_RENT, post: TOKEN_RENT, token: { mint: USDC, owner: WALLET, pre: 100n, post: 40n } },
      { key: 'UsdcB', pre: TOKEN_RENT, post: TOKEN_RENT, token: { mint: USDC, owner: WALLET, pre: 100n, post: 90n } },
      { key: 'WethAta', pre: TOKEN_RENT, post: TOKEN_RENT, token: { mint: WETH, owner: WALLET, pre: 0n, post: 3n } },
    ]);
    expect(fillFromTransaction(d, WALLET, USDC, WETH)).toEqual({ inAmount: 70n, outAmount: 3n, feeLamports: FEE });
  });

  it('refuses to read a fill from a failed transaction, one without metadata, one without the wallet, or one that is not this swap', () => {
    const good = (): Acct[] => [
      { key: WALLET, pre: 1_000_000_000n, post: 1_000_000_000n - FEE },
      { key: 'UsdcAta', pre: TOKEN_RENT, post: TOKEN_RENT, token: { mint: USDC, owner: WALLET, pre: 100n, post: 0n } },
      { key: 'WethAta', pre: TOKEN_RENT, post: TOKEN_RENT, token: { mint: WETH, owner: WALLET, pre: 0n, post: 3n } },
    ];
    const expectInternal = (f: () => unknown, msg: RegExp): void => {
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(HarvestError);
      expect((caught as HarvestError).message).toMatch(msg);
    };
    expectInternal(
      () => fillFromTransaction(tx(good(), { err: { InstructionError: [1, { Custom: 1 }] } }), WALLET, USDC, WETH),
      /failed on chain/,
    );
    expectInternal(() => fillFromTransaction({ ...tx(good()), meta: null }, WALLET, USDC, WETH), /no metadata/);
    expectInternal(
      () => fillFromTransaction(tx(good()), 'Someone1111111111111111111111111111111111111', USDC, WETH),
      /does not involve the wallet/,
    );
    // Reading it as the reverse swap, or as a swap into a mint it did not touch: not a swap of those.
    expectInternal(() => fillFromTransaction(tx(good()), WALLET, WETH, USDC), /does not look like a swap/);
    expectInternal(() => fillFromTransaction(tx(good()), WALLET, USDC, SOL), /does not look like a swap/);
    // Another owner's token account moving the right way does not count as the wallet's output.
    const stranger = [
      { key: WALLET, pre: 1_000_000_000n, post: 1_000_000_000n - FEE },
      { key: 'UsdcAta', pre: TOKEN_RENT, post: TOKEN_RENT, token: { mint: USDC, owner: WALLET, pre: 100n, post: 0n } },
      mmToken('Elsewhere', WETH, 0n, 3n),
    ];
    expectInternal(() => fillFromTransaction(tx(stranger), WALLET, USDC, WETH), /does not look like a swap/);
  });
});
