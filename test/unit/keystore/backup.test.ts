import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  checkPassphrase,
  MIN_PASSPHRASE_LENGTH,
  openBackup,
  sealBackup,
  SCRYPT_PARAMS,
} from '../../../engine/keystore/backup';
import { MasterKey } from '../../../engine/keystore/seal';
import { expectHarvestError } from '../../helpers/errors';

// scrypt with N = 2^17 costs about half a second per call: each sealBackup and
// each openBackup past the header check pays it once, so cases are kept few.

const MAGIC = 'HARVEST-BACKUP\n';
const PASS = 'seven tidy otters juggle';
const CREATED = '2026-01-01T00:00:00.000Z';

interface Parsed {
  header: Record<string, unknown> & { kdf: Record<string, unknown>; cipher: Record<string, unknown> };
  headerEnd: number;
}

function parse(file: Buffer): Parsed {
  const nl = file.indexOf(0x0a, MAGIC.length);
  return {
    header: JSON.parse(file.subarray(MAGIC.length, nl).toString('utf8')) as Parsed['header'],
    headerEnd: nl + 1,
  };
}

function withHeader(file: Buffer, header: unknown): Buffer {
  const { headerEnd } = parse(file);
  return Buffer.concat([Buffer.from(MAGIC), Buffer.from(JSON.stringify(header) + '\n'), file.subarray(headerEnd)]);
}

describe('recovery kit (sealBackup / openBackup)', () => {
  const key = MasterKey.random();
  // A database-like payload with some structure and some noise.
  const db = Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(3000), Buffer.alloc(5000, 0x41)]);
  const file = sealBackup(key, db, PASS, CREATED);

  test('round trip returns the same master key, database and creation time', () => {
    const out = openBackup(file, PASS);
    expect(out.masterKey.toHex()).toBe(key.toHex());
    expect(out.masterKey.id).toBe(key.id);
    expect(out.db.equals(db)).toBe(true);
    expect(out.createdAt).toBe(CREATED);
  });

  test('the header records scrypt N=2^17, r=8, p=1 with a random salt, and AES-256-GCM', () => {
    expect(file.subarray(0, MAGIC.length).toString('utf8')).toBe(MAGIC);
    const { header } = parse(file);
    expect(header['format']).toBe('harvest-backup');
    expect(header['version']).toBe(1);
    expect(header['createdAt']).toBe(CREATED);
    expect(header.kdf['name']).toBe('scrypt');
    expect(header.kdf['N']).toBe(131072);
    expect(header.kdf['r']).toBe(8);
    expect(header.kdf['p']).toBe(1);
    expect(SCRYPT_PARAMS).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    expect(Buffer.from(header.kdf['salt'] as string, 'base64')).toHaveLength(16);
    expect(header.cipher['name']).toBe('aes-256-gcm');
    expect(Buffer.from(header.cipher['nonce'] as string, 'base64')).toHaveLength(12);
  });

  test('the file reveals neither the master key nor the database', () => {
    expect(file.includes(Buffer.from(key.toHex()))).toBe(false);
    expect(file.includes(Buffer.from(key.toHex(), 'hex'))).toBe(false);
    expect(file.includes(Buffer.from('SQLite format 3'))).toBe(false);
    expect(file.includes(db.subarray(16, 48))).toBe(false);
  });

  test('a wrong passphrase is WRONG_PASSPHRASE and says nothing was changed', () => {
    expectHarvestError(() => openBackup(file, PASS + '!'), 'WRONG_PASSPHRASE', /Nothing was changed/);
  });

  test('a modified header (even a field outside the KDF) is refused', () => {
    const { header } = parse(file);
    const edited = withHeader(file, { ...header, createdAt: '2020-01-01T00:00:00.000Z' });
    expectHarvestError(() => openBackup(edited, PASS), 'WRONG_PASSPHRASE');
  });

  test('a modified body byte is refused', () => {
    const { headerEnd } = parse(file);
    const edited = Buffer.from(file);
    const pos = headerEnd + Math.floor((file.length - headerEnd) / 2);
    edited[pos] = edited[pos]! ^ 0x01;
    expectHarvestError(() => openBackup(edited, PASS), 'WRONG_PASSPHRASE');
  });

  test('a header that is not valid JSON, or has unknown values, is refused before any key derivation', () => {
    const { header, headerEnd } = parse(file);
    const broken = Buffer.concat([Buffer.from(MAGIC), Buffer.from('{"format":\n'), file.subarray(headerEnd)]);
    expectHarvestError(() => openBackup(broken, PASS), 'INVALID_INPUT', /damaged header/);
    const weakKdf = withHeader(file, { ...header, kdf: { ...header.kdf, N: 2 } });
    expectHarvestError(() => openBackup(weakKdf, PASS), 'INVALID_INPUT', /damaged header/);
    const otherCipher = withHeader(file, { ...header, cipher: { ...header.cipher, name: 'aes-128-cbc' } });
    expectHarvestError(() => openBackup(otherCipher, PASS), 'INVALID_INPUT', /damaged header/);
  });

  test('a file that is not a backup, or is truncated, is refused', () => {
    expectHarvestError(
      () => openBackup(Buffer.from('SQLite format 3\0...'), PASS),
      'INVALID_INPUT',
      /not a Harvest backup/,
    );
    expectHarvestError(() => openBackup(Buffer.from(MAGIC + '{"format"'), PASS), 'INVALID_INPUT', /truncated/);
    const { headerEnd } = parse(file);
    expectHarvestError(() => openBackup(file.subarray(0, headerEnd + 10), PASS), 'INVALID_INPUT', /truncated/);
  });

  test('two backups of the same data use different salts and nonces', () => {
    const second = sealBackup(key, db, PASS, CREATED);
    const a = parse(file).header;
    const b = parse(second).header;
    expect(b.kdf['salt']).not.toBe(a.kdf['salt']);
    expect(b.cipher['nonce']).not.toBe(a.cipher['nonce']);
    expect(second.equals(file)).toBe(false);
  });
});

describe('backup passphrases', () => {
  test(`fewer than ${MIN_PASSPHRASE_LENGTH} characters are refused, ${MIN_PASSPHRASE_LENGTH} are accepted`, () => {
    expect(MIN_PASSPHRASE_LENGTH).toBe(12);
    expectHarvestError(() => checkPassphrase(''), 'INVALID_INPUT', /at least 12 characters/);
    expectHarvestError(() => checkPassphrase('a'.repeat(11)), 'INVALID_INPUT', /at least 12 characters/);
    expect(() => checkPassphrase('a'.repeat(12))).not.toThrow();
    // Characters, not UTF-16 units: six emoji are six characters.
    expectHarvestError(() => checkPassphrase('🌾'.repeat(6)), 'INVALID_INPUT');
    expect(() => checkPassphrase('🌾'.repeat(12))).not.toThrow();
  });

  test('sealBackup refuses a short passphrase before doing any work', () => {
    const t0 = performance.now();
    expectHarvestError(() => sealBackup(MasterKey.random(), Buffer.from('db'), 'short', CREATED), 'INVALID_INPUT');
    expect(performance.now() - t0).toBeLessThan(200);
  });

  test('a passphrase typed in another Unicode form (NFD vs NFC) opens the same backup', () => {
    const key = MasterKey.random();
    const nfd = 'Crème brûlée à la carte'.normalize('NFD');
    const file = sealBackup(key, Buffer.from('db bytes'), nfd, CREATED);
    expect(openBackup(file, nfd.normalize('NFC')).masterKey.id).toBe(key.id);
  });
});
