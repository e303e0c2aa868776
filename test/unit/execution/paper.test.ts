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
    // The rate is computed in floating point (this is paper, nothing is signed), so equality holds to ~1e-15
    // relative; the model's impact saturates towards 100 % only for notionals far beyond any real order.
    const REL = 1e-12;
    fc.assert(
      fc.property(pairs, price, price, amount, amount, ([tin, tout], pin, pout, a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        fc.pre((Number(large) / 10 ** tin!.decimals) * pin <= 1e9); // up to $1bn of notional
        const prices = book({ [tin!.mint]: pin, [tout!.mint]: pout });
        const qs = paperQuote(tin!.mint, tout!.mint, small, prices)!;
        const ql = paperQuote(tin!.mint, tout!.mint, large, prices)!;
        const out = (q: { outAmount: bigint }): number => Number(q.outAmount);
        expect(out(ql)).toBeGreaterThanOrEqual(out(qs) * (1 - REL) - 1);
        // Rate: out/in never improves with size.
        expect(out(ql) / Number(large)).toBeLessThanOrEqual(
          (out(qs) + 1) / Number(small) + (out(qs) / Number(small)) * REL,
        );
        expect(ql.priceImpactBps).toBeGreaterThanOrEqual(qs.priceImpactBps);
        // Never more than the fee-free value at the feed price, less the fee.
        const ideal = (Number(large) / 10 ** tin!.decimals) * (pin / pout) * 10 ** tout!.decimals;
        expect(out(ql)).toBeLessThanOrEqual(ideal * (1 - PAPER_FEE_BPS / 10_000) * (1 + REL) + 1);
      }),
      { numRuns: 1000 },
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
