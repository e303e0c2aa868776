import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Published test vectors, copied verbatim from /work/shared/data/vectors (see the
 * `source` field of each file for the upstream repository, commit and licence).
 */
const dir = join(import.meta.dirname, 'vectors');

export interface Slip10Chain {
  path: string;
  parent_fingerprint: string;
  chain_code: string;
  private_key: string;
  public_key: string;
  public_key_raw32: string;
}

export interface Slip10Vector {
  name: string;
  seed_hex: string;
  chains: Slip10Chain[];
}

export interface Bip39Vector {
  entropy: string;
  mnemonic: string;
  passphrase: string;
  seed: string;
  bip32_xprv: string;
}

export function slip10Ed25519Vectors(): Slip10Vector[] {
  const f = JSON.parse(readFileSync(join(dir, 'slip10-ed25519.json'), 'utf8')) as { vectors: Slip10Vector[] };
  return f.vectors;
}

export function bip39EnglishVectors(): Bip39Vector[] {
  const f = JSON.parse(readFileSync(join(dir, 'bip39-english-trezor.json'), 'utf8')) as {
    count: number;
    vectors: Bip39Vector[];
  };
  if (f.vectors.length !== f.count) throw new Error('bip39 vector file is incomplete');
  return f.vectors;
}
