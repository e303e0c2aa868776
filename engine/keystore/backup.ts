import { closeSync, openSync, readSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { HarvestError } from '../kernel/errors';
import { MasterKey } from './seal';

/**
 * A recovery kit: the database and the master key, sealed with a passphrase.
 *
 * File layout: MAGIC, a JSON header line (public parameters, also the AEAD's
 * associated data), then AES-256-GCM ciphertext || tag. The key comes from
 * scrypt with N = 2^17, r = 8, p = 1 (128 MiB, about half a second here):
 * OWASP's recommended floor for scrypt.
 */
const MAGIC = Buffer.from('HARVEST-BACKUP\n', 'utf8');
/** Whether a file starts like a recovery kit (a quick look at its first bytes; nothing is decrypted). */
export function looksLikeBackup(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(MAGIC.length);
    return readSync(fd, head, 0, MAGIC.length, 0) === MAGIC.length && head.equals(MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export const SCRYPT_PARAMS = { N: 2 ** 17, r: 8, p: 1 } as const;
export const MIN_PASSPHRASE_LENGTH = 12;

const Header = z.object({
  format: z.literal('harvest-backup'),
  version: z.literal(1),
  createdAt: z.string(),
  kdf: z.object({
    name: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(2 ** 14)
      .max(2 ** 22),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: z.string(),
  }),
  cipher: z.object({ name: z.literal('aes-256-gcm'), nonce: z.string() }),
});
type Header = z.infer<typeof Header>;

const Contents = z.object({ masterKey: z.string(), dbSha256: z.string(), keyId: z.string() });

export interface BackupContents {
  masterKey: MasterKey;
  db: Buffer;
  createdAt: string;
}

function deriveKey(passphrase: string, h: Header['kdf']): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), Buffer.from(h.salt, 'base64'), 32, {
    N: h.N,
    r: h.r,
    p: h.p,
    maxmem: 256 * h.N * h.r + 16 * 1024 * 1024,
  });
}

export function checkPassphrase(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new HarvestError(
      'INVALID_INPUT',
      `A backup passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters; a few random words work well.`,
    );
  }
}

export function sealBackup(key: MasterKey, db: Buffer, passphrase: string, createdAt: string): Buffer {
  checkPassphrase(passphrase);
  const header: Header = {
    format: 'harvest-backup',
    version: 1,
    createdAt,
    kdf: { name: 'scrypt', ...SCRYPT_PARAMS, salt: randomBytes(16).toString('base64') },
    cipher: { name: 'aes-256-gcm', nonce: randomBytes(12).toString('base64') },
  };
  const headerBytes = Buffer.from(JSON.stringify(header) + '\n', 'utf8');
  const contents = Buffer.from(
    JSON.stringify({ masterKey: key.toHex(), keyId: key.id, dbSha256: createHash('sha256').update(db).digest('hex') }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32BE(contents.length);
  const plain = gzipSync(Buffer.concat([len, contents, db]));
  contents.fill(0);
  const k = deriveKey(passphrase, header.kdf);
  const cipher = createCipheriv('aes-256-gcm', k, Buffer.from(header.cipher.nonce, 'base64'));
  cipher.setAAD(headerBytes);
  const ct = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  k.fill(0);
  plain.fill(0);
  return Buffer.concat([MAGIC, headerBytes, ct]);
}

export function openBackup(file: Buffer, passphrase: string): BackupContents {
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new HarvestError('INVALID_INPUT', 'That file is not a Harvest backup.');
  }
  const nl = file.indexOf(0x0a, MAGIC.length);
  if (nl < 0) throw new HarvestError('INVALID_INPUT', 'That Harvest backup is truncated (no header).');
  const headerBytes = file.subarray(MAGIC.length, nl + 1);
  let header: Header;
  try {
    header = Header.parse(JSON.parse(headerBytes.toString('utf8')));
  } catch {
    throw new HarvestError('INVALID_INPUT', 'That Harvest backup has a damaged header.');
  }
  const body = file.subarray(nl + 1);
  if (body.length < 17) throw new HarvestError('INVALID_INPUT', 'That Harvest backup is truncated.');
  const k = deriveKey(passphrase, header.kdf);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(header.cipher.nonce, 'base64'));
    decipher.setAAD(headerBytes);
    decipher.setAuthTag(body.subarray(body.length - 16));
    plain = gunzipSync(Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]));
  } catch (cause) {
    throw new HarvestError(
      'WRONG_PASSPHRASE',
      'Could not open the backup: the passphrase is wrong or the file was damaged. Nothing was changed.',
      { cause },
    );
  } finally {
    k.fill(0);
  }
  const len = plain.readUInt32BE(0);
  const contents = Contents.parse(JSON.parse(plain.subarray(4, 4 + len).toString('utf8')));
  const db = Buffer.from(plain.subarray(4 + len));
  plain.fill(0);
  if (createHash('sha256').update(db).digest('hex') !== contents.dbSha256) {
    throw new HarvestError('TAMPERED', 'The backup decrypted but its database does not match its checksum.');
  }
  const masterKey = MasterKey.fromHex(contents.masterKey);
  if (masterKey.id !== contents.keyId) throw new HarvestError('TAMPERED', 'The backup key does not match its id.');
  return { masterKey, db, createdAt: header.createdAt };
}
