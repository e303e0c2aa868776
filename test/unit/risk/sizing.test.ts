/**
 * The entry sizer (issue #9, item 5), on plain values: each bound decides the
 * size when it is the smallest, the size is rounded down to base units, and
 * below the minimum order the entry is a skip with a reason instead of an
 * order. The property test in test/property/sizing.test.ts checks the same
 * sizer against the real risk gate.
 */
import { describe, expect, it } from 'vitest';
import {
  RISK_PRESETS,
  effectiveLimits,
  entrySizingFacts,
  sizeEntry,
  usdValue,
  type EntrySizingFacts,
} from '../../../engine/risk';
import { addUser, NET, SOL, USDC, WBTC, WETH, world } from '../../helpers/risk';
import { solReserveLamports } from '../../../engine/funds/reserves';

const moderate = effectiveLimits(RISK_PRESETS.moderate, { requireStopLoss: true });
const usdc = (whole: number): bigint => BigInt(Math.round(whole * 1e6));
const LAMPORTS = 1_000_000_000n;

/** A USDC-quoted friend with `equity` dollars, all of it in USDC, no position. */
function facts(o: Partial<EntrySizingFacts> & { equity?: number } = {}): EntrySizingFacts {
  const equity = o.equity ?? 10_000;
  return {
    limits: moderate,
    executionMaxOrderUsd: 500,
    equityUsd: equity,
    positionUsd: 0,
    exposureUsd: 0,
    opensNew: true,
    openPositions: 0,
    spend: { decimals: 6, priceUsd: 1, balance: usdc(equity), nativeSol: false, outflowCap: null },
    ...o,
  };
}

