import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

/**
 * Ed25519 through node:crypto (OpenSSL): synchronous, and tens of microseconds
 * for a public key or a signature, where the pure-JS derivation and WebCrypto's
 * asynchronous import / sign cost milliseconds on the signing path (issue 13,
 * point 6). Same keys and signatures (RFC 8032).
 *
 * The seed goes in as a JWK: a tenth of the cost of a PKCS#8 import. Its
 * base64url text cannot be wiped, like the sealed payload's own hex text the
 * vault parses it from (wallets.ts); both live only until collected.
 */
function privateKeyOf(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error('an ed25519 seed is 32 bytes');
  // For a private key Node reads `d` only; `x` must be a string and is ignored (derived from `d`).
  const d = Buffer.from(seed.buffer, seed.byteOffset, 32).toString('base64url');
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x: '' }, format: 'jwk' });
}

/** The 32-byte public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const { x } = createPublicKey(privateKeyOf(seed)).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x!, 'base64url'));
}

/** The 64-byte signature of `message` by the seed's key. */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyOf(seed)));
}
