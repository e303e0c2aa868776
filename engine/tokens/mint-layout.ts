/**
 * The mint account, SPL Token and Token-2022, decoded by hand from the
 * official layout (@solana-program/token-2022 is not installed):
 *
 *   0..82    the base mint: mintAuthority COption<Pubkey> (u32 tag + 32), supply u64,
 *            decimals u8, isInitialized u8, freezeAuthority COption<Pubkey> (u32 tag + 32)
 *   82..165  zero padding (so a mint never has an account's length)
 *   165      account type: 1 = Mint
 *   166..    TLV extensions: type u16 LE, length u16 LE, value
 *
 * The encoder is the sandbox's (it writes test mints with the extensions a
 * hostile token would have); the decoder is what the safety checks read.
 */
import { getAddressDecoder, getAddressEncoder, type Address } from '@solana/kit';

export const BASE_MINT_SIZE = 82;
const ACCOUNT_TYPE_OFFSET = 165;
const ACCOUNT_TYPE_MINT = 1;

/** Token-2022 ExtensionType numbers (spl-token-2022 extension/mod.rs). */
export const EXTENSION = {
  TransferFeeConfig: 1,
  MintCloseAuthority: 3,
  ConfidentialTransferMint: 4,
  DefaultAccountState: 6,
  NonTransferable: 9,
  InterestBearingConfig: 10,
  PermanentDelegate: 12,
  TransferHook: 14,
  MetadataPointer: 18,
  TokenMetadata: 19,
  ScaledUiAmount: 25,
  Pausable: 26,
} as const;

/** AccountState as DefaultAccountState stores it. */
const ACCOUNT_STATE_FROZEN = 2;

export interface MintFacts {
  decimals: number;
  supply: bigint;
  mintAuthority: Address | null;
  freezeAuthority: Address | null;
  /** Token-2022 only; all absent for an SPL Token mint. */
  transferFeeBps: number | null;
  transferFeeMax: bigint | null;
  transferHookProgram: Address | null;
  permanentDelegate: Address | null;
  nonTransferable: boolean;
  defaultFrozen: boolean;
  pausable: boolean;
  /** Token-2022's own name and symbol (the TokenMetadata extension), when the mint carries them. */
  metadata: { name: string; symbol: string } | null;
  /** Extension numbers present that none of the fields above describe. */
  otherExtensions: number[];
}

const addressDecoder = getAddressDecoder();
const addressEncoder = getAddressEncoder();
const ZERO_KEY = new Uint8Array(32);

function optionalKey(data: Uint8Array, at: number): Address | null {
  const bytes = data.subarray(at, at + 32);
  return bytes.every((b) => b === 0) ? null : addressDecoder.decode(bytes);
}

function cOptionKey(view: DataView, data: Uint8Array, at: number): Address | null {
  return view.getUint32(at, true) === 1 ? addressDecoder.decode(data.subarray(at + 4, at + 36)) : null;
}

/** Decodes a mint account's data; throws with a plain reason when it is not a mint. */
export function decodeMint(data: Uint8Array): MintFacts {
  if (data.length < BASE_MINT_SIZE) throw new Error('the account is too short to be a token mint');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[45] !== 1) throw new Error('the mint account is not initialized');
  const facts: MintFacts = {
    mintAuthority: cOptionKey(view, data, 0),
    supply: view.getBigUint64(36, true),
    decimals: data[44]!,
    freezeAuthority: cOptionKey(view, data, 46),
    transferFeeBps: null,
    transferFeeMax: null,
    transferHookProgram: null,
    permanentDelegate: null,
    nonTransferable: false,
    defaultFrozen: false,
    pausable: false,
    metadata: null,
    otherExtensions: [],
  };
  if (data.length <= ACCOUNT_TYPE_OFFSET) return facts;
  if (data[ACCOUNT_TYPE_OFFSET] !== ACCOUNT_TYPE_MINT) throw new Error('the account is a token account, not a mint');
  let at = ACCOUNT_TYPE_OFFSET + 1;
  while (at + 4 <= data.length) {
    const type = view.getUint16(at, true);
    const len = view.getUint16(at + 2, true);
    const v = at + 4;
    if (type === 0) break; // Uninitialized: the rest is unused space
    if (v + len > data.length) throw new Error('the mint account has a damaged extension');
    switch (type) {
      case EXTENSION.TransferFeeConfig:
        // config authority 32, withdraw authority 32, withheld u64, older fee (epoch u64, max u64, bps u16), newer fee
        facts.transferFeeMax = view.getBigUint64(v + 32 + 32 + 8 + 18 + 8, true);
        facts.transferFeeBps = view.getUint16(v + 32 + 32 + 8 + 18 + 16, true);
        break;
      case EXTENSION.TransferHook:
        facts.transferHookProgram = optionalKey(data, v + 32);
        break;
      case EXTENSION.PermanentDelegate:
        facts.permanentDelegate = optionalKey(data, v);
        break;
      case EXTENSION.NonTransferable:
        facts.nonTransferable = true;
        break;
      case EXTENSION.DefaultAccountState:
        facts.defaultFrozen = data[v] === ACCOUNT_STATE_FROZEN;
        break;
      case EXTENSION.Pausable:
        facts.pausable = true;
        break;
      case EXTENSION.TokenMetadata:
        facts.metadata = decodeTokenMetadata(view, data, v);
        break;
      case EXTENSION.MetadataPointer:
      case EXTENSION.MintCloseAuthority:
        break;
      default:
        facts.otherExtensions.push(type);
    }
    at = v + len;
  }
  return facts;
}

