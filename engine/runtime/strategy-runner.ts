import type { Address } from '@solana/kit';
import type { OrderOutcome, PriceSource, TradeExecutionService } from '../execution';
import { quoteMintOf } from '../execution';
import type { Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import { resolveToken, tokenByMint, type IndicatorCache } from '../market';
import { averageEntryPrice } from '../portfolio';
import { controlsGate, friendNames } from '../risk/basic-gates';
import type { Controls } from '../risk/controls';
import { entrySizingFacts, limitsFor } from '../risk/risk-engine';
import { sizeEntry, type EntrySize } from '../risk/sizing';
import type { Store } from '../store';
import {
  bindStrategy,
  type BoundStrategy,
  type EntrySignal,
  type Evaluation,
  type PositionView,
  type Signal,
} from '../strategy';
import type { DecisionOutcome, StrategyStateRow } from '../store';
import { DecisionLog, type StateDraft } from './decisions';
import { type UserSettings } from '../users/settings';
import { userSettingsOf } from '../users/settings-cache';

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
  /** Decisions written to the decision log this run (signals acted on or skipped, errors, changes of state). */
  decisions: number;
}

/** At most this many closed candles are caught up per (friend, token) and cycle. */
export const CATCH_UP_CANDLES = 50;

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
  /** Where decisions and live state go; one is made over `store` when not given. */
  decisions?: DecisionLog;
}

/** One evaluated candle of a catch-up. */
interface Evaluated {
  index: number;
  time: number;
  ev: Evaluation;
}

/** What became of one signal. */
interface Decided {
  outcome: DecisionOutcome;
  code: string;
  message: string;
  intentId: number | null;
  clientId: string | null;
}

const skip = (code: string, message: string): Decided => ({
  outcome: 'skipped',
  code,
  message,
  intentId: null,
  clientId: null,
});

/**
 * Runs every active user's strategy on each closed candle and turns signals
 * into orders through the one execution path. Settings are read at the start
 * of each cycle, so a change applies from the next cycle and never to an
 * order in flight. One user's error is caught, counted and reported; it
 * never stops the others.
 *
 * No candle is skipped: when several candles of a timeframe closed since the
 * last cycle (the sandbox replays faster than real time), each is evaluated
 * in order, at most CATCH_UP_CANDLES of them, and at most one order per
 * (friend, token) follows: an exit signal before an entry, the latest of each
 * kind. Every signal, acted on or not, goes to the decision log with its
 * reason; quiet candles only update the live state (engine/runtime/decisions).
 */
export class StrategyRunner {
  private readonly bound = new Map<string, BoundStrategy>();
  private readonly log: DecisionLog;
  private run_ = 0;
  /** The run in which each (user, token) was last evaluated: a gap means its older candles are too late to act on. */
  private readonly lastRun = new Map<string, number>();

