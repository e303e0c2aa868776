import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { HarvestError } from '../kernel/errors';
import type { AuditKey, SealedSecret } from '../store';

export const MASTER_KEY_BYTES = 32;
const NONCE_BYTES = 12;

/** A 256-bit master key. Kept as a Buffer so it can be wiped. */
export class MasterKey {
  private constructor(private readonly bytes: Buffer) {}

  static random(): MasterKey {
    return new MasterKey(randomBytes(MASTER_KEY_BYTES));
  }

  static fromHex(hex: string): MasterKey {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new HarvestError('INVALID_INPUT', 'A master key must be exactly 64 hex characters (256 bits).');
    }
    return new MasterKey(Buffer.from(hex, 'hex'));
  }

  toHex(): string {
    return this.bytes.toString('hex');
  }

  /** A public fingerprint of the key: tells which key sealed what, reveals nothing about it. */
  get id(): string {
    return createHmac('sha256', this.bytes).update('harvest/master-key-id/v1').digest('hex').slice(0, 32);
  }

  /** Sub-keys per purpose, so the master key itself never touches a cipher. */
  subkey(purpose: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.bytes, Buffer.alloc(0), `harvest/${purpose}/v1`, 32));
  }

  equals(other: MasterKey): boolean {
    return this.bytes.equals(other.bytes);
  }

  wipe(): void {
    this.bytes.fill(0);
  }
}

/** The audit chain's HMAC key: its own HKDF label, so it can never equal a sealing key. */
export function auditKeyOf(key: MasterKey): AuditKey {
  return { keyId: key.id, secret: key.subkey('audit-chain') };
}

/** Associated data binds a ciphertext to its row: moved to another user or address, it fails to open. */
export function walletAad(userId: number, address: string): Buffer {
  return Buffer.from(`harvest:wallet:v1:${userId}:${address}`, 'utf8');
}

export function seal(key: MasterKey, plaintext: Buffer, aad: Buffer): SealedSecret {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.subkey('wallet-seal'), nonce);
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, nonce, tag: cipher.getAuthTag(), keyId: key.id };
}

export function open(key: MasterKey, sealed: SealedSecret, aad: Buffer, what: string): Buffer {
  if (sealed.keyId !== key.id) {
    throw new HarvestError(
      'MASTER_KEY_MISMATCH',
      `${what} was sealed under a different master key than the one in use; restore the matching key (harvest backup restore) instead of replacing it.`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.subkey('wallet-seal'), sealed.nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (cause) {
    throw new HarvestError(
      'TAMPERED',
      `${what} failed its integrity check: the stored ciphertext, nonce or tag was modified, or it was moved from another wallet. Nothing was decrypted; restore the data directory from a backup.`,
      { cause },
    );
  }
}
