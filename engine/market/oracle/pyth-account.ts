/**
 * The Pyth Solana Receiver's `PriceUpdateV2` account, byte for byte.
 *
 * Source: pyth-network/pyth-crosschain,
 * target_chains/solana/pyth_solana_receiver_sdk/src/price_update.rs (struct PriceUpdateV2,
 * `LEN = 8 + 32 + 2 + 32 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 8` = 134) and pythnet_sdk's
 * `PriceFeedMessage` (feed_id, price i64, conf u64, exponent i32, publish_time i64,
 * prev_publish_time i64, ema_price i64, ema_conf u64). Borsh, little endian:
 *
 *   0   discriminator  sha256("account:PriceUpdateV2")[0..8] (Anchor)
 *   8   write_authority Pubkey
 *   40  verification_level: enum tag u8 (0 = Partial { num_signatures: u8 }, 1 = Full)
 *   ..  price_message (starts at 41 for Full, 42 for Partial)
 *   ..  posted_slot u64
 *
 * Borsh enums are as long as their variant, so a Full account (the only kind the push
 * oracle posts) ends one byte before the 134 allocated: that byte stays zero.
 */

export const PRICE_UPDATE_V2_DISCRIMINATOR = Uint8Array.from([34, 241, 35, 99, 157, 126, 244, 205]);
/** Bytes Anchor allocates for the account (the larger, Partial, variant). */
export const PRICE_UPDATE_V2_LEN = 134;

export type VerificationLevel = { kind: 'full' } | { kind: 'partial'; numSignatures: number };

export interface PriceUpdateV2 {
  writeAuthority: Uint8Array;
  verificationLevel: VerificationLevel;
  /** 32 bytes. */
  feedId: Uint8Array;
  price: bigint;
  conf: bigint;
  exponent: number;
  /** Unix seconds. */
  publishTime: bigint;
  prevPublishTime: bigint;
  emaPrice: bigint;
  emaConf: bigint;
  postedSlot: bigint;
}

export class PythLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PythLayoutError';
  }
}

export function decodePriceUpdateV2(data: Uint8Array): PriceUpdateV2 {
  if (data.length < 133)
    throw new PythLayoutError(`a PriceUpdateV2 account has at least 133 bytes, got ${data.length}`);
  for (let i = 0; i < 8; i++) {
    if (data[i] !== PRICE_UPDATE_V2_DISCRIMINATOR[i]) throw new PythLayoutError('not a PriceUpdateV2 account');
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tag = data[40];
  let level: VerificationLevel;
  let o: number;
  if (tag === 1) {
    level = { kind: 'full' };
    o = 41;
  } else if (tag === 0) {
    level = { kind: 'partial', numSignatures: data[41]! };
    o = 42;
  } else {
    throw new PythLayoutError(`unknown verification level tag ${String(tag)}`);
  }
  if (data.length < o + 92) throw new PythLayoutError('the account is too short for its price message');
  const feedId = data.slice(o, o + 32);
  return {
    writeAuthority: data.slice(8, 40),
    verificationLevel: level,
    feedId,
    price: view.getBigInt64(o + 32, true),
    conf: view.getBigUint64(o + 40, true),
    exponent: view.getInt32(o + 48, true),
    publishTime: view.getBigInt64(o + 52, true),
    prevPublishTime: view.getBigInt64(o + 60, true),
    emaPrice: view.getBigInt64(o + 68, true),
    emaConf: view.getBigUint64(o + 76, true),
    postedSlot: view.getBigUint64(o + 84, true),
  };
}

/** The inverse of decodePriceUpdateV2, into the 134 bytes the receiver allocates. */
export function encodePriceUpdateV2(u: PriceUpdateV2): Uint8Array {
  if (u.writeAuthority.length !== 32 || u.feedId.length !== 32)
    throw new PythLayoutError('write authority and feed id are 32 bytes each');
  const out = new Uint8Array(PRICE_UPDATE_V2_LEN);
  const view = new DataView(out.buffer);
  out.set(PRICE_UPDATE_V2_DISCRIMINATOR, 0);
  out.set(u.writeAuthority, 8);
  let o: number;
  if (u.verificationLevel.kind === 'full') {
    out[40] = 1;
    o = 41;
  } else {
    out[40] = 0;
    out[41] = u.verificationLevel.numSignatures;
    o = 42;
  }
  out.set(u.feedId, o);
  view.setBigInt64(o + 32, u.price, true);
  view.setBigUint64(o + 40, u.conf, true);
  view.setInt32(o + 48, u.exponent, true);
  view.setBigInt64(o + 52, u.publishTime, true);
  view.setBigInt64(o + 60, u.prevPublishTime, true);
  view.setBigInt64(o + 68, u.emaPrice, true);
  view.setBigUint64(o + 76, u.emaConf, true);
  view.setBigUint64(o + 84, u.postedSlot, true);
  return out;
}

/** price × 10^exponent as a number (display and signal maths only, never an amount). */
export function scaledPrice(mantissa: bigint, exponent: number): number {
  return Number(mantissa) * 10 ** exponent;
}

/** A USD price as a Pyth mantissa at `exponent` (the sandbox's publisher). */
export function toMantissa(usd: number, exponent: number): bigint {
  return BigInt(Math.round(usd / 10 ** exponent));
}

export function feedIdFromHex(hex: string): Uint8Array {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (!/^[0-9a-fA-F]{64}$/u.test(h)) throw new PythLayoutError('a feed id is 32 bytes of hex');
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

export function feedIdToHex(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}
