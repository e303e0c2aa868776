/**
 * Position arithmetic (issue #4, item 6) as properties over arbitrary fill
 * sequences: exact bigint base units, no rounding dust on a full close, PnL
 * that always adds up, and exit levels (stop-loss, take-profit, trailing stop
 * whose high-water mark only rises).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyFill,
  averageEntryPrice,
  checkExit,
  EMPTY_POSITION,
  markValue,
  unrealizedPnl,
  type ExitLevels,
  type PositionState,
} from '../../../engine/portfolio';

/** One step of a scenario: a buy, or a sell of a fraction (in parts per million) of what the position holds. */
type Step =
  { kind: 'buy'; base: bigint; quote: bigint; fee: bigint } | { kind: 'sell'; ppm: bigint; quote: bigint; fee: bigint };

const units = fc.bigInt({ min: 1n, max: 10n ** 15n });
const fee = fc.bigInt({ min: 0n, max: 100_000n });
const buy = fc.record({
  kind: fc.constant('buy' as const),
  base: units,
  quote: fc.bigInt({ min: 0n, max: 10n ** 15n }),
  fee,
});
/** ppm in [1, 1_000_000): a partial sell (never the whole position). */
const partialSell = fc.record({
  kind: fc.constant('sell' as const),
  ppm: fc.bigInt({ min: 1n, max: 999_999n }),
  quote: fc.bigInt({ min: 0n, max: 10n ** 15n }),
  fee,
});
/** A scenario always starts with a buy; then buys and partial sells in any order. */
const scenario = fc
  .tuple(buy, fc.array(fc.oneof(buy, partialSell), { maxLength: 40 }))
  .map(([first, rest]) => [first, ...rest] as Step[]);

interface Totals {
  state: PositionState;
  cost: bigint;
  proceeds: bigint;
  realizedSum: bigint;
  boughtBase: bigint;
  soldBase: bigint;
  fees: bigint;
}

/** Applies the steps through applyFill, checking invariants after each, and returns what went in and out. */
function play(steps: readonly Step[]): Totals {
  let state: PositionState = EMPTY_POSITION;
  const t = { cost: 0n, proceeds: 0n, realizedSum: 0n, boughtBase: 0n, soldBase: 0n, fees: 0n };
  for (const s of steps) {
    if (s.kind === 'buy') {
      const r = applyFill(state, { side: 'buy', baseAmount: s.base, quoteAmount: s.quote, feeLamports: s.fee });
      expect(r.realized).toBe(0n);
      expect(r.closed).toBe(false);
      expect(r.appliedBase).toBe(s.base);
      t.cost += s.quote;
      t.boughtBase += s.base;
      t.fees += s.fee;
      state = r.state;
    } else {
      const base = (state.quantity * s.ppm) / 1_000_000n;
      if (base === 0n) continue;
      const before = state;
      const r = applyFill(state, { side: 'sell', baseAmount: base, quoteAmount: s.quote, feeLamports: s.fee });
      expect(r.appliedBase).toBe(base);
      expect(r.state.quantity).toBe(before.quantity - base);
      expect(r.closed).toBe(r.state.quantity === 0n);
      // The cost released is the sold fraction of the cost, rounded down: cost' * q - cost * q' is in [0, q).
      const drift = r.state.costBasis * before.quantity - before.costBasis * r.state.quantity;
      expect(drift >= 0n && drift < before.quantity).toBe(true);
      expect(r.realized).toBe(s.quote - (before.costBasis - r.state.costBasis));
      t.proceeds += s.quote;
      t.realizedSum += r.realized;
      t.soldBase += base;
      t.fees += s.fee;
      state = r.state;
    }
    expect(state.quantity >= 0n).toBe(true);
    expect(state.costBasis >= 0n).toBe(true);
    expect(state.realizedPnl).toBe(t.realizedSum);
  }
  return { state, ...t };
}

