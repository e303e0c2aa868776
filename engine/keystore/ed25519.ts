import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

/**
 * Ed25519 through node:crypto (OpenSSL): synchronous and about a tenth of a
 * millisecond for a public key or a signature, where the pure-JS derivation
 * and WebCrypto's asynchronous import / sign cost milliseconds on the signing
 * path (issue 13, point 6). Same keys and signatures (RFC 8032).
 */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKeyOf(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new Error('an ed25519 seed is 32 bytes');
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** The 32-byte public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(privateKeyOf(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

/** The 64-byte signature of `message` by the seed's key. */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, privateKeyOf(seed)));
}
