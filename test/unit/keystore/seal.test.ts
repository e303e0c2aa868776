import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MasterKey, open, seal, walletAad } from '../../../engine/keystore/seal';
import type { SealedSecret } from '../../../engine/store';
import { expectHarvestError } from '../../helpers/errors';

const WHAT = 'The test secret';
const ADDRESS_A = 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk';
const ADDRESS_B = '11111111111111111111111111111111';

const copy = (s: SealedSecret): SealedSecret => ({
  ciphertext: Buffer.from(s.ciphertext),
  nonce: Buffer.from(s.nonce),
  tag: Buffer.from(s.tag),
  keyId: s.keyId,
});

describe('MasterKey', () => {
  test('fromHex / toHex round-trips and the id is a stable 128-bit fingerprint', () => {
    const k = MasterKey.random();
    const again = MasterKey.fromHex(k.toHex());
    expect(again.toHex()).toBe(k.toHex());
    expect(again.id).toBe(k.id);
    expect(again.equals(k)).toBe(true);
    expect(k.id).toMatch(/^[0-9a-f]{32}$/);
    expect(k.id).not.toBe(MasterKey.random().id);
    // The id must not reveal the key.
    expect(k.toHex()).not.toContain(k.id);
  });

  test.each(['', 'abc', '0'.repeat(63), '0'.repeat(65), 'g'.repeat(64), ` ${'0'.repeat(64)}`])(
    'fromHex refuses %j',
    (hex) => {
      expectHarvestError(() => MasterKey.fromHex(hex), 'INVALID_INPUT', /64 hex characters/);
    },
  );

  test('sub-keys differ per purpose and from the key itself', () => {
    const k = MasterKey.random();
    const a = k.subkey('wallet-seal');
    const b = k.subkey('something-else');
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
    expect(a.toString('hex')).not.toBe(k.toHex());
    expect(k.subkey('wallet-seal').equals(a)).toBe(true);
  });

  test('wipe zeroes the key', () => {
    const k = MasterKey.random();
    k.wipe();
    expect(k.toHex()).toBe('0'.repeat(64));
  });
});

