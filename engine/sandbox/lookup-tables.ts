import { getAddressEncoder, type Address } from '@solana/kit';
import { decodeLookupTableAddresses, LOOKUP_TABLE_META_SIZE } from '../chain/lookup-table-layout';
import { ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS } from '../chain/programs';

export { decodeLookupTableAddresses } from '../chain/lookup-table-layout';

/**
 * Address lookup tables as the runtime reads them (Agave's address-lookup-table
 * program state and the bank's address loader), so the sandbox resolves a v0
 * message's lookups, and refuses bad ones, the way a mainnet RPC node does.
 *
 * Account layout (engine/chain/lookup-table-layout.ts): a 56-byte LookupTableMeta — u32 discriminator (1 = LookupTable),
 * u64 deactivation slot (u64::MAX while active), u64 last extended slot, u8 start
 * index of that extension, Option<Pubkey> authority (1 + 32), u16 padding — then
 * the addresses, 32 bytes each.
 */
const LOOKUP_TABLE_DISCRIMINATOR = 1;
const U64_MAX = 2n ** 64n - 1n;
/** A deactivated table stays usable while its deactivation slot is in the SlotHashes sysvar (512 slots). */
const SLOT_HASHES_DEPTH = 512n;
/** A table holds at most 256 addresses (indexes are u8). */
export const LOOKUP_TABLE_MAX_ADDRESSES = 256;

export interface AddressTableLookup {
  lookupTableAddress: Address;
  writableIndexes: readonly number[];
  readonlyIndexes: readonly number[];
}

/** What a v0 message loads from its tables, in mainnet order: every lookup's writable, then every lookup's readonly. */
export interface LoadedAddresses {
  writable: Address[];
  readonly: Address[];
}

export type LookupTableErrorCode =
  | 'AddressLookupTableNotFound'
  | 'InvalidAddressLookupTableOwner'
  | 'InvalidAddressLookupTableData'
  | 'InvalidAddressLookupTableIndex';

/** The TransactionError display texts (solana-transaction-error), which the RPC puts after "invalid transaction: ". */
const DESCRIPTIONS: Record<LookupTableErrorCode, string> = {
  AddressLookupTableNotFound: "Transaction loads an address table account that doesn't exist",
  InvalidAddressLookupTableOwner: 'Transaction loads an address table account with an invalid owner',
  InvalidAddressLookupTableData: 'Transaction loads an address table account with invalid data',
  InvalidAddressLookupTableIndex: 'Transaction address table lookup uses an invalid index',
};

export class LookupTableError extends Error {
  constructor(readonly code: LookupTableErrorCode) {
    super(DESCRIPTIONS[code]);
  }
}

/**
 * A table account's bytes, active (never deactivated). Addresses from `lastExtendedStartIndex` on
 * were added in `lastExtendedSlot` and are usable only after it, as on mainnet.
 */
export function encodeLookupTable(
  authority: Address | null,
  addresses: readonly Address[],
  lastExtendedSlot: bigint,
  lastExtendedStartIndex: number,
): Uint8Array {
  if (addresses.length > LOOKUP_TABLE_MAX_ADDRESSES) throw new Error('a lookup table holds at most 256 addresses');
  const data = new Uint8Array(LOOKUP_TABLE_META_SIZE + 32 * addresses.length);
  const view = new DataView(data.buffer);
  view.setUint32(0, LOOKUP_TABLE_DISCRIMINATOR, true);
  view.setBigUint64(4, U64_MAX, true);
  view.setBigUint64(12, lastExtendedSlot, true);
  data[20] = lastExtendedStartIndex;
  if (authority) {
    data[21] = 1;
    data.set(encoder.encode(authority), 22);
  }
  addresses.forEach((a, i) => data.set(encoder.encode(a), LOOKUP_TABLE_META_SIZE + 32 * i));
  return data;
}

const encoder = getAddressEncoder();

/** The addresses a table offers at `slot`, or the error the runtime reports for it. */
function activeAddresses(acc: { owner: Address; data: Uint8Array } | null, slot: bigint): Address[] {
  if (!acc) throw new LookupTableError('AddressLookupTableNotFound');
  if (acc.owner !== ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS) throw new LookupTableError('InvalidAddressLookupTableOwner');
  const d = acc.data;
  if (d.length < LOOKUP_TABLE_META_SIZE || (d.length - LOOKUP_TABLE_META_SIZE) % 32 !== 0) {
    throw new LookupTableError('InvalidAddressLookupTableData');
  }
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  if (view.getUint32(0, true) !== LOOKUP_TABLE_DISCRIMINATOR)
    throw new LookupTableError('InvalidAddressLookupTableData');
  const deactivation = view.getBigUint64(4, true);
  // A deactivated table whose cool-down has passed is, to the loader, no table at all.
  const usableAfterDeactivation = deactivation <= slot && slot - deactivation < SLOT_HASHES_DEPTH;
  if (deactivation !== U64_MAX && !usableAfterDeactivation) throw new LookupTableError('AddressLookupTableNotFound');
  const lastExtended = view.getBigUint64(12, true);
  const count = (d.length - LOOKUP_TABLE_META_SIZE) / 32;
  const usable = slot > lastExtended ? count : Math.min(count, d[20] ?? 0);
  return decodeLookupTableAddresses(d.subarray(0, LOOKUP_TABLE_META_SIZE + 32 * usable));
}

/** Resolves a message's lookups against the tables' state at `slot`; throws LookupTableError as the runtime would. */
export function resolveLookups(
  lookups: readonly AddressTableLookup[],
  account: (a: Address) => { owner: Address; data: Uint8Array } | null,
  slot: bigint,
): LoadedAddresses {
  const loaded: LoadedAddresses = { writable: [], readonly: [] };
  for (const l of lookups) {
    const table = activeAddresses(account(l.lookupTableAddress), slot);
    const pick = (i: number): Address => {
      const a = table[i];
      if (a === undefined) throw new LookupTableError('InvalidAddressLookupTableIndex');
      return a;
    };
    loaded.writable.push(...l.writableIndexes.map(pick));
    loaded.readonly.push(...l.readonlyIndexes.map(pick));
  }
  return loaded;
}
