/**
 * The chain transport's JSON reader against @solana/kit's own
 * (parseJsonWithBigInts): the same values for any JSON-RPC answer, integers
 * as bigints (past 2^53 too), other numbers as numbers, strings untouched
 * whatever digits, quotes or escapes they hold.
 */
import { parseJsonWithBigInts as kitParse } from '@solana/rpc-spec-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonWithBigInts } from '../../../engine/chain/json-bigint';

/** JSON text as a node writes it: integers of any size, decimals and exponents, escaped strings. */
const number = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => b.toString()),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.integer().map((i) => `${i}.0`),
  fc
    .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom('e', 'E', 'e+', 'e-', 'E-'))
    .map(([m, e, sep]) => `${m}${sep}${e}`),
);
const text = fc.string({
  unit: fc.constantFrom('a', '1', '-', '"', '\\', '.', 'e', ' ', '{', '}', '[', ']', ':', ',', 'é', '\n'),
});
const json: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    number,
    text.map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('value'), { maxLength: 5 }).map((xs) => `[${xs.join(',')}]`),
    fc
      .array(fc.tuple(text, tie('value')), { maxLength: 5 })
      .map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

describe('JSON-RPC answers with big integers', () => {
  it('reads any answer exactly as kit does', () => {
    fc.assert(
      fc.property(json, (t) => {
        expect(parseJsonWithBigInts(t)).toEqual(kitParse(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps u64 values exact and decimals as numbers', () => {
    const v = parseJsonWithBigInts(
      '{"jsonrpc":"2.0","result":{"context":{"slot":18446744073709551615},"value":[{"uiAmount":1.0,"amount":"12","decimals":6,"fee":-5e2}]},"id":1}',
    ) as { result: { context: { slot: unknown }; value: Record<string, unknown>[] } };
    expect(v.result.context.slot).toBe(18446744073709551615n);
    expect(v.result.value[0]).toEqual({ uiAmount: 1, amount: '12', decimals: 6n, fee: -500n });
  });

  it('refuses malformed text as JSON.parse does', () => {
    expect(() => parseJsonWithBigInts('{"a":')).toThrow(SyntaxError);
  });
});
