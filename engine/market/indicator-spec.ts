import { HarvestError } from '../kernel/errors';
import {
  atr,
  bollinger,
  donchian,
  ema,
  macd,
  rsi,
  sma,
  type BandsSeries,
  type DonchianSeries,
  type MacdSeries,
} from './indicators';
import type { Candle } from './types';

/** Which candle price an indicator reads. */
export type PriceField = 'close' | 'open' | 'high' | 'low' | 'hl2' | 'hlc3';
export const PRICE_FIELDS: readonly PriceField[] = ['close', 'open', 'high', 'low', 'hl2', 'hlc3'];

export interface SmaSpec {
  kind: 'sma';
  period: number;
  source?: PriceField;
}
export interface EmaSpec {
  kind: 'ema';
  period: number;
  source?: PriceField;
}
export interface RsiSpec {
  kind: 'rsi';
  period: number;
  source?: PriceField;
}
export interface MacdSpec {
  kind: 'macd';
  fast: number;
  slow: number;
  signal: number;
  source?: PriceField;
}
export interface BollingerSpec {
  kind: 'bollinger';
  period: number;
  stdDev: number;
  source?: PriceField;
}
export interface AtrSpec {
  kind: 'atr';
  period: number;
}

/** Highest high and lowest low of the last `period` candles (the current one included). */
export interface DonchianSpec {
  kind: 'donchian';
  period: number;
}

/** What a strategy asks the indicator cache for: an indicator and its parameters. */
export type IndicatorSpec = SmaSpec | EmaSpec | RsiSpec | MacdSpec | BollingerSpec | AtrSpec | DonchianSpec;
export type IndicatorKind = IndicatorSpec['kind'];

/** A computed indicator over a candle series (arrays as long as the series, NaN during warm-up). Read-only: shared by every user. */
export type IndicatorValue<S extends IndicatorSpec> = S extends MacdSpec
  ? Readonly<{ [K in keyof MacdSeries]: readonly number[] }>
  : S extends BollingerSpec
    ? Readonly<{ [K in keyof BandsSeries]: readonly number[] }>
    : S extends DonchianSpec
      ? Readonly<{ [K in keyof DonchianSeries]: readonly number[] }>
      : readonly number[];

/**
 * Spec objects are interned: the same arguments give the same frozen object, so a
 * strategy that asks for its indicators on every candle allocates nothing and a
 * backtest finds the series by identity. Nested maps by argument, not a key string per call.
 */
type Trie = Map<unknown, unknown>;
function branch(m: Trie, k: unknown): Trie {
  let n = m.get(k) as Trie | undefined;
  if (n === undefined) m.set(k, (n = new Map()));
  return n;
}
function intern<S extends IndicatorSpec>(m: Trie, k: unknown, spec: S): S {
  m.set(k, Object.freeze(spec));
  return spec;
}
const specTables = {
  sma: new Map(),
  ema: new Map(),
  rsi: new Map(),
  macd: new Map(),
  bollinger: new Map(),
  atr: new Map(),
  donchian: new Map(),
} satisfies Record<IndicatorKind, Trie>;

// Each constructor looks its spec up first and builds the object only on a miss (no closure per call).
/** Spec constructors with the usual defaults (interned: the same arguments give the same frozen object). */
export const ind = {
  sma(period: number, source: PriceField = 'close'): SmaSpec {
    const m = branch(specTables.sma, source);
    return (m.get(period) as SmaSpec | undefined) ?? intern(m, period, { kind: 'sma', period, source });
  },
  ema(period: number, source: PriceField = 'close'): EmaSpec {
    const m = branch(specTables.ema, source);
    return (m.get(period) as EmaSpec | undefined) ?? intern(m, period, { kind: 'ema', period, source });
  },
  rsi(period = 14, source: PriceField = 'close'): RsiSpec {
    const m = branch(specTables.rsi, source);
    return (m.get(period) as RsiSpec | undefined) ?? intern(m, period, { kind: 'rsi', period, source });
  },
  macd(fast = 12, slow = 26, signal = 9, source: PriceField = 'close'): MacdSpec {
    const m = branch(branch(branch(specTables.macd, source), fast), slow);
    return (m.get(signal) as MacdSpec | undefined) ?? intern(m, signal, { kind: 'macd', fast, slow, signal, source });
  },
  bollinger(period = 20, stdDev = 2, source: PriceField = 'close'): BollingerSpec {
    const m = branch(branch(specTables.bollinger, source), period);
    return (
      (m.get(stdDev) as BollingerSpec | undefined) ?? intern(m, stdDev, { kind: 'bollinger', period, stdDev, source })
    );
  },
  atr(period = 14): AtrSpec {
    const m = specTables.atr;
    return (m.get(period) as AtrSpec | undefined) ?? intern(m, period, { kind: 'atr', period });
  },
  donchian(period = 20): DonchianSpec {
    const m = specTables.donchian;
    return (m.get(period) as DonchianSpec | undefined) ?? intern(m, period, { kind: 'donchian', period });
  },
} as const;

const MAX_PERIOD = 10_000;

function badSpec(message: string): never {
  throw new HarvestError('INVALID_INPUT', `Invalid indicator: ${message}`);
}

function period(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_PERIOD) {
    badSpec(`${name} must be an integer from 1 to ${MAX_PERIOD} (got ${String(v)})`);
  }
  return v;
}