describe('applyFill', () => {
  it('quantity is never negative and equals bought − sold; cost is never negative (property)', () => {
    fc.assert(
      fc.property(scenario, (steps) => {
        const t = play(steps);
        expect(t.state.quantity).toBe(t.boughtBase - t.soldBase);
        expect(t.state.feesLamports).toBe(t.fees);
      }),
      { numRuns: 300 },
    );
  });

  it('a full close leaves quantity 0, cost 0, and realized = total proceeds − total cost exactly (property)', () => {
    fc.assert(
      fc.property(scenario, fc.bigInt({ min: 0n, max: 10n ** 15n }), (steps, lastProceeds) => {
        const t = play(steps);
        const r = applyFill(t.state, {
          side: 'sell',
          baseAmount: t.state.quantity,
          quoteAmount: lastProceeds,
          feeLamports: 0n,
        });
        expect(r.closed).toBe(true);
        expect(r.state.quantity).toBe(0n);
        expect(r.state.costBasis).toBe(0n);
        expect(r.state.realizedPnl).toBe(t.proceeds + lastProceeds - t.cost);
      }),
      { numRuns: 300 },
    );
  });

  it('selling more than the position holds closes it and scales the proceeds to what it held', () => {
    fc.assert(
      fc.property(
        units,
        units,
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        fc.bigInt({ min: 0n, max: 10n ** 15n }),
        (base, cost, extra, proceeds) => {
          const open = applyFill(null, { side: 'buy', baseAmount: base, quoteAmount: cost, feeLamports: 0n }).state;
          const r = applyFill(open, { side: 'sell', baseAmount: base + extra, quoteAmount: proceeds, feeLamports: 0n });
          expect(r.appliedBase).toBe(base);
          expect(r.closed).toBe(true);
          expect(r.state.quantity).toBe(0n);
          expect(r.state.costBasis).toBe(0n);
          expect(r.realized).toBe((proceeds * base) / (base + extra) - cost);
        },
      ),
    );
  });

  it('refuses a sell from an empty position and negative amounts', () => {
    expect(() => applyFill(null, { side: 'sell', baseAmount: 1n, quoteAmount: 1n, feeLamports: 0n })).toThrow(
      /empty position/,
    );
    expect(() => applyFill(null, { side: 'buy', baseAmount: -1n, quoteAmount: 1n, feeLamports: 0n })).toThrow(
      /non-negative/,
    );
    expect(() => applyFill(null, { side: 'buy', baseAmount: 1n, quoteAmount: -1n, feeLamports: 0n })).toThrow(
      /non-negative/,
    );
  });

  it('a worked example: buy, add, partial sell, full close', () => {
    // 2 SOL for 300 USDC, then 1 SOL for 180 USDC: 3 SOL for 480 USDC (160 average).
    let s = applyFill(null, {
      side: 'buy',
      baseAmount: 2_000_000_000n,
      quoteAmount: 300_000_000n,
      feeLamports: 5000n,
    }).state;
    s = applyFill(s, { side: 'buy', baseAmount: 1_000_000_000n, quoteAmount: 180_000_000n, feeLamports: 5000n }).state;
    expect(averageEntryPrice(s, 9, 6)).toBeCloseTo(160, 12);
    // Sell 1 SOL at 200: releases 160 of cost, realizes +40.
    const p = applyFill(s, { side: 'sell', baseAmount: 1_000_000_000n, quoteAmount: 200_000_000n, feeLamports: 5000n });
    expect(p.realized).toBe(40_000_000n);
    expect(p.state).toEqual({
      quantity: 2_000_000_000n,
      costBasis: 320_000_000n,
      realizedPnl: 40_000_000n,
      feesLamports: 15_000n,
    });
    expect(averageEntryPrice(p.state, 9, 6)).toBeCloseTo(160, 12);
    // Close the rest at 150: realizes −20; total +20 = 500 − 480.
    const c = applyFill(p.state, {
      side: 'sell',
      baseAmount: 2_000_000_000n,
      quoteAmount: 300_000_000n,
      feeLamports: 5000n,
    });
    expect(c.realized).toBe(-20_000_000n);
    expect(c.closed).toBe(true);
    expect(c.state.realizedPnl).toBe(20_000_000n);
    expect(averageEntryPrice(c.state, 9, 6)).toBeNull();
  });
});

