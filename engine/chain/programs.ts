import { address, getAddressEncoder, getProgramDerivedAddress, type Address } from '@solana/kit';
import { HarvestError } from '../kernel/errors';

export const SYSTEM_PROGRAM_ADDRESS = address('11111111111111111111111111111111');
export const TOKEN_PROGRAM_ADDRESS = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
export const TOKEN_2022_PROGRAM_ADDRESS = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');
export const ASSOCIATED_TOKEN_PROGRAM_ADDRESS = address('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');
/** Owner of address lookup tables (v0 transactions load accounts from them; never invoked by a swap). */
export const ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS = address('AddressLookupTab1e1111111111111111111111111');

/**
 * Jito's tip payment accounts on mainnet (what the block engine's getTipAccounts answers; listed in
 * Jito's docs and test/fixtures/jupiter/README.md). A bundle or a "bundleOnly" transaction must
 * write-lock one of them with a SOL transfer; the signing policy allows a tip to these and no other.
 */
export const JITO_TIP_ACCOUNTS: readonly Address[] = Object.freeze(
  [
    '96gYZGLnJYVFmbjzopPSU6QiEV5fGqZNyN9nmNhvrZU5',
    'HFqU5x63VTqvQss8hp11i4wVV8bD44PvwucfZ2bU7gRe',
    'Cw8CFyM9FkoMi7K7Crf6HNQqf4uEMzpKw6QNghXLvLkY',
    'ADaUMid9yfUytqMBgopwjb2DTLSokTSzL1zt6iGPaS49',
    'DfXygSm4jCyNCybVYYK6DwvWqjKee8pbDmJGcLWNDXjh',
    'ADuUkR4vqLUMWXxW9gh6D6L8pMSawimctcNZ5pGwDcEt',
    'DttWaMuVvTiduZRnguLF7jNxTgiMBZ1hyAumKUiL2KRL',
    '3AVi9Tg9Uo68tJfuvoKvqKNWKkC5wPdSSdeBnizKZ6jT',
  ].map((a) => address(a)),
);
const TIP_ACCOUNT_SET: ReadonlySet<string> = new Set(JITO_TIP_ACCOUNTS);

export function isJitoTipAccount(a: string): boolean {
  return TIP_ACCOUNT_SET.has(a);
}

/** Size of an SPL token account without Token-2022 extensions. */
export const TOKEN_ACCOUNT_SIZE = 165;

const TOKEN_PROGRAMS: ReadonlySet<string> = new Set([TOKEN_PROGRAM_ADDRESS, TOKEN_2022_PROGRAM_ADDRESS]);

export function isTokenProgram(program: Address): boolean {
  return TOKEN_PROGRAMS.has(program);
}

const addressEncoder = getAddressEncoder();

/** Derivations are pure and repeated every balance sweep, so remember a bounded number of them. */
const ATA_CACHE_LIMIT = 20_000;
const ataCache = new Map<string, Address>();

/**
 * The associated token account of `owner` for `mint` under `tokenProgram` (Token or Token-2022):
 * the PDA of the Associated Token program with seeds [owner, tokenProgram, mint].
 */
export async function findAssociatedTokenAddress(
  owner: Address,
  mint: Address,
  tokenProgram: Address,
): Promise<Address> {
  if (!isTokenProgram(tokenProgram)) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Unknown token program ${tokenProgram} for mint ${mint}: expected Token (${TOKEN_PROGRAM_ADDRESS}) or Token-2022 (${TOKEN_2022_PROGRAM_ADDRESS}).`,
    );
  }
  const key = `${owner}:${mint}:${tokenProgram}`;
  const known = ataCache.get(key);
  if (known) return known;
  const [ata] = await getProgramDerivedAddress({
    programAddress: ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
    seeds: [addressEncoder.encode(owner), addressEncoder.encode(tokenProgram), addressEncoder.encode(mint)],
  });
  if (ataCache.size >= ATA_CACHE_LIMIT) ataCache.clear();
  ataCache.set(key, ata);
  return ata;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads the amount (u64 little-endian at offset 64) of an SPL token account, after checking that the
 * account really is `owner`'s account for `mint` (bytes 0..32 and 32..64). Works for Token and
 * Token-2022 layouts (extensions follow the 165-byte base). Never goes through a float.
 */
export function decodeTokenAccountAmount(
  data: Uint8Array,
  expected: { mint: Address; owner: Address; account: Address },
): bigint {
  if (data.length < TOKEN_ACCOUNT_SIZE) {
    throw new HarvestError(
      'INTERNAL',
      `Token account ${expected.account} has ${data.length} bytes of data; an SPL token account has at least ${TOKEN_ACCOUNT_SIZE}.`,
    );
  }
  if (!sameBytes(data.subarray(0, 32), addressEncoder.encode(expected.mint) as Uint8Array)) {
    throw new HarvestError('INTERNAL', `Token account ${expected.account} does not hold mint ${expected.mint}.`);
  }
  if (!sameBytes(data.subarray(32, 64), addressEncoder.encode(expected.owner) as Uint8Array)) {
    throw new HarvestError('INTERNAL', `Token account ${expected.account} is not owned by wallet ${expected.owner}.`);
  }
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(64, true);
}
