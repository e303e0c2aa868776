/**
 * The signing path's ed25519 (node:crypto) against the pure-JS reference
 * (noble): the same public key for every seed and the same (deterministic,
 * RFC 8032) signature of every message.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ed25519PublicKey, ed25519Sign } from '../../../engine/keystore/ed25519';

describe('ed25519 through node:crypto', () => {
  test('public keys and signatures equal the reference implementation’s', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 1232 }),
        (seed, message) => {
          expect(ed25519PublicKey(seed)).toEqual(ed25519.getPublicKey(seed));
          expect(ed25519Sign(seed, message)).toEqual(ed25519.sign(message, seed));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a seed that is not 32 bytes is refused', () => {
    expect(() => ed25519PublicKey(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});
