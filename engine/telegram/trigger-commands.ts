import type { CommandOutput } from '../api';

/**
 * Limit and stop orders and editable exits over Telegram (issue 14): the chat words parsed into
 * API inputs, and the answers in words. Parsing refuses with a sentence that shows the right form.
 */

export class ChatUsage extends Error {}

const EXPIRY_UNITS: Record<string, number> = { m: 60, h: 3_600, d: 86_400 };

/** "30m", "12h", "7d" as seconds; the order's default (7 days) when absent. */
export function parseExpiry(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  const m = /^(\d{1,3})([mhd])$/u.exec(word.toLowerCase());
  if (!m) throw new ChatUsage(`"${word}" is not an expiry; say 30m, 12h or 7d.`);
  return Number(m[1]) * EXPIRY_UNITS[m[2]!]!;
}

function price(word: string | undefined, usage: string): number {
  const p = Number(word);
  if (word === undefined || !/^\d+(\.\d+)?$/u.test(word) || !(p > 0)) throw new ChatUsage(usage);
  return p;
}

function amount(word: string | undefined, usage: string): string {
  if (word === undefined || !/^\d+(\.\d+)?$/u.test(word)) throw new ChatUsage(usage);
  return word;
}

export interface PlaceInput {
  kind: 'limit' | 'stop';
  side: 'buy' | 'sell';
  token: string;
  amount: string;
  price: number;
  expiresInSec?: number;
}

export const LIMIT_USAGE =
  'Say: /limit buy TOKEN AMOUNT PRICE [EXPIRY] (AMOUNT in USDC, buys when the price falls to PRICE) or /limit sell TOKEN AMOUNT PRICE [EXPIRY] (sells when it rises to PRICE); EXPIRY like 12h or 7d.';
export const STOP_USAGE =
  'Say: /stop TOKEN AMOUNT PRICE [EXPIRY] (sells AMOUNT of the token if the price falls to PRICE); EXPIRY like 12h or 7d.';
export const EXITS_USAGE =
  'Say: /exits TOKEN [stop PRICE|off] [target PRICE|off] [trail PERCENT|off], e.g. /exits SOL stop 120 target 180.';

/** /limit buy|sell TOKEN AMOUNT PRICE [EXPIRY] */
export function parseLimit(args: string[]): PlaceInput {
  const [side, token, amt, p, exp] = args;
  if ((side !== 'buy' && side !== 'sell') || !token) throw new ChatUsage(LIMIT_USAGE);
  const expiresInSec = parseExpiry(exp);
  return {
    kind: 'limit',
    side,
    token: token.length > 20 ? token : token.toUpperCase(),
    amount: amount(amt, LIMIT_USAGE),
    price: price(p, LIMIT_USAGE),
    ...(expiresInSec !== undefined ? { expiresInSec } : {}),
  };
}

/** /stop TOKEN AMOUNT PRICE [EXPIRY] */
export function parseStop(args: string[]): PlaceInput {
  const [token, amt, p, exp] = args;
  if (!token) throw new ChatUsage(STOP_USAGE);
  const expiresInSec = parseExpiry(exp);
  return {
    kind: 'stop',
    side: 'sell',
    token: token.length > 20 ? token : token.toUpperCase(),
    amount: amount(amt, STOP_USAGE),
    price: price(p, STOP_USAGE),
    ...(expiresInSec !== undefined ? { expiresInSec } : {}),
  };
}

export interface ExitsInput {
  token: string;
  stopLoss?: number | null;
  takeProfit?: number | null;
  trailingPct?: number | null;
}

/** /exits TOKEN [stop PRICE|off] [target PRICE|off] [trail PERCENT|off] */
export function parseExits(args: string[]): ExitsInput {
  const [token, ...rest] = args;
  if (!token || rest.length === 0 || rest.length % 2 !== 0) throw new ChatUsage(EXITS_USAGE);
  const out: ExitsInput = { token: token.length > 20 ? token : token.toUpperCase() };
  for (let i = 0; i < rest.length; i += 2) {
    const what = rest[i]!.toLowerCase();
    const value = rest[i + 1]!.toLowerCase();
    const level = value === 'off' ? null : price(value, EXITS_USAGE);
    if (what === 'stop') out.stopLoss = level;
    else if (what === 'target') out.takeProfit = level;
    else if (what === 'trail') out.trailingPct = level;
    else throw new ChatUsage(EXITS_USAGE);
  }
  return out;
}

const fmtPrice = (p: number): string => p.toLocaleString('en-US', { maximumFractionDigits: 8 });

/** The confirmation question for a new order. */
export function placePrompt(i: PlaceInput): string {
  const what =
    i.kind === 'stop'
      ? `Stop: sell ${i.amount} ${i.token} if the price falls to ${fmtPrice(i.price)}`
      : i.side === 'buy'
        ? `Limit buy: spend ${i.amount} USDC on ${i.token} when the price falls to ${fmtPrice(i.price)}`
        : `Limit sell: sell ${i.amount} ${i.token} when the price rises to ${fmtPrice(i.price)}`;
  const days = i.expiresInSec === undefined ? 7 : null;
  return `${what}, valid ${days !== null ? 'for 7 days' : `for ${describeSeconds(i.expiresInSec!)}`}?`;
}

function describeSeconds(sec: number): string {
  if (sec % 86_400 === 0) return `${sec / 86_400} day${sec === 86_400 ? '' : 's'}`;
  if (sec % 3_600 === 0) return `${sec / 3_600} hour${sec === 3_600 ? '' : 's'}`;
  return `${Math.round(sec / 60)} minutes`;
}

/** The confirmation question for an exits change. */
export function exitsPrompt(i: ExitsInput): string {
  const parts: string[] = [];
  const say = (name: string, v: number | null | undefined, unit = ''): void => {
    if (v === undefined) return;
    parts.push(v === null ? `remove the ${name}` : `${name} at ${fmtPrice(v)}${unit}`);
  };
  say('stop-loss', i.stopLoss);
  say('take-profit', i.takeProfit);
  say('trailing stop', i.trailingPct, ' % below the high');
  return `On your ${i.token} position: ${parts.join(', ')}?`;
}

type TriggerOrder = CommandOutput<'orders.open'>['orders'][number];

/** "#3 limit buy of 50 USDC of SOL at 120 USDC, until 2026-01-08 00:00 UTC". */
export function formatTriggerOrderLine(o: TriggerOrder): string {
  return `#${o.id} ${o.description}, until ${o.expiresAt.slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatOpenOrders(out: CommandOutput<'orders.open'>): string {
  if (out.orders.length === 0) return 'You have no open limit or stop orders.';
  return ['Your open orders (cancel one with /cancel ID):', ...out.orders.map(formatTriggerOrderLine)].join('\n');
}
