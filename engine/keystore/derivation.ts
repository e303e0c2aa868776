import { getBase58Decoder, getBase58Encoder } from '@solana/kit';
import { createRequire } from 'node:module';
import type * as Bip39Module from 'bip39';
import { HDKey } from 'micro-key-producer/slip10.js';
import { HarvestError } from '../kernel/errors';
import { ed25519PublicKey } from './ed25519';

type Bip39 = typeof Bip39Module;
let bip39Module: Bip39 | null = null;
/**
 * bip39 is loaded on first use, not at import: with its word lists it is the largest
 * module a command that opens the data directory would otherwise parse, and only
 * creating or importing a wallet needs it (issue 12, item 5: light commands start fast).
 * A plain require keeps these functions synchronous and the package out of the CLI bundle.
 */
function bip39(): Bip39 {
  bip39Module ??= createRequire(import.meta.url)('bip39') as Bip39;
  return bip39Module;
}

/** Phantom, Solflare and Backpack derive the first account here. */
export const SOLANA_DERIVATION_PATH = "m/44'/501'/0'/0'";

export interface Keypair {
  /** 32-byte ed25519 private seed. */
  seed: Uint8Array;
  /** 32-byte ed25519 public key. */
  publicKey: Uint8Array;
  /** Base58 public key: the Solana address. */
  address: string;
}

const base58 = {
  encode: (b: Uint8Array) => getBase58Decoder().decode(b),
  decode: (s: string) => getBase58Encoder().encode(s),
};

export function toBase58(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

export function normaliseMnemonic(mnemonic: string): string {
  return mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
}

export function generateMnemonic(words: 12 | 24): string {
  return bip39().generateMnemonic(words === 12 ? 128 : 256);
}

export function validateMnemonic(mnemonic: string): string {
  const m = normaliseMnemonic(mnemonic);
  const count = m.split(' ').length;
  if (count !== 12 && count !== 24) {
    throw new HarvestError('INVALID_INPUT', `A recovery phrase has 12 or 24 words; this one has ${count}.`);
  }
  if (!bip39().validateMnemonic(m)) {
    throw new HarvestError(
      'INVALID_INPUT',
      'That recovery phrase is not valid BIP39: a word is not in the English list or the checksum does not match. Check each word.',
    );
  }
  return m;
}

export function keypairFromSeed(seed: Uint8Array): Keypair {
  const publicKey = ed25519PublicKey(seed);
  return { seed, publicKey, address: toBase58(publicKey) };
}

export function keypairFromMnemonic(mnemonic: string, passphrase = '', path = SOLANA_DERIVATION_PATH): Keypair {
  const seed = bip39().mnemonicToSeedSync(validateMnemonic(mnemonic), passphrase);
  const node = HDKey.fromMasterSeed(seed).derive(path);
  return keypairFromSeed(node.privateKey);
}

/**
 * Solana's 64-byte secret key is seed || public key. Accepts base58 (Phantom's
 * export) or the Solana CLI's JSON byte array; the public half must match.
 */
export function keypairFromSecretKey(text: string): Keypair {
  const trimmed = text.trim();
  let bytes: Uint8Array;
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new HarvestError('INVALID_INPUT', 'The secret key looks like a JSON array but is not valid JSON.');
    }
    if (
      !Array.isArray(parsed) ||
      !parsed.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 255)
    ) {
      throw new HarvestError('INVALID_INPUT', 'A JSON secret key must be an array of byte values (0-255).');
    }
    bytes = Uint8Array.from(parsed as number[]);
  } else {
    try {
      bytes = new Uint8Array(base58.decode(trimmed));
    } catch {
      throw new HarvestError('INVALID_INPUT', 'The secret key is neither base58 nor a JSON byte array.');
    }
  }
  if (bytes.length !== 64) {
    throw new HarvestError('INVALID_INPUT', `A Solana secret key is 64 bytes; this one is ${bytes.length}.`);
  }
  const kp = keypairFromSeed(bytes.slice(0, 32));
  if (!Buffer.from(kp.publicKey).equals(Buffer.from(bytes.slice(32)))) {
    throw new HarvestError(
      'INVALID_INPUT',
      "The secret key's public half does not match its private half; the key is damaged.",
    );
  }
  return kp;
}

export function secretKeyBytes(kp: Keypair): Uint8Array {
  const out = new Uint8Array(64);
  out.set(kp.seed, 0);
  out.set(kp.publicKey, 32);
  return out;
}
