/**
 * Entry sizing (issue #9, item 5): how much a strategy entry may spend, from
 * the same limits the risk gate checks, so that a strategy order is sized to
 * what is allowed instead of asking for a fixed amount and being refused.
 *
 * This module is pure (plain values in, plain values out) and is also the one
 * home of the order-size rules: the risk engine's entry rules call
 * `orderSizeRefusal` and the gates value orders with `usdValue`, so the sizer
 * and the gate cannot drift apart.
 */
import { solReserveLamports } from '../funds/reserves';
import type { RiskCode } from './gate';
import type { EffectiveLimits } from './presets';

/** The USD worth of `amount` base units at `price`: the one formula every size gate and the sizer use. */
export function usdValue(amount: bigint, decimals: number, price: number): number {
  return (Number(amount) / 10 ** decimals) * price;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
/** What a position refusal says is held already (built only for a refusal). */
const heldText = (positionUsd: number): string => (positionUsd > 0 ? ` (${usd(positionUsd)} held + this order)` : '');

/** The limits that bound an order's size (a subset of what the risk engine enforces). */
export type SizeLimits = Pick<
  EffectiveLimits,
  'minOrderUsd' | 'maxOrderUsd' | 'maxPositionUsd' | 'maxPositionPctEquity' | 'maxExposurePct' | 'fromGlobal'
>;

export interface SizeFacts {
  /** USD value of what the order spends. */
  orderUsd: number;
  /** USD value of the position already held in the token bought (0 when none). */
  positionUsd: number;
  /** USD value of every open position of the account traded (the one in the token bought included). */
  exposureUsd: number;
  equityUsd: number;
  /** The friend's name, for the exposure refusal (a message names whose positions are meant). */
  friend?: string;
}

export interface SizeRefusal {
  code: RiskCode;
  /** The limit that refused: a key of the risk limits. */
  key: 'minOrderUsd' | 'maxOrderUsd' | 'maxPositionUsd' | 'maxPositionPctEquity' | 'maxExposurePct';
  message: string;
}

function whose(l: SizeLimits, key: string): string {
  return l.fromGlobal.has(key) ? "the operator's global limit" : "this user's limit";
}
function codeFor(l: SizeLimits, key: string, own: RiskCode): RiskCode {
  return l.fromGlobal.has(key) ? 'GLOBAL_LIMIT' : own;
}

/** The most all open positions may be worth together: max exposure % of equity. */
export function exposureCapUsd(l: Pick<SizeLimits, 'maxExposurePct'>, equityUsd: number): number {
  return (l.maxExposurePct / 100) * equityUsd;
}

/**
 * The size rules of an entry, in the risk engine's order: at least the
 * minimum order, at most the largest order, the position after it within
 * the USD and %-of-equity caps, and all open positions after it within max
 * exposure. Null when the size is allowed.
 */
export function orderSizeRefusal(l: SizeLimits, f: SizeFacts): SizeRefusal | null {
  if (f.orderUsd < l.minOrderUsd) {
    return {
      code: codeFor(l, 'minOrderUsd', 'ORDER_TOO_SMALL'),
      key: 'minOrderUsd',
      message: `This order is worth about ${usd(f.orderUsd)}, below ${whose(l, 'minOrderUsd')} of ${usd(l.minOrderUsd)} per order.`,
    };
  }
  if (f.orderUsd > l.maxOrderUsd) {
    return {
      code: codeFor(l, 'maxOrderUsd', 'ORDER_TOO_LARGE'),
      key: 'maxOrderUsd',
      message: `This order is worth about ${usd(f.orderUsd)}, above ${whose(l, 'maxOrderUsd')} of ${usd(l.maxOrderUsd)} per order.`,
    };
  }
  const after = f.positionUsd + f.orderUsd;
  const byPct = (l.maxPositionPctEquity / 100) * f.equityUsd;
  if (after > l.maxPositionUsd) {
    return {
      code: codeFor(l, 'maxPositionUsd', 'POSITION_TOO_LARGE'),
      key: 'maxPositionUsd',
      message: `The position would be worth about ${usd(after)}${heldText(f.positionUsd)}, above ${whose(l, 'maxPositionUsd')} of ${usd(l.maxPositionUsd)}; at most ${usd(Math.max(0, l.maxPositionUsd - f.positionUsd))} more.`,
    };
  }
  if (after > byPct) {
    return {
      code: codeFor(l, 'maxPositionPctEquity', 'POSITION_TOO_LARGE'),
      key: 'maxPositionPctEquity',
      message: `The position would be worth about ${usd(after)}${heldText(f.positionUsd)}, above ${whose(l, 'maxPositionPctEquity')} of ${l.maxPositionPctEquity}% of equity ${usd(f.equityUsd)} (${usd(byPct)}); at most ${usd(Math.max(0, byPct - f.positionUsd))} more.`,
    };
  }
  const exposed = f.exposureUsd + f.orderUsd;
  const byExposure = exposureCapUsd(l, f.equityUsd);
  if (exposed > byExposure) {
    const owner = f.friend ? `${f.friend}'s` : "this user's";
    const limit = l.fromGlobal.has('maxExposurePct') ? "the operator's global max exposure" : `${owner} max exposure`;
    return {
      code: codeFor(l, 'maxExposurePct', 'MAX_EXPOSURE'),
      key: 'maxExposurePct',
      message: `The open positions${f.friend ? ` of ${f.friend}` : ''} would be worth about ${usd(exposed)} (${usd(f.exposureUsd)} held + this order of ${usd(f.orderUsd)}), above ${limit} of ${l.maxExposurePct}% of equity ${usd(f.equityUsd)} (${usd(byExposure)}); at most ${usd(Math.max(0, byExposure - f.exposureUsd))} more.`,
    };
  }
  return null;
}

/** Everything the sizer reads, gathered by `entrySizingFacts` (risk-engine.ts) from what the gate reads. */
export interface EntrySizingFacts {
  limits: SizeLimits;
  /** The user's execution setting `maxOrderUsd` (the order-size gate's cap, apart from the risk limits). */
  executionMaxOrderUsd: number;
  equityUsd: number;
  positionUsd: number;
  /** USD value of every open position of the account (positionUsd included): what max exposure bounds. */
  exposureUsd: number;
  /** The entry opens a new position (none is held in the token yet). */
  opensNew: boolean;
  /** Open positions now: each keeps a SOL reserve for its exit. */
  openPositions: number;
  /** What the entry spends (the quote asset). */
  spend: {
    decimals: number;
    priceUsd: number;
    /** What the wallet holds of it, in base units (lamports for SOL). */
    balance: bigint;
    /**
     * Spending on-chain SOL: the SOL reserve for rent, fees and exits is not spendable. False for a
     * paper account, whose book pays no network fee or rent (the balance gate keeps no reserve there).
     */
    nativeSol: boolean;
    /**
     * The most of it the keystore's signing policy lets one swap move out now (the per-transaction
     * trading cap, and what is left of the rolling 24 h cap), in base units; null where nothing is
     * signed (paper). Above it the signer refuses, and a refusal counts towards the breaker.
     */
    outflowCap: bigint | null;
  };
}

/** What the strategy asks for. */
export interface EntryRequest {
  /** Fraction (0, 1] of the user's largest position (max position % of equity, within the position USD cap). */
  sizeHint: number;
  /** An exact USD amount (DCA); when set it is the strategy's share instead of sizeHint × the largest position. */
  quoteAmountUsd?: number;
}

/** Which bound decided the size. */
export type SizeBound =
  | 'strategyShare'
  | 'maxOrderUsd'
  | 'globalMaxOrderUsd'
  | 'executionMaxOrderUsd'
  | 'maxPositionUsd'
  | 'maxPositionPctEquity'
  | 'maxExposurePct'
  | 'balance'
  | 'tradingCap';

export type EntrySkipCode = 'SIZE_BELOW_MINIMUM' | 'NO_PRICE';

export type EntrySize =
  | { ok: true; amount: bigint; usd: number; limitedBy: SizeBound }
  | { ok: false; code: EntrySkipCode; message: string; usd: number; minOrderUsd: number; limitedBy: SizeBound | null };

/**
 * The size of a strategy entry, in base units of what it spends:
 *   min(the strategy's share, the largest order (the user's, the operator's
 *       global cap and the execution setting), the room left under the
 *       position USD cap, under max position % of equity and under max
 *       exposure (all open positions as % of equity), the balance
 *       left after the SOL reserve, the signing policy's trading caps)
 * Below the minimum order it is a skip with a reason, never an order the
 * gate would refuse. Rounding is always down, and the result is checked
 * with the gate's own rules (float valuation included) before it is returned.
 */
export function sizeEntry(f: EntrySizingFacts, req: EntryRequest): EntrySize {
  const l = f.limits;
  const { decimals, priceUsd } = f.spend;
  if (!(priceUsd > 0) || !Number.isFinite(priceUsd) || !Number.isFinite(f.equityUsd)) {
    return {
      ok: false,
      code: 'NO_PRICE',
      message: 'No fresh price for what this entry spends or for everything the wallet holds; entry skipped.',
      usd: 0,
      minOrderUsd: l.minOrderUsd,
      limitedBy: null,
    };
  }
  const byPct = (l.maxPositionPctEquity / 100) * f.equityUsd;
  const largestPosition = Math.max(0, Math.min(byPct, l.maxPositionUsd));
  const share = req.quoteAmountUsd ?? Math.min(1, Math.max(0, req.sizeHint)) * largestPosition;
  const caps: [SizeBound, number][] = [
    ['strategyShare', share],
    [l.fromGlobal.has('maxOrderUsd') ? 'globalMaxOrderUsd' : 'maxOrderUsd', l.maxOrderUsd],
    ['executionMaxOrderUsd', f.executionMaxOrderUsd],
    ['maxPositionUsd', l.maxPositionUsd - f.positionUsd],
    ['maxPositionPctEquity', byPct - f.positionUsd],
    ['maxExposurePct', exposureCapUsd(l, f.equityUsd) - f.exposureUsd],
  ];
  let [limitedBy, capUsd] = caps[0]!;
  for (const [k, v] of caps) if (v < capUsd) [limitedBy, capUsd] = [k, v];

  // A new position adds its own exit reserve: without it the next order's balance check would find the wallet short.
  const reserve = f.spend.nativeSol ? solReserveLamports(f.openPositions + (f.opensNew ? 1 : 0)) : 0n;
  const spendable = f.spend.balance > reserve ? f.spend.balance - reserve : 0n;
  const byUsd = capUsd > 0 ? BigInt(Math.floor((capUsd / priceUsd) * 10 ** decimals)) : 0n;
  let amount = byUsd;
  if (spendable < amount) [amount, limitedBy] = [spendable, 'balance'];
  const outflow = f.spend.outflowCap;
  if (outflow !== null && outflow < amount) [amount, limitedBy] = [outflow > 0n ? outflow : 0n, 'tradingCap'];

  // The float valuation can land a hair above a cap: step down until the gate's own rules agree.
  const tooLarge = (a: bigint): boolean => {
    const orderUsd = usdValue(a, decimals, priceUsd);
    if (orderUsd > f.executionMaxOrderUsd) return true;
    const r = orderSizeRefusal(l, {
      orderUsd,
      positionUsd: f.positionUsd,
      exposureUsd: f.exposureUsd,
      equityUsd: f.equityUsd,
    });
    return r !== null && r.key !== 'minOrderUsd';
  };
  // Steps double, so this ends within ~log2(amount) rounds and stays within a hair of the cap.
  for (let step = 1n; amount > 0n && tooLarge(amount); step *= 2n) amount = amount > step ? amount - step : 0n;
  // ...and a hair below it: flooring capUsd / price can land one base unit under an amount the gate values at
  // exactly the cap (a minimum equal to the maximum would then skip an order the gate allows). Step up while it fits.
  const hardCap = outflow !== null && outflow < spendable ? outflow : spendable;
  for (
    let i = 0;
    i < 4 &&
    amount > 0n &&
    amount < hardCap &&
    usdValue(amount + 1n, decimals, priceUsd) <= capUsd &&
    !tooLarge(amount + 1n);
    i++
  )
    amount++;
  const value = amount > 0n ? usdValue(amount, decimals, priceUsd) : 0;
  if (amount <= 0n || value < l.minOrderUsd) {
    return {
      ok: false,
      code: 'SIZE_BELOW_MINIMUM',
      message: `The entry allowed now is about ${usd(Math.max(0, value))}, limited by ${describeBound(limitedBy, f)}: below ${whose(l, 'minOrderUsd')} of ${usd(l.minOrderUsd)} per order, so it is skipped, not sent.`,
      usd: Math.max(0, value),
      minOrderUsd: l.minOrderUsd,
      limitedBy,
    };
  }
  return { ok: true, amount, usd: value, limitedBy };
}

/** A bound in words, for the skip reason. */
export function describeBound(b: SizeBound, f: EntrySizingFacts): string {
  const l = f.limits;
  switch (b) {
    case 'strategyShare':
      return "the strategy's share of equity";
    case 'maxOrderUsd':
      return `this user's ${usd(l.maxOrderUsd)} limit per order`;
    case 'globalMaxOrderUsd':
      return `the operator's global ${usd(l.maxOrderUsd)} limit per order`;
    case 'executionMaxOrderUsd':
      return `the ${usd(f.executionMaxOrderUsd)} largest order in this user's settings`;
    case 'maxPositionUsd':
      return `the room left under the ${usd(l.maxPositionUsd)} position limit`;
    case 'maxPositionPctEquity':
      return `the room left under ${l.maxPositionPctEquity}% of equity ${usd(f.equityUsd)}`;
    case 'maxExposurePct':
      return `the room left under max exposure, ${l.maxExposurePct}% of equity ${usd(f.equityUsd)} in open positions (${usd(f.exposureUsd)} held)`;
    case 'balance':
      return f.spend.nativeSol
        ? 'the SOL left after the reserve for rent, fees and exits'
        : 'the balance of what the entry spends';
    case 'tradingCap':
      return "the signing policy's trading cap (per swap and per 24 h)";
  }
}