/** TokenMetadata: update authority 32, mint 32, then name, symbol, uri as (u32 length, UTF-8). */
function decodeTokenMetadata(view: DataView, data: Uint8Array, at: number): { name: string; symbol: string } | null {
  try {
    let p = at + 64;
    const str = (): string => {
      const n = view.getUint32(p, true);
      const s = new TextDecoder().decode(data.subarray(p + 4, p + 4 + n));
      p += 4 + n;
      return s;
    };
    const name = str();
    const symbol = str();
    return { name, symbol };
  } catch {
    return null;
  }
}

/** What a test mint should carry (sandbox only). */
export interface MintSpec {
  decimals: number;
  supply?: bigint;
  mintAuthority: Address | null;
  freezeAuthority: Address | null;
  transferFeeBps?: number;
  transferHookProgram?: Address;
  permanentDelegate?: Address;
  nonTransferable?: boolean;
  defaultFrozen?: boolean;
}

/** True when the spec needs Token-2022 (any extension). */
export function needsToken2022(spec: MintSpec): boolean {
  return (
    spec.transferFeeBps !== undefined ||
    spec.transferHookProgram !== undefined ||
    spec.permanentDelegate !== undefined ||
    spec.nonTransferable === true ||
    spec.defaultFrozen === true
  );
}

/** The mint account bytes for a spec: 82 bytes without extensions, the Token-2022 TLV layout with them. */
export function encodeMint(spec: MintSpec): Uint8Array {
  const tlv: Uint8Array[] = [];
  const entry = (type: number, value: Uint8Array): void => {
    const e = new Uint8Array(4 + value.length);
    const dv = new DataView(e.buffer);
    dv.setUint16(0, type, true);
    dv.setUint16(2, value.length, true);
    e.set(value, 4);
    tlv.push(e);
  };
  if (spec.transferFeeBps !== undefined) {
    const v = new Uint8Array(108);
    const dv = new DataView(v.buffer);
    for (const fee of [72, 90]) {
      dv.setBigUint64(fee + 8, 2n ** 64n - 1n, true); // no maximum
      dv.setUint16(fee + 16, spec.transferFeeBps, true);
    }
    entry(EXTENSION.TransferFeeConfig, v);
  }
  if (spec.transferHookProgram !== undefined) {
    const v = new Uint8Array(64);
    v.set(addressEncoder.encode(spec.transferHookProgram), 32);
    entry(EXTENSION.TransferHook, v);
  }
  if (spec.permanentDelegate !== undefined)
    entry(EXTENSION.PermanentDelegate, new Uint8Array(addressEncoder.encode(spec.permanentDelegate)));
  if (spec.nonTransferable) entry(EXTENSION.NonTransferable, new Uint8Array(0));
  if (spec.defaultFrozen) entry(EXTENSION.DefaultAccountState, new Uint8Array([ACCOUNT_STATE_FROZEN]));

  const size = tlv.length === 0 ? BASE_MINT_SIZE : ACCOUNT_TYPE_OFFSET + 1 + tlv.reduce((s, e) => s + e.length, 0);
  const data = new Uint8Array(size);
  const dv = new DataView(data.buffer);
  const putOption = (at: number, key: Address | null): void => {
    dv.setUint32(at, key ? 1 : 0, true);
    data.set(key ? addressEncoder.encode(key) : ZERO_KEY, at + 4);
  };
  putOption(0, spec.mintAuthority);
  dv.setBigUint64(36, spec.supply ?? 0n, true);
  data[44] = spec.decimals;
  data[45] = 1;
  putOption(46, spec.freezeAuthority);
  if (tlv.length > 0) {
    data[ACCOUNT_TYPE_OFFSET] = ACCOUNT_TYPE_MINT;
    let at = ACCOUNT_TYPE_OFFSET + 1;
    for (const e of tlv) {
      data.set(e, at);
      at += e.length;
    }
  }
  return data;
}
