import { ed25519 } from '@noble/curves/ed25519.js';
import { getBase58Encoder } from '@solana/kit';
import * as bip39 from 'bip39';
import fc from 'fast-check';
import { HDKey } from 'micro-key-producer/slip10.js';
import { describe, expect, test } from 'vitest';
import {
  generateMnemonic,
  keypairFromMnemonic,
  keypairFromSecretKey,
  keypairFromSeed,
  normaliseMnemonic,
  secretKeyBytes,
  SOLANA_DERIVATION_PATH,
  toBase58,
  validateMnemonic,
} from '../../../engine/keystore/derivation';
import { expectHarvestError } from '../../helpers/errors';
import { bip39EnglishVectors, slip10Ed25519Vectors } from '../../helpers/vectors';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const base58ToBytes = (s: string): Uint8Array => new Uint8Array(getBase58Encoder().encode(s));

const ABANDON_ABOUT = `${'abandon '.repeat(11)}about`;
/** The address Phantom, Solflare and Backpack show for "abandon x11 about" (account 0). */
const ABANDON_ABOUT_PHANTOM = 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk';

describe('SLIP-0010 ed25519 vectors', () => {
  const vectors = slip10Ed25519Vectors();

  test('the vector file holds both published vectors with all their chains', () => {
    expect(vectors.map((v) => v.chains.length)).toEqual([6, 6]);
  });

  for (const v of vectors) {
    for (const c of v.chains) {
      test(`${v.name}: ${c.path}`, () => {
        const node = HDKey.fromMasterSeed(fromHex(v.seed_hex)).derive(c.path);
        expect(hex(node.privateKey)).toBe(c.private_key);
        expect(hex(node.chainCode)).toBe(c.chain_code);
        // Our keypair from that private key must give the vector's public key (Solana uses the raw 32 bytes).
        const kp = keypairFromSeed(node.privateKey);
        expect(hex(kp.publicKey)).toBe(c.public_key_raw32);
        expect(`00${hex(kp.publicKey)}`).toBe(c.public_key);
        expect(kp.address).toBe(toBase58(fromHex(c.public_key_raw32)));
        expect(hex(base58ToBytes(kp.address))).toBe(c.public_key_raw32);
      });
    }
  }
});

describe('BIP39 English vectors (trezor/python-mnemonic)', () => {
  const vectors = bip39EnglishVectors();

  test('all 24 vectors are present', () => {
    expect(vectors).toHaveLength(24);
  });

  vectors.forEach((v, i) => {
    const words = v.mnemonic.split(' ').length;
    test(`#${i} (${words} words): entropy -> mnemonic -> seed`, () => {
      expect(v.passphrase).toBe('TREZOR');
      expect(bip39.entropyToMnemonic(v.entropy)).toBe(v.mnemonic);
      expect(bip39.mnemonicToEntropy(v.mnemonic)).toBe(v.entropy);
      expect(bip39.validateMnemonic(v.mnemonic)).toBe(true);
      expect(bip39.mnemonicToSeedSync(v.mnemonic, 'TREZOR').toString('hex')).toBe(v.seed);
      expect(normaliseMnemonic(v.mnemonic)).toBe(v.mnemonic);
      if (words === 12 || words === 24) {
        // Our validator accepts exactly the lengths Harvest supports and returns the phrase as is.
        expect(validateMnemonic(v.mnemonic)).toBe(v.mnemonic);
        expect(validateMnemonic(`  ${v.mnemonic.toUpperCase().replaceAll(' ', '\t ')}\n`)).toBe(v.mnemonic);
        // keypairFromMnemonic is the SLIP-0010 derivation of exactly this BIP39 seed.
        const seed = bip39.mnemonicToSeedSync(v.mnemonic, 'TREZOR');
        const expected = HDKey.fromMasterSeed(seed).derive(SOLANA_DERIVATION_PATH);
        const kp = keypairFromMnemonic(v.mnemonic, 'TREZOR');
        expect(hex(kp.seed)).toBe(hex(expected.privateKey));
        expect(hex(kp.publicKey)).toBe(hex(expected.publicKeyRaw));
      } else {
        // 15/18/21 words are valid BIP39 but not a length Harvest offers; refused with the count.
        expectHarvestError(
          () => validateMnemonic(v.mnemonic),
          'INVALID_INPUT',
          new RegExp(`12 or 24 words; this one has ${words}`),
        );
      }
    });
  });
});

