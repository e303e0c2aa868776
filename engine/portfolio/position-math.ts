/**
 * Position arithmetic on exact base units. A position holds `quantity` of a
 * token bought for `costBasis` of the quote asset; selling part of it releases
 * the same fraction of the cost, and the difference is realized PnL.
 */
export interface PositionState {
  quantity: bigint;
  costBasis: bigint;
  realizedPnl: bigint;
  feesLamports: bigint;
}

export interface Fill {
  side: 'buy' | 'sell';
  /** Units of the position's token bought or sold. */
  baseAmount: bigint;
  /** Units of the quote asset paid (buy) or received (sell). */
  quoteAmount: bigint;
  feeLamports: bigint;
}

export interface FillResult {
  state: PositionState;
  /** PnL this fill realized (0 for a buy). */
  realized: bigint;
  /** How much of the fill applied to the position (a sell never sells more than the position holds). */
  appliedBase: bigint;
  closed: boolean;
}

export const EMPTY_POSITION: PositionState = { quantity: 0n, costBasis: 0n, realizedPnl: 0n, feesLamports: 0n };

export function applyFill(prev: PositionState | null, fill: Fill): FillResult {
  const s = prev ?? EMPTY_POSITION;
  if (fill.baseAmount < 0n || fill.quoteAmount < 0n || fill.feeLamports < 0n)
    throw new Error('fill amounts must be non-negative');
  if (fill.side === 'buy') {
    return {
      state: {
        quantity: s.quantity + fill.baseAmount,
        costBasis: s.costBasis + fill.quoteAmount,
        realizedPnl: s.realizedPnl,
        feesLamports: s.feesLamports + fill.feeLamports,
      },
      realized: 0n,
      appliedBase: fill.baseAmount,
      closed: false,
    };
  }
  if (s.quantity === 0n) throw new Error('cannot sell from an empty position');
  const sold = fill.baseAmount > s.quantity ? s.quantity : fill.baseAmount;
  // The last unit takes the remaining cost, so a full close leaves no rounding dust.
  const released = sold === s.quantity ? s.costBasis : (s.costBasis * sold) / s.quantity;
  // Proceeds of a partial application (oversell) are scaled to what the position held.
  const proceeds = sold === fill.baseAmount ? fill.quoteAmount : (fill.quoteAmount * sold) / fill.baseAmount;
  const realized = proceeds - released;
  const quantity = s.quantity - sold;
  return {
    state: {
      quantity,
      costBasis: s.costBasis - released,
      realizedPnl: s.realizedPnl + realized,
      feesLamports: s.feesLamports + fill.feeLamports,
    },
    realized,
    appliedBase: sold,
    closed: quantity === 0n,
  };
}

/** Value of `quantity` base units at a price (quote per whole base token), in quote base units. */
export function markValue(quantity: bigint, baseDecimals: number, quoteDecimals: number, price: number): bigint {
  if (!Number.isFinite(price) || price < 0) throw new Error(`bad price ${price}`);
  const SCALE = 1_000_000_000n;
  const scaledPrice = BigInt(Math.round(price * 1e9));
  return (quantity * scaledPrice * 10n ** BigInt(quoteDecimals)) / (SCALE * 10n ** BigInt(baseDecimals));
}

export function unrealizedPnl(s: PositionState, baseDecimals: number, quoteDecimals: number, price: number): bigint {
  return markValue(s.quantity, baseDecimals, quoteDecimals, price) - s.costBasis;
}

/** Average entry price in quote per whole base token (display and exit maths only). */
export function averageEntryPrice(s: PositionState, baseDecimals: number, quoteDecimals: number): number | null {
  if (s.quantity === 0n) return null;
  return Number(s.costBasis) / 10 ** quoteDecimals / (Number(s.quantity) / 10 ** baseDecimals);
}

export interface ExitLevels {
  stopLoss: number | null;
  takeProfit: number | null;
  trailingStopBps: number | null;
  highWater: number | null;
}

export type ExitTrigger = 'stop_loss' | 'take_profit' | 'trailing_stop' | null;

/** Updates the trailing high-water mark and says whether an exit is due at `price`. */
export function checkExit(levels: ExitLevels, price: number): { trigger: ExitTrigger; highWater: number | null } {
  const highWater = levels.trailingStopBps !== null ? Math.max(levels.highWater ?? price, price) : levels.highWater;
  if (levels.stopLoss !== null && price <= levels.stopLoss) return { trigger: 'stop_loss', highWater };
  if (levels.takeProfit !== null && price >= levels.takeProfit) return { trigger: 'take_profit', highWater };
  if (
    levels.trailingStopBps !== null &&
    highWater !== null &&
    price <= highWater * (1 - levels.trailingStopBps / 10_000)
  ) {
    return { trigger: 'trailing_stop', highWater };
  }
  return { trigger: null, highWater };
}
