/**
 * The backtest's account: the paper book, positions, trades and risk state in
 * memory, behind the same rules the live path applies through SQLite. Every
 * decision goes through the same pure functions the live path calls:
 * entry sizing (risk/sizing.ts sizeEntry), the entry rules
 * (risk/risk-engine.ts evaluateEntry, portfolio markState), position
 * arithmetic (portfolio/position-math.ts applyFill, checkExit) and the paper
 * fill model (execution/paper.ts paperQuoteAt). What is re-stated here is only
 * how the facts are read (from arrays, not tables), in the order the live
 * gates read them, so the equivalence test (test/integration/backtest-equivalence.test.ts)
 * can hold the two to the base unit.
 */
import { paperQuoteAt, PAPER_FEE_BPS } from '../execution/paper';
import { WRAPPED_SOL_MINT, type TokenInfo } from '../market/tokens';
import { applyFill, averageEntryPrice, checkExit, type PositionState } from '../portfolio/position-math';
import { fromMicroUsd, markState, toMicroUsd, utcDay } from '../portfolio/performance';
import type { RiskCode } from '../risk/gate';
import type { EffectiveLimits } from '../risk/presets';
import { evaluateEntry, type EntryFacts } from '../risk/risk-engine';
import { sizeEntry, usdValue, type EntrySize } from '../risk/sizing';
import type { RiskStateRow } from '../store/risk-repo';
import type { EntrySignal, PositionView } from '../strategy/types';
import type { UserSettings } from '../users/settings';

/** Fee and slippage of every fill; the paper venue's model is { feeBps: 25, slippageBps: 0 } plus its depth impact. */
export interface FillModel {
  feeBps: number;
  /** An extra adverse price move on every fill, in basis points (0: the paper venue exactly). */
  slippageBps: number;
}
export const PAPER_FILL_MODEL: FillModel = Object.freeze({ feeBps: PAPER_FEE_BPS, slippageBps: 0 });

export interface LedgerTrade {
  time: number;
  symbol: string;
  side: 'buy' | 'sell';
  context: 'strategy' | 'exit';
  /** Token base units bought or sold. */
  baseAmount: bigint;
  /** Quote (USDC) base units paid or received. */
  quoteAmount: bigint;
  price: number;
  /** PnL a sell realized, in quote base units (0n for a buy). */
  realizedPnl: bigint;
  /** The strategy's sentence, or the exit trigger. */
  reason: string;
}

export interface LedgerPosition {
  id: number;
  token: TokenInfo;
  state: PositionState;
  stopLoss: number | null;
  takeProfit: number | null;
  trailingStopBps: number | null;
  highWater: number | null;
  openedAt: number;
  /** An exit that could not fill: tried again every cycle, trigger or not (live: STUCK). */
  stuck: boolean;
  /** What the strategy sees; rebuilt only when the position changes. */
  view: PositionView | null;
  /** The token's price cell, read by the exit check every cycle without a Map lookup. */
  price: PriceCell;
}

interface Holding {
  mint: string;
  token: TokenInfo;
  amount: bigint;
  /** Whole tokens, as valueHoldings computes them (kept beside the amount so a mark costs no bigint work). */
  units: number;
  price: PriceCell;
}

/**
 * A token's last price (USD; NaN until there is one). A mutable cell rather than a Map of numbers: a
 * price set every candle then updates a field in place instead of boxing a new number in a Map.
 */
export interface PriceCell {
  usd: number;
}

const MIN = 60_000;