describe('sizeEntry', () => {
  it('a small friend gets an order their limits allow, not maxOrderUsd × sizeHint', () => {
    // $40 of equity, moderate: the largest position is 25 % = $10; the old sizing asked for $500 and was refused.
    const s = sizeEntry(facts({ equity: 40 }), { sizeHint: 1 });
    expect(s).toEqual({ ok: true, amount: usdc(10), usd: 10, limitedBy: 'strategyShare' });
  });

  it("the strategy's share is sizeHint × the largest position (max position % of equity, within the USD cap)", () => {
    expect(sizeEntry(facts({ equity: 1_000 }), { sizeHint: 0.5 })).toMatchObject({
      ok: true,
      amount: usdc(125),
      limitedBy: 'strategyShare',
    });
    // 25 % of $100,000 is $25,000, but the moderate position cap is $1,000: half of that is $500 … and the order cap is $500.
    const big = sizeEntry(facts({ equity: 100_000, executionMaxOrderUsd: 10_000 }), { sizeHint: 0.4 });
    expect(big).toMatchObject({ ok: true, amount: usdc(400), limitedBy: 'strategyShare' });
  });

  it("the user's per-order limit, the operator's global cap and the execution setting each cap the size", () => {
    const l = effectiveLimits({ ...RISK_PRESETS.moderate, maxPositionUsd: 100_000 }, { requireStopLoss: true });
    expect(sizeEntry(facts({ limits: l, executionMaxOrderUsd: 10_000 }), { sizeHint: 1 })).toMatchObject({
      amount: usdc(500),
      limitedBy: 'maxOrderUsd',
    });
    const global = effectiveLimits(
      { ...RISK_PRESETS.moderate, maxPositionUsd: 100_000 },
      { requireStopLoss: true, maxOrderUsd: 75 },
    );
    expect(sizeEntry(facts({ limits: global, executionMaxOrderUsd: 10_000 }), { sizeHint: 1 })).toMatchObject({
      amount: usdc(75),
      limitedBy: 'globalMaxOrderUsd',
    });
    expect(sizeEntry(facts({ limits: l, executionMaxOrderUsd: 60 }), { sizeHint: 1 })).toMatchObject({
      amount: usdc(60),
      limitedBy: 'executionMaxOrderUsd',
    });
  });

  it('the room left under the position caps: USD and % of equity', () => {
    // $950 held of a $1,000 cap: $50 more.
    expect(sizeEntry(facts({ equity: 100_000, positionUsd: 950, opensNew: false }), { sizeHint: 1 })).toMatchObject({
      amount: usdc(50),
      limitedBy: 'maxPositionUsd',
    });
    // 25 % of $2,000 is $500; $430 held leaves $70.
    expect(sizeEntry(facts({ equity: 2_000, positionUsd: 430, opensNew: false }), { sizeHint: 1 })).toMatchObject({
      amount: usdc(70),
      limitedBy: 'maxPositionPctEquity',
    });
  });

  it('never more than the balance of what it spends', () => {
    const s = sizeEntry(
      facts({
        equity: 2_000,
        spend: { decimals: 6, priceUsd: 1, balance: usdc(37.5), nativeSol: false, outflowCap: null },
      }),
      {
        sizeHint: 1,
      },
    );
    expect(s).toMatchObject({ ok: true, amount: usdc(37.5), limitedBy: 'balance' });
  });

  it('spending SOL keeps the reserve for rent, fees and every exit, the new position’s included', () => {
    const balance = 2n * LAMPORTS;
    const f = facts({
      equity: 300,
      openPositions: 2,
      spend: { decimals: 9, priceUsd: 150, balance, nativeSol: true, outflowCap: null },
      executionMaxOrderUsd: 10_000,
      limits: effectiveLimits(
        { ...RISK_PRESETS.moderate, maxPositionPctEquity: 100, maxExposurePct: 100 },
        { requireStopLoss: true },
      ),
    });
    const s = sizeEntry(f, { sizeHint: 1 });
    expect(s).toMatchObject({ ok: true, amount: balance - solReserveLamports(3), limitedBy: 'balance' });
    // Adding to a position that is already open needs no new reserve.
    expect(sizeEntry({ ...f, opensNew: false }, { sizeHint: 1 })).toMatchObject({
      amount: balance - solReserveLamports(2),
    });
  });

  it("a live friend's entry stays within the signing policy's trading caps (per swap and what is left of 24 h)", () => {
    const f = facts({
      spend: { decimals: 6, priceUsd: 1, balance: usdc(10_000), nativeSol: false, outflowCap: usdc(42) },
    });
    expect(sizeEntry(f, { sizeHint: 1 })).toMatchObject({ ok: true, amount: usdc(42), limitedBy: 'tradingCap' });
    const spent = facts({
      spend: { decimals: 6, priceUsd: 1, balance: usdc(10_000), nativeSol: false, outflowCap: -5n },
    });
    expect(sizeEntry(spent, { sizeHint: 1 })).toMatchObject({
      ok: false,
      code: 'SIZE_BELOW_MINIMUM',
      limitedBy: 'tradingCap',
    });
  });

  it("a DCA amount is the strategy's share, still capped by every limit", () => {
    expect(sizeEntry(facts(), { sizeHint: 1, quoteAmountUsd: 100 })).toMatchObject({
      amount: usdc(100),
      limitedBy: 'strategyShare',
    });
    expect(sizeEntry(facts({ equity: 100 }), { sizeHint: 1, quoteAmountUsd: 100 })).toMatchObject({
      amount: usdc(25),
      limitedBy: 'maxPositionPctEquity',
    });
  });

  it('a minimum equal to the maximum still sends: flooring cap / price never lands one base unit under it', () => {
    // CI counterexample: SOL-quoted at $0.50, min = max = $1.0006; floor(1.0006 / 0.5 × 1e9) is 2,001,199,999 in
    // floating point, a hair under the $1.0006 the gate itself allows at 2,001,200,000.
    const l = {
      ...moderate,
      minOrderUsd: 1.0006,
      maxOrderUsd: 1.0006,
      maxPositionUsd: 1.0006,
      maxPositionPctEquity: 100,
    };
    const s = sizeEntry(
      facts({
        limits: l,
        executionMaxOrderUsd: 1.0006,
        equityUsd: 1_000,
        spend: { decimals: 9, priceUsd: 0.5, balance: 100n * LAMPORTS, nativeSol: true, outflowCap: null },
      }),
      { sizeHint: 1 },
    );
    expect(s).toMatchObject({ ok: true, amount: 2_001_200_000n });
    expect(usdValue(2_001_200_000n, 9, 0.5)).toBeLessThanOrEqual(1.0006);
  });

  it('below the minimum order: skipped with SIZE_BELOW_MINIMUM and the limit that decided it, no amount', () => {
    // $16 of equity: 25 % is $4, under the $5 minimum.
    const s = sizeEntry(facts({ equity: 16 }), { sizeHint: 1 });
    expect(s).toMatchObject({
      ok: false,
      code: 'SIZE_BELOW_MINIMUM',
      usd: 4,
      minOrderUsd: 5,
      limitedBy: 'strategyShare',
    });
    expect(s.ok ? '' : s.message).toMatch(/\$4\.00.*strategy's share.*\$5\.00.*skipped/u);
    expect('amount' in s).toBe(false);
    // A wallet with nothing to spend, or a position already at its cap.
    expect(
      sizeEntry(facts({ spend: { decimals: 6, priceUsd: 1, balance: 0n, nativeSol: false, outflowCap: null } }), {
        sizeHint: 1,
      }),
    ).toMatchObject({ ok: false, code: 'SIZE_BELOW_MINIMUM', limitedBy: 'balance' });
    expect(sizeEntry(facts({ equity: 100_000, positionUsd: 1_000, opensNew: false }), { sizeHint: 1 })).toMatchObject({
      ok: false,
      code: 'SIZE_BELOW_MINIMUM',
      limitedBy: 'maxPositionUsd',
    });
    // Exactly the minimum is an order.
    expect(sizeEntry(facts({ equity: 20 }), { sizeHint: 1 })).toMatchObject({ ok: true, amount: usdc(5) });
  });

  it('no usable price: skipped with NO_PRICE', () => {
    expect(
      sizeEntry(
        facts({ spend: { decimals: 6, priceUsd: 0, balance: usdc(100), nativeSol: false, outflowCap: null } }),
        { sizeHint: 1 },
      ),
    ).toMatchObject({ ok: false, code: 'NO_PRICE' });
    expect(sizeEntry(facts({ equityUsd: Number.NaN }), { sizeHint: 1 })).toMatchObject({ ok: false, code: 'NO_PRICE' });
  });

  it('rounds down, and never lands above a cap through the float valuation the gate uses', () => {
    // A price that does not divide evenly: the amount is worth at most the cap by the gate's own formula.
    for (const price of [0.9999, 1.0001, 3.3333333, 147.123456789, 0.000017]) {
      const decimals = price < 1 ? 6 : 9;
      const s = sizeEntry(
        facts({
          equity: 1_000,
          executionMaxOrderUsd: 100,
          spend: { decimals, priceUsd: price, balance: 10n ** 30n, nativeSol: false, outflowCap: null },
        }),
        { sizeHint: 1 },
      );
      expect(s.ok).toBe(true);
      if (!s.ok) continue;
      expect(usdValue(s.amount, decimals, price)).toBeLessThanOrEqual(100);
      // …and one base unit more would pass the cap or be a rounding hair away from it.
      expect(usdValue(s.amount + 1n, decimals, price)).toBeGreaterThan(100 - 1e-6);
    }
  });
});

describe('entrySizingFacts', () => {
  it('reads the signing caps for a live friend (per swap, less what 24 h of swaps already moved) and none for paper', () => {
    const w = world();
    try {
      const caps = { perTransaction: { [USDC.mint]: '300000000' }, daily: { [USDC.mint]: '1000000000' } };
      const live = addUser(w, 'liv', { mode: 'live', tradingCaps: caps });
      const paper = addUser(w, 'pia', { mode: 'paper', tradingCaps: caps });
      const balances = new Map([
        [USDC.mint, usdc(5_000)],
        ['SOL', LAMPORTS],
      ]);
      const price = (m: string): number | null => ({ [USDC.mint]: 1, [WETH.mint]: 3_000, [SOL.mint]: 150 })[m] ?? null;
      const now = w.clock.now();
      expect(entrySizingFacts(w.store, NET, live, USDC.mint, WETH.mint, balances, price, now)!.spend.outflowCap).toBe(
        usdc(300),
      );
      expect(entrySizingFacts(w.store, NET, paper, USDC.mint, WETH.mint, balances, price, now)!.spend.outflowCap).toBe(
        null,
      );
      // $800 of signed swaps in the last 24 h leave $200 of the $1,000 daily cap.
      const at = new Date(now).toISOString();
      const intent = w.store.intents.insert({
        userId: live,
        clientId: 'earlier',
        network: NET,
        venue: 'jupiter',
        context: 'strategy',
        side: 'buy',
        inputMint: USDC.mint,
        outputMint: WETH.mint,
        amount: usdc(800),
        slippageBps: 50,
        exits: null,
        at,
      });
      w.store.intents.finish(intent, 'confirmed', null, null, at);
      expect(entrySizingFacts(w.store, NET, live, USDC.mint, WETH.mint, balances, price, now)!.spend.outflowCap).toBe(
        usdc(200),
      );
      // Equity is valued from the balances given, like the gate: $5,000 + 1 SOL.
      expect(entrySizingFacts(w.store, NET, live, USDC.mint, WETH.mint, balances, price, now)!.equityUsd).toBe(5_150);
      // Without a price for the token bought, nothing can be sized.
      expect(entrySizingFacts(w.store, NET, live, USDC.mint, WBTC.mint, balances, price, now)).toBeNull();
    } finally {
      w.store.close();
    }
  });
});
