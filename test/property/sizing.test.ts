/**
 * Orders sized to what is allowed (issue #9, item 5), as a property against
 * the REAL risk gate: for random balances, prices, positions, per-user limits,
 * operator (global) caps and execution settings, a strategy entry sized by
 * the sizer (the same two calls the strategy runner makes: the balances the
 * execution service will give the gate, then entrySizingFacts + sizeEntry) is
 * never refused by a size or balance gate of standardRiskGate (max exposure
 * included, with random limits and with the presets as they ship). And the sizer
 * is not merely timid: when it skips because a limit or the balance leaves
 * less than the minimum, an order of the minimum is refused by that gate too.
 */
import type { Address } from '@solana/kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriceBook, TradeExecutionService, type Order } from '../../engine/execution';
import { isoTime } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import type { TransactionSigner } from '../../engine/keystore';
import { tokenBySymbol, WRAPPED_SOL_MINT } from '../../engine/market';
import {
  entrySizingFacts,
  HARD_BOUNDS,
  RISK_PRESET_NAMES,
  RISK_PRESETS,
  sizeEntry,
  standardRiskGate,
  usdValue,
  writeGlobalLimits,
  type GlobalLimits,
  type RiskCode,
  type RiskLimits,
} from '../../engine/risk';
import { addUser, NET, openPositionRow, PERMISSIVE_RISK, world } from '../helpers/risk';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const WBTC = tokenBySymbol('WBTC')!;

/** The refusals that mean "wrong size" or "not enough to spend": the sizer must never produce one. */
const SIZE_OR_BALANCE: readonly RiskCode[] = [
  'ORDER_TOO_LARGE',
  'ORDER_TOO_SMALL',
  'POSITION_TOO_LARGE',
  'MAX_EXPOSURE',
  'INSUFFICIENT_BALANCE',
  'SOL_RESERVE',
  'GLOBAL_LIMIT',
];

/** The paper venue never signs; the service is built only for the balances it hands the gate. */
const noSigner = {
  sign: () => Promise.reject(new Error('the sizing property never signs')),
} as unknown as TransactionSigner;

/** Uniform over [min, max] in steps of 1/10,000 (fc.double favours tiny values, which would skew every draw to a skip). */
const usd = (min: number, max: number) =>
  fc.integer({ min: Math.round(min * 10_000), max: Math.round(max * 10_000) }).map((n) => n / 10_000);

const { preset: _preset, ...LOOSE } = PERMISSIVE_RISK;

const randomLimitsArb: fc.Arbitrary<RiskLimits> = fc
  .record({
    minOrderUsd: usd(HARD_BOUNDS.minOrderUsd[0], 25),
    maxOrderUsd: usd(1, 20_000),
    maxPositionUsd: usd(1, 50_000),
    maxPositionPctEquity: usd(1, 100),
    maxExposurePct: usd(1, 100),
    maxConcurrentPositions: fc.integer({ min: 1, max: 5 }),
    stopLossRequired: fc.boolean(),
  })
  .map((l) => ({
    // Rules the sizer does not size for stay out of the way (they have their own tests) …
    ...LOOSE,
    // … and the size limits are random, with min ≤ max as the settings schema keeps a user's own limits.
    ...l,
    minOrderUsd: Math.min(l.minOrderUsd, l.maxOrderUsd),
  }));

/** The presets' size limits as they ship (their other rules stay out of the way, as above). */
const presetLimitsArb: fc.Arbitrary<RiskLimits> = fc.constantFrom(...RISK_PRESET_NAMES).map((name) => {
  const p = RISK_PRESETS[name];
  return {
    ...LOOSE,
    minOrderUsd: p.minOrderUsd,
    maxOrderUsd: p.maxOrderUsd,
    maxPositionUsd: p.maxPositionUsd,
    maxPositionPctEquity: p.maxPositionPctEquity,
    maxExposurePct: p.maxExposurePct,
    maxConcurrentPositions: p.maxConcurrentPositions,
    stopLossRequired: p.stopLossRequired,
  };
});

const limitsArb: fc.Arbitrary<RiskLimits> = fc.oneof(
  { weight: 3, arbitrary: randomLimitsArb },
  { weight: 1, arbitrary: presetLimitsArb },
);

const globalArb: fc.Arbitrary<GlobalLimits> = fc
  .record(
    {
      maxOrderUsd: usd(1, 20_000),
      maxPositionUsd: usd(1, 50_000),
      maxPositionPctEquity: usd(1, 100),
      maxExposurePct: usd(1, 100),
      minOrderUsd: usd(0.01, 25),
    },
    { requiredKeys: [] },
  )
  .map((g) => ({ ...g, requireStopLoss: true }));

const scenarioArb = fc.record({
  quote: fc.constantFrom('USDC', 'SOL'),
  usdcBalance: fc.bigInt({ min: 0n, max: 200_000_000_000n }),
  lamports: fc.bigInt({ min: 0n, max: 200_000_000_000n }),
  wethHeld: fc.option(fc.bigInt({ min: 1n, max: 20_000_000n }), { nil: null }),
  wbtcHeld: fc.option(fc.bigInt({ min: 1n, max: 50_000_000n }), { nil: null }),
  solUsd: usd(0.5, 2_000),
  wethUsd: usd(5, 20_000),
  wbtcUsd: usd(500, 300_000),
  usdcUsd: usd(0.95, 1.05),
  limits: limitsArb,
  global: fc.option(globalArb, { nil: null }),
  executionMaxOrderUsd: usd(1, 20_000),
  sizeHint: usd(0.01, 1),
  quoteAmountUsd: fc.option(usd(0.01, 5_000), { nil: null }),
});