/** One friend's paper account in a backtest. */
export class BacktestLedger {
  /** The book sorted by mint, as the paper book reads from SQLite; WSOL is valued last (as 'SOL'). */
  private readonly book: Holding[] = [];
  private readonly byMint = new Map<string, Holding>();
  /** Open positions by mint, in the order they were opened (the exit monitor's order). */
  readonly open = new Map<string, LedgerPosition>();
  /** The same positions in the same order, as an array: the exit check walks it every cycle without an iterator. */
  private readonly openList: LedgerPosition[] = [];
  readonly trades: LedgerTrade[] = [];
  readonly rejected = new Map<string, number>();
  skipped = 0;
  private nextPositionId = 1;
  private readonly lastClose = new Map<string, number>();
  private readonly entryTimes: number[] = [];
  private readonly losingCloses: number[] = [];
  private risk: RiskStateRow | null = null;
  /** Set by the drawdown limit; in a backtest no operator resumes. */
  paused = false;
  /** When the drawdown limit paused new entries (ms), and at what drawdown (percent). */
  pausedAt: { time: number; drawdownPct: number } | null = null;
  /** Per mint: the last price set; the price book of the cycle. */
  private readonly prices = new Map<string, PriceCell>();
  private readonly quotePrice: PriceCell;

  constructor(
    private readonly settings: UserSettings,
    private readonly limits: EffectiveLimits,
    private readonly quote: TokenInfo,
    private readonly fill: FillModel,
    start: readonly { token: TokenInfo; amount: bigint }[],
  ) {
    for (const s of start) this.setBalance(s.token, s.amount);
    this.quotePrice = this.priceCell(quote.mint);
    this.quotePrice.usd = 1;
  }

  /** The price cell of a mint, for a caller that sets its price every cycle (see PriceCell). */
  priceCell(mint: string): PriceCell {
    let c = this.prices.get(mint);
    if (c === undefined) this.prices.set(mint, (c = { usd: Number.NaN }));
    return c;
  }

  balance(mint: string): bigint {
    return this.byMint.get(mint)?.amount ?? 0n;
  }

  private setBalance(token: TokenInfo, amount: bigint): void {
    const h = this.byMint.get(token.mint);
    const units = Number(amount) / 10 ** token.decimals;
    if (h) {
      h.amount = amount;
      h.units = units;
      return;
    }
    const n: Holding = { mint: token.mint, token, amount, units, price: this.priceCell(token.mint) };
    this.byMint.set(token.mint, n);
    this.book.push(n);
    this.book.sort((a, b) => (a.mint < b.mint ? -1 : a.mint > b.mint ? 1 : 0));
  }

  private price(mint: string): number | null {
    const p = this.prices.get(mint)?.usd;
    return p === undefined || Number.isNaN(p) ? null : p;
  }

  /** Equity in USD as the risk engine values the paper book (valueHoldings over holdingsOf), or null when something has no price. */
  equityUsd(): number | null {
    const book = this.book;
    let usd = 0;
    let sol: Holding | null = null;
    for (let i = 0; i < book.length; i++) {
      const h = book[i]!;
      if (h.mint === WRAPPED_SOL_MINT) {
        sol = h;
        continue;
      }
      if (h.units === 0) continue;
      const p = h.price.usd;
      if (Number.isNaN(p)) return null;
      usd += h.units * p;
    }
    if (sol && sol.units !== 0) {
      const p = sol.price.usd;
      if (Number.isNaN(p)) return null;
      usd += sol.units * p;
    }
    return usd;
  }

