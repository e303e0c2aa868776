/**
 * Words a person reads, shared by the CLI's human output and the UI: token
 * amounts in token units, symbols instead of mints, names instead of user ids,
 * and event or audit details as a key/value list instead of JSON. Light on
 * purpose (no @solana/kit): the CLI's formatters and the browser load it.
 */
import { formatUnits } from '../market/amounts';
import { tokenRowByMint } from '../market/token-table';

/** A friend's name by id; null when unknown (removed, or not looked up). */
export type NameOf = (userId: number) => string | null;

const BASE58_ADDRESS = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/u;

/** "7vfC…voxs": an address where it is not the subject, still recognisable. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 4)}…${address.slice(-4)}` : address;
}

/** A token's symbol; an unknown mint, shortened. */
export function tokenLabel(mintOrSymbol: string): string {
  const row = tokenRowByMint(mintOrSymbol);
  if (row) return row.symbol;
  return BASE58_ADDRESS.test(mintOrSymbol) ? `token ${shortAddress(mintOrSymbol)}` : mintOrSymbol;
}

/** An exact amount of base units as the token's units: "1.5 SOL"; an unknown token says so rather than guessing decimals. */
export function tokenAmount(base: string | bigint, mintOrSymbol: string): string {
  const row = tokenRowByMint(mintOrSymbol);
  let n: bigint;
  try {
    n = typeof base === 'bigint' ? base : BigInt(base);
  } catch {
    return `${String(base)} ${tokenLabel(mintOrSymbol)}`;
  }
  if (!row) return `${n.toString()} raw units of ${tokenLabel(mintOrSymbol)}`;
  return `${trimAmount(formatUnits(n, row.decimals))} ${row.symbol}`;
}

/** At most 6 decimals shown for a large amount, all of them for a tiny one: precision where it matters. */
function trimAmount(text: string): string {
  const [whole, frac = ''] = text.split('.');
  if (!frac) return text;
  if (whole !== '0' && whole !== '-0') return `${whole}.${frac.slice(0, 6)}`.replace(/\.?0+$/u, '');
  return text;
}

/** Stablecoins are worth a dollar each: no price to look up. */
export const STABLE_SYMBOLS: ReadonlySet<string> = new Set(['USDC', 'USDT', 'PYUSD']);

/**
 * USD price of a symbol: 1 for stablecoins, else the last price seen (null if none).
 * The one valuation the UI and the CLI share: both feed it the last candle close per token.
 */
export function usdPrice(symbol: string, prices: Readonly<Record<string, number>>): number | null {
  if (STABLE_SYMBOLS.has(symbol)) return 1;
  const p = prices[symbol];
  return p !== undefined && Number.isFinite(p) ? p : null;
}

// Built on first use: creating an Intl formatter loads ICU data (about 15 ms), which
// every CLI command would pay at start-up although most never show a dollar figure.
let usdFormat: Intl.NumberFormat | null = null;
function formatUsd(n: number): string {
  usdFormat ??= new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return usdFormat.format(n);
}

/**
 * A token amount with its USD value beside it: "20.28 SOL ($2,995.10)"; the amount
 * alone when the token has no price yet, and a stablecoin needs no second dollar figure.
 */
export function withUsd(
  amountText: string,
  uiAmount: number | string,
  symbol: string,
  prices: Readonly<Record<string, number>>,
): string {
  const n = typeof uiAmount === 'number' ? uiAmount : Number(uiAmount);
  const price = usdPrice(symbol, prices);
  if (price === null || !Number.isFinite(n) || STABLE_SYMBOLS.has(symbol)) return amountText;
  const usd = n * price;
  return `${amountText} (${usd < 0 ? '−' : ''}${formatUsd(Math.abs(usd))})`;
}

/** "maxPositionPctEquity" -> "max position pct equity". */
export function wordsOf(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/gu, '$1 $2')
    .replace(/[_.]/gu, ' ')
    .toLowerCase();
}

/** A friend named, never numbered. */
export function friendName(userId: number | null, nameOf: NameOf): string {
  if (userId === null) return 'everyone';
  return nameOf(userId) ?? 'a removed friend';
}

/**
 * Event or audit details as "key value" pairs: amounts in token units beside
 * their token, mints as symbols, user ids as names, nested objects flattened.
 */
