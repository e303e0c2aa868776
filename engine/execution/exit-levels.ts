import { tokenLabel } from '../api/human-text';
import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import { HarvestError } from '../kernel/errors';
import type { PositionRow, Store } from '../store';
import { priceInQuote, type PriceSource } from './prices';
import { formatPrice } from './trigger-orders';

/** What to do with each exit: a new level, null to remove it, absent to leave it. */
export interface ExitLevelsChange {
  stopLoss?: number | null;
  takeProfit?: number | null;
  /** Percent below the highest price since it was set. */
  trailingPct?: number | null;
}

export interface ExitLevelsDeps {
  store: Store;
  bus: EventBus;
  clock: Clock;
  /** Trusted prices: a new level is checked against the price now, so it cannot fire by mistake at once. */
  prices: PriceSource | null;
}

/**
 * Sets, moves or removes an open position's stop-loss, take-profit and trailing stop. The exit
 * monitor reads the levels from the position row every cycle, so the next cycle judges by the new
 * ones. Every change is audited with the levels before and after.
 */
export function changeExitLevels(
  d: ExitLevelsDeps,
  position: PositionRow,
  change: ExitLevelsChange,
  actor: string,
): PositionRow {
  if (position.status !== 'open')
    throw new HarvestError('CONFLICT', 'This position is closed; only an open position has exits to change.');
  if (change.stopLoss === undefined && change.takeProfit === undefined && change.trailingPct === undefined)
    throw new HarvestError(
      'INVALID_INPUT',
      'Say what to change: a stop, a take-profit or a trailing stop (or none to remove one).',
    );
  const quote = tokenLabel(position.quoteMint);
  const token = tokenLabel(position.mint);
  const next: PositionRow = {
    ...position,
    stopLoss: change.stopLoss === undefined ? position.stopLoss : change.stopLoss,
    takeProfit: change.takeProfit === undefined ? position.takeProfit : change.takeProfit,
    trailingStopBps:
      change.trailingPct === undefined
        ? position.trailingStopBps
        : change.trailingPct === null
          ? null
          : Math.round(change.trailingPct * 100),
  };
  for (const [name, v] of [
    ['stop', next.stopLoss],
    ['take-profit', next.takeProfit],
  ] as const) {
    if (v !== null && !(v > 0 && Number.isFinite(v)))
      throw new HarvestError('INVALID_INPUT', `The ${name} must be a positive price in ${quote}.`);
  }
  if (next.trailingStopBps !== null && (next.trailingStopBps < 10 || next.trailingStopBps > 9_900))
    throw new HarvestError('INVALID_INPUT', 'A trailing stop is between 0.1 % and 99 % below the high.');
  if (next.stopLoss !== null && next.takeProfit !== null && next.stopLoss >= next.takeProfit)
    throw new HarvestError(
      'INVALID_INPUT',
      `The stop (${formatPrice(next.stopLoss)} ${quote}) must be below the take-profit (${formatPrice(next.takeProfit)} ${quote}).`,
    );
  const price = d.prices ? priceInQuote(d.prices, position.mint, position.quoteMint) : null;
  if (price !== null) {
    if (change.stopLoss !== undefined && change.stopLoss !== null && change.stopLoss >= price)
      throw new HarvestError(
        'INVALID_INPUT',
        `${token} is at ${formatPrice(price)} ${quote} now: a stop at ${formatPrice(change.stopLoss)} would sell at once. Put it below the price, or close the position.`,
      );
    if (change.takeProfit !== undefined && change.takeProfit !== null && change.takeProfit <= price)
      throw new HarvestError(
        'INVALID_INPUT',
        `${token} is at ${formatPrice(price)} ${quote} now: a take-profit at ${formatPrice(change.takeProfit)} would sell at once. Put it above the price, or close the position.`,
      );
  }
  // A trailing stop set now trails from the price now (or, without one, from the next price seen).
  if (change.trailingPct !== undefined && change.trailingPct !== null && position.trailingStopBps === null)
    next.highWater = price;
  if (next.trailingStopBps === null) next.highWater = null;
  const at = isoTime(d.clock);
  next.updatedAt = at;
  const message = `${token} exits: ${describeLevels(next, quote)} (were ${describeLevels(position, quote)}).`;
  d.store.tx(() => {
    d.store.portfolio.updatePosition(next);
    d.store.audit.append(
      {
        actor,
        action: 'position.exitsChanged',
        userId: position.userId,
        details: {
          positionId: position.id,
          mint: position.mint,
          before: levelsOf(position),
          after: levelsOf(next),
        },
      },
      at,
    );
    d.bus.emit('position.exitsChanged', position.userId, { positionId: position.id, mint: position.mint, message });
  });
  return d.store.portfolio.position(position.id)!;
}

function levelsOf(p: PositionRow): {
  stopLoss: number | null;
  takeProfit: number | null;
  trailingStopBps: number | null;
} {
  return { stopLoss: p.stopLoss, takeProfit: p.takeProfit, trailingStopBps: p.trailingStopBps };
}

/** "stop 90 USDC, take-profit none, trailing 5 %". */
export function describeLevels(
  p: Pick<PositionRow, 'stopLoss' | 'takeProfit' | 'trailingStopBps'>,
  quote: string,
): string {
  const lvl = (v: number | null): string => (v === null ? 'none' : `${formatPrice(v)} ${quote}`);
  const trail = p.trailingStopBps === null ? 'none' : `${formatPrice(p.trailingStopBps / 100)} %`;
  return `stop ${lvl(p.stopLoss)}, take-profit ${lvl(p.takeProfit)}, trailing ${trail}`;
}
