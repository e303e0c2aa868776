/**
 * The high-water mark (property): deposits raise it 1:1 (the drawdown in
 * dollars stays), withdrawals lower it in proportion (the drawdown in percent
 * stays), equity above it raises it, and no flow alone can trip the drawdown
 * pause. Checked on the pure functions and through the store-backed engine.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  drawdownPct,
  hwmAfterDeposit,
  hwmAfterMark,
  hwmAfterWithdrawal,
  recordCashFlow,
  toMicroUsd,
} from '../../../engine/portfolio';
import { RiskEngine } from '../../../engine/risk';
import { addUser, ctxAt, PAPER, setBook, USDC, usdc, world } from '../../helpers/risk';

const micro = fc.bigInt({ min: 1_000_000n, max: 10_000_000_000_000n });

describe('high-water mark arithmetic', () => {
  test('deposit: the mark rises by the deposit, so the dollar drawdown is unchanged', () => {
    fc.assert(
      fc.property(micro, micro, micro, (hwm, equity0, d) => {
        const equity = equity0 > hwm ? hwm : equity0;
        const h = hwmAfterDeposit(hwm, d);
        expect(h - (equity + d)).toBe(hwm - equity);
        expect(drawdownPct(h, equity + d)).toBeLessThanOrEqual(drawdownPct(hwm, equity) + 1e-9);
      }),
    );
  });

  test('withdrawal: the mark falls in proportion, so the percentage drawdown is unchanged', () => {
    fc.assert(
      fc.property(micro, micro, fc.double({ min: 0.001, max: 0.999, noNaN: true }), (hwm, equity0, share) => {
        const equity = equity0 > hwm ? hwm : equity0;
        const w = BigInt(Math.floor(Number(equity) * share));
        const h = hwmAfterWithdrawal(hwm, w, equity);
        expect(h).toBeLessThanOrEqual(hwm);
        // The mark is whole micro-dollars (rounded down), which moves the percentage by at most 100 / mark.
        const rounding = h > 0n ? 100 / Number(h) : 0;
        expect(Math.abs(drawdownPct(h, equity - w) - drawdownPct(hwm, equity))).toBeLessThan(1e-3 + rounding);
      }),
    );
    expect(hwmAfterWithdrawal(1_000n, 1_000n, 1_000n)).toBe(0n);
    expect(hwmAfterWithdrawal(1_000n, 10n, 0n)).toBe(0n);
  });

  test('marking: the mark is the running maximum', () => {
    fc.assert(
      fc.property(fc.array(micro, { minLength: 1, maxLength: 30 }), (equities) => {
        let h = equities[0]!;
        for (const e of equities) h = hwmAfterMark(h, e);
        expect(h).toBe(equities.reduce((m, e) => (e > m ? e : m)));
      }),
    );
  });
});

describe('through the engine', () => {
  type Op = { kind: 'mark'; factor: number } | { kind: 'deposit'; usd: number } | { kind: 'withdraw'; share: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('mark' as const), factor: fc.double({ min: 0.85, max: 1.3, noNaN: true }) }),
    fc.record({ kind: fc.constant('deposit' as const), usd: fc.integer({ min: 1, max: 50_000 }) }),
    fc.record({ kind: fc.constant('withdraw' as const), share: fc.double({ min: 0.01, max: 0.9, noNaN: true }) }),
  );

  test('property: over any sequence, flows move the stored mark as specified and never trip a pause by themselves', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const w = world();
        try {
          const engine = new RiskEngine({ store: w.store, controls: w.controls, bus: w.bus, network: 'sandbox' });
          // Aggressive-free: 90 % drawdown would never trip on marks within 0.85..1.3 a step, except over many steps.
          const u = addUser(w, 'u', {}, { [USDC.mint]: usdc(10_000) });
          let equity = 10_000_000_000n; // micro-USD
          engine.review(u, ctxAt(w).price, w.clock.now());
          const mark = () => w.store.risk.state(u, PAPER)!.highWater;
          for (const o of ops) {
            w.clock.advance(25 * 3_600_000); // a new UTC day each step: daily loss never interferes
            const before = mark();
            const wasPaused = w.controls.user(u).paused;
            if (o.kind === 'mark') {
              equity = BigInt(Math.round(Number(equity) * o.factor));
              setBook(w, u, { [USDC.mint]: equity });
              engine.review(u, ctxAt(w).price, w.clock.now());
              expect(mark()).toBe(equity > before ? equity : before);
            } else if (o.kind === 'deposit') {
              const d = toMicroUsd(o.usd);
              recordCashFlow(w.store, {
                userId: u,
                network: PAPER,
                kind: 'deposit',
                amountUsd: d,
                nowMs: w.clock.now(),
              });
              equity += d;
              setBook(w, u, { [USDC.mint]: equity });
              const ddBefore = w.controls.user(u).paused;
              engine.review(u, ctxAt(w).price, w.clock.now());
              expect(mark()).toBe(before + d > equity ? before + d : equity);
              expect(w.controls.user(u).paused).toBe(ddBefore);
            } else {
              const out = BigInt(Math.floor(Number(equity) * o.share));
              recordCashFlow(w.store, {
                userId: u,
                network: PAPER,
                kind: 'withdrawal',
                amountUsd: out,
                nowMs: w.clock.now(),
                equityBefore: equity,
              });
              const expected = hwmAfterWithdrawal(before, out, equity);
              equity -= out;
              setBook(w, u, { [USDC.mint]: equity });
              engine.review(u, ctxAt(w).price, w.clock.now());
              expect(mark()).toBe(expected > equity ? expected : equity);
              expect(w.controls.user(u).paused).toBe(wasPaused);
            }
          }
        } finally {
          w.store.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
