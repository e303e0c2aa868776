import type { Address } from '@solana/kit';
import { tokenAmount, tokenLabel } from '../api/human-text';
import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { Store, TriggerKind, TriggerOrderRow } from '../store';
import { userSettingsOf } from '../users/settings-cache';
import { priceInQuote, type PriceSource } from './prices';
import type { OrderOutcome, TradeExecutionService } from './service';

/** The stop-loss a limit buy's position gets, in percent below the price it fired at (as a manual buy's default). */
const LIMIT_BUY_STOP_PCT = 10;
export const MIN_EXPIRY_MS = 60_000;
export const MAX_EXPIRY_MS = 90 * 86_400_000;

/** Whether a trusted price has reached an order's level: a limit buy at or below, a limit sell at or above, a stop at or below. */
export function levelReached(o: Pick<TriggerOrderRow, 'kind' | 'side' | 'triggerPrice'>, price: number): boolean {
  if (o.kind === 'stop' || o.side === 'buy') return price <= o.triggerPrice;
  return price >= o.triggerPrice;
}

/** The client id an order fires with: one per order, so the journal makes it one swap whatever happens. */
export function triggerClientId(orderId: number): string {
  return `order:${orderId}`;
}

/** "1,234.5" for a price: enough digits for a small token, no float noise. */
export function formatPrice(p: number): string {
  return p.toLocaleString('en-US', { maximumSignificantDigits: 6 });
}

/** "limit buy of 50 USDC of WETH at 2,000 USDC": an order in words. */
export function describeTriggerOrder(
  o: Pick<TriggerOrderRow, 'kind' | 'side' | 'mint' | 'quoteMint' | 'amount' | 'triggerPrice'>,
): string {
  const what = o.kind === 'stop' ? 'stop sell' : `limit ${o.side}`;
  const paid =
    o.side === 'buy' ? `${tokenAmount(o.amount, o.quoteMint)} of ${tokenLabel(o.mint)}` : tokenAmount(o.amount, o.mint);
  return `${what} of ${paid} at ${formatPrice(o.triggerPrice)} ${tokenLabel(o.quoteMint)}`;
}

export interface PlaceTriggerOrder {
  userId: number;
  kind: TriggerKind;
  side: 'buy' | 'sell';
  mint: string;
  quoteMint: string;
  amount: bigint;
  triggerPrice: number;
  slippageBps: number;
  expiresInMs: number;
}

export interface TriggerOrderDeps {
  store: Store;
  exec: Pick<TradeExecutionService, 'submit'>;
  prices: PriceSource;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  network: string;
}

export interface TriggerCycleReport {
  checked: number;
  fired: number;
  filled: number;
  failed: number;
  expired: number;
  /** Sell orders whose position closed before they fired. */
  cancelled: number;
}

/**
 * Limit and stop orders (DESIGN.md: stored intents the loop fires through the one execution path).
 * Each cycle, on trusted prices only (never a stale or untrusted one), an open order whose level is
 * reached is marked `triggered` in the database BEFORE it is submitted, and it is submitted with the
 * client id `order:<id>`. From then on the price may flap back and forth or the process may die: the
 * order is never evaluated again, only its one submission is finished (the journal answers a second
 * submission of the same client id with the first one's outcome).
 */
export class TriggerOrders {
  constructor(private readonly d: TriggerOrderDeps) {}

