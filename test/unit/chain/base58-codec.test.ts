/**
 * patches/@solana+codecs-strings+*.patch replaces the big-integer arithmetic
 * of @solana/codecs-strings' base-X codecs (every address and signature kit
 * reads or writes goes through base58) with the usual digit-array
 * conversion. These properties hold the patched codecs to the library's
 * original big-integer algorithm, byte for byte and character for character,
 * leading zeros included, and to its refusal of strings outside the alphabet.
 */
import {
  getAddressDecoder,
  getAddressEncoder,
  getBase10Decoder,
  getBase10Encoder,
  getBase58Decoder,
  getBase58Encoder,
  isSolanaError,
  SOLANA_ERROR__CODECS__INVALID_STRING_FOR_BASE,
} from '@solana/kit';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE10 = '0123456789';

/** The library's own algorithm before the patch (big integers). */
function referenceEncode(bytes: Uint8Array, alphabet: string): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes.slice(zeros)) n = n * 256n + BigInt(b);
  let tail = '';
  const base = BigInt(alphabet.length);
  while (n > 0n) {
    tail = alphabet[Number(n % base)]! + tail;
    n /= base;
  }
  return alphabet[0]!.repeat(zeros) + tail;
}

function referenceDecode(text: string, alphabet: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === alphabet[0]) zeros++;
  let n = 0n;
  for (const c of text.slice(zeros)) n = n * BigInt(alphabet.length) + BigInt(alphabet.indexOf(c));
  const tail: number[] = [];
  while (n > 0n) {
    tail.unshift(Number(n % 256n));
    n /= 256n;
  }
  return new Uint8Array([...new Array<number>(zeros).fill(0), ...tail]);
}

const bytesWithLeadingZeros = fc
  .tuple(fc.nat({ max: 6 }), fc.uint8Array({ minLength: 0, maxLength: 80 }))
  .map(([zeros, rest]) => new Uint8Array([...new Array<number>(zeros).fill(0), ...rest]));

describe('base-X codecs (patched for speed)', () => {
  it.each([
    ['base58', BASE58, getBase58Encoder, getBase58Decoder],
    ['base10', BASE10, getBase10Encoder, getBase10Decoder],
  ] as const)('%s: bytes → text → bytes as the big-integer algorithm does', (_name, alphabet, enc, dec) => {
    const encoder = enc();
    const decoder = dec();
    fc.assert(
      fc.property(bytesWithLeadingZeros, (bytes) => {
        const text = decoder.decode(bytes);
        expect(text).toBe(referenceEncode(bytes, alphabet));
        expect(new Uint8Array(encoder.encode(text))).toEqual(referenceDecode(text, alphabet));
        expect(encoder.getSizeFromValue(text)).toBe(referenceDecode(text, alphabet).length);
      }),
      { numRuns: 2000 },
    );
  });

  it('base58 text → bytes for any string of the alphabet, leading "1"s included', () => {
    const encoder = getBase58Encoder();
    const text = fc
      .tuple(fc.nat({ max: 5 }), fc.array(fc.constantFrom(...BASE58.split('')), { maxLength: 60 }))
      .map(([ones, chars]) => '1'.repeat(ones) + chars.join(''));
    fc.assert(
      fc.property(text, (t) => {
        expect(new Uint8Array(encoder.encode(t))).toEqual(referenceDecode(t, BASE58));
      }),
      { numRuns: 2000 },
    );
  });

  it('addresses round-trip (32 bytes, any leading zeros)', () => {
    const enc = getAddressEncoder();
    const dec = getAddressDecoder();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat({ max: 32 }), (raw, zeros) => {
        const bytes = new Uint8Array(raw);
        bytes.fill(0, 0, zeros);
        const text = dec.decode(bytes);
        expect(text).toBe(referenceEncode(bytes, BASE58));
        expect(new Uint8Array(enc.encode(text))).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
    expect(dec.decode(new Uint8Array(32))).toBe('11111111111111111111111111111111');
  });

  it('is applied to every build of the library (npm install runs patch-package)', () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@solana/codecs-strings'));
    const builds = readdirSync(dist).filter((f) => /^index\.[a-z]+\.(c|m)js$/.test(f));
    expect(builds.length).toBeGreaterThanOrEqual(2);
    for (const f of builds) {
      const code = readFileSync(join(dist, f), 'utf8');
      expect(code, f).toContain('function getBaseXFromBytes(');
      expect(code, f).not.toContain('getBaseXFromBigInt(base10Number');
    }
  });

  it('still refuses characters outside the alphabet', () => {
    for (const bad of ['0OIl', 'abc0', 'hello world']) {
      let err: unknown = null;
      try {
        getBase58Encoder().encode(bad);
      } catch (e) {
        err = e;
      }
      expect(isSolanaError(err, SOLANA_ERROR__CODECS__INVALID_STRING_FOR_BASE)).toBe(true);
    }
  });
});
