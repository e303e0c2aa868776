/**
 * What a table column sorts by (renderer/components/sortable-tables): a cell that reads
 * as money, a percentage, an amount or a time sorts as a number, anything else as words;
 * empty cells stay last in both directions. The browser behaviour (a click on a header)
 * is checked by test/e2e/human-ui.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, sortKey } from '../../../renderer/components/sortable-tables';

describe('table sort keys', () => {
  it('reads money, signed percentages, amounts and times as numbers', () => {
    expect(sortKey('$2,995.10')).toBe(2995.1);
    expect(sortKey('−5.2 %')).toBe(-5.2);
    expect(sortKey('-$3.10')).toBe(-3.1);
    expect(sortKey('+5.89 % over 1 h')).toBe(5.89);
    expect(sortKey('20.28 SOL ($2,995.10)')).toBe(20.28);
    expect(sortKey('2026-12-07 03:51')).toBe(Date.parse('2026-12-07 03:51'));
    expect(sortKey('SOL/USDC')).toBe('sol/usdc');
    expect(sortKey('—')).toBeNull();
  });

  it('orders numbers by value in both directions, with empty cells last', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { nil: null })), (values) => {
        const keys = values.map((v) => (v === null ? null : sortKey(`$${v.toFixed(2)}`.replace('$-', '-$'))));
        for (const dir of ['ascending', 'descending'] as const) {
          const sorted = [...keys].sort((a, b) => compareKeys(a, b, dir));
          const numbers = sorted.filter((k): k is number => typeof k === 'number');
          const firstNull = sorted.indexOf(null);
          if (firstNull >= 0) expect(sorted.slice(firstNull).every((k) => k === null)).toBe(true);
          for (let i = 1; i < numbers.length; i++)
            expect(dir === 'ascending' ? numbers[i]! >= numbers[i - 1]! : numbers[i]! <= numbers[i - 1]!).toBe(true);
        }
      }),
    );
  });
});
