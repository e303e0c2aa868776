/**
 * Copy sizing (issue 16) as properties: a leader's sell makes the follower
 * sell the same share of what its copies hold (exactly, rounded down, never
 * more than held or than the open position, all of it when the leader sold
 * everything), and a proportional buy is the leader's share of its equity,
 * of the follower's, within the follow's cap.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyBuyUsd, copySellAmount } from '../../engine/copy';

const units = fc.bigInt({ min: 1n, max: 2n ** 64n - 1n });

describe('copySellAmount', () => {
  it('is the leader’s share of what the copy holds, rounded down, within the position', () => {
    fc.assert(
      fc.property(
        units,
        units,
        units,
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (held, heldBefore, soldRaw, open) => {
          const sold = soldRaw % heldBefore === 0n ? heldBefore : soldRaw % heldBefore;
          const a = copySellAmount(held, sold, heldBefore, open);
          expect(a).toBeGreaterThanOrEqual(0n);
          expect(a).toBeLessThanOrEqual(held);
          expect(a).toBeLessThanOrEqual(open);
          if (sold === heldBefore) expect(a).toBe(held < open ? held : open);
          else if ((held * sold) / heldBefore <= open) {
            // The same share: a / held ≤ sold / heldBefore < (a + 1) / held.
            expect(a * heldBefore).toBeLessThanOrEqual(held * sold);
            expect((a + 1n) * heldBefore).toBeGreaterThan(held * sold);
          }
        },
      ),
    );
  });

  it('sells nothing when the copy holds nothing or the leader sold nothing', () => {
    expect(copySellAmount(0n, 5n, 10n, 100n)).toBe(0n);
    expect(copySellAmount(7n, 0n, 10n, 100n)).toBe(0n);
    // A leader that sold more than it seemed to hold (a balance read before a top-up) sells everything.
    expect(copySellAmount(7n, 11n, 10n, 100n)).toBe(7n);
  });
});

describe('copyBuyUsd', () => {
  const money = fc.double({ min: 0.01, max: 1e7, noNaN: true });
  it('proportional: the leader’s share of its equity, of the follower’s, capped by the follow', () => {
    fc.assert(
      fc.property(
        money,
        money,
        money,
        fc.option(money, { nil: null }),
        (leaderUsd, leaderEquity, followerEquity, maxUsd) => {
          const usd = copyBuyUsd(
            { sizing: 'proportional', fixedUsd: null, multiplier: null, maxUsd },
            leaderUsd,
            leaderEquity,
            followerEquity,
          )!;
          const share = Math.min(1, leaderUsd / leaderEquity);
          expect(usd).toBeCloseTo(Math.min(share * followerEquity, maxUsd ?? Infinity), 6);
          expect(usd).toBeLessThanOrEqual(followerEquity * (1 + 1e-12));
          if (maxUsd !== null) expect(usd).toBeLessThanOrEqual(maxUsd);
        },
      ),
    );
  });

  it('fixed and multiplier sizes, and no size without what they need', () => {
    const base = { fixedUsd: null, multiplier: null, maxUsd: null };
    expect(copyBuyUsd({ ...base, sizing: 'fixed', fixedUsd: 25 }, null, null, 0)).toBe(25);
    expect(copyBuyUsd({ ...base, sizing: 'fixed', fixedUsd: 25, maxUsd: 10 }, 100, null, 0)).toBe(10);
    expect(copyBuyUsd({ ...base, sizing: 'multiplier', multiplier: 0.5 }, 80, null, 0)).toBe(40);
    expect(copyBuyUsd({ ...base, sizing: 'multiplier', multiplier: 2 }, null, null, 0)).toBeNull();
    expect(copyBuyUsd({ ...base, sizing: 'proportional' }, 50, null, 1000)).toBeNull();
    expect(copyBuyUsd({ ...base, sizing: 'proportional' }, 50, 0, 1000)).toBeNull();
  });
});