  /** Validates and stores an order; the refusal, if any, says what to change. */
  place(p: PlaceTriggerOrder): TriggerOrderRow {
    const { store, clock } = this.d;
    if (p.kind === 'stop' && p.side !== 'sell')
      throw new HarvestError(
        'INVALID_INPUT',
        'A stop sells when the price falls to it; to buy below the price now, place a limit buy.',
      );
    if (p.amount <= 0n) throw new HarvestError('INVALID_INPUT', 'The amount must be more than zero.');
    if (!(p.triggerPrice > 0) || !Number.isFinite(p.triggerPrice))
      throw new HarvestError('INVALID_INPUT', 'The price must be a positive number.');
    if (p.expiresInMs < MIN_EXPIRY_MS || p.expiresInMs > MAX_EXPIRY_MS)
      throw new HarvestError('INVALID_INPUT', 'An order expires after at least 1 minute and at most 90 days.');
    const settings = userSettingsOf(store, p.userId);
    const draft = { ...p, status: 'open' as const };
    const label = describeTriggerOrder(draft);
    if (p.side === 'sell') {
      const pos = store.portfolio.openPosition(p.userId, this.d.network, p.mint, settings.mode);
      if (!pos)
        throw new HarvestError(
          'INVALID_INPUT',
          `There is no open ${tokenLabel(p.mint)} position to sell in the ${settings.mode === 'paper' ? 'paper account' : 'wallet'}.`,
        );
    }
    const now = priceInQuote(this.d.prices, p.mint, p.quoteMint);
    if (now !== null && levelReached(p, now)) {
      const quote = tokenLabel(p.quoteMint);
      const advice =
        p.kind === 'stop'
          ? `a stop must be below it (or sell at the market now)`
          : p.side === 'buy'
            ? `a limit buy must be below it (or buy at the market now)`
            : `a limit sell must be above it (or sell at the market now)`;
      throw new HarvestError(
        'INVALID_INPUT',
        `${tokenLabel(p.mint)} is at ${formatPrice(now)} ${quote} now, so a ${label} would fire at once: ${advice}.`,
      );
    }
    const at = isoTime(clock);
    const id = store.tx(() => {
      const orderId = store.triggerOrders.insert({
        userId: p.userId,
        network: this.d.network,
        account: settings.mode,
        kind: p.kind,
        side: p.side,
        mint: p.mint,
        quoteMint: p.quoteMint,
        amount: p.amount,
        triggerPrice: p.triggerPrice,
        slippageBps: p.slippageBps,
        expiresAt: clock.now() + p.expiresInMs,
        createdAt: at,
      });
      this.d.bus.emit('triggerOrder.placed', p.userId, {
        orderId,
        kind: p.kind,
        side: p.side,
        mint: p.mint,
        message: `Placed a ${label}.`,
      });
      return orderId;
    });
    return store.triggerOrders.byId(id)!;
  }

  /** Cancels an open order of this user (see cancelTriggerOrder). */
  cancel(userId: number, orderId: number, by: string): TriggerOrderRow {
    return cancelTriggerOrder(this.d, userId, orderId, by);
  }

  /** One pass over every open and firing order on this network: expire, fire, or finish a firing one. */
  async runCycle(): Promise<TriggerCycleReport> {
    const report: TriggerCycleReport = { checked: 0, fired: 0, filled: 0, failed: 0, expired: 0, cancelled: 0 };
    for (const o of this.d.store.triggerOrders.live(this.d.network)) {
      report.checked++;
      if (o.status === 'open') {
        if (this.d.clock.now() >= o.expiresAt) {
          if (this.expire(o)) report.expired++;
          continue;
        }
        if (o.side === 'sell' && !this.d.store.portfolio.openPosition(o.userId, o.network, o.mint, o.account)) {
          // Sold by hand, by the strategy's exit or by another order: nothing is left for this one to sell.
          if (this.cancelOrphan(o)) report.cancelled++;
          continue;
        }
        // Trusted prices only: a price the quorum does not trust now (stale, disagreeing) never fires an order.
        const price = priceInQuote(this.d.prices, o.mint, o.quoteMint);
        if (price === null || !levelReached(o, price)) continue;
        if (!this.d.store.triggerOrders.markTriggered(o.id, price, isoTime(this.d.clock))) continue;
        report.fired++;
      }
      const result = await this.fire(this.d.store.triggerOrders.byId(o.id)!);
      if (result === 'filled') report.filled++;
      if (result === 'failed') report.failed++;
    }
    return report;
  }

  private expire(o: TriggerOrderRow): boolean {
    const { store } = this.d;
    return store.tx(() => {
      const done = store.triggerOrders.finish(o.id, 'open', 'expired', 'expired', null, isoTime(this.d.clock));
      if (done) this.emit(o, 'triggerOrder.expired', `The ${describeTriggerOrder(o)} expired unfilled.`);
      return done;
    });
  }

  private cancelOrphan(o: TriggerOrderRow): boolean {
    const { store } = this.d;
    const where = o.account === 'paper' ? 'paper account' : 'wallet';
    return store.tx(() => {
      const done = store.triggerOrders.finish(
        o.id,
        'open',
        'cancelled',
        `the ${tokenLabel(o.mint)} position was closed`,
        null,
        isoTime(this.d.clock),
      );
      if (done)
        this.emit(
          o,
          'triggerOrder.cancelled',
          `Cancelled the ${describeTriggerOrder(o)}: the ${tokenLabel(o.mint)} position in the ${where} was closed.`,
        );
      return done;
    });
  }

