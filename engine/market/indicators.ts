/**
 * Technical indicators: pure functions over number arrays, plus incremental
 * (streaming) forms that take one value at a time in O(1) (O(period) for the
 * Bollinger Bands, which recompute their window exactly).
 *
 * Every batch function returns an array as long as its input, with NaN where
 * the indicator is not defined yet (its warm-up). The conventions are the ones
 * of the `trading-signals` library, against which every indicator is checked to
 * 1e-9 relative on real SOL/ETH/BTC series (test/unit/market/indicators.test.ts):
 *
 * - SMA(p): mean of the last p values; first value at index p-1.
 * - EMA(p): alpha = 2/(p+1), seeded with the FIRST input value (not an SMA),
 *   so EMA[i] = alpha*x[i] + (1-alpha)*EMA[i-1]; reported from index p-1.
 *   (The seed's weight after k more values is (1-alpha)^k: negligible after a
 *   few times p, which strategy warm-ups allow for.)
 * - RSI(p), Wilder: average gain and loss are seeded with the simple mean of
 *   the first p changes, then smoothed with weight 1/p; first value at index p.
 *   An average loss of 0 gives 100.
 * - MACD(fast, slow, signal): EMA(fast) - EMA(slow), both seeded at index 0;
 *   the MACD line starts at index slow-1; the signal line is EMA(signal) of the
 *   MACD line seeded with its first value, reported from index slow+signal-2;
 *   histogram = MACD - signal.
 * - Bollinger Bands(p, k): middle = SMA(p), upper/lower = middle +/- k times the
 *   POPULATION standard deviation of the same p values; first at index p-1.
 * - ATR(p), Wilder: true range TR[0] = high-low, TR[i] = max(high-low,
 *   |high-prevClose|, |low-prevClose|); ATR is seeded with the mean of the first
 *   p true ranges and smoothed with weight 1/p; first value at index p-1.
 * - Donchian channel(p): upper = highest high and lower = lowest low of the
 *   last p candles (the current one included), middle = their mean; first at
 *   index p-1. A breakout compares a close with the PREVIOUS candle's channel.
 */

export type NumberSeries = ArrayLike<number>;

function checkPeriod(name: string, period: number): void {
  if (!Number.isInteger(period) || period < 1)
    throw new RangeError(`${name} period must be a positive integer (got ${period})`);
}

function nanArray(n: number): number[] {
  return new Array<number>(n).fill(Number.NaN);
}

// ---- incremental forms ------------------------------------------------------

/** Streaming simple moving average. `update` returns NaN until `period` values were seen. */
export class SmaState {
  private readonly buf: Float64Array;
  private idx = 0;
  private count = 0;
  private sum = 0;

  constructor(readonly period: number) {
    checkPeriod('SMA', period);
    this.buf = new Float64Array(period);
  }

  update(x: number): number {
    const p = this.period;
    if (this.count < p) {
      this.buf[this.idx] = x;
      this.sum += x;
      this.count++;
    } else {
      this.sum += x - this.buf[this.idx]!;
      this.buf[this.idx] = x;
    }
    this.idx++;
    if (this.idx === p) {
      this.idx = 0;
      // Re-sum the window once per lap so rounding from the running sum never accumulates.
      let s = 0;
      for (let i = 0; i < p; i++) s += this.buf[i]!;
      this.sum = s;
    }
    return this.count < p ? Number.NaN : this.sum / p;
  }

  get value(): number {
    return this.count < this.period ? Number.NaN : this.sum / this.period;
  }
}

/** Streaming EMA seeded with the first value; NaN until `period` values were seen. */
export class EmaState {
  private readonly alpha: number;
  private ema = Number.NaN;
  private count = 0;

  constructor(readonly period: number) {
    checkPeriod('EMA', period);
    this.alpha = 2 / (period + 1);
  }

  update(x: number): number {
    this.ema = this.count === 0 ? x : x * this.alpha + this.ema * (1 - this.alpha);
    this.count++;
    return this.value;
  }

  /** The smoothed value even during warm-up (NaN before the first input). */
  get raw(): number {
    return this.ema;
  }

  get value(): number {
    return this.count < this.period ? Number.NaN : this.ema;
  }
}

/** Wilder's smoothing (SMMA): seeded with the mean of the first `period` inputs. */
class WilderState {
  private avg = Number.NaN;
  private count = 0;
  private seedSum = 0;

  constructor(readonly period: number) {}

  update(x: number): number {
    const p = this.period;
    if (this.count < p) {
      this.seedSum += x;
      this.count++;
      if (this.count === p) this.avg = this.seedSum / p;
    } else {
      this.avg = (x - this.avg) / p + this.avg;
    }
    return this.avg;
  }

  get value(): number {
    return this.avg;
  }
}

/** Streaming Wilder RSI. NaN until `period` changes (period + 1 values) were seen. */
export class RsiState {
  private readonly gain: WilderState;
  private readonly loss: WilderState;
  private prev = Number.NaN;
  private result = Number.NaN;

