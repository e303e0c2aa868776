import type { Address } from '@solana/kit';
import type { OrderOutcome, PriceSource, TradeExecutionService } from '../execution';
import { quoteMintOf } from '../execution';
import type { Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import { tokenByMint, tokenBySymbol, type IndicatorCache } from '../market';
import { averageEntryPrice } from '../portfolio';
import type { Controls } from '../risk/controls';
import { entrySizingFacts, limitsFor } from '../risk/risk-engine';
import { sizeEntry, type EntrySize } from '../risk/sizing';
import type { Store } from '../store';
import { bindStrategy, type BoundStrategy, type EntrySignal, type PositionView } from '../strategy';
import { UserSettingsSchema, type UserSettings } from '../users/settings';

export interface StrategyRunReport {
  users: number;
  evaluated: number;
  signals: number;
  orders: number;
  filled: number;
  rejected: number;
  /** Entries skipped before execution (below the minimum order once sized, or no price), each recorded as an event. */
  skipped: number;
  errors: number;
}

export interface StrategyRunnerDeps {
  store: Store;
  exec: TradeExecutionService;
  cache: IndicatorCache;
  prices: PriceSource;
  controls: Controls;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  network: string;
  /** Above this many users, the work of a cycle is spread over `staggerWindowMs`. */
  staggerAbove?: number;
  staggerWindowMs?: number;
  /** Whether a user counts as active (funded above their minimum); the live engine uses the activation flag. */
  isActive?: (userId: number) => boolean;
  /** Aborted when the engine stops: no further user is started (the current one's order finishes). */
  signal?: AbortSignal;
}

/**
 * Runs every active user's strategy on each newly closed candle and turns
 * signals into orders through the one execution path. Settings are read at
 * the start of each cycle, so a change applies from the next cycle and never
 * to an order in flight. One user's error is caught, counted and reported; it
 * never stops the others.
 */
export class StrategyRunner {
  private readonly lastCandle = new Map<string, number>();
  private readonly bound = new Map<string, BoundStrategy>();

  constructor(private readonly d: StrategyRunnerDeps) {}

  async run(): Promise<StrategyRunReport> {
    const report: StrategyRunReport = {
      users: 0,
      evaluated: 0,
      signals: 0,
      orders: 0,
      filled: 0,
      rejected: 0,
      skipped: 0,
      errors: 0,
    };
    if (this.d.controls.global().halted) return report;
    const everyonePaused = this.d.controls.global().paused;
    const users = this.d.store.users.list();
    const batch = this.d.staggerAbove ?? 100;
    const batches = Math.ceil(users.length / batch);
    for (let b = 0; b < batches; b++) {
      if (b > 0 && this.d.staggerWindowMs) await this.d.clock.sleep(this.d.staggerWindowMs / batches, this.d.signal);
      for (const u of users.slice(b * batch, (b + 1) * batch)) {
        if (this.d.signal?.aborted) return report;
        const settings = UserSettingsSchema.parse(this.d.store.settings.get(u.id)?.settings ?? {});
        if (!settings.strategy.enabled) continue;
        if (this.d.isActive && !this.d.isActive(u.id)) continue;
        report.users++;
        try {
          // A pause stops entries only: the strategy still runs for a paused user, so its exits still do.
          const entries = !everyonePaused && !this.d.controls.user(u.id).paused;
          await this.runUser(u.id, settings, entries, report);
        } catch (e) {
          report.errors++;
          const message = (e as Error).message;
          this.d.log.warn({ userId: u.id, err: message }, 'strategy failed for user');
          this.d.bus.emit('strategy.error', u.id, { strategy: settings.strategy.id, token: null, message });
        }
      }
    }
    return report;
  }

  private strategyFor(userId: number, settings: UserSettings): BoundStrategy {
    const key = `${userId}:${settings.strategy.id}:${JSON.stringify(settings.strategy.params)}`;
    let s = this.bound.get(key);
    if (!s) {
      s = bindStrategy(settings.strategy.id, settings.strategy.params);
      this.bound.set(key, s);
    }
    return s;
  }

  /** The entry's size from the limits the gate checks, over the balances the gate will see (engine/risk/sizing.ts). */
  private async sizeEntry(
    userId: number,
    quoteMint: string,
    boughtMint: string,
    signal: EntrySignal,
  ): Promise<EntrySize> {
    const balances = await this.d.exec.balancesFor(userId);
    const price = (m: string): number | null => this.d.prices.price(m);
    const facts = entrySizingFacts(
      this.d.store,
      this.d.network,
      userId,
      quoteMint,
      boughtMint,
      balances,
      price,
      this.d.clock.now(),
    );
    if (!facts) {
      return {
        ok: false,
        code: 'NO_PRICE',
        message:
          'No fresh price for the token, the quote asset or something the wallet holds; entry skipped this candle.',
        usd: 0,
        minOrderUsd: limitsFor(this.d.store, userId).minOrderUsd,
        limitedBy: null,
      };
    }
    return sizeEntry(facts, {
      sizeHint: signal.sizeHint,
      // quoteAmount is in USD micro-units (the base units of USDC and PYUSD).
      ...(signal.quoteAmount !== undefined ? { quoteAmountUsd: Number(signal.quoteAmount) / 1e6 } : {}),
    });
  }

  private async runUser(
    userId: number,
    settings: UserSettings,
    entries: boolean,
    report: StrategyRunReport,
  ): Promise<void> {
    const strategy = this.strategyFor(userId, settings);
    const quoteMint = quoteMintOf(settings);
    const quote = tokenByMint(quoteMint)!;
    for (const symbol of settings.strategy.tokens) {
      const token = tokenBySymbol(symbol);
      if (!token || token.mint === quoteMint)
        throw new Error(`"${symbol}" is not a token this user's strategy can trade`);
      const position = this.d.store.portfolio.openPosition(userId, this.d.network, token.mint, settings.mode);
      const quoteUsd = this.d.prices.price(quoteMint);
      const view: PositionView | null =
        position && position.quantity > 0n
          ? {
              quantity: position.quantity,
              entryPrice: (averageEntryPrice(position, token.decimals, quote.decimals) ?? 0) * (quoteUsd ?? 1),
              openedAt: Date.parse(position.openedAt),
              stopLossPrice: position.stopLoss,
              takeProfitPrice: position.takeProfit,
            }
          : null;
      const ev = strategy.evaluate({ token: token.mint, cache: this.d.cache, position: view, now: this.d.clock.now() });
      if (ev.candleTime === null || ev.skipped) continue;
      const key = `${userId}:${token.mint}`;
      if (this.lastCandle.get(key) === ev.candleTime) continue;
      this.lastCandle.set(key, ev.candleTime);
      report.evaluated++;
      const signal = ev.signal;
      if (!signal) continue;
      report.signals++;
      let outcome: OrderOutcome;
      const clientId = `strategy:${settings.strategy.id}:${token.symbol}:${ev.candleTime}`;
      if (signal.side === 'buy') {
        if (!entries) continue; // paused: no entries (the pause itself is the recorded reason)
        const size = await this.sizeEntry(userId, quoteMint, token.mint, signal);
        if (!size.ok) {
          // Too small to be allowed (or unpriceable): recorded with its reason, never sent only to be refused.
          report.skipped++;
          this.d.bus.emit('strategy.entrySkipped', userId, {
            strategy: settings.strategy.id,
            token: token.symbol,
            code: size.code,
            message: size.message,
            sizeUsd: size.usd,
            minOrderUsd: size.minOrderUsd,
            limitedBy: size.limitedBy,
          });
          continue;
        }
        outcome = await this.d.exec.submit({
          userId,
          side: 'buy',
          inputMint: quoteMint as Address,
          outputMint: token.mint,
          amount: size.amount,
          context: 'strategy',
          clientId,
          slippageBps: settings.slippageBps,
          // Exit levels are USD prices, as the exit monitor reads them from the feed.
          stopLossPrice: signal.stopLossPrice,
          takeProfitPrice: signal.takeProfitPrice ?? null,
        });
      } else {
        if (!position || position.quantity === 0n) continue;
        const fraction = BigInt(Math.round(Math.min(1, signal.sizeHint) * 1_000_000));
        const amount = fraction === 1_000_000n ? position.quantity : (position.quantity * fraction) / 1_000_000n;
        if (amount <= 0n) continue;
        outcome = await this.d.exec.submit({
          userId,
          side: 'sell',
          inputMint: token.mint,
          outputMint: quoteMint as Address,
          amount,
          context: 'strategy',
          clientId,
          slippageBps: settings.slippageBps,
        });
      }
      report.orders++;
      if (outcome.status === 'confirmed') report.filled++;
      else if (outcome.status === 'rejected') report.rejected++;
    }
  }
}