describe('PnL', () => {
  const price = fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true });
  const decimals = fc.integer({ min: 0, max: 9 });

  it('realized + unrealized at any price = (proceeds + value held) − total cost, exactly (property)', () => {
    fc.assert(
      fc.property(scenario, price, decimals, decimals, (steps, p, bd, qd) => {
        const t = play(steps);
        const value = markValue(t.state.quantity, bd, qd, p);
        expect(t.state.realizedPnl + unrealizedPnl(t.state, bd, qd, p)).toBe(t.proceeds + value - t.cost);
      }),
      { numRuns: 300 },
    );
  });

  it('markValue is exact for representable prices and zero for an empty position', () => {
    // 1.5 SOL at 150.25 USDC = 225.375 USDC.
    expect(markValue(1_500_000_000n, 9, 6, 150.25)).toBe(225_375_000n);
    // 0.00000001 WETH (1 base unit) at 3000 = 0.00003 USDC = 30 base units.
    expect(markValue(1n, 8, 6, 3000)).toBe(30n);
    expect(markValue(0n, 9, 6, 123.456)).toBe(0n);
    expect(() => markValue(1n, 9, 6, -1)).toThrow(/bad price/);
    expect(() => markValue(1n, 9, 6, Number.NaN)).toThrow(/bad price/);
  });

  it('average entry price after buys only is total cost / total quantity (property)', () => {
    fc.assert(
      fc.property(fc.array(buy, { minLength: 1, maxLength: 20 }), decimals, decimals, (buys, bd, qd) => {
        const t = play(buys);
        const expected = Number(t.cost) / 10 ** qd / (Number(t.boughtBase) / 10 ** bd);
        const got = averageEntryPrice(t.state, bd, qd)!;
        expect(Math.abs(got - expected)).toBeLessThanOrEqual(Math.abs(expected) * 1e-12);
      }),
    );
  });

  it('a partial sell leaves the average entry price where it was, up by less than one quote unit per remaining unit (property)', () => {
    fc.assert(
      fc.property(
        units,
        units,
        fc.array(fc.bigInt({ min: 1n, max: 999_999n }), { minLength: 1, maxLength: 10 }),
        (base, cost, sells) => {
          let s = applyFill(null, { side: 'buy', baseAmount: base, quoteAmount: cost, feeLamports: 0n }).state;
          for (const ppm of sells) {
            const sold = (s.quantity * ppm) / 1_000_000n;
            if (sold === 0n || sold === s.quantity) continue;
            const before = averageEntryPrice(s, 0, 0)!;
            s = applyFill(s, { side: 'sell', baseAmount: sold, quoteAmount: 0n, feeLamports: 0n }).state;
            const after = averageEntryPrice(s, 0, 0)!;
            const tolerance = before * 1e-12;
            expect(after).toBeGreaterThanOrEqual(before - tolerance);
            expect(after).toBeLessThan(before + 1 / Number(s.quantity) + tolerance);
          }
        },
      ),
    );
  });
});

describe('checkExit', () => {
  const px = fc.double({ min: 0.01, max: 1e5, noNaN: true, noDefaultInfinity: true });
  const levels = (l: Partial<ExitLevels>): ExitLevels => ({
    stopLoss: null,
    takeProfit: null,
    trailingStopBps: null,
    highWater: null,
    ...l,
  });

  it('stop-loss fires at or below its level, take-profit at or above its level, nothing in between (property)', () => {
    fc.assert(
      fc.property(px, px, px, (a, b, p) => {
        const stopLoss = Math.min(a, b);
        const takeProfit = Math.max(a, b);
        fc.pre(stopLoss < takeProfit);
        const { trigger, highWater } = checkExit(levels({ stopLoss, takeProfit }), p);
        if (p <= stopLoss) expect(trigger).toBe('stop_loss');
        else if (p >= takeProfit) expect(trigger).toBe('take_profit');
        else expect(trigger).toBeNull();
        // No trailing stop: the high-water mark is not touched.
        expect(highWater).toBeNull();
      }),
    );
  });

  it('no levels, no exit', () => {
    fc.assert(
      fc.property(px, (p) => {
        expect(checkExit(levels({}), p)).toEqual({ trigger: null, highWater: null });
      }),
    );
  });

  it('the trailing high-water mark only rises, and the stop fires exactly at bps below it (property)', () => {
    fc.assert(
      fc.property(
        px,
        fc.array(px, { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 5000 }),
        (entry, prices, bps) => {
          let l = levels({ trailingStopBps: bps, highWater: entry });
          let max = entry;
          for (const p of prices) {
            const r = checkExit(l, p);
            max = Math.max(max, p);
            expect(r.highWater).toBe(max);
            expect(r.highWater!).toBeGreaterThanOrEqual(l.highWater!);
            expect(r.trigger).toBe(p <= max * (1 - bps / 10_000) ? 'trailing_stop' : null);
            l = { ...l, highWater: r.highWater };
          }
        },
      ),
    );
  });

  it('a trailing stop without a high-water mark starts it at the current price', () => {
    expect(checkExit(levels({ trailingStopBps: 500 }), 100)).toEqual({ trigger: null, highWater: 100 });
    expect(checkExit(levels({ trailingStopBps: 500, highWater: 100 }), 95)).toEqual({
      trigger: 'trailing_stop',
      highWater: 100,
    });
    expect(checkExit(levels({ trailingStopBps: 500, highWater: 100 }), 95.01)).toEqual({
      trigger: null,
      highWater: 100,
    });
  });

  it('a stop-loss wins over a trailing stop when both fire', () => {
    expect(checkExit(levels({ stopLoss: 90, trailingStopBps: 100, highWater: 120 }), 80).trigger).toBe('stop_loss');
  });
});
