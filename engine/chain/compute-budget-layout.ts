import { address, getAddressEncoder } from '@solana/kit';

/**
 * Where a compiled message keeps its compute-unit limit. The signing policy
 * uses it to accept bytes that differ from the simulated ones only in that
 * value; assembly uses it to set the final limit in the simulated bytes
 * instead of compiling the whole transaction again.
 */

const COMPUTE_BUDGET_KEY = getAddressEncoder().encode(address('ComputeBudget111111111111111111111111111111'));
/** ComputeBudgetInstruction::SetComputeUnitLimit(u32): tag 2, then the units, little-endian. */
const SET_UNIT_LIMIT_TAG = 2;

/** Offset of the units of the only SetComputeUnitLimit instruction of a legacy or v0 message, or null. */
export function unitLimitOffset(m: Uint8Array): number | null {
  let p = 0;
  const u8 = (): number => {
    if (p >= m.length) throw new RangeError('short message');
    return m[p++]!;
  };
  const shortVec = (): number => {
    let value = 0;
    for (let shift = 0; shift < 21; shift += 7) {
      const byte = u8();
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new RangeError('bad length');
  };
  try {
    if ((m[0]! & 0x80) !== 0) {
      if ((m[0]! & 0x7f) !== 0) return null; // only v0 and legacy are signed
      p = 1;
    }
    p += 3; // header
    const keyCount = shortVec();
    const keysAt = p;
    p += 32 * keyCount + 32; // static keys, blockhash
    const count = shortVec();
    let found: number | null = null;
    for (let i = 0; i < count; i++) {
      const program = u8();
      const accountCount = shortVec(); // (read first: `p += shortVec()` would add to the old p)
      p += accountCount;
      const len = shortVec();
      const dataAt = p;
      p += len;
      if (p > m.length || program >= keyCount) return null;
      const k = keysAt + 32 * program;
      const isBudget = COMPUTE_BUDGET_KEY.every((byte, j) => m[k + j] === byte);
      if (isBudget && len === 5 && m[dataAt] === SET_UNIT_LIMIT_TAG) {
        if (found !== null) return null;
        found = dataAt + 1;
      }
    }
    return found;
  } catch {
    return null;
  }
}

/**
 * A wire transaction (unsigned or signed) with its one SetComputeUnitLimit set to `units`: a copy, the
 * same bytes but those four; null when the message has no such instruction or more than one.
 */
export function withUnitLimit(wire: Uint8Array, units: number): Uint8Array | null {
  let p = 0;
  let count = 0;
  for (let shift = 0; shift < 21; shift += 7) {
    const byte = wire[p++];
    if (byte === undefined) return null;
    count |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
  }
  const messageAt = p + 64 * count;
  if (messageAt > wire.length) return null;
  const at = unitLimitOffset(wire.subarray(messageAt));
  if (at === null) return null;
  const out = wire.slice();
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(messageAt + at, units, true);
  return out;
}