function field(v: unknown): PriceField {
  if (v === undefined) return 'close';
  if (typeof v !== 'string' || !(PRICE_FIELDS as readonly string[]).includes(v)) {
    badSpec(`source must be one of ${PRICE_FIELDS.join(', ')} (got ${String(v)})`);
  }
  return v as PriceField;
}

/**
 * The spec with defaults filled in and every parameter checked. Throws
 * INVALID_INPUT for anything else, so a typo never silently computes something
 * different.
 */
export function normalizeSpec(spec: IndicatorSpec): IndicatorSpec {
  switch (spec.kind) {
    case 'sma':
    case 'ema':
    case 'rsi':
      return { kind: spec.kind, period: period(`${spec.kind} period`, spec.period), source: field(spec.source) };
    case 'macd': {
      const fast = period('macd fast', spec.fast);
      const slow = period('macd slow', spec.slow);
      const signal = period('macd signal', spec.signal);
      if (fast >= slow) badSpec(`macd fast (${fast}) must be below slow (${slow})`);
      return { kind: 'macd', fast, slow, signal, source: field(spec.source) };
    }
    case 'bollinger': {
      const p = period('bollinger period', spec.period);
      if (typeof spec.stdDev !== 'number' || !(spec.stdDev > 0) || spec.stdDev > 10) {
        badSpec(`bollinger stdDev must be a number above 0 and at most 10 (got ${String(spec.stdDev)})`);
      }
      return { kind: 'bollinger', period: p, stdDev: spec.stdDev, source: field(spec.source) };
    }
    case 'atr':
      return { kind: 'atr', period: period('atr period', spec.period) };
    case 'donchian':
      return { kind: 'donchian', period: period('donchian period', spec.period) };
    default:
      return badSpec(`unknown kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}

/**
 * The canonical cache key of a spec: the same indicator with the same
 * parameters always gives the same string, whatever the property order or
 * whether defaults were spelled out. E.g. `ema(period=20,source=close)`.
 */
export function specKey(spec: IndicatorSpec): string {
  // A frozen spec (every one `ind` makes) cannot change, so its key is worked out once.
  const frozen = Object.isFrozen(spec);
  if (frozen) {
    const known = frozenKeys.get(spec);
    if (known !== undefined) return known;
  }
  const n = normalizeSpec(spec) as unknown as Record<string, unknown>;
  const parts = Object.keys(n)
    .filter((k) => k !== 'kind')
    .sort()
    .map((k) => `${k}=${String(n[k])}`);
  const key = `${String(n['kind'])}(${parts.join(',')})`;
  if (frozen) frozenKeys.set(spec, key);
  return key;
}
const frozenKeys = new WeakMap<IndicatorSpec, string>();

/** Index of the first defined value of the indicator (candles needed = this + 1). */
export function firstIndex(spec: IndicatorSpec): number {
  const s = normalizeSpec(spec);
  switch (s.kind) {
    case 'sma':
    case 'ema':
    case 'bollinger':
    case 'atr':
    case 'donchian':
      return s.period - 1;
    case 'rsi':
      return s.period;
    case 'macd':
      return s.slow + s.signal - 2;
  }
}

export function priceSeries(candles: readonly Candle[], source: PriceField): number[] {
  const n = candles.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    switch (source) {
      case 'close':
        out[i] = c.close;
        break;
      case 'open':
        out[i] = c.open;
        break;
      case 'high':
        out[i] = c.high;
        break;
      case 'low':
        out[i] = c.low;
        break;
      case 'hl2':
        out[i] = (c.high + c.low) / 2;
        break;
      case 'hlc3':
        out[i] = (c.high + c.low + c.close) / 3;
        break;
    }
  }
  return out;
}

function freezeAll<T extends object>(o: T): T {
  for (const v of Object.values(o)) Object.freeze(v);
  return Object.freeze(o);
}

/** Computes an indicator over candles (oldest first). The result is frozen so it can be shared safely. */
export function computeIndicator<S extends IndicatorSpec>(
  spec: S,
  candles: readonly Candle[],
  /**
   * The candles' prices of one field (default: extracted here). A caller whose candles never change
   * (the backtest's market) passes a memo, so many indicators over one series extract each field once.
   */
  series: (source: PriceField) => readonly number[] = (source) => priceSeries(candles, source),
): IndicatorValue<S> {
  const s = normalizeSpec(spec);
  let out: object;
  switch (s.kind) {
    case 'sma':
      out = sma(series(s.source ?? 'close'), s.period);
      break;
    case 'ema':
      out = ema(series(s.source ?? 'close'), s.period);
      break;
    case 'rsi':
      out = rsi(series(s.source ?? 'close'), s.period);
      break;
    case 'macd':
      return freezeAll(macd(series(s.source ?? 'close'), s.fast, s.slow, s.signal)) as unknown as IndicatorValue<S>;
    case 'bollinger':
      return freezeAll(bollinger(series(s.source ?? 'close'), s.period, s.stdDev)) as unknown as IndicatorValue<S>;
    case 'atr':
      out = atr(series('high'), series('low'), series('close'), s.period);
      break;
    case 'donchian':
      return freezeAll(donchian(series('high'), series('low'), s.period)) as unknown as IndicatorValue<S>;
  }
  return Object.freeze(out) as unknown as IndicatorValue<S>;
}
