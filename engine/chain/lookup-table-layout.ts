import { getAddressDecoder, type Address } from '@solana/kit';

/**
 * The address lookup table account layout (Agave's address-lookup-table program
 * state): a 56-byte LookupTableMeta, then the addresses, 32 bytes each. One
 * reading of it for the engine's assembly, the keystore's signing policy and the
 * sandbox's ledger.
 */
export const LOOKUP_TABLE_META_SIZE = 56;

const decoder = getAddressDecoder();

/** How many addresses a table account's data holds (0 when it is too short to be a table). */
export function lookupTableLength(data: Uint8Array): number {
  return data.length < LOOKUP_TABLE_META_SIZE ? 0 : Math.floor((data.length - LOOKUP_TABLE_META_SIZE) / 32);
}

/** The address at `index` (the caller checks it against lookupTableLength). */
export function lookupTableEntry(data: Uint8Array, index: number): Address {
  const at = LOOKUP_TABLE_META_SIZE + index * 32;
  return decoder.decode(data.subarray(at, at + 32));
}

/** Every address a table holds, usable yet or not. */
export function decodeLookupTableAddresses(data: Uint8Array): Address[] {
  return Array.from({ length: lookupTableLength(data) }, (_x, i) => lookupTableEntry(data, i));
}