  /** Submits (or finishes submitting) a triggered order, always with its one client id. */
  private async fire(o: TriggerOrderRow): Promise<'filled' | 'failed' | 'pending'> {
    const settings = userSettingsOf(this.d.store, o.userId);
    if (settings.mode !== o.account && !this.d.store.intents.byClientId(o.userId, triggerClientId(o.id))) {
      // Placed in one account, the friend trades the other now: a paper order must never spend real funds.
      const where = o.account === 'paper' ? 'the paper account' : 'the on-chain wallet';
      return this.settle(o, {
        status: 'rejected',
        intentId: null,
        code: 'NO_POSITION',
        message: `It was placed for ${where}, and this friend trades ${settings.mode} now.`,
      });
    }
    const buy = o.side === 'buy';
    let outcome: OrderOutcome;
    try {
      outcome = await this.d.exec.submit({
        userId: o.userId,
        side: o.side,
        inputMint: (buy ? o.quoteMint : o.mint) as Address,
        outputMint: (buy ? o.mint : o.quoteMint) as Address,
        amount: buy ? o.amount : this.sellable(o),
        context: 'manual',
        clientId: triggerClientId(o.id),
        slippageBps: o.slippageBps,
        ...(buy && o.firedPrice !== null ? { stopLossPrice: o.firedPrice * (1 - LIMIT_BUY_STOP_PCT / 100) } : {}),
      });
    } catch (e) {
      outcome = { status: 'failed', intentId: -1, message: e instanceof Error ? e.message : String(e) };
    }
    return this.settle(o, outcome);
  }

  /** A sell never asks for more than the position holds now (part of it may have been sold since). */
  private sellable(o: TriggerOrderRow): bigint {
    const pos = this.d.store.portfolio.openPosition(o.userId, o.network, o.mint, o.account);
    return pos && pos.quantity < o.amount && pos.quantity > 0n ? pos.quantity : o.amount;
  }

  private settle(o: TriggerOrderRow, outcome: OrderOutcome): 'filled' | 'failed' | 'pending' {
    const { store } = this.d;
    const at = isoTime(this.d.clock);
    const intentId = outcome.intentId !== null && outcome.intentId > 0 ? outcome.intentId : null;
    if (outcome.status === 'pending') {
      if (intentId !== null) store.triggerOrders.setIntent(o.id, intentId);
      return 'pending';
    }
    const label = describeTriggerOrder(o);
    return store.tx(() => {
      if (outcome.status === 'confirmed') {
        if (store.triggerOrders.finish(o.id, 'triggered', 'filled', null, intentId, at)) {
          const got = buy(o) ? tokenAmount(outcome.outAmount, o.mint) : tokenAmount(outcome.outAmount, o.quoteMint);
          this.emit(o, 'triggerOrder.filled', `Filled the ${label}: got ${got}.`);
        }
        return 'filled';
      }
      if (store.triggerOrders.finish(o.id, 'triggered', 'failed', outcome.message, intentId, at))
        this.emit(o, 'triggerOrder.failed', `The ${label} reached its price but did not fill: ${outcome.message}`);
      return 'failed';
    });
  }

  private emit(o: TriggerOrderRow, type: TriggerEventType, message: string): void {
    emitOrderEvent(this.d.bus, o, type, message);
  }
}

type TriggerEventType =
  'triggerOrder.cancelled' | 'triggerOrder.expired' | 'triggerOrder.filled' | 'triggerOrder.failed';

function emitOrderEvent(bus: EventBus, o: TriggerOrderRow, type: TriggerEventType, message: string): void {
  bus.emit(type, o.userId, { orderId: o.id, kind: o.kind, side: o.side, mint: o.mint, message });
}

/**
 * Cancels an open order of this user. Needs no network (a cancel must work while the chain or
 * the prices are down). An order already firing cannot be called back.
 */
export function cancelTriggerOrder(
  d: Pick<TriggerOrderDeps, 'store' | 'bus' | 'clock'>,
  userId: number,
  orderId: number,
  by: string,
): TriggerOrderRow {
  const { store } = d;
  const o = store.triggerOrders.byId(orderId);
  if (!o || o.userId !== userId) throw new HarvestError('NOT_FOUND', `There is no order ${orderId} for this friend.`);
  if (o.status === 'triggered')
    throw new HarvestError(
      'CONFLICT',
      `Order ${orderId} reached its price and is being filled; it cannot be cancelled now.`,
    );
  if (o.status !== 'open') throw new HarvestError('CONFLICT', `Order ${orderId} is already ${o.status}.`);
  store.tx(() => {
    if (!store.triggerOrders.finish(orderId, 'open', 'cancelled', `cancelled by ${by}`, null, isoTime(d.clock)))
      throw new HarvestError('CONFLICT', `Order ${orderId} changed while cancelling it; look again.`);
    emitOrderEvent(d.bus, o, 'triggerOrder.cancelled', `Cancelled the ${describeTriggerOrder(o)}.`);
  });
  return store.triggerOrders.byId(orderId)!;
}

const buy = (o: Pick<TriggerOrderRow, 'side'>): boolean => o.side === 'buy';