describe('the entry sizer against the real risk gate', () => {
  it('property: a sized strategy entry is never refused by a size or balance gate; a skip is one the gate would refuse', async () => {
    let sent = 0;
    let skipped = 0;
    let byExposure = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (s) => {
        const w = world();
        try {
          const quoteMint = (s.quote === 'SOL' ? WRAPPED_SOL_MINT : USDC.mint) as Address;
          const book: Record<string, bigint> = { [USDC.mint]: s.usdcBalance, [WRAPPED_SOL_MINT]: s.lamports };
          if (s.wethHeld !== null) book[WETH.mint] = s.wethHeld;
          if (s.wbtcHeld !== null) book[WBTC.mint] = s.wbtcHeld;
          const userId = addUser(
            w,
            'ana',
            {
              mode: 'paper',
              quoteAsset: s.quote,
              maxOrderUsd: s.executionMaxOrderUsd,
              risk: { preset: 'custom', ...s.limits },
            },
            book,
          );
          for (const [mint, held] of [
            [WETH.mint, s.wethHeld],
            [WBTC.mint, s.wbtcHeld],
          ] as const) {
            if (held !== null)
              // The paper account's positions: what the gate counts for a paper friend (position and exposure caps).
              openPositionRow(w.store, {
                userId,
                mint,
                quoteMint,
                quantity: held,
                at: isoTime(w.clock),
                account: 'paper',
              });
          }
          if (s.global) writeGlobalLimits(w.store, s.global);

          const prices = new PriceBook(w.clock, Number.POSITIVE_INFINITY);
          prices.set(WRAPPED_SOL_MINT, s.solUsd);
          prices.set(USDC.mint, s.usdcUsd);
          prices.set(WETH.mint, s.wethUsd);
          prices.set(WBTC.mint, s.wbtcUsd);
          const price = (m: string): number | null => prices.price(m);
          const deps = { store: w.store, controls: w.controls, bus: w.bus, network: NET };
          const gate = standardRiskGate(deps);
          const exec = new TradeExecutionService({
            ...deps,
            clock: w.clock,
            log: silentLogger,
            signer: noSigner,
            risk: gate,
            prices,
            chain: null,
            jupiter: null,
          });

          // What the strategy runner does for an entry signal.
          const balances = await exec.balancesFor(userId);
          const facts = entrySizingFacts(w.store, NET, userId, quoteMint, WETH.mint, balances, price, w.clock.now());
          expect(facts, 'every holding is priced').not.toBeNull();
          const size = sizeEntry(facts!, {
            sizeHint: s.sizeHint,
            ...(s.quoteAmountUsd !== null ? { quoteAmountUsd: s.quoteAmountUsd } : {}),
          });
          const order = (amount: bigint): Order => ({
            userId,
            side: 'buy',
            inputMint: quoteMint,
            outputMint: WETH.mint,
            amount,
            context: 'strategy',
            clientId: `prop:${amount}`,
            slippageBps: 50,
            stopLossPrice: s.wethUsd * 0.9,
          });
          const check = (amount: bigint) => gate.check(order(amount), { balances, price, nowMs: w.clock.now() });

          if (size.limitedBy === 'maxExposurePct') byExposure++;
          if (size.ok) {
            sent++;
            expect(size.amount > 0n).toBe(true);
            const d = check(size.amount);
            if (!d.ok) expect(SIZE_OR_BALANCE, `${d.code}: ${d.message}`).not.toContain(d.code);
            return;
          }
          expect(size.code).toBe('SIZE_BELOW_MINIMUM');
          skipped++;
          // A skip the strategy chose (its own share is small) or the sizer's extra reserve for a new position's
          // exit is stricter than the gate by design; any other skip must be one the gate would refuse as well.
          if (size.limitedBy === 'strategyShare') return;
          if (size.limitedBy === 'balance' && facts!.spend.nativeSol && facts!.opensNew) return;
          const { decimals, priceUsd } = facts!.spend;
          const minUsd = facts!.limits.minOrderUsd;
          let atMinimum = BigInt(Math.ceil((minUsd / priceUsd) * 10 ** decimals));
          while (usdValue(atMinimum, decimals, priceUsd) < minUsd) atMinimum++;
          const d = check(atMinimum);
          expect(d.ok, `the minimum order ${atMinimum} passed the gate, yet the sizer skipped: ${size.message}`).toBe(
            false,
          );
        } finally {
          w.store.close();
        }
      }),
      { numRuns: 300 },
    );
    // Not vacuous: both outcomes happen.
    expect(sent).toBeGreaterThan(30);
    expect(skipped).toBeGreaterThan(10);
    // …and max exposure (all open positions as % of equity) decides some of them.
    expect(byExposure).toBeGreaterThan(5);
  }, 120_000);
});