  constructor(private readonly d: StrategyRunnerDeps) {
    this.log = d.decisions ?? new DecisionLog(d.store, d.clock);
  }

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
      decisions: 0,
    };
    this.run_++;
    const users = this.d.store.users.list();
    const batch = this.d.staggerAbove ?? 100;
    const batches = Math.ceil(users.length / batch);
    try {
      this.log.pruneIfDue();
      for (let b = 0; b < batches; b++) {
        if (b > 0 && this.d.staggerWindowMs) await this.d.clock.sleep(this.d.staggerWindowMs / batches, this.d.signal);
        for (const u of users.slice(b * batch, (b + 1) * batch)) {
          if (this.d.signal?.aborted) return report;
          const settings = userSettingsOf(this.d.store, u.id);
          if (!settings.strategy.enabled) {
            this.holdAll(u.id, settings, 'STRATEGY_DISABLED', "This friend's strategy is off.", report);
            continue;
          }
          if (this.d.isActive && !this.d.isActive(u.id)) {
            this.holdAll(
              u.id,
              settings,
              'NOT_FUNDED',
              'The wallet holds less than the minimum to trade; the strategy runs once it is funded.',
              report,
            );
            continue;
          }
          report.users++;
          try {
            await this.runUser(u.id, settings, report);
          } catch (e) {
            report.errors++;
            const message = (e as Error).message;
            this.d.log.warn({ userId: u.id, err: message }, 'strategy failed for user');
            this.d.bus.emit('strategy.error', u.id, { strategy: settings.strategy.id, token: null, message });
            for (const symbol of settings.strategy.tokens) this.errorState(u.id, symbol, settings, message, report);
          }
        }
        this.log.flush();
      }
    } finally {
      this.log.flush();
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

  /** A state with nothing evaluated: keeps what the previous state knew (warm-up, values, last signal). */
  private draftFrom(
    userId: number,
    symbol: string,
    settings: UserSettings,
    prev: StrategyStateRow | null,
  ): Omit<StateDraft, 'outcome' | 'code' | 'message'> {
    return {
      userId,
      token: symbol,
      strategyId: prev?.strategyId ?? settings.strategy.id,
      timeframe: prev?.timeframe ?? '',
      warmupHave: prev?.warmupHave ?? 0,
      warmupNeeded: prev?.warmupNeeded ?? 0,
      lastCandle: prev?.lastCandle ?? null,
      indicators: prev?.indicators ?? null,
      signal: prev?.signal ?? null,
      tradedAt: prev?.tradedAt ?? null,
    };
  }

  /** Sets a state and logs it as a decision when its outcome or reason changed. */
  private changeState(
    draft: StateDraft,
    prev: StrategyStateRow | null,
    report: StrategyRunReport,
    candleTime: number | null,
  ): void {
    this.log.setState(draft);
    if (prev && prev.outcome === draft.outcome && prev.code === draft.code) return;
    report.decisions++;
    this.log.record({
      userId: draft.userId,
      token: draft.token,
      strategyId: draft.strategyId,
      candleTime,
      outcome: draft.outcome,
      code: draft.code,
      message: draft.message,
      signalSide: null,
      indicators: draft.indicators,
      intentId: null,
      clientId: null,
    });
  }

  /** A friend whose strategy does not run this cycle (off, not funded): each token's state says why. */
  private holdAll(
    userId: number,
    settings: UserSettings,
    code: 'STRATEGY_DISABLED' | 'NOT_FUNDED',
    message: string,
    report: StrategyRunReport,
  ): void {
    for (const symbol of settings.strategy.tokens) {
      const prev = this.log.state(userId, symbol);
      if (!prev && code === 'STRATEGY_DISABLED') continue; // never ran: nothing to say beyond the settings
      this.changeState(
        { ...this.draftFrom(userId, symbol, settings, prev), outcome: 'skipped', code, message },
        prev,
        report,
        null,
      );
    }
  }

  private errorState(
    userId: number,
    symbol: string,
    settings: UserSettings,
    message: string,
    report: StrategyRunReport,
  ): void {
    const prev = this.log.state(userId, symbol);
    this.changeState(
      {
        ...this.draftFrom(userId, symbol, settings, prev),
        outcome: 'error',
        code: 'STRATEGY_ERROR',
        message: `The strategy failed: ${message}`,
      },
      prev,
      report,
      null,
    );
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

  /** Why an entry in `mint` cannot be priced now, or null when it can. */
  private priceProblem(mint: string, symbol: string): Decided | null {
    if (this.d.prices.price(mint) !== null) return null;
    const kind =
      this.d.prices.untrustedKind?.(mint) ?? (this.d.prices.lastTrusted?.(mint) ? 'stale' : ('none' as const));
    const why = this.d.prices.whyUntrusted?.(mint);
    const detail = why ? ` (${why})` : '';
    if (kind === 'untrusted')
      return skip('PRICE_UNTRUSTED', `${symbol} has no trusted price${detail}; no entries until its sources agree.`);
    if (kind === 'stale')
      return skip('STALE_PRICE', `The price of ${symbol} is out of date${detail}; no entries until it is fresh.`);
    return skip('NO_PRICE', `There is no price for ${symbol} yet${detail}; no entries until there is one.`);
  }

  private async runUser(userId: number, settings: UserSettings, report: StrategyRunReport): Promise<void> {
    const strategy = this.strategyFor(userId, settings);
    const quoteMint = quoteMintOf(settings);
    const quote = tokenByMint(quoteMint)!;
    for (const symbol of settings.strategy.tokens) {
      const token = resolveToken(symbol);
      if (!token || token.mint === quoteMint)
        throw new Error(`"${symbol}" is not a token this user's strategy can trade`);
      const key = `${userId}:${token.symbol}`;
      // Only candles closed since the previous run may be acted on; older ones closed while this was not running.
      const continuous = this.lastRun.get(key) === this.run_ - 1;
      this.lastRun.set(key, this.run_);
      const prev = this.log.state(userId, token.symbol);
      const candles = this.d.cache.candles(token.mint, strategy.timeframe);
      const latest = candles.length - 1;
      if (latest < 0) {
        this.changeState(
          {
            ...this.draftFrom(userId, token.symbol, settings, prev),
            strategyId: strategy.id,
            timeframe: strategy.timeframe,
            warmupHave: 0,
            warmupNeeded: strategy.warmup,
            outcome: 'warming-up',
            code: 'WARMING_UP',
            message: `Warming up: no closed ${strategy.timeframe} candle yet (${strategy.warmup} needed).`,
          },
          prev,
          report,
          null,
        );
        continue;
      }
      // Where this (user, token) left off: the same strategy and timeframe resume after their last candle.
      const resume =
        prev && prev.lastCandle !== null && prev.strategyId === strategy.id && prev.timeframe === strategy.timeframe
          ? prev.lastCandle
          : null;
      let first = latest;
      if (resume !== null) {
        first = candles.length;
        while (first > 0 && candles[first - 1]!.time > resume) first--;
        if (first > latest) {
          // Nothing closed since; a friend just switched back on or funded says so at once.
          if (prev && (prev.code === 'STRATEGY_DISABLED' || prev.code === 'NOT_FUNDED')) {
            const warming = prev.warmupHave < prev.warmupNeeded;
            this.changeState(
              {
                ...this.draftFrom(userId, token.symbol, settings, prev),
                outcome: warming ? 'warming-up' : 'no-signal',
                code: warming ? 'WARMING_UP' : 'NO_SIGNAL',
                message: warming
                  ? `Warming up: ${prev.warmupHave} of ${prev.warmupNeeded} closed ${strategy.timeframe} candles.`
                  : 'Waiting for a signal.',
              },
              prev,
              report,
              null,
            );
          }
          continue;
        }
        first = Math.max(first, latest - CATCH_UP_CANDLES + 1);
      }
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

      const evaluated: Evaluated[] = [];
      try {
        for (let i = first; i <= latest; i++) {
          const ev = strategy.evaluate({
            token: token.mint,
            cache: this.d.cache,
            position: view,
            now: this.d.clock.now(),
            upTo: i + 1,
          });
          evaluated.push({ index: i, time: candles[i]!.time, ev });
        }
      } catch (e) {
        // A broken signal is this token's error: its candles count as evaluated, so it is not retried forever.
        report.errors++;
        const message = (e as Error).message;
        this.d.log.warn({ userId, token: token.symbol, err: message }, 'strategy failed for token');
        this.d.bus.emit('strategy.error', userId, { strategy: strategy.id, token: token.symbol, message });
        this.changeState(
          {
            ...this.draftFrom(userId, token.symbol, settings, prev),
            strategyId: strategy.id,
            timeframe: strategy.timeframe,
            lastCandle: candles[latest]!.time,
            outcome: 'error',
            code: 'STRATEGY_ERROR',
            message: `The strategy failed: ${message}`,
          },
          prev,
          report,
          candles[latest]!.time,
        );
        continue;
      }
      report.evaluated += evaluated.filter((e) => e.ev.skipped === null).length;

      const withSignal = evaluated.filter((e): e is Evaluated & { ev: { signal: Signal } } => e.ev.signal !== null);
      report.signals += withSignal.length;
      const actionable = withSignal.filter((e) => continuous || e.index === latest);
      const exits = view ? actionable.filter((e) => e.ev.signal.side === 'sell') : [];
      const chosen = exits.at(-1) ?? actionable.filter((e) => e.ev.signal.side === 'buy').at(-1) ?? null;

      let tradedAt = prev?.tradedAt ?? null;
      let lastDecided: { e: Evaluated; d: Decided } | null = null;
      for (const e of withSignal) {
        let d: Decided;
        if (e === chosen) {
          d = await this.act(userId, settings, token, quoteMint, e, position?.quantity ?? 0n, strategy.id, report);
          if (d.code === 'FILLED') tradedAt = new Date(this.d.clock.now()).toISOString();
        } else if (!actionable.includes(e)) {
          d = skip(
            'MISSED_WHILE_STOPPED',
            `This candle closed while the strategy was not running for this friend; acting on it now would be late.`,
          );
        } else {
          d = skip(
            'SUPERSEDED',
            `Several candles closed since the last cycle; the ${chosen!.ev.signal.side === 'sell' ? 'exit' : 'later entry'} signal of ${new Date(chosen!.time).toISOString()} was acted on instead.`,
          );
        }
        report.decisions++;
        this.log.record({
          userId,
          token: token.symbol,
          strategyId: strategy.id,
          candleTime: e.time,
          outcome: d.outcome,
          code: d.code,
          message:
            d.outcome === 'entered' || d.outcome === 'exited' ? `${e.ev.signal.reason}. ${d.message}` : d.message,
          signalSide: e.ev.signal.side,
          indicators: e.ev.indicators,
          intentId: d.intentId,
          clientId: d.clientId,
        });
        if (!lastDecided || e === chosen || lastDecided.e !== chosen) lastDecided = { e, d };
      }

      const last = evaluated[evaluated.length - 1]!;
      const lastSignal = withSignal.at(-1);
      const base: StateDraft = {
        userId,
        token: token.symbol,
        strategyId: strategy.id,
        timeframe: strategy.timeframe,
        warmupHave: last.ev.warmup.have,
        warmupNeeded: last.ev.warmup.needed,
        lastCandle: last.time,
        indicators: last.ev.indicators ?? (last.ev.skipped ? null : (prev?.indicators ?? null)),
        signal: lastSignal
          ? { side: lastSignal.ev.signal.side, reason: lastSignal.ev.signal.reason, candleTime: lastSignal.time }
          : (prev?.signal ?? null),
        tradedAt,
        outcome: 'no-signal',
        code: 'NO_SIGNAL',
        message: 'Waiting for a signal.',
      };
      if (lastDecided) {
        // The state says what happened to this cycle's signal (the one acted on, else the latest).
        this.log.setState({
          ...base,
          outcome: lastDecided.d.outcome,
          code: lastDecided.d.code,
          message: lastDecided.d.message,
        });
      } else if (last.ev.skipped === 'warmup') {
        this.changeState(
          {
            ...base,
            outcome: 'warming-up',
            code: 'WARMING_UP',
            message: `Warming up: ${last.ev.warmup.have} of ${last.ev.warmup.needed} closed ${strategy.timeframe} candles.`,
          },
          prev,
          report,
          last.time,
        );
      } else {
        this.changeState(base, prev, report, last.time);
      }
    }
  }

  /** Carries out the chosen signal through the one execution path, or says why not. */
  private async act(
    userId: number,
    settings: UserSettings,
    token: { mint: Address; symbol: string },
    quoteMint: string,
    e: Evaluated & { ev: { signal: Signal } },
    held: bigint,
    strategyId: string,
    report: StrategyRunReport,
  ): Promise<Decided> {
    const signal = e.ev.signal;
    const clientId = `strategy:${strategyId}:${token.symbol}:${e.time}`;
    // The controls first, with the gate's own codes and words: a paused friend's entry is a decision, not an order.
    const controls = controlsGate(this.d.controls, friendNames(this.d.store)).check(
      {
        userId,
        side: signal.side,
        inputMint: (signal.side === 'buy' ? quoteMint : token.mint) as Address,
        outputMint: (signal.side === 'buy' ? token.mint : quoteMint) as Address,
        amount: 0n,
        context: 'strategy',
        clientId,
        slippageBps: settings.slippageBps,
      },
      { balances: new Map(), price: () => null, nowMs: this.d.clock.now() },
    );
    if (!controls.ok) return skip(controls.code, controls.message);
    let outcome: OrderOutcome;
    if (signal.side === 'buy') {
      const unpriced = this.priceProblem(token.mint, token.symbol);
      if (unpriced) {
        report.skipped++;
        return unpriced;
      }
      const size = await this.sizeEntry(userId, quoteMint, token.mint, signal);
      if (!size.ok) {
        // Too small to be allowed (or unpriceable): recorded with its reason, never sent only to be refused.
        report.skipped++;
        this.d.bus.emit('strategy.entrySkipped', userId, {
          strategy: strategyId,
          token: token.symbol,
          code: size.code,
          message: size.message,
          sizeUsd: size.usd,
          minOrderUsd: size.minOrderUsd,
          limitedBy: size.limitedBy,
        });
        return skip(size.code, size.message);
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
      if (held === 0n) return skip('NO_POSITION', `No open ${token.symbol} position to sell.`);
      const fraction = BigInt(Math.round(Math.min(1, signal.sizeHint) * 1_000_000));
      const amount = fraction === 1_000_000n ? held : (held * fraction) / 1_000_000n;
      if (amount <= 0n) return skip('NO_POSITION', `The ${token.symbol} position is too small to sell a part of.`);
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
    const done: DecisionOutcome = signal.side === 'buy' ? 'entered' : 'exited';
    switch (outcome.status) {
      case 'confirmed':
        report.filled++;
        return {
          outcome: done,
          code: 'FILLED',
          message: `Order ${outcome.intentId} filled.`,
          intentId: outcome.intentId,
          clientId,
        };
      case 'pending':
        return { outcome: done, code: 'ORDER_PENDING', message: outcome.message, intentId: outcome.intentId, clientId };
      case 'rejected':
        report.rejected++;
        return {
          outcome: 'skipped',
          code: outcome.code,
          message: outcome.message,
          intentId: outcome.intentId,
          clientId,
        };
      default:
        return {
          outcome: 'error',
          code: outcome.status === 'failed' ? 'ORDER_FAILED' : 'ORDER_EXPIRED',
          message: outcome.message,
          intentId: outcome.intentId,
          clientId,
        };
    }
  }
}