describe('Solana wallet derivation', () => {
  test('the derivation path is the Phantom / Solflare / Backpack account 0 path', () => {
    expect(SOLANA_DERIVATION_PATH).toBe("m/44'/501'/0'/0'");
  });

  test('"abandon x11 about" gives the address Phantom shows', () => {
    const kp = keypairFromMnemonic(ABANDON_ABOUT);
    expect(kp.address).toBe(ABANDON_ABOUT_PHANTOM);
    expect(kp.seed).toHaveLength(32);
    expect(kp.publicKey).toHaveLength(32);
    expect(hex(ed25519.getPublicKey(kp.seed))).toBe(hex(kp.publicKey));
  });

  test('case and whitespace in a typed phrase do not change the wallet', () => {
    const messy = `  ${ABANDON_ABOUT.toUpperCase().split(' ').join('   ')} \n`;
    expect(keypairFromMnemonic(messy).address).toBe(ABANDON_ABOUT_PHANTOM);
  });

  test('a BIP39 passphrase gives a different wallet, and the same passphrase the same one', () => {
    const a = keypairFromMnemonic(ABANDON_ABOUT, 'correct horse');
    const b = keypairFromMnemonic(ABANDON_ABOUT, 'correct horse');
    expect(a.address).not.toBe(ABANDON_ABOUT_PHANTOM);
    expect(a.address).toBe(b.address);
    expect(keypairFromMnemonic(ABANDON_ABOUT, 'correct horsE').address).not.toBe(a.address);
  });

  test('another account path gives another address', () => {
    expect(keypairFromMnemonic(ABANDON_ABOUT, '', "m/44'/501'/1'/0'").address).not.toBe(ABANDON_ABOUT_PHANTOM);
  });

  test('generateMnemonic gives valid 12- and 24-word English phrases, different each time', () => {
    const seen = new Set<string>();
    for (const words of [12, 24] as const) {
      for (let i = 0; i < 5; i++) {
        const m = generateMnemonic(words);
        expect(m.split(' ')).toHaveLength(words);
        expect(bip39.validateMnemonic(m)).toBe(true);
        expect(validateMnemonic(m)).toBe(m);
        seen.add(m);
      }
    }
    expect(seen.size).toBe(10);
  });
});

