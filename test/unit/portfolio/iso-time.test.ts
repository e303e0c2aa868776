/**
 * The time texts the risk gate keys and writes facts by (engine/portfolio/performance.ts) are worked out
 * from kept day parts, not by Date at each call: they must be exactly what Date gives, at any instant and
 * in any order of instants (a day kept from one call must never leak into another day's answer).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoAt, utcDay, utcDayStartIso, utcDayStartMs } from '../../../engine/portfolio/performance';

/** Instants from 1900 to 2200, in ms, fractional ones too. */
const instant = fc.oneof(
  fc.integer({ min: -2_208_988_800_000, max: 7_258_118_400_000 }),
  fc.double({ min: -2_208_988_800_000, max: 7_258_118_400_000, noNaN: true }),
);

describe('time texts', () => {
  it('are what Date gives, in any order of instants', () => {
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const ms of instants) {
          const iso = new Date(ms).toISOString();
          expect(isoAt(ms)).toBe(iso);
          expect(utcDay(ms)).toBe(iso.slice(0, 10));
          expect(utcDayStartIso(ms)).toBe(`${iso.slice(0, 10)}T00:00:00.000Z`);
          expect(utcDayStartMs(Math.trunc(ms))).toBe(Date.parse(`${iso.slice(0, 10)}T00:00:00.000Z`));
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('at the edges of a day and of a second', () => {
    const day = Date.UTC(2021, 2, 1);
    for (const ms of [day - 1, day, day + 1, day + 999, day + 1_000, day + 86_399_999, day + 86_400_000])
      expect(isoAt(ms)).toBe(new Date(ms).toISOString());
  });
});
