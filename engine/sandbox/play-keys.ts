import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { getBase58Decoder, type Address } from '@solana/kit';
import type { SandboxLedger } from './ledger';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const base58 = getBase58Decoder();

/**
 * An ed25519 key that signs synchronously (node:crypto), so the market maker
 * can sign a transaction from inside the ledger's synchronous
 * beforeExecution hook.
 *
 * SANDBOX-ONLY PLAY KEYS. These keys (the sandbox mint authority, the market
 * maker, its escrows) control play money on the local LiteSVM chain and
 * nothing else. They are stored unencrypted in the sandbox ledger's meta table
 * on purpose and must never be used on devnet or mainnet, nor go through the
 * keystore, which is for users' real wallets only.
 */
export class PlayKey {
  readonly address: Address;
  private readonly key: KeyObject;

  private constructor(readonly seed: Uint8Array) {
    if (seed.length !== 32) throw new Error('a play key seed is 32 bytes');
    this.key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(this.key).export({ format: 'der', type: 'spki' });
    this.address = base58.decode(spki.subarray(spki.length - 32)) as Address;
  }

  static fromSeed(seed: Uint8Array): PlayKey {
    return new PlayKey(new Uint8Array(seed));
  }

  static generate(): PlayKey {
    return new PlayKey(new Uint8Array(randomBytes(32)));
  }

  /** The key stored under `meta` in the ledger, created on first use. */
  static persisted(ledger: SandboxLedger, meta: string): PlayKey {
    const stored = ledger.getMeta(meta);
    if (stored) return PlayKey.fromSeed(Buffer.from(stored, 'hex'));
    const key = PlayKey.generate();
    ledger.setMeta(meta, Buffer.from(key.seed).toString('hex'));
    return key;
  }

  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.key));
  }

  toJSON(): string {
    // Keeps seeds out of accidental JSON dumps and log lines.
    return this.address;
  }
}

/** Meta key of the sandbox authority: mint authority of every sandbox mint and the faucet's signer. */
export const SANDBOX_AUTHORITY_META = 'sandbox.authority.seed';

export function sandboxAuthority(ledger: SandboxLedger): PlayKey {
  return PlayKey.persisted(ledger, SANDBOX_AUTHORITY_META);
}
