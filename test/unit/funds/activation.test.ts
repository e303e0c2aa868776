/**
 * activationChange (issue #3, item 4): a user trades only at or above their
 * minimum SOL balance; each crossing of the line is one event, never more.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activationChange, type ActivationChange } from '../../../engine/funds';

const lamports = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
/** Balances clustered around the minimum, so sequences cross it often (and sit exactly on it). */
const around = (min: bigint) =>
  fc.oneof(
    fc.constantFrom(min, min - 1n, min + 1n, 0n).filter((b) => b >= 0n),
    fc.bigInt({ min: 0n, max: min * 3n + 10n }),
  );
const scenario = fc
  .bigInt({ min: 1n, max: 100_000_000_000n })
  .chain((min) =>
    fc.record({ min: fc.constant(min), initial: fc.boolean(), balances: fc.array(around(min), { maxLength: 60 }) }),
  );

/** Feeds balances through activationChange the way BalanceSync does, keeping the state it implies. */
function run(
  initial: boolean,
  balances: readonly bigint[],
  min: bigint,
): { events: Exclude<ActivationChange, null>[]; active: boolean } {
  let active = initial;
  const events: Exclude<ActivationChange, null>[] = [];
  for (const b of balances) {
    const c = activationChange(active, b, min);
    if (c) {
      events.push(c);
      active = c === 'activated';
    }
  }
  return { events, active };
}

describe('activationChange', () => {
  it('at or above the minimum is active; one lamport below is not', () => {
    expect(activationChange(false, 10_000_000n, 10_000_000n)).toBe('activated');
    expect(activationChange(true, 10_000_000n, 10_000_000n)).toBeNull();
    expect(activationChange(true, 9_999_999n, 10_000_000n)).toBe('deactivated');
    expect(activationChange(false, 9_999_999n, 10_000_000n)).toBeNull();
    expect(activationChange(false, 0n, 10_000_000n)).toBeNull();
  });

  it('reports a change exactly when the side of the line differs from the current state (property)', () => {
    fc.assert(
      fc.property(fc.boolean(), lamports, lamports, (active, balance, min) => {
        const c = activationChange(active, balance, min);
        const above = balance >= min;
        if (above === active) expect(c).toBeNull();
        else expect(c).toBe(above ? 'activated' : 'deactivated');
      }),
    );
  });

  it('exactly one event per crossing, alternating, for any balance sequence; the state ends on the last balance’s side (property)', () => {
    fc.assert(
      fc.property(scenario, ({ min, initial, balances }) => {
        const { events, active } = run(initial, balances, min);
        // Crossings counted independently: how often the side of the line changes along the sequence.
        let side = initial;
        let crossings = 0;
        for (const b of balances) {
          if (b >= min !== side) crossings++;
          side = b >= min;
        }
        expect(events).toHaveLength(crossings);
        // Never the same event twice in a row, and the first one leaves the initial state.
        events.forEach((e, i) => expect(e).toBe((i % 2 === 0) === initial ? 'deactivated' : 'activated'));
        expect(active).toBe(balances.length === 0 ? initial : balances.at(-1)! >= min);
      }),
      { numRuns: 500 },
    );
  });

  it('repeating a balance (a refresh with nothing new) never emits again (property)', () => {
    fc.assert(
      fc.property(scenario, ({ min, initial, balances }) => {
        const once = run(initial, balances, min);
        const twice = run(
          initial,
          balances.flatMap((b) => [b, b, b]),
          min,
        );
        expect(twice).toEqual(once);
      }),
    );
  });

  it('a round trip up and back down returns to the same state with exactly two events (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 2n ** 63n }),
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.bigInt({ min: 1n, max: 2n ** 62n }),
        (min, up, down) => {
          const high = min + up;
          const low = min - down < 0n ? 0n : min - down;
          if (low >= min) return;
          const there = run(false, [low, high, high, low, low], min);
          expect(there).toEqual({ events: ['activated', 'deactivated'], active: false });
          const back = run(true, [high, low, low, high], min);
          expect(back).toEqual({ events: ['deactivated', 'activated'], active: true });
        },
      ),
    );
  });

  it('depends only on where the balance is relative to the minimum (shift invariance, property)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        lamports,
        lamports,
        fc.bigInt({ min: 0n, max: 2n ** 64n }),
        (active, balance, min, k) => {
          expect(activationChange(active, balance + k, min + k)).toBe(activationChange(active, balance, min));
        },
      ),
    );
  });
});
