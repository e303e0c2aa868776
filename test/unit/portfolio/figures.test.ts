/**
 * The figures of engine/portfolio/figures.ts (issue #9, item 2): total PnL and
 * return agree in sign over any equity path and flows (fast-check), through
 * the pure functions and through the stats; the equity curve keeps flows
 * apart (a deposit steps equity, not PnL).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { computeStats, figures, toMicroUsd } from '../../../engine/portfolio';
import type { CashFlowRow, EquitySnapshotRow } from '../../../engine/store';
import { NET, USDC } from '../../helpers/risk';

const T0 = Date.parse('2026-01-05T00:00:00Z');
const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A random account history: a base, flows inside the period, and an equity now (all micro-USD). */
const history = fc
  .record({
    base: fc.bigInt({ min: 0n, max: 10n ** 12n }),
    now: fc.bigInt({ min: 0n, max: 3n * 10n ** 12n }),
    span: fc.integer({ min: 1, max: 30 * DAY }),
    flows: fc.array(
      fc.record({
        at: fc.double({ min: 0, max: 1, noNaN: true }),
        deposit: fc.boolean(),
        amount: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      }),
      { maxLength: 8 },
    ),
  })
  .map((h) => ({
    base: { ts: iso(T0), equity: h.base },
    nowMs: T0 + h.span,
    equityNow: h.now,
    flows: h.flows.map((f, i) => ({
      id: i + 1,
      userId: 1,
      network: NET,
      // Strictly after the base and not after now.
      ts: iso(T0 + Math.max(1, Math.floor(f.at * h.span))),
      kind: f.deposit ? ('deposit' as const) : ('withdrawal' as const),
      amountUsd: f.amount,
      ref: null,
    })),
  }));

describe('total PnL and return agree in sign', () => {
  test('property: over random equity paths and flows, sign(return) = sign(total PnL) whenever a return is given', () => {
    fc.assert(
      fc.property(history, (h) => {
        const pnl = figures.totalPnl(h.base, h.equityNow, h.flows, h.nowMs);
        const r = figures.returnPct(h.base, h.equityNow, h.flows, h.nowMs);
        if (r === null) return;
        expect(Math.sign(r)).toBe(pnl > 0n ? 1 : pnl < 0n ? -1 : 0);
      }),
      { numRuns: 500 },
    );
  });

  test('property: the stats show the same agreement (pnlUsd beside returnPct), and zero is exactly zero', () => {
    fc.assert(
      fc.property(history, (h) => {
        const snapshots: EquitySnapshotRow[] = [
          {
            id: 1,
            userId: 1,
            network: NET,
            ts: h.base.ts,
            equity: h.base.equity,
            deposits: 0n,
            withdrawals: 0n,
            highWater: h.base.equity,
          },
        ];
        const s = computeStats({
          network: NET,
          quoteMint: USDC.mint,
          trades: [],
          positions: [],
          snapshots,
          flows: h.flows as CashFlowRow[],
          price: () => 1,
          equityNow: h.equityNow,
          nowMs: h.nowMs,
        });
        if (s.returnPct === null) return;
        expect(s.pnlUsd).not.toBeNull();
        expect(Math.sign(s.returnPct)).toBe(Math.sign(s.pnlUsd!));
      }),
      { numRuns: 300 },
    );
  });

  test('the example of the issue: a small loss net of a deposit is a loss in both, never "+$0.85 next to −0.01 %"', () => {
    const base = { ts: iso(T0), equity: toMicroUsd(10_000) };
    const flows = [{ ts: iso(T0 + DAY / 2), kind: 'deposit' as const, amountUsd: toMicroUsd(1_000) }];
    const now = toMicroUsd(10_999.15);
    expect(figures.totalPnl(base, now, flows, T0 + DAY)).toBe(toMicroUsd(-0.85));
    expect(figures.returnPct(base, now, flows, T0 + DAY)!).toBeLessThan(0);
    expect(figures.returnPct(base, toMicroUsd(11_000), flows, T0 + DAY)).toBe(0);
  });
});

describe('the day, the mark, the curve', () => {
  test("today's PnL and loss net today's flows; the loss % is of what was at stake", () => {
    // Day started at 10,000; 5,000 deposited; now 14,400: a 600 loss, not a 4,400 gain.
    expect(figures.dayPnl(toMicroUsd(10_000), toMicroUsd(14_400), toMicroUsd(5_000))).toBe(toMicroUsd(-600));
    expect(figures.dailyLoss(toMicroUsd(10_000), toMicroUsd(14_400), toMicroUsd(5_000))).toBe(toMicroUsd(600));
    expect(figures.dailyLossPct(toMicroUsd(10_000), toMicroUsd(14_400), toMicroUsd(5_000))).toBeCloseTo(4, 9);
    // 2,000 withdrawn, now 8,000: no loss.
    expect(figures.dailyLoss(toMicroUsd(10_000), toMicroUsd(8_000), toMicroUsd(-2_000))).toBe(0n);
  });

  test('the curve: a deposit is a step in equity and a marker, not a step in PnL', () => {
    const snaps = [
      { ts: iso(T0), equity: toMicroUsd(100), highWater: toMicroUsd(100) },
      { ts: iso(T0 + 1000), equity: toMicroUsd(110), highWater: toMicroUsd(110) },
      { ts: iso(T0 + 3000), equity: toMicroUsd(1_110), highWater: toMicroUsd(1_110) },
    ];
    const flows = [{ ts: iso(T0 + 2000), kind: 'deposit' as const, amountUsd: toMicroUsd(1_000) }];
    const c = figures.equityCurveOf(snaps, flows);
    expect(c.points.map((p) => p.pnl)).toEqual([0n, toMicroUsd(10), toMicroUsd(10)]);
    expect(c.flows).toEqual([{ ...flows[0], atEquity: toMicroUsd(110) }]);
  });
});