describe('seal / open', () => {
  const key = MasterKey.random();
  const aad = walletAad(1, ADDRESS_A);

  test('round trip, including empty and binary plaintexts', () => {
    for (const plain of [Buffer.from('{"v":1,"kind":"secret_key"}'), Buffer.alloc(0), Buffer.from([0, 255, 1, 254])]) {
      const s = seal(key, plain, aad);
      expect(s.nonce).toHaveLength(12);
      expect(s.tag).toHaveLength(16);
      expect(s.keyId).toBe(key.id);
      expect(s.ciphertext).toHaveLength(plain.length);
      expect(open(key, s, aad, WHAT).equals(plain)).toBe(true);
    }
  });

  test('property: any plaintext round-trips and never appears in the ciphertext', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 300 }), fc.nat(), (bytes, userId) => {
        const plain = Buffer.from(bytes);
        const a = walletAad(userId, ADDRESS_A);
        const s = seal(key, plain, a);
        expect(s.ciphertext.equals(plain)).toBe(false);
        expect(open(key, s, a, WHAT).equals(plain)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  test('the associated data names the user and the address', () => {
    expect(walletAad(7, ADDRESS_A).toString('utf8')).toBe(`harvest:wallet:v1:7:${ADDRESS_A}`);
  });

  test('every seal uses a fresh nonce (same key, plaintext and AAD)', () => {
    const plain = Buffer.from('the same plaintext every time');
    const nonces = new Set<string>();
    const cts = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = seal(key, plain, aad);
      nonces.add(s.nonce.toString('hex'));
      cts.add(s.ciphertext.toString('hex'));
    }
    expect(nonces.size).toBe(200);
    expect(cts.size).toBe(200);
  });

  test('property: flipping any bit of the ciphertext, nonce or tag is TAMPERED', () => {
    const plain = Buffer.from(JSON.stringify({ v: 1, kind: 'mnemonic', mnemonic: 'abandon '.repeat(11) + 'about' }));
    const sealed = seal(key, plain, aad);
    fc.assert(
      fc.property(
        fc.constantFrom('ciphertext', 'nonce', 'tag') as fc.Arbitrary<'ciphertext' | 'nonce' | 'tag'>,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (field, rawPos, mask) => {
          const s = copy(sealed);
          const buf = s[field];
          const pos = rawPos % buf.length;
          buf[pos] = buf[pos]! ^ mask;
          expectHarvestError(() => open(key, s, aad, WHAT), 'TAMPERED', /failed its integrity check/);
        },
      ),
      { numRuns: 300 },
    );
    // The untouched original still opens: the failures above were the flips, not the setup.
    expect(open(key, sealed, aad, WHAT).equals(plain)).toBe(true);
  });

  test('a truncated or extended ciphertext is TAMPERED', () => {
    const sealed = seal(key, Buffer.from('twenty-two bytes here!'), aad);
    const shorter = { ...copy(sealed), ciphertext: sealed.ciphertext.subarray(0, sealed.ciphertext.length - 1) };
    const longer = { ...copy(sealed), ciphertext: Buffer.concat([sealed.ciphertext, Buffer.from([0])]) };
    expectHarvestError(() => open(key, shorter, aad, WHAT), 'TAMPERED');
    expectHarvestError(() => open(key, longer, aad, WHAT), 'TAMPERED');
  });

  test('moved to another user id is TAMPERED', () => {
    const sealed = seal(key, Buffer.from('secret'), walletAad(1, ADDRESS_A));
    expectHarvestError(() => open(key, sealed, walletAad(2, ADDRESS_A), WHAT), 'TAMPERED');
    expectHarvestError(() => open(key, sealed, walletAad(11, ADDRESS_A), WHAT), 'TAMPERED');
  });

  test('moved to another address is TAMPERED', () => {
    const sealed = seal(key, Buffer.from('secret'), walletAad(1, ADDRESS_A));
    expectHarvestError(() => open(key, sealed, walletAad(1, ADDRESS_B), WHAT), 'TAMPERED');
  });

  test('property: any different (user, address) pair fails to open', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 1_000_000 }),
        fc.nat({ max: 1_000_000 }),
        fc.constantFrom(ADDRESS_A, ADDRESS_B),
        fc.constantFrom(ADDRESS_A, ADDRESS_B),
        (u1, u2, a1, a2) => {
          fc.pre(u1 !== u2 || a1 !== a2);
          const sealed = seal(key, Buffer.from('secret'), walletAad(u1, a1));
          expectHarvestError(() => open(key, sealed, walletAad(u2, a2), WHAT), 'TAMPERED');
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a different master key is MASTER_KEY_MISMATCH, with a message that says to restore', () => {
    const sealed = seal(key, Buffer.from('secret'), aad);
    const other = MasterKey.random();
    const e = expectHarvestError(() => open(other, sealed, aad, WHAT), 'MASTER_KEY_MISMATCH', /different master key/);
    expect(e.message).toMatch(/restore/);
  });

  test('a different key that claims the right key id still fails (TAMPERED), never decrypts', () => {
    const sealed = seal(key, Buffer.from('secret'), aad);
    const other = MasterKey.random();
    const forged = { ...copy(sealed), keyId: other.id };
    expectHarvestError(() => open(other, forged, aad, WHAT), 'TAMPERED');
  });

  test('the error names what failed to open', () => {
    const sealed = copy(seal(key, Buffer.from('secret'), aad));
    sealed.tag[0] = sealed.tag[0]! ^ 1;
    expectHarvestError(
      () => open(key, sealed, aad, 'The wallet secret of user 42'),
      'TAMPERED',
      /^The wallet secret of user 42/,
    );
  });
});