describe('mnemonic refusals', () => {
  test('a wrong checksum is refused with a message that says so', () => {
    // "abandon x12" has a wrong checksum (the last word must be "about").
    const bad = Array(12).fill('abandon').join(' ');
    expect(bip39.validateMnemonic(bad)).toBe(false);
    expectHarvestError(() => validateMnemonic(bad), 'INVALID_INPUT', /checksum/);
    expectHarvestError(() => keypairFromMnemonic(bad), 'INVALID_INPUT', /checksum/);
  });

  test('a word outside the English list is refused', () => {
    const bad = ABANDON_ABOUT.replace('about', 'abouts');
    expectHarvestError(() => validateMnemonic(bad), 'INVALID_INPUT', /not in the English list/);
  });

  test.each([1, 11, 13, 15, 18, 23, 25])('%i words are refused with the count in the message', (n) => {
    const words = Array.from({ length: n }, (_, i) => (i === n - 1 ? 'about' : 'abandon')).join(' ');
    expectHarvestError(() => validateMnemonic(words), 'INVALID_INPUT', new RegExp(`this one has ${n}\\.`));
  });

  test('an empty phrase is refused', () => {
    expectHarvestError(() => validateMnemonic('   '), 'INVALID_INPUT', /12 or 24 words/);
  });

  test('property: any single-word substitution that breaks the checksum is refused', () => {
    const wordlist = bip39.wordlists['english']!;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.nat({ max: 11 }),
        fc.nat({ max: 2047 }),
        (entropy, pos, wordIdx) => {
          const words = bip39.entropyToMnemonic(Buffer.from(entropy).toString('hex')).split(' ');
          words[pos] = wordlist[wordIdx]!;
          const m = words.join(' ');
          if (bip39.validateMnemonic(m)) {
            expect(validateMnemonic(m)).toBe(m);
          } else {
            expectHarvestError(() => validateMnemonic(m), 'INVALID_INPUT', /checksum/);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('secret key import', () => {
  const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const kp = keypairFromSeed(seed);
  const sk = secretKeyBytes(kp);

  test('secretKeyBytes is seed || public key', () => {
    expect(sk).toHaveLength(64);
    expect(hex(sk.slice(0, 32))).toBe(hex(seed));
    // RFC 8032 test 1 public key.
    expect(hex(sk.slice(32))).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  });

  test('base58 (Phantom) and JSON byte array (Solana CLI) give the same address', () => {
    const fromB58 = keypairFromSecretKey(toBase58(sk));
    const fromJson = keypairFromSecretKey(JSON.stringify(Array.from(sk)));
    const fromPrettyJson = keypairFromSecretKey(`\n  ${JSON.stringify(Array.from(sk), null, 2)}  \n`);
    expect(fromB58.address).toBe(kp.address);
    expect(fromJson.address).toBe(kp.address);
    expect(fromPrettyJson.address).toBe(kp.address);
    expect(hex(fromB58.seed)).toBe(hex(seed));
    expect(hex(fromJson.seed)).toBe(hex(seed));
  });

  test('a key whose public half does not match is refused', () => {
    const other = keypairFromSeed(new Uint8Array(32).fill(7));
    const spliced = new Uint8Array(64);
    spliced.set(seed, 0);
    spliced.set(other.publicKey, 32);
    expectHarvestError(() => keypairFromSecretKey(toBase58(spliced)), 'INVALID_INPUT', /public half does not match/);
    expectHarvestError(
      () => keypairFromSecretKey(JSON.stringify(Array.from(spliced))),
      'INVALID_INPUT',
      /public half does not match/,
    );
  });

  test('property: flipping any bit of either half of a secret key is refused', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat({ max: 63 }),
        fc.integer({ min: 0, max: 7 }),
        (s, pos, bit) => {
          const key = secretKeyBytes(keypairFromSeed(s));
          const bad = key.slice();
          bad[pos] = bad[pos]! ^ (1 << bit);
          // Either half changed means the halves no longer belong together.
          expectHarvestError(() => keypairFromSecretKey(toBase58(bad)), 'INVALID_INPUT', /does not match/);
        },
      ),
      { numRuns: 100 },
    );
  });

  test.each([
    ['63 bytes', JSON.stringify(Array.from(sk.slice(0, 63))), /64 bytes; this one is 63/],
    ['65 bytes', JSON.stringify([...Array.from(sk), 0]), /64 bytes; this one is 65/],
    ['32-byte seed alone', toBase58(seed), /64 bytes; this one is 32/],
    ['a byte above 255', JSON.stringify([...Array.from(sk.slice(0, 63)), 256]), /byte values/],
    ['a negative byte', JSON.stringify([-1, ...Array.from(sk.slice(1))]), /byte values/],
    ['a fractional byte', JSON.stringify([1.5, ...Array.from(sk.slice(1))]), /byte values/],
    ['strings in the array', JSON.stringify(Array.from(sk).map(String)), /byte values/],
    ['broken JSON', `[${Array.from(sk).join(',')}`, /not valid JSON/],
    ['a JSON object', '[{"a":1}]', /byte values/],
    ['non-base58 characters', '0OIl' + toBase58(sk).slice(4), /neither base58 nor/],
    ['empty', '', /64 bytes; this one is 0/],
  ])('refuses %s', (_label, text, message) => {
    expectHarvestError(() => keypairFromSecretKey(text), 'INVALID_INPUT', message);
  });
});

describe('round trip property', () => {
  test('mnemonic (12/24 words) -> keypair -> secret key bytes -> import gives the same address', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 32, maxLength: 32 })),
        fc.oneof(fc.constant(''), fc.string({ maxLength: 12 })),
        (entropy, passphrase) => {
          const mnemonic = bip39.entropyToMnemonic(Buffer.from(entropy).toString('hex'));
          expect(mnemonic.split(' ')).toHaveLength(entropy.length === 16 ? 12 : 24);
          const kp = keypairFromMnemonic(mnemonic, passphrase);
          const sk = secretKeyBytes(kp);
          const viaB58 = keypairFromSecretKey(toBase58(sk));
          const viaJson = keypairFromSecretKey(JSON.stringify(Array.from(sk)));
          expect(viaB58.address).toBe(kp.address);
          expect(viaJson.address).toBe(kp.address);
          expect(hex(viaB58.seed)).toBe(hex(kp.seed));
          expect(hex(base58ToBytes(kp.address))).toBe(hex(kp.publicKey));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('generated phrases round-trip the same way', () => {
    for (const words of [12, 24, 12, 24] as const) {
      const kp = keypairFromMnemonic(generateMnemonic(words));
      expect(keypairFromSecretKey(toBase58(secretKeyBytes(kp))).address).toBe(kp.address);
    }
  });
});