  /** Every open position valued at its price now, as the risk engine adds them up for max exposure (no price: 0). */
  private exposureUsd(): number {
    const list = this.openList;
    let usd = 0;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      const price = p.price.usd;
      if (!Number.isNaN(price)) usd += usdValue(p.state.quantity, p.token.decimals, price);
    }
    return usd;
  }

  /** Equity for the curve: the same valuation, holdings without a price yet left out. */
  markUsd(): number {
    // Called every cycle: an index loop and the float `units` (0 exactly when the amount is 0n), no bigint compare.
    const book = this.book;
    let usd = 0;
    for (let i = 0; i < book.length; i++) {
      const h = book[i]!;
      if (h.units === 0) continue;
      const p = h.price.usd;
      if (!Number.isNaN(p)) usd += h.units * p;
    }
    return usd;
  }

  positionView(p: LedgerPosition): PositionView {
    if (!p.view) {
      p.view = {
        quantity: p.state.quantity,
        entryPrice:
          (averageEntryPrice(p.state, p.token.decimals, this.quote.decimals) ?? 0) * (this.price(this.quote.mint) ?? 1),
        openedAt: p.openedAt,
        stopLossPrice: p.stopLoss,
        takeProfitPrice: p.takeProfit,
      };
    }
    return p.view;
  }

  private reject(code: RiskCode): false {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
    return false;
  }

  // ---- exits (engine/execution/exits.ts) --------------------------------------

  /** Stop-loss, take-profit and trailing stop of every open position at the current prices. */
  runExits(now: number): void {
    const list = this.openList;
    const quote = this.quotePrice.usd;
    for (let i = 0; i < list.length;) {
      const p = list[i]!;
      const base = p.price.usd;
      // NaN (no price yet) fails every comparison, as a null price skips the position live.
      if (!(quote > 0) || Number.isNaN(base)) {
        i++;
        continue;
      }
      const x = base / quote;
      // Without a trailing stop, checkExit leaves the high-water mark as it is and triggers only past the
      // stop or the target: those two comparisons first, so a quiet candle costs no call and no result object.
      if (
        p.trailingStopBps === null &&
        !p.stuck &&
        !(p.stopLoss !== null && x <= p.stopLoss) &&
        !(p.takeProfit !== null && x >= p.takeProfit)
      ) {
        i++;
        continue;
      }
      const { trigger, highWater } = checkExit(p, x);
      if (highWater !== p.highWater) p.highWater = highWater;
      if (trigger || p.stuck) {
        // An exit that cannot fill stays open and is tried again next cycle (live: marked STUCK).
        if (!this.sell(p, p.state.quantity, 'exit', trigger ?? 'retry', now)) p.stuck = true;
      }
      // A sell that closed the position took it out of the list: the next one is now at i.
      if (list[i] === p) i++;
    }
  }

  // ---- strategy orders (engine/runtime/strategy-runner.ts) --------------------

  /** A strategy's sell of a fraction of the position. */
  strategySell(token: TokenInfo, sizeHint: number, reason: string, now: number): void {
    const p = this.open.get(token.mint);
    if (!p || p.state.quantity === 0n) return;
    const fraction = BigInt(Math.round(Math.min(1, sizeHint) * 1_000_000));
    const amount = fraction === 1_000_000n ? p.state.quantity : (p.state.quantity * fraction) / 1_000_000n;
    if (amount <= 0n) return;
    this.sell(p, amount, 'strategy', reason, now);
  }

  private sell(p: LedgerPosition, amount: bigint, context: 'strategy' | 'exit', reason: string, now: number): boolean {
    // The gates a sell meets: it reduces risk, so only the balance gate can refuse it.
    if (amount <= 0n) return this.reject('ORDER_TOO_SMALL');
    if (amount > p.state.quantity) return this.reject('NO_POSITION');
    if (amount > this.balance(p.token.mint)) return this.reject('INSUFFICIENT_BALANCE');
    const pin = this.price(p.token.mint);
    const pout = this.price(this.quote.mint);
    if (pin === null || pout === null || pout <= 0) return this.reject('STALE_PRICE');
    const q = paperQuoteAt(p.token, this.quote, pin, pout, amount, this.fill.feeBps, this.fill.slippageBps);
    if (q.priceImpactBps > this.settings.maxPriceImpactBps) return this.reject('PRICE_IMPACT');
    this.record(p.token, 'sell', context, amount, q.outAmount, reason, now, null);
    return true;
  }

  /** A strategy's entry: sized like the live runner, then every entry gate in the live order, then the fill. */
  strategyBuy(token: TokenInfo, signal: EntrySignal, now: number): void {
    const size = this.sizeEntry(token, signal);
    if (!size.ok) {
      this.skipped++;
      return;
    }
    this.buy(token, signal, size.amount, now);
  }

  private buy(token: TokenInfo, signal: EntrySignal, amount: bigint, now: number): boolean {
    // orderSizeGate
    const spendPrice = this.price(this.quote.mint);
    if (spendPrice === null) return this.reject('STALE_PRICE');
    if (usdValue(amount, this.quote.decimals, spendPrice) > this.settings.maxOrderUsd)
      return this.reject('ORDER_TOO_LARGE');
    // balanceGate
    if (amount <= 0n) return this.reject('ORDER_TOO_SMALL');
    if (amount > this.balance(this.quote.mint)) return this.reject('INSUFFICIENT_BALANCE');
    // The risk engine's entry rules
    const refused = this.riskCheck(token, amount, signal.stopLossPrice, now);
    if (refused) return this.reject(refused);
    const pout = this.price(token.mint)!;
    const q = paperQuoteAt(this.quote, token, spendPrice, pout, amount, this.fill.feeBps, this.fill.slippageBps);
    if (q.priceImpactBps > this.settings.maxPriceImpactBps) return this.reject('PRICE_IMPACT');
    this.record(token, 'buy', 'strategy', q.outAmount, amount, signal.reason, now, {
      stopLoss: signal.stopLossPrice,
      takeProfit: signal.takeProfitPrice ?? null,
    });
    return true;
  }

  private sizeEntry(token: TokenInfo, signal: EntrySignal): EntrySize {
    const spendPrice = this.price(this.quote.mint);
    const boughtPrice = this.price(token.mint);
    const equity = this.equityUsd();
    if (spendPrice === null || boughtPrice === null || equity === null) {
      return {
        ok: false,
        code: 'NO_PRICE',
        message: 'no price',
        usd: 0,
        minOrderUsd: this.limits.minOrderUsd,
        limitedBy: null,
      };
    }
    const p = this.open.get(token.mint);
    return sizeEntry(
      {
        limits: this.limits,
        executionMaxOrderUsd: this.settings.maxOrderUsd,
        equityUsd: fromMicroUsd(toMicroUsd(equity)),
        positionUsd: p ? usdValue(p.state.quantity, token.decimals, boughtPrice) : 0,
        exposureUsd: this.exposureUsd(),
        opensNew: !p,
        openPositions: this.open.size,
        spend: {
          decimals: this.quote.decimals,
          priceUsd: spendPrice,
          balance: this.balance(this.quote.mint),
          nativeSol: false,
          outflowCap: null,
        },
      },
      {
        sizeHint: signal.sizeHint,
        ...(signal.quoteAmount !== undefined ? { quoteAmountUsd: Number(signal.quoteAmount) / 1e6 } : {}),
      },
    );
  }

  /** RiskEngine.check for a paper entry: the account marked, then evaluateEntry; a refusal's trip applied. */
  private riskCheck(token: TokenInfo, amount: bigint, stopLossPrice: number, now: number): RiskCode | null {
    const v = this.equityUsd();
    if (v === null) return 'STALE_PRICE';
    const equity = toMicroUsd(v);
    const state = markState(this.risk, 0, 'backtest', equity, now, 0n);
    this.risk = state;
    if (state.drawdownPausedAt !== null) return 'MAX_DRAWDOWN';
    const day = utcDay(now);
    const l = this.limits;
    // The UTC day's start (utcDayStartIso) by arithmetic: clock times are after 1970, so no negative remainder.
    const dayStartMs = now - (now % 86_400_000);
    const lookbackFrom = now - (l.lossStreak.windowMinutes + l.lossStreak.pauseMinutes) * MIN;
    const losing: number[] = [];
    for (let i = this.losingCloses.length - 1; i >= 0 && this.losingCloses[i]! >= lookbackFrom; i--)
      losing.push(this.losingCloses[i]!);
    let entriesToday = 0;
    for (let i = this.entryTimes.length - 1; i >= 0 && this.entryTimes[i]! >= dayStartMs; i--) entriesToday++;
    const held = this.open.get(token.mint);
    const boughtPrice = this.price(token.mint);
    const spendPrice = this.price(this.quote.mint);
    const facts: EntryFacts = {
      nowMs: now,
      equityUsd: fromMicroUsd(equity),
      highWaterUsd: fromMicroUsd(state.highWater),
      dayStartEquityUsd: fromMicroUsd(state.dayStartEquity),
      dayNetFlowsUsd: fromMicroUsd(0n),
      dailyLossHitToday: state.dailyLossDay === day,
      orderUsd: spendPrice === null ? null : usdValue(amount, this.quote.decimals, spendPrice),
      boughtPriceUsd: boughtPrice,
      stopLossPrice,
      positionUsd: held && boughtPrice !== null ? usdValue(held.state.quantity, token.decimals, boughtPrice) : 0,
      exposureUsd: this.exposureUsd(),
      opensNew: !held,
      openPositions: this.open.size,
      entriesToday,
      losingClosesMs: losing,
      lastCloseMs: this.lastClose.get(token.mint) ?? null,
    };
    const verdict = evaluateEntry(l, facts);
    if (verdict.trip === 'dailyLoss') this.risk = { ...state, dailyLossDay: day };
    else if (verdict.trip === 'drawdown') {
      this.risk = { ...state, drawdownPausedAt: new Date(now).toISOString() };
      this.paused = true;
      const hw = Number(state.highWater);
      this.pausedAt = { time: now, drawdownPct: hw > 0 ? ((hw - Number(equity)) / hw) * 100 : 0 };
    }
    return verdict.decision.ok ? null : verdict.decision.code;
  }

  /** TradeExecutionService.record for a paper fill: position, book and trade. */
  private record(
    token: TokenInfo,
    side: 'buy' | 'sell',
    context: 'strategy' | 'exit',
    baseAmount: bigint,
    quoteAmount: bigint,
    reason: string,
    now: number,
    exits: { stopLoss: number; takeProfit: number | null } | null,
  ): void {
    const price = Number(quoteAmount) / 10 ** this.quote.decimals / (Number(baseAmount) / 10 ** token.decimals);
    const prev = this.open.get(token.mint) ?? null;
    const applied = applyFill(prev?.state ?? null, { side, baseAmount, quoteAmount, feeLamports: 0n });
    if (prev) {
      prev.state = applied.state;
      if (side === 'buy' && exits) {
        prev.stopLoss = exits.stopLoss ?? prev.stopLoss;
        prev.takeProfit = exits.takeProfit ?? prev.takeProfit;
      }
      prev.view = null;
      if (applied.closed) {
        this.open.delete(token.mint);
        this.openList.splice(this.openList.indexOf(prev), 1);
        this.lastClose.set(token.mint, now);
      }
    } else {
      const opened: LedgerPosition = {
        id: this.nextPositionId++,
        token,
        state: applied.state,
        stopLoss: exits?.stopLoss ?? null,
        takeProfit: exits?.takeProfit ?? null,
        trailingStopBps: null,
        highWater: null,
        openedAt: now,
        stuck: false,
        view: null,
        price: this.priceCell(token.mint),
      };
      this.open.set(token.mint, opened);
      this.openList.push(opened);
    }
    if (side === 'buy') {
      this.setBalance(this.quote, this.balance(this.quote.mint) - quoteAmount);
      this.setBalance(token, this.balance(token.mint) + baseAmount);
    } else {
      this.setBalance(token, this.balance(token.mint) - baseAmount);
      this.setBalance(this.quote, this.balance(this.quote.mint) + quoteAmount);
    }
    if (side === 'buy') this.entryTimes.push(now);
    else if (applied.realized < 0n) this.losingCloses.push(now);
    this.trades.push({
      time: now,
      symbol: token.symbol,
      side,
      context,
      baseAmount,
      quoteAmount,
      price,
      realizedPnl: applied.realized,
      reason,
    });
  }
}