export function describeDetails(details: unknown, nameOf: NameOf): string {
  if (details === null || details === undefined) return '';
  if (typeof details !== 'object') return String(details);
  return pairsOf(details as Record<string, unknown>, nameOf, '')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function pairsOf(obj: Record<string, unknown>, nameOf: NameOf, prefix: string): [string, string][] {
  const out: [string, string][] = [];
  // The token an amount is counted in: its sibling mint (baseAmount <- baseMint) or the object's mint/asset/token.
  const tokenFor = (key: string): string | null => {
    const stem = key.replace(/Amount$/u, '');
    const sibling = obj[`${stem}Mint`] ?? obj['mint'] ?? obj['asset'] ?? obj['token'] ?? obj['symbol'];
    return typeof sibling === 'string' ? sibling : null;
  };
  for (const [key, value] of Object.entries(obj)) {
    const label = prefix ? `${prefix} ${wordsOf(key)}` : wordsOf(key);
    if (value === null || value === undefined) continue;
    if (/^(userId|user|by|friendId|leaderId|followerId)$/u.test(key) && typeof value === 'number') {
      out.push([key === 'userId' ? 'friend' : label, friendName(value, nameOf)]);
    } else if (/userIds$/u.test(key) && Array.isArray(value)) {
      out.push(['friends', value.map((v) => friendName(Number(v), nameOf)).join(', ')]);
    } else if (/(^l|L)amports$/u.test(key) && /^-?\d+$/u.test(String(value))) {
      out.push([label.replace(/ ?lamports$/u, '') || 'SOL', tokenAmount(String(value), 'SOL')]);
    } else if (/(^a|A)mount$/u.test(key) && (typeof value === 'string' || typeof value === 'number')) {
      const token = tokenFor(key);
      out.push([label, token && /^-?\d+$/u.test(String(value)) ? tokenAmount(String(value), token) : String(value)]);
    } else if (/(^m|M)int$|^asset$/u.test(key) && typeof value === 'string') {
      out.push([label.replace(/ mint$|^mint$/u, (m) => (m === 'mint' ? 'token' : ' token')), tokenLabel(value)]);
    } else if (Array.isArray(value)) {
      out.push([label, value.map((v) => (typeof v === 'object' ? describeDetails(v, nameOf) : plain(v))).join('; ')]);
    } else if (typeof value === 'object') {
      out.push(...pairsOf(value as Record<string, unknown>, nameOf, label));
    } else {
      out.push([label, plain(value, nameOf)]);
    }
  }
  return out;
}

function plain(v: unknown, nameOf?: NameOf): string {
  if (typeof v === 'string') {
    // A scope such as "user:3" names a friend.
    const scoped = /^user:(\d+)$/u.exec(v);
    if (scoped && nameOf) return friendName(Number(scoped[1]), nameOf);
    return BASE58_ADDRESS.test(v) && tokenRowByMint(v) ? tokenLabel(v) : v;
  }
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/**
 * What a reader must never see in human text; each entry names the leak.
 * The lint test runs this over every CLI command's human output and the UI's
 * rendered text.
 */
export const HUMAN_TEXT_LEAKS: readonly { name: string; pattern: RegExp }[] = [
  {
    name: 'base units',
    pattern: /\d{4,}\s*(base units|lamports)\b|(base units|lamports):?\s+\d{4,}|\bbase units\b/iu,
  },
  { name: 'a numeric user id in a sentence', pattern: /\buser:\d+\b/u },
  { name: 'a numeric user id in a sentence', pattern: /\b(user|friend)s?\s+#?\d+\b/iu },
  // "Resume trading for 2.", "from 1 to …": a bare number where a name belongs (not "for 30 min").
  {
    name: 'a numeric user id in a sentence',
    pattern: /\b(for|from)\s+\d+(?=\s*($|[.,;:](?!\d)|\)|\((?!s\))|to\b|and\b|'s\b))/imu,
  },
  { name: 'raw JSON', pattern: /\{\s*"[^"]+"\s*:|\[\s*\{\s*"/u },
  {
    name: 'a zod default message',
    pattern:
      /Too (big|small): expected|Invalid input: expected|Invalid (string|option): |Unrecognized key|expected (number|string) to be/u,
  },
];

/** The leaks found in one text, with the offending excerpt. */
export function findLeaks(text: string): { name: string; excerpt: string }[] {
  const found: { name: string; excerpt: string }[] = [];
  for (const { name, pattern } of HUMAN_TEXT_LEAKS) {
    const m = pattern.exec(text);
    if (m) found.push({ name, excerpt: text.slice(Math.max(0, m.index - 30), m.index + m[0].length + 30) });
  }
  return found;
}

/** The hard bounds of every risk limit, so a form can say "at most 100" before anything is sent (hard-bounds.ts imports nothing). */
export { HARD_BOUNDS } from '../risk/hard-bounds';

/**
 * Why a backtest stopped taking entries part-way: the drawdown limit pauses a friend until the
 * operator resumes them, and a backtest has no operator, so the rest of the period has no entries.
 */
export function entriesStoppedText(s: { time: string; drawdownPct: number; limitPct: number | null }): string {
  const when = `${s.time.slice(0, 10)} ${s.time.slice(11, 16)} UTC`;
  const limit = s.limitPct !== null ? `, past the ${s.limitPct} % drawdown limit` : ' (the drawdown limit)';
  return (
    `New entries stopped on ${when}: the account was ${s.drawdownPct.toFixed(1)} % below its high-water mark${limit}. ` +
    'Live, the friend would stay paused until you resume them (exits still run); the backtest has no one to resume it, ' +
    'so it took no entries after that. A higher limit (another risk preset) or a later start shows the rest of the period.'
  );
}
