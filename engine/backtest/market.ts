import { resample } from '../market/candles';
import { normalizeSpec, priceSeries, specKey, type IndicatorSpec, type PriceField } from '../market/indicator-spec';
import { atr, bollinger, donchian, ema, macd, rsi, sma } from '../market/indicators';
import { tokenBySymbol, type TokenInfo } from '../market/tokens';
import { TIMEFRAME_MS, type Candle, type Timeframe } from '../market/types';
import { HarvestError } from '../kernel/errors';

/**
 * A frozen copy of a candle, every field held as a double, all candles sharing one hidden class.
 * Spread copies (`{ ...c }`) took the source objects' shapes, and a price that happened to be a whole
 * number made a field small-integer in one candle and double in the next: frozen objects cannot be
 * migrated to the general shape, so the 65,000 candles of a series ended up with several hidden
 * classes and every `candles[i].close` a strategy read went through the megamorphic slow path
 * (measured: ~190 ns a read against ~11 ns). One literal, first built with fractional values so
 * every field starts as a double, gives every candle the same class.
 */
function frozenCandle(c: Readonly<Candle>): Readonly<Candle> {
  return Object.freeze({ time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
}
frozenCandle({ time: 0.5, open: 0.5, high: 0.5, low: 0.5, close: 0.5, volume: 0.5 });

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
      const base = t.candles.map(frozenCandle);
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
      const list = resample(this.raw.get(s.token.symbol)!, tf).map(frozenCandle);
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
 * spec validation), held in Float64Arrays rather than frozen arrays. V8 stores a frozen array of
 * doubles as an array of boxed numbers, one heap object per candle (65,000 per series at 5m) that
 * every young-generation GC copied and promoted; and the indicators' own arrays are "holey" (they
 * start as NaN-filled `new Array(n)`), so each read a strategy made (valueAt) boxed the number it
 * returned: 64 bytes of garbage per candle for the trend strategy's four reads. A Float64Array read
 * is a plain double. Strategies only read these series (valueAt); nothing writes to them.
 */
function seriesOf(spec: IndicatorSpec, series: (source: PriceField) => readonly number[]): unknown {
  const s = normalizeSpec(spec);
  switch (s.kind) {
    case 'sma':
      return new Float64Array(sma(series(s.source ?? 'close'), s.period));
    case 'ema':
      return new Float64Array(ema(series(s.source ?? 'close'), s.period));
    case 'rsi':
      return new Float64Array(rsi(series(s.source ?? 'close'), s.period));
    case 'macd':
      return flat(macd(series(s.source ?? 'close'), s.fast, s.slow, s.signal));
    case 'bollinger':
      return flat(bollinger(series(s.source ?? 'close'), s.period, s.stdDev));
    case 'atr':
      return new Float64Array(atr(series('high'), series('low'), series('close'), s.period));
    case 'donchian':
      return flat(donchian(series('high'), series('low'), s.period));
  }
}

/** A multi-line indicator (MACD, bands, channel) with each line as a Float64Array; the object itself frozen. */
function flat<T extends object>(lines: T): Readonly<Record<keyof T, Float64Array>> {
  const out = {} as Record<keyof T, Float64Array>;
  for (const k of Object.keys(lines) as (keyof T)[]) out[k] = new Float64Array(lines[k] as readonly number[]);
  return Object.freeze(out);
}
