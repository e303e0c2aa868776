/**
 * JSON-RPC answers as @solana/kit reads them: every integer literal becomes a
 * bigint (u64 balances and slots go past 2^53), every other number stays a
 * number. Kit's own reader (parseJsonWithBigInts) copies the text one
 * character at a time into an array and then revives every value through a
 * JSON.parse reviver; on an answer with account data that is most of a chain
 * call's CPU. This one finds the integer literals in one pass over the text
 * (skipping strings whole), wraps them as kit does ({"$n":"…"}), parses once
 * without a reviver and turns the wrappers into bigints in one walk.
 * test/unit/chain/json-bigint.test.ts holds it to kit's reader.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;
const PLUS = 43;

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** Kit's limit: a wrapped integer of more digits than this is refused, not parsed. */
const MAX_BIGINT_DIGITS = 1000;
const BIGINT_TEXT = /^(-?)(\d+)(?:[eE]\+?(\d+))?$/;

export function parseJsonWithBigInts(json: string): unknown {
  const parts: string[] = [];
  let last = 0;
  let wrapped = false;
  const n = json.length;
  let i = 0;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < n) {
        const d = json.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === MINUS || isDigit(c)) {
      let j = c === MINUS ? i + 1 : i;
      while (j < n && isDigit(json.charCodeAt(j))) j++;
      let integer = true;
      if (j < n && json.charCodeAt(j) === DOT) {
        integer = false;
        j++;
        while (j < n && isDigit(json.charCodeAt(j))) j++;
      }
      if (j < n && (json.charCodeAt(j) === LOWER_E || json.charCodeAt(j) === UPPER_E)) {
        j++;
        if (j < n && json.charCodeAt(j) === MINUS) {
          integer = false;
          j++;
        } else if (j < n && json.charCodeAt(j) === PLUS) j++;
        while (j < n && isDigit(json.charCodeAt(j))) j++;
      }
      if (integer) {
        parts.push(json.slice(last, i), '{"$n":"', json.slice(i, j), '"}');
        last = j;
        wrapped = true;
      }
      i = j;
      continue;
    }
    i++;
  }
  if (!wrapped) return unwrap(JSON.parse(json));
  parts.push(json.slice(last));
  return unwrap(JSON.parse(parts.join('')));
}

function unwrap(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const v: unknown = value[k];
      if (typeof v === 'object' && v !== null) value[k] = unwrap(v);
    }
    return value;
  }
  const o = value as Record<string, unknown>;
  if (typeof o['$n'] === 'string') return toBigInt(o['$n']);
  for (const key in o) {
    const v = o[key];
    if (typeof v === 'object' && v !== null) o[key] = unwrap(v);
  }
  return o;
}

function toBigInt(text: string): bigint {
  const match = BIGINT_TEXT.exec(text);
  if (match) {
    const [, sign, mantissa, exponent] = match;
    if (mantissa!.length + (exponent ? Number(exponent) : 0) <= MAX_BIGINT_DIGITS) {
      return exponent ? BigInt(`${sign}${mantissa}`) * 10n ** BigInt(exponent) : BigInt(text);
    }
  }
  throw new SyntaxError(`malformed integer ${text.slice(0, 40)} in a JSON-RPC answer`);
}
