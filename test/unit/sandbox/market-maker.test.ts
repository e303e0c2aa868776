import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { SandboxFaucet } from '../../../engine/sandbox/faucet';
import { SandboxLedger } from '../../../engine/sandbox/ledger';
import {
  DEFAULT_INVENTORY,
  MarketError,
  MM_LABEL,
  priceSwap,
  SandboxMarketMaker,
  toRational,
  type QuoteResponse,
} from '../../../engine/sandbox/market-maker';
import { PlayKey } from '../../../engine/sandbox/play-keys';
import { PriceReplay } from '../../../engine/sandbox/price-replay';
import {
  NATIVE_MINT,
  PYUSD_MINT,
  SANDBOX_TOKENS,
  tokenBySymbol,
  USDC_MINT,
  WBTC_MINT,
  WETH_MINT,
} from '../../../engine/sandbox/tokens';

const fixture = (name: string) =>
  (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as { body: Record<string, unknown> })
    .body;

/** Keys of an object and, recursively, of its first array element / nested objects. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  }
  return typeof v;
}

describe('market maker pricing model', () => {
  it('toRational is exact to 16 significant digits', () => {
    expect(toRational(1.5)).toEqual([1500000000000000n, 1000000000000000n]);
    expect(toRational(30000)).toEqual([3000000000000000n, 100000000000n]);
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1e9, noNaN: true }), (x) => {
        const [n, d] = toRational(x);
        expect(Math.abs(Number(n) / Number(d) - x) / x).toBeLessThan(1e-15);
      }),
    );
  });

  it('output per input unit never increases with size; fee and impact never decrease (property)', () => {
    const tokens = fc.constantFrom(...SANDBOX_TOKENS);
    fc.assert(
      fc.property(
        tokens,
        tokens,
        fc.double({ min: 0.01, max: 100_000, noNaN: true }),
        fc.double({ min: 0.01, max: 100_000, noNaN: true }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.integer({ min: 0, max: 300 }),
        (input, output, pIn, pOut, x, y, feeBps) => {
          const [a, b] = x <= y ? [x, y] : [y, x];
          const model = { feeBps, depthUsd: 5_000_000 };
          const qa = priceSwap(input, output, a, { input: pIn, output: pOut }, model);
          const qb = priceSwap(input, output, b, { input: pIn, output: pOut }, model);
          // out(b)/b <= out(a)/a, up to the one base unit out(a) lost to rounding down.
          expect(qb.outAmount * a < (qa.outAmount + 1n) * b).toBe(true);
          expect(qb.feeAmount >= qa.feeAmount).toBe(true);
          expect(qb.impact >= qa.impact).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('charges the fee on the input and converts at the price ratio and decimals', () => {
    const sol = tokenBySymbol('SOL')!;
    const usdc = tokenBySymbol('USDC')!;
    // Tiny size: no impact. 1 SOL at $150 less 25 bps = 149.625 USDC.
    const q = priceSwap(sol, usdc, 1_000_000_000n, { input: 150, output: 1 }, { feeBps: 25, depthUsd: 1e15 });
    expect(q.outAmount).toBe(149_625_000n);
    expect(q.feeAmount).toBe(2_500_000n);
    // $1M into $1M depth: half the output is lost to impact.
    const big = priceSwap(usdc, sol, 1_000_000_000_000n, { input: 1, output: 100 }, { feeBps: 0, depthUsd: 1_000_000 });
    expect(big.impact).toBe(0.5);
    expect(big.outAmount).toBe(5_000_000_000_000n);
  });
});

describe('market maker quotes', () => {
  let ledger: SandboxLedger;
  let replay: PriceReplay;
  let mm: SandboxMarketMaker;

  beforeAll(async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    ledger = SandboxLedger.open({ dir: null, clock });
    replay = PriceReplay.open({ ledger, clock, startAt: Date.UTC(2021, 1, 1), speed: 0 });
    mm = await SandboxMarketMaker.open({ ledger, replay, faucet: new SandboxFaucet(ledger) });
  });
  afterAll(() => {
    mm.close();
    ledger.close();
  });

  it('holds the genesis inventory', () => {
    const inv = mm.inventory();
    expect(BigInt(inv[USDC_MINT]!)).toBe(DEFAULT_INVENTORY['USDC']! * 10n ** 6n);
    expect(BigInt(inv[WETH_MINT]!)).toBe(DEFAULT_INVENTORY['wETH']! * 10n ** 8n);
    expect(BigInt(inv[WBTC_MINT]!)).toBe(DEFAULT_INVENTORY['wBTC']! * 10n ** 8n);
    expect(BigInt(inv[PYUSD_MINT]!)).toBe(DEFAULT_INVENTORY['PYUSD']! * 10n ** 6n);
    // SOL: all of it above the 10 SOL fee/rent reserve, less the genesis fees and rent.
    const sol = BigInt(inv[NATIVE_MINT]!);
    expect(sol).toBeLessThanOrEqual(DEFAULT_INVENTORY['SOL']! * 10n ** 9n);
    expect(sol).toBeGreaterThan(DEFAULT_INVENTORY['SOL']! * 10n ** 9n - 100_000_000n);
  });

  it("returns Jupiter's quote shape (the keys of the published quote with swapInfo fees)", () => {
    const q = mm.quote({ inputMint: NATIVE_MINT, outputMint: USDC_MINT, amount: 100_000_000n, slippageBps: 50 });
    expect(shape(q)).toEqual(shape(fixture('quote-v1-sol-usdc.docs-2024.json')));
    expect(q.platformFee).toBeNull();
    expect(q.routePlan[0]!.swapInfo.label).toBe(MM_LABEL);
    expect(q.routePlan[0]!.swapInfo.ammKey).toBe(mm.authority.address);
    expect(q.routePlan[0]!.percent).toBe(100);
    expect(q.routePlan[0]!.swapInfo.feeMint).toBe(NATIVE_MINT);
    expect(q.routePlan[0]!.swapInfo.feeAmount).toBe('250000');
    expect(q.otherAmountThreshold).toBe(((BigInt(q.outAmount) * 9950n) / 10000n).toString());
    expect(q.contextSlot).toBe(Number(ledger.currentSlot()));
    // The captured real response has the same core keys too.
    const captured = fixture('quote-v1-sol-usdc.captured-2025-02.json');
    for (const k of Object.keys(q)) expect(captured).toHaveProperty(k);
  });

  it('quotes at the replay price', () => {
    const price = replay.price(NATIVE_MINT)!;
    const q = mm.quote({ inputMint: NATIVE_MINT, outputMint: USDC_MINT, amount: 1_000_000_000n, slippageBps: 50 });
    const ideal = price * 1e6 * (1 - 0.0025);
    expect(Number(q.outAmount)).toBeLessThanOrEqual(Math.ceil(ideal));
    expect(Number(q.outAmount)).toBeGreaterThan(ideal * 0.999);
  });

  it('fee and price impact grow with size; output per unit shrinks (property over real quotes)', () => {
    const pairs: [string, string, bigint][] = [
      [NATIVE_MINT, USDC_MINT, 10n ** 9n],
      [USDC_MINT, NATIVE_MINT, 10n ** 6n],
      [USDC_MINT, WBTC_MINT, 10n ** 6n],
      [PYUSD_MINT, WETH_MINT, 10n ** 6n],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...pairs),
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 1, max: 2_000 }),
        ([input, output, unit], x, y) => {
          const [a, b] = x <= y ? [BigInt(x) * unit, BigInt(y) * unit] : [BigInt(y) * unit, BigInt(x) * unit];
          const qa = mm.quote({ inputMint: input, outputMint: output, amount: a, slippageBps: 100 });
          const qb = mm.quote({ inputMint: input, outputMint: output, amount: b, slippageBps: 100 });
          expect(BigInt(qb.outAmount) * a < (BigInt(qa.outAmount) + 1n) * b).toBe(true);
          expect(BigInt(qb.routePlan[0]!.swapInfo.feeAmount)).toBeGreaterThanOrEqual(
            BigInt(qa.routePlan[0]!.swapInfo.feeAmount),
          );
          expect(Number(qb.priceImpactPct)).toBeGreaterThanOrEqual(Number(qa.priceImpactPct));
        },
      ),
      { numRuns: 100 },
    );
    const small = mm.quote({ inputMint: USDC_MINT, outputMint: NATIVE_MINT, amount: 10n ** 6n, slippageBps: 50 });
    const large = mm.quote({ inputMint: USDC_MINT, outputMint: NATIVE_MINT, amount: 10n ** 11n, slippageBps: 50 });
    expect(Number(large.priceImpactPct)).toBeGreaterThan(Number(small.priceImpactPct) * 1000);
  });

  it('refuses like Jupiter: unknown mints, circular swaps, sizes beyond inventory, ExactOut', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(MarketError);
        return (e as MarketError).toJSON();
      }
      throw new Error('expected a MarketError');
    };
    const unknown = PlayKey.generate().address;
    expect(err(() => mm.quote({ inputMint: unknown, outputMint: USDC_MINT, amount: 1n, slippageBps: 50 }))).toEqual({
      error: `The token ${unknown} is not tradable`,
      errorCode: 'TOKEN_NOT_TRADABLE',
    });
    expect(
      err(() => mm.quote({ inputMint: USDC_MINT, outputMint: USDC_MINT, amount: 1n, slippageBps: 50 })).errorCode,
    ).toBe('CIRCULAR_ARBITRAGE_IS_DISABLED');
    // More SOL than the MM holds (1M USDC buys ~220k SOL at $4.26; the MM has 50k).
    expect(
      err(() =>
        mm.quote({ inputMint: USDC_MINT, outputMint: NATIVE_MINT, amount: 1_000_000n * 10n ** 6n, slippageBps: 50 }),
      ),
    ).toEqual({ error: 'Could not find any route', errorCode: 'COULD_NOT_FIND_ANY_ROUTE' });
    // Too small to give anything.
    expect(
      err(() => mm.quote({ inputMint: USDC_MINT, outputMint: WBTC_MINT, amount: 1n, slippageBps: 50 })).errorCode,
    ).toBe('COULD_NOT_FIND_ANY_ROUTE');
    expect(
      err(() =>
        mm.quote({ inputMint: NATIVE_MINT, outputMint: USDC_MINT, amount: 1n, slippageBps: 50, swapMode: 'ExactOut' }),
      ).errorCode,
    ).toBe('COULD_NOT_FIND_ANY_ROUTE');
  });

  it('builds swaps only for quotes it issued, unchanged', async () => {
    const user = PlayKey.generate().address;
    const q = mm.quote({ inputMint: NATIVE_MINT, outputMint: USDC_MINT, amount: 10n ** 9n, slippageBps: 50 });
    const tampered: QuoteResponse = { ...q, outAmount: (BigInt(q.outAmount) * 2n).toString() };
    await expect(mm.buildSwap({ quoteResponse: tampered, userPublicKey: user })).rejects.toMatchObject({
      errorCode: 'INVALID_QUOTE',
    });
    await expect(
      mm.buildSwap({
        quoteResponse: { ...q, otherAmountThreshold: (BigInt(q.outAmount) + 1n).toString() },
        userPublicKey: user,
      }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_QUOTE' });
    await expect(mm.buildSwap({ quoteResponse: q, userPublicKey: 'not-a-key' })).rejects.toMatchObject({
      errorCode: 'INVALID_USER_PUBLIC_KEY',
    });
    const before = BigInt(mm.inventory()[USDC_MINT]!);
    const swap = await mm.buildSwap({ quoteResponse: q, userPublicKey: user });
    expect(typeof swap.swapTransaction).toBe('string');
    // The output now sits in the quote's escrow, out of inventory.
    expect(BigInt(mm.inventory()[USDC_MINT]!)).toBe(before - BigInt(q.outAmount));
    expect(mm.openEscrows().map((e) => e.outAmount)).toContain(q.outAmount);
  });
});
