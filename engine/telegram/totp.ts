import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), what every authenticator app speaks. */
const STEP_SECONDS = 30;
const DIGITS = 6;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

export function totpUri(secret: string, label: string): string {
  return `otpauth://totp/${encodeURIComponent(`Harvest:${label}`)}?secret=${secret}&issuer=Harvest&digits=${DIGITS}&period=${STEP_SECONDS}`;
}

export function totpCode(secret: string, nowMs: number, stepOffset = 0): string {
  const counter = Math.floor(nowMs / 1000 / STEP_SECONDS) + stepOffset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const off = h[h.length - 1]! & 0x0f;
  const bin = (h.readUInt32BE(off) & 0x7fffffff) % 10 ** DIGITS;
  return bin.toString().padStart(DIGITS, '0');
}

/** Accepts the current step and one either side (clock drift between phone and machine). */
export function verifyTotp(secret: string, code: string, nowMs: number): boolean {
  const given = Buffer.from(code.trim());
  if (!/^\d{6}$/u.test(code.trim())) return false;
  return [-1, 0, 1].some((d) => {
    const want = Buffer.from(totpCode(secret, nowMs, d));
    return want.length === given.length && timingSafeEqual(want, given);
  });
}

function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/u, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = BASE32.indexOf(ch);
    if (i < 0) continue;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}
