/**
 * The paper venue's quote model (issue #4, item 2): fills at the feed price
 * less the fee and a size-dependent price impact. Bigger orders never get a
 * better rate; the fee is always taken; no price, no fill.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAPER_FEE_BPS, paperQuote, type PriceSource } from '../../../engine/execution';
import { tokenBySymbol } from '../../../engine/market';

const SOL = tokenBySymbol('SOL')!;
const USDC = tokenBySymbol('USDC')!;
const PYUSD = tokenBySymbol('PYUSD')!;
const WETH = tokenBySymbol('WETH')!;
const WBTC = tokenBySymbol('WBTC')!;

const book = (usd: Record<string, number>): PriceSource => ({ price: (mint) => usd[mint] ?? null });

describe('paperQuote', () => {
  it('takes the fee: between two $1 stablecoins (deep book) the output is the input less 25 bps, to within the tiny impact', () => {
    expect(PAPER_FEE_BPS).toBe(25);
    const prices = book({ [USDC.mint]: 1, [PYUSD.mint]: 1 });
    const q = paperQuote(USDC.mint, PYUSD.mint, 1_000_000_000n, prices)!; // 1000 USDC
    const afterFee = (1_000_000_000n * BigInt(10_000 - PAPER_FEE_BPS)) / 10_000n;
    expect(q.outAmount).toBeLessThanOrEqual(afterFee);
    expect(afterFee - q.outAmount).toBeLessThanOrEqual(2n); // impact of $1000 on a $1e12 book: ~1e-9
    expect(q.priceImpactBps).toBe(0);
  });

  it('fills at the feed price: 100 USDC of SOL at $150 is 0.6667 SOL less the fee and the impact', () => {
    const prices = book({ [USDC.mint]: 1, [SOL.mint]: 150 });
    const q = paperQuote(USDC.mint, SOL.mint, 100_000_000n, prices)!;
    // Independent arithmetic: depth = min(SOL 50M, USDC 1e12) = 50M; impact = 100 / (100 + 50M).
    const impact = 100 / (100 + 50_000_000);
    const expected = (100 / 150) * (1 - 0.0025) * (1 - impact) * 1e9;
    expect(Math.abs(Number(q.outAmount) - expected)).toBeLessThanOrEqual(2);
    expect(q.priceImpactBps).toBe(Math.round(impact * 10_000));
  });

  it('a large order pays a visible impact, in bps of the notional against the thinner side’s depth', () => {
    const prices = book({ [USDC.mint]: 1, [WETH.mint]: 3000 });
    // $3M against WETH's $30M depth: impact = 3 / 33 = 909 bps.
    const q = paperQuote(USDC.mint, WETH.mint, 3_000_000_000_000n, prices)!;
    expect(q.priceImpactBps).toBe(909);
    const expected = 1000 * (1 - 0.0025) * (1 - 3 / 33) * 1e8;
    expect(Math.abs(Number(q.outAmount) - expected) / expected).toBeLessThan(1e-9);
  });

  it('is monotone in size: more input never gives less output, nor a better rate, nor less impact (property)', () => {
    const pairs = fc.constantFrom([USDC, SOL], [SOL, USDC], [USDC, WETH], [WBTC, USDC], [WETH, SOL], [USDC, PYUSD]);
    const price = fc.double({ min: 0.01, max: 100_000, noNaN: true, noDefaultInfinity: true });
    const amount = fc.bigInt({ min: 1n, max: 10n ** 16n });
    fc.assert(
      fc.property(pairs, price, price, amount, amount, ([tin, tout], pin, pout, a, b) => {
        const prices = book({ [tin!.mint]: pin, [tout!.mint]: pout });
        const [small, large] = a <= b ? [a, b] : [b, a];
        const qs = paperQuote(tin!.mint, tout!.mint, small, prices)!;
        const ql = paperQuote(tin!.mint, tout!.mint, large, prices)!;
        expect(ql.outAmount).toBeGreaterThanOrEqual(qs.outAmount);
        // Rate: out/in never improves with size (cross-multiplied, exact; allow one unit of rounding per fill).
        expect(ql.outAmount * small).toBeLessThanOrEqual(qs.outAmount * large + large);
        expect(ql.priceImpactBps).toBeGreaterThanOrEqual(qs.priceImpactBps);
        // Never more than the fee-free value at the feed price.
        const ideal = (Number(large) / 10 ** tin!.decimals) * (pin / pout) * 10 ** tout!.decimals;
        expect(Number(ql.outAmount)).toBeLessThanOrEqual(ideal * (1 - PAPER_FEE_BPS / 10_000) * (1 + 1e-12) + 1);
      }),
      { numRuns: 500 },
    );
  });

  it('without a price for either side, or for a token Harvest does not know, there is no fill', () => {
    expect(paperQuote(USDC.mint, SOL.mint, 1_000_000n, book({ [USDC.mint]: 1 }))).toBeNull();
    expect(paperQuote(USDC.mint, SOL.mint, 1_000_000n, book({ [SOL.mint]: 150 }))).toBeNull();
    expect(paperQuote(USDC.mint, SOL.mint, 1_000_000n, book({ [USDC.mint]: 1, [SOL.mint]: 0 }))).toBeNull();
    const unknown = 'Unknown111111111111111111111111111111111111';
    expect(paperQuote(USDC.mint, unknown, 1_000_000n, book({ [USDC.mint]: 1, [unknown]: 1 }))).toBeNull();
  });
});
