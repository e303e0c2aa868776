import { resample } from '../market/candles';
import { normalizeSpec, priceSeries, specKey, type IndicatorSpec, type PriceField } from '../market/indicator-spec';
import { atr, bollinger, donchian, ema, macd, rsi, sma } from '../market/indicators';
import { tokenBySymbol, type TokenInfo } from '../market/tokens';
import { TIMEFRAME_MS, type Candle, type Timeframe } from '../market/types';
import { HarvestError } from '../kernel/errors';

/** One token's history at every timeframe the base one resamples to, with the close time of each candle. */
export interface TokenSeries {
  token: TokenInfo;
  base: Timeframe;
  byTf: Map<Timeframe, { candles: readonly Readonly<Candle>[]; closes: Float64Array }>;
  /** Indicators over the whole series, computed once per (timeframe, spec) and shared by every parameter set. */
  indicators: Map<string, unknown>;
  /** Price fields of each frame (closes, highs, …), extracted once; kept across clearIndicators (they are data). */
  prices: Map<string, readonly number[]>;
}

/**
 * The market a backtest runs over: recorded candles per token, resampled the
 * way the live replay source resamples them (engine/market/replay-source.ts),
 * and an indicator store keyed like the live cache, so an indicator is
 * computed once per series and parameters however many runs read it.
 */
export class BacktestMarket {
  readonly series: TokenSeries[] = [];
  /** Coarser timeframes are resampled when a strategy first asks for them. */
  private readonly raw = new Map<string, readonly Candle[]>();

  constructor(
    readonly timeframe: Timeframe,
    tokens: readonly { symbol: string; candles: readonly Candle[] }[],
  ) {
    const baseMs = TIMEFRAME_MS[timeframe];
    for (const t of tokens) {
      const token = tokenBySymbol(t.symbol);
      if (!token) throw new HarvestError('INVALID_INPUT', `Unknown token "${t.symbol}".`);
      for (let i = 0; i < t.candles.length; i++) {
        const c = t.candles[i]!;
        if (c.time % baseMs !== 0 || (i > 0 && !(c.time > t.candles[i - 1]!.time))) {
          throw new HarvestError(
            'INVALID_INPUT',
            `History for ${token.symbol} must be sorted ${timeframe} candles aligned to ${timeframe}.`,
          );
        }
      }
      const byTf = new Map<Timeframe, { candles: readonly Readonly<Candle>[]; closes: Float64Array }>();
      const base = t.candles.map((c) => Object.freeze({ ...c }));
      byTf.set(timeframe, { candles: base, closes: Float64Array.from(base, (c) => c.time + baseMs) });
      this.raw.set(token.symbol, t.candles);
      this.series.push({ token, base: timeframe, byTf, indicators: new Map(), prices: new Map() });
    }
  }

  /** The candles of a token at a timeframe (NOT_FOUND-like error when the base cannot make it). */
  frame(s: TokenSeries, tf: Timeframe): { candles: readonly Readonly<Candle>[]; closes: Float64Array } {
    let f = s.byTf.get(tf);
    const ms = TIMEFRAME_MS[tf];
    const baseMs = TIMEFRAME_MS[s.base];
    if (!f && ms > baseMs && ms % baseMs === 0) {
      const list = resample(this.raw.get(s.token.symbol)!, tf).map((c) => Object.freeze(c));
      f = { candles: list, closes: Float64Array.from(list, (c) => c.time + ms) };
      s.byTf.set(tf, f);
    }
    if (!f) {
      throw new HarvestError(
        'INVALID_INPUT',
        `The strategy trades ${tf} candles, which cannot be made from ${s.base} history; use ${s.base} or finer history, or a coarser strategy timeframe.`,
      );
    }
    return f;
  }

  /** The indicator over the whole series (index i belongs to candle i), computed at most once. */
  indicator(s: TokenSeries, tf: Timeframe, spec: IndicatorSpec): unknown {
    const key = `${tf}|${specKey(spec)}`;
    let v = s.indicators.get(key);
    if (v === undefined) {
      const candles = this.frame(s, tf).candles;
      v = seriesOf(spec, (source) => this.prices(s, tf, candles, source));
      s.indicators.set(key, v);
    }
    return v;
  }

  /**
   * One price field of a frame, extracted once: a frame's candles never change, and every indicator
   * over it (each EMA, the ATR's highs, lows and closes) reads the same fields.
   */
  private prices(s: TokenSeries, tf: Timeframe, candles: readonly Candle[], source: PriceField): readonly number[] {
    const key = `${tf}|${source}`;
    let p = s.prices.get(key);
    if (!p) {
      // Not frozen: freezing an array of doubles turns it into an array of boxed numbers (see seriesOf).
      p = priceSeries(candles, source);
      s.prices.set(key, p);
    }
    return p;
  }

  /** Forget computed indicators (an optimiser keeps memory bounded between parameter groups). */
  clearIndicators(): void {
    for (const s of this.series) s.indicators.clear();
  }
}

/**
 * An indicator over a whole series, as computeIndicator computes it (the same functions, the same
 * spec validation) but NOT frozen: V8 stores a frozen array of doubles as an array of boxed numbers,
 * one heap object per candle (65,000 per series at 5m), which every young-generation GC then copies
 * and promotes while the backtest reads them. Unfrozen, each series stays one flat block of doubles.
 * Strategies only read them (valueAt); nothing in the backtest writes to them.
 */
function seriesOf(spec: IndicatorSpec, series: (source: PriceField) => readonly number[]): unknown {
  const s = normalizeSpec(spec);
  switch (s.kind) {
    case 'sma':
      return sma(series(s.source ?? 'close'), s.period);
    case 'ema':
      return ema(series(s.source ?? 'close'), s.period);
    case 'rsi':
      return rsi(series(s.source ?? 'close'), s.period);
    case 'macd':
      return Object.freeze(macd(series(s.source ?? 'close'), s.fast, s.slow, s.signal));
    case 'bollinger':
      return Object.freeze(bollinger(series(s.source ?? 'close'), s.period, s.stdDev));
    case 'atr':
      return atr(series('high'), series('low'), series('close'), s.period);
    case 'donchian':
      return Object.freeze(donchian(series('high'), series('low'), s.period));
  }
}
