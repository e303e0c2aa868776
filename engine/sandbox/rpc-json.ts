/**
 * JSON for the sandbox RPC server, written the way Solana's (serde_json) RPC writes it:
 * u64 values are plain JSON numbers at full precision (clients such as @solana/kit parse
 * them as bigints), and f64 values always look like floats (`1.0`, never `1`).
 */

/** An f64 field (e.g. `uiAmount`): serialised like serde_json, so `1` becomes `1.0`. */
export class F64 {
  constructor(readonly value: number) {}
}

/** Serialises a response. bigint -> integer literal; F64 -> float literal; undefined members are left out. */
export function stringifyRpc(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}

function write(v: unknown, out: string[]): void {
  switch (typeof v) {
    case 'bigint':
      out.push(v.toString());
      return;
    case 'number':
      out.push(Number.isFinite(v) ? JSON.stringify(v) : 'null');
      return;
    case 'string':
      out.push(JSON.stringify(v));
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'undefined':
    case 'function':
    case 'symbol':
      out.push('null');
      return;
  }
  if (v === null) {
    out.push('null');
  } else if (v instanceof F64) {
    out.push(formatF64(v.value));
  } else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (item === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(item, out);
    }
    out.push('}');
  }
}

/** serde_json's f64 format (ryu): integral values keep a `.0`, exponents have no `+`. */
export function formatF64(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  return String(n).replace('e+', 'e');
}

const BIG_MARK = '$harvest_u64';

/**
 * Parses a request body. Integers beyond Number.MAX_SAFE_INTEGER become bigints (a u64
 * lamport amount or slot must not lose precision); every other number is a JS number.
 * Throws SyntaxError on malformed JSON.
 */
export function parseRpc(text: string): unknown {
  return JSON.parse(wrapUnsafeIntegers(text), (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const mark = (v as Record<string, unknown>)[BIG_MARK];
      if (keys.length === 1 && typeof mark === 'string') return BigInt(mark);
    }
    return v;
  });
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function wrapUnsafeIntegers(text: string): string {
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) continue;
      const literal = m[0];
      if (!/[.eE]/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += text.slice(from, i) + `{"${BIG_MARK}":"${literal}"}`;
        from = i + literal.length;
      }
      i += literal.length - 1;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}
