import { IndicatorCache, type CandleSource } from '../../../engine/market/indicator-cache';
import type { Candle, Timeframe } from '../../../engine/market/types';
import { bindStrategy } from '../../../engine/strategy/registry';
import type { PositionView, Signal } from '../../../engine/strategy/types';

export interface SimTrade {
  entryTime: number;
  entryPrice: number;
  stop: number;
  target: number | null;
  exitTime: number | null;
  exitPrice: number | null;
  exit: 'signal' | 'stop' | 'target' | null;
  buys: number;
  /** Partial sells (a grid sells one level's worth at a time). */
  partialSells: number;
}

export interface SimResult {
  signals: { time: number; close: number; signal: Signal }[];
  trades: SimTrade[];
  computations: number;
}

/** A growing prefix of `candles` as a CandleSource: candle i "closes" when `upTo` passes it. */
export class ReplaySource implements CandleSource {
  upTo = 0;
  constructor(private readonly candles: readonly Candle[]) {}
  closed(): readonly Candle[] {
    // The cache keeps at most its window (1000 by default); more would only cost copying.
    return this.candles.slice(Math.max(0, this.upTo - 2000), this.upTo);
  }
  revision(_token: string, _tf: Timeframe): number {
    return this.upTo;
  }
}

/**
 * A minimal long-only replay for tests: signals are acted on at the close of
 * their candle; an open position is stopped out (or hits its target) from the
 * next candle on, at the stop (target) price. Adds to a position (DCA, grid)
 * average the entry; a sell of sizeHint < 1 (grid) reduces it. Not the engine's loop, just enough to see what a strategy does.
 */
export function simulate(
  strategyId: string,
  rawParams: unknown,
  candles: readonly Candle[],
  shared?: { source: ReplaySource; cache: IndicatorCache },
): SimResult {
  const strategy = bindStrategy(strategyId, rawParams);
  const source = shared?.source ?? new ReplaySource(candles);
  const ic = shared?.cache ?? new IndicatorCache(source);
  const signals: SimResult['signals'] = [];
  const trades: SimTrade[] = [];
  let open: SimTrade | null = null;
  let qty = 0;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    if (open) {
      if (c.low <= open.stop) close(c.time, Math.min(open.stop, c.open), 'stop');
      else if (open.target !== null && c.high >= open.target) close(c.time, Math.max(open.target, c.open), 'target');
    }
    source.upTo = i + 1;
    const position: PositionView | null = open
      ? { quantity: BigInt(Math.max(1, Math.round(qty * 1e6))), entryPrice: open.entryPrice, openedAt: open.entryTime }
      : null;
    const { signal } = strategy.evaluate({ token: 'T', cache: ic, position, now: c.time + 3_600_000 });
    if (!signal) continue;
    signals.push({ time: c.time, close: c.close, signal });
    if (signal.side === 'buy') {
      const spend = signal.quoteAmount !== undefined ? Number(signal.quoteAmount) / 1e6 : 100 * signal.sizeHint;
      if (open) {
        const total = qty + spend / c.close;
        open.entryPrice = (open.entryPrice * qty + c.close * (spend / c.close)) / total;
        qty = total;
        open.stop = signal.stopLossPrice;
        open.target = signal.takeProfitPrice ?? null;
        open.buys++;
      } else {
        qty = spend / c.close;
        open = {
          entryTime: c.time,
          entryPrice: c.close,
          stop: signal.stopLossPrice,
          target: signal.takeProfitPrice ?? null,
          exitTime: null,
          exitPrice: null,
          exit: null,
          buys: 1,
          partialSells: 0,
        };
        trades.push(open);
      }
    } else if (open) {
      if (signal.sizeHint >= 1) close(c.time, c.close, 'signal');
      else {
        qty *= 1 - signal.sizeHint;
        open.partialSells++;
      }
    }
  }
  return { signals, trades, computations: ic.stats().computations };

  function close(time: number, price: number, why: SimTrade['exit']): void {
    open!.exitTime = time;
    open!.exitPrice = price;
    open!.exit = why;
    open = null;
    qty = 0;
  }
}
