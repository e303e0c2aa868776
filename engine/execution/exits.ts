import type { Address } from '@solana/kit';
import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import { checkExit } from '../portfolio';
import type { PositionRow, Store } from '../store';

import { userSettingsOf } from '../users/settings-cache';
import { quoteMintOf } from './quote-asset';
import type { PriceSource } from './prices';
import type { OrderContext } from './order';
import type { OrderOutcome, TradeExecutionService } from './service';

/**
 * Checks every open position's stop-loss, take-profit and trailing stop at
 * the current price, once per cycle, and sends exits through the same
 * execution path (context `exit`). An exit that cannot complete marks the
 * position STUCK, raises an event, and is tried again next cycle.
 */
export class ExitMonitor {
  constructor(
    private readonly store: Store,
    private readonly exec: TradeExecutionService,
    private readonly prices: PriceSource,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly network: string,
  ) {}

  async runCycle(): Promise<{ checked: number; exits: number; stuck: number }> {
    let exits = 0;
    let stuck = 0;
    // Only positions of the account each user trades now: after a switch paper ↔ live, the other
    // account's positions wait (an exit would otherwise sell a paper position with real funds, or the reverse).
    const open = this.store.portfolio
      .allOpen()
      .filter((p) => p.network === this.network && p.account === this.modeOf(p.userId));
    await Promise.all(
      open.map(async (p) => {
        const price = this.priceInQuote(p);
        // No price to judge the levels by: only an exit already under way (STUCK) is tried again;
        // the execution path then refuses to sell at an unknown price and it stays STUCK, loudly.
        if (price === null && !p.stuckSince) return;
        const { trigger, highWater } = price === null ? { trigger: null, highWater: p.highWater } : checkExit(p, price);
        if (highWater !== p.highWater)
          this.store.portfolio.updatePosition({ ...p, highWater, updatedAt: isoTime(this.clock) });
        if (!trigger && !p.stuckSince) return;
        let outcome: OrderOutcome;
        try {
          outcome = await this.close(p, 'exit', trigger ?? 'retry');
        } catch (e) {
          // Thrown before the order was even journaled (e.g. the wallet's balances could not be read):
          // still an exit that could not complete, so the position is marked STUCK rather than the cycle failing.
          outcome = { status: 'failed', intentId: -1, message: e instanceof Error ? e.message : String(e) };
        }
        if (outcome.status === 'confirmed') exits++;
        else if (this.markStuck(p, outcome)) stuck++;
      }),
    );
    return { checked: open.length, exits, stuck };
  }

  private modeOf(userId: number): 'paper' | 'live' {
    return userSettingsOf(this.store, userId).mode;
  }

  /**
   * The position's price in its own quote asset (quote per whole token), the
   * unit its fills, average entry, high-water mark and exit levels are in. The
   * feed is in USD, so a SOL-quoted position is priced through SOL's USD price.
   */
  private priceInQuote(p: PositionRow): number | null {
    const base = this.usd(p, p.mint);
    const quote = this.usd(p, p.quoteMint);
    if (base === null || quote === null || quote <= 0) return null;
    return base / quote;
  }

  /**
   * The trusted price, or while the sources fail the last trusted one within the user's
   * exitPriceMaxAgeSec: a stop must still fire when the feeds go quiet (the sale itself is
   * then held to a floor from that same price).
   */
  private usd(p: PositionRow, mint: string): number | null {
    const fresh = this.prices.price(mint);
    if (fresh !== null) return fresh;
    const last = this.prices.lastTrusted?.(mint) ?? null;
    if (!last) return null;
    const settings = userSettingsOf(this.store, p.userId);
    return this.clock.now() - last.at <= settings.exitPriceMaxAgeSec * 1000 ? last.usd : null;
  }

  /** Sells the whole position through the execution path. */
  close(p: PositionRow, context: OrderContext, why: string): Promise<OrderOutcome> {
    const settings = userSettingsOf(this.store, p.userId);
    if (p.account !== settings.mode) {
      // The sell would go through the current account's venue: a paper position must never be sold
      // with the wallet's real tokens (nor a wallet position in the paper book).
      const where = p.account === 'paper' ? 'the paper account' : 'the on-chain wallet';
      return Promise.resolve({
        status: 'rejected',
        intentId: null,
        code: 'NO_POSITION',
        message: `Position ${p.id} is in ${where}, and this friend trades ${settings.mode} now; switch back to ${p.account} to close it.`,
      });
    }
    const attempt = this.store.intents.countByClientPrefix(p.userId, `${context}:${p.id}:`);
    this.log.info({ positionId: p.id, why, attempt }, 'closing position');
    return this.exec.submit({
      userId: p.userId,
      side: 'sell',
      inputMint: p.mint as Address,
      outputMint: (p.quoteMint || quoteMintOf(settings)) as Address,
      amount: p.quantity,
      context,
      clientId: `${context}:${p.id}:${attempt + 1}`,
      // Exits accept more slippage than entries: getting out matters more than the price.
      slippageBps: Math.max(settings.slippageBps, 300),
    });
  }

  private markStuck(p: PositionRow, outcome: OrderOutcome): boolean {
    if (outcome.status === 'confirmed') return false;
    const reason = outcome.message;
    const fresh = this.store.portfolio.position(p.id);
    if (!fresh || fresh.status !== 'open') return false;
    const at = isoTime(this.clock);
    this.store.tx(() => {
      this.store.portfolio.updatePosition({ ...fresh, stuckSince: fresh.stuckSince ?? at, updatedAt: at });
      this.bus.emit('exit.stuck', p.userId, { positionId: p.id, mint: p.mint, reason });
    });
    return true;
  }
}