  constructor(readonly period: number) {
    checkPeriod('RSI', period);
    this.gain = new WilderState(period);
    this.loss = new WilderState(period);
  }

  update(x: number): number {
    if (Number.isNaN(this.prev)) {
      this.prev = x;
      return Number.NaN;
    }
    const change = x - this.prev;
    this.prev = x;
    const g = this.gain.update(change > 0 ? change : 0);
    const l = this.loss.update(change > 0 ? 0 : -change);
    if (Number.isNaN(g)) return Number.NaN;
    this.result = l === 0 ? 100 : 100 - 100 / (1 + g / l);
    return this.result;
  }

  get value(): number {
    return this.result;
  }
}

export interface MacdPoint {
  macd: number;
  signal: number;
  histogram: number;
}

/** Streaming MACD. `macd` is NaN before index slow-1, `signal`/`histogram` before index slow+signal-2. */
export class MacdState {
  private readonly fastEma: EmaState;
  private readonly slowEma: EmaState;
  private readonly signalEma: EmaState;
  private count = 0;
  private last: MacdPoint = { macd: Number.NaN, signal: Number.NaN, histogram: Number.NaN };

  constructor(
    readonly fast = 12,
    readonly slow = 26,
    readonly signal = 9,
  ) {
    checkPeriod('MACD fast', fast);
    checkPeriod('MACD slow', slow);
    checkPeriod('MACD signal', signal);
    if (fast >= slow) throw new RangeError(`MACD fast period (${fast}) must be below the slow period (${slow})`);
    this.fastEma = new EmaState(fast);
    this.slowEma = new EmaState(slow);
    this.signalEma = new EmaState(signal);
  }

  update(x: number): MacdPoint {
    const f = this.fastEma.update(x);
    const s = this.slowEma.update(x);
    this.count++;
    if (this.count < this.slow) return this.last;
    const macd = f - s;
    const sig = this.signalEma.update(macd);
    this.last = { macd, signal: sig, histogram: macd - sig };
    return this.last;
  }

  get value(): MacdPoint {
    return this.last;
  }
}

export interface BandsPoint {
  upper: number;
  middle: number;
  lower: number;
}

/** Streaming Bollinger Bands (population standard deviation, exact per window). */
export class BollingerState {
  private readonly buf: Float64Array;
  private idx = 0;
  private count = 0;
  private last: BandsPoint = { upper: Number.NaN, middle: Number.NaN, lower: Number.NaN };

  constructor(
    readonly period = 20,
    readonly stdDev = 2,
  ) {
    checkPeriod('Bollinger', period);
    if (!(stdDev > 0) || !Number.isFinite(stdDev))
      throw new RangeError(`Bollinger multiplier must be > 0 (got ${stdDev})`);
    this.buf = new Float64Array(period);
  }

  update(x: number): BandsPoint {
    const p = this.period;
    this.buf[this.idx] = x;
    this.idx = this.idx + 1 === p ? 0 : this.idx + 1;
    if (this.count < p) this.count++;
    if (this.count < p) return this.last;
    let sum = 0;
    for (let i = 0; i < p; i++) sum += this.buf[i]!;
    const mean = sum / p;
    let sq = 0;
    for (let i = 0; i < p; i++) {
      const d = this.buf[i]! - mean;
      sq += d * d;
    }
    const band = Math.sqrt(sq / p) * this.stdDev;
    this.last = { upper: mean + band, middle: mean, lower: mean - band };
    return this.last;
  }

  get value(): BandsPoint {
    return this.last;
  }
}

/** Streaming Wilder ATR over (high, low, close). NaN until `period` candles were seen. */
export class AtrState {
  private readonly smooth: WilderState;
  private prevClose = Number.NaN;

  constructor(readonly period = 14) {
    checkPeriod('ATR', period);
    this.smooth = new WilderState(period);
  }

  update(high: number, low: number, close: number): number {
    let tr = high - low;
    if (!Number.isNaN(this.prevClose)) {
      const hc = Math.abs(high - this.prevClose);
      const lc = Math.abs(low - this.prevClose);
      if (hc > tr) tr = hc;
      if (lc > tr) tr = lc;
    }
    this.prevClose = close;
    return this.smooth.update(tr);
  }

  get value(): number {
    return this.smooth.value;
  }
}

// ---- batch forms --------------------------------------------------------------

export function sma(values: NumberSeries, period: number): number[] {
  const st = new SmaState(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = st.update(values[i]!);
  return out;
}

export function ema(values: NumberSeries, period: number): number[] {
  checkPeriod('EMA', period);
  // The same arithmetic as EmaState, inlined: this is the hot path of the shared cache. Two branch-free
  // loops (warm-up, then values) and the weights hoisted; (1 - a) is the same double EmaState computes.
  const n = values.length;
  const out = new Array<number>(n);
  if (n === 0) return out;
  const a = 2 / (period + 1);
  const b = 1 - a;
  let e = values[0]!;
  const warm = Math.min(n, period - 1);
  out[0] = warm > 0 ? Number.NaN : e;
  let i = 1;
  for (; i < warm; i++) {
    e = values[i]! * a + e * b;
    out[i] = Number.NaN;
  }
  for (; i < n; i++) {
    e = values[i]! * a + e * b;
    out[i] = e;
  }
  return out;
}

export function rsi(values: NumberSeries, period = 14): number[] {
  const st = new RsiState(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = st.update(values[i]!);
  return out;
}

export interface MacdSeries {
  macd: number[];
  signal: number[];
  histogram: number[];
}

export function macd(values: NumberSeries, fast = 12, slow = 26, signal = 9): MacdSeries {
  new MacdState(fast, slow, signal); // validates the periods
  // The same arithmetic as MacdState, inlined.
  const n = values.length;
  const out: MacdSeries = { macd: new Array<number>(n), signal: new Array<number>(n), histogram: new Array<number>(n) };
  const af = 2 / (fast + 1);
  const as = 2 / (slow + 1);
  const ag = 2 / (signal + 1);
  let ef = Number.NaN;
  let es = Number.NaN;
  let eg = Number.NaN;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (i === 0) {
      ef = x;
      es = x;
    } else {
      ef = x * af + ef * (1 - af);
      es = x * as + es * (1 - as);
    }
    if (i < slow - 1) {
      out.macd[i] = Number.NaN;
      out.signal[i] = Number.NaN;
      out.histogram[i] = Number.NaN;
      continue;
    }
    const m = ef - es;
    eg = i === slow - 1 ? m : m * ag + eg * (1 - ag);
    const sig = i < slow + signal - 2 ? Number.NaN : eg;
    out.macd[i] = m;
    out.signal[i] = sig;
    out.histogram[i] = m - sig;
  }
  return out;
}

export interface BandsSeries {
  upper: number[];
  middle: number[];
  lower: number[];
}

export function bollinger(values: NumberSeries, period = 20, stdDev = 2): BandsSeries {
  const st = new BollingerState(period, stdDev);
  const n = values.length;
  const out: BandsSeries = { upper: nanArray(n), middle: nanArray(n), lower: nanArray(n) };
  for (let i = 0; i < n; i++) {
    const p = st.update(values[i]!);
    out.upper[i] = p.upper;
    out.middle[i] = p.middle;
    out.lower[i] = p.lower;
  }
  return out;
}

export function atr(high: NumberSeries, low: NumberSeries, close: NumberSeries, period = 14): number[] {
  const n = close.length;
  if (high.length !== n || low.length !== n) throw new RangeError('ATR needs high, low and close of the same length');
  const st = new AtrState(period);
  const out = nanArray(n);
  for (let i = 0; i < n; i++) out[i] = st.update(high[i]!, low[i]!, close[i]!);
  return out;
}

export interface DonchianSeries {
  upper: number[];
  middle: number[];
  lower: number[];
}

/** Highest high / lowest low of the last `period` candles, in O(n) with monotonic deques. */
export function donchian(high: NumberSeries, low: NumberSeries, period = 20): DonchianSeries {
  checkPeriod('Donchian', period);
  const n = high.length;
  if (low.length !== n) throw new RangeError('Donchian needs high and low of the same length');
  const out: DonchianSeries = { upper: nanArray(n), middle: nanArray(n), lower: nanArray(n) };
  const hi: number[] = []; // indexes, highs decreasing
  const lo: number[] = []; // indexes, lows increasing
  let hHead = 0;
  let lHead = 0;
  for (let i = 0; i < n; i++) {
    while (hi.length > hHead && high[hi[hi.length - 1]!]! <= high[i]!) hi.pop();
    hi.push(i);
    while (lo.length > lHead && low[lo[lo.length - 1]!]! >= low[i]!) lo.pop();
    lo.push(i);
    if (hi[hHead]! <= i - period) hHead++;
    if (lo[lHead]! <= i - period) lHead++;
    if (i < period - 1) continue;
    const u = high[hi[hHead]!]!;
    const l = low[lo[lHead]!]!;
    out.upper[i] = u;
    out.lower[i] = l;
    out.middle[i] = (u + l) / 2;
  }
  return out;
}

/** The value `back` steps before the last one (0 = last), or NaN. */
/** The value at index i (NaN before the start or past the end): how a strategy reads a series at `ctx.at - back`. */
export function valueAt(series: ArrayLike<number>, i: number): number {
  return i >= 0 && i < series.length ? series[i]! : Number.NaN;
}

export function lastValue(series: ArrayLike<number>, back = 0): number {
  const i = series.length - 1 - back;
  return i >= 0 ? series[i]! : Number.NaN;
}
