import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { Clock } from '../kernel/clock';
import type { SandboxLedger } from './ledger';
import { SANDBOX_TOKENS, tokenByMint, type PriceSource } from './tokens';

/**
 * The sandbox's price feed: replays real Binance 5m candles (resources/market/)
 * on a market clock that runs `speed` times faster than the sandbox clock.
 *
 *   market time = persisted position + (clock.now() - opened at) * speed
 *
 * Inside a candle the price follows a deterministic piecewise-linear path with
 * four points at 0, 1/3, 2/3 and 1 of the candle: open -> low -> high -> close
 * for an up candle (close >= open), open -> high -> low -> close for a down
 * candle. So the price at a candle's open time is exactly its open, and every
 * high and low is really touched. Through a gap in the data (exchange
 * maintenance) the last close holds.
 *
 * At the end of the data the replay LOOPS by default (market time wraps to the
 * start of the data, so prices jump back to December 2020 levels); with
 * `atEnd: 'hold'` it holds the last close instead.
 *
 * The position is saved in the ledger's meta table at most every
 * `saveEveryMs` of clock time while prices are read, and on close(), so a
 * restarted sandbox continues where it stopped (downtime does not move the
 * market).
 */

export const CANDLE_MS = 5 * 60_000;
const DAY_MS = 24 * 3_600_000;
const META_POSITION = 'replay.position';
const META_SPEED = 'replay.speed';

export type CandlePair = Extract<PriceSource, { kind: 'candles' }>['pair'];

export interface Candle {
  /** Open time, Unix ms (UTC). */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

interface Series {
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
}

export const DEFAULT_MARKET_DIR = fileURLToPath(new URL('../../resources/market/', import.meta.url));

export function candleFile(pair: CandlePair): string {
  return `${pair}-5m-binance-2020-12_2021-07.csv.gz`;
}

const seriesCache = new Map<string, Series>();

/** Parses one gzipped `timestamp_ms,open,high,low,close,volume` file (cached per path). */
export function loadSeries(dir: string, pair: CandlePair): Series {
  const path = join(dir, candleFile(pair));
  const hit = seriesCache.get(path);
  if (hit) return hit;
  const s = parseCandleCsv(gunzipSync(readFileSync(path)).toString('utf8'));
  for (let i = 1; i < s.t.length; i++) {
    if (!(s.t[i]! > s.t[i - 1]!)) throw new Error(`${path}: timestamps not increasing at row ${i + 1}`);
  }
  seriesCache.set(path, s);
  return s;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Number(text.slice(from, to)), without making the string in the common case: plain
 * digits with an optional decimal point and at most 15 significant digits. Then the
 * digits form an exact integer m < 2^53 and 10^k is exact, so m / 10^k is the correctly
 * rounded value, the same double Number() returns. Anything else (a sign, an exponent,
 * spaces, a carriage return, more digits) goes through Number() itself.
 */
function decimalField(text: string, from: number, to: number): number {
  let m = 0;
  let digits = 0;
  let decimals = -1;
  for (let p = from; p < to; p++) {
    const ch = text.charCodeAt(p);
    if (ch >= 48 && ch <= 57) {
      m = m * 10 + (ch - 48);
      if (m > 0) digits++;
      if (decimals >= 0) decimals++;
    } else if (ch === 46 && decimals < 0) decimals = 0;
    else return Number(text.slice(from, to));
  }
  if (to === from || digits > 15 || decimals === 0 || decimals > 15 || (decimals < 0 && to - from > 15))
    return Number(text.slice(from, to));
  return decimals > 0 ? m / POW10[decimals]! : m;
}

/**
 * The rows after the header line, blank lines skipped; each field read with Number()
 * as before. Scans the text with indexOf instead of splitting it into line and field
 * arrays: the sandbox reads three of these files (about 190,000 rows) when it starts,
 * and the arrays made `serve` spend a quarter of a second parsing and collecting garbage.
 */
function parseCandleCsv(text: string): Series {
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = text.indexOf('\n') + 1 || text.length;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    if (text.slice(pos, end).trim().length > 0) {
      starts.push(pos);
      ends.push(end);
    }
    pos = end + 1;
  }
  const n = starts.length;
  const s: Series = {
    t: new Float64Array(n),
    o: new Float64Array(n),
    h: new Float64Array(n),
    l: new Float64Array(n),
    c: new Float64Array(n),
    v: new Float64Array(n),
  };
  const columns = [s.t, s.o, s.h, s.l, s.c, s.v];
  for (let i = 0; i < n; i++) {
    const end = ends[i]!;
    let from = starts[i]!;
    for (let k = 0; k < columns.length; k++) {
      // A missing field reads as NaN, as Number(undefined) did.
      if (from > end) {
        columns[k]![i] = NaN;
        continue;
      }
      const comma = text.indexOf(',', from);
      const to = comma < 0 || comma > end ? end : comma;
      columns[k]![i] = decimalField(text, from, to);
      from = to + 1;
    }
  }
  return s;
}

/** Index of the last candle opening at or before t, or -1. */
function candleIndex(s: Series, t: number): number {
  let lo = 0;
  let hi = s.t.length - 1;
  if (hi < 0 || t < s.t[0]!) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s.t[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The deterministic intra-candle price (see the module comment). */
export function pathPrice(c: Omit<Candle, 'volume'>, t: number): number {
  const f = (t - c.time) / CANDLE_MS;
  if (f <= 0) return c.open;
  if (f >= 1) return c.close;
  const up = c.close >= c.open;
  const points = up ? [c.open, c.low, c.high, c.close] : [c.open, c.high, c.low, c.close];
  const seg = Math.min(2, Math.floor(f * 3));
  const local = f * 3 - seg;
  const a = points[seg]!;
  const b = points[seg + 1]!;
  return a + (b - a) * local;
}

export interface PriceReplayOptions {
  /** Where the position is persisted (the ledger's meta; the paper sandbox's engine meta). */
  ledger: Pick<SandboxLedger, 'getMeta' | 'setMeta'>;
  clock: Clock;
  /** Market ms per clock ms. Default 60 (one 5m candle every 5 s). A persisted speed is used when this is omitted. */
  speed?: number;
  /** Market time to start from on a fresh ledger. Default: the start of the data. */
  startAt?: number;
  atEnd?: 'loop' | 'hold';
  /** Folder with the gzipped candle files. Default: resources/market/ of this repository. */
  dataDir?: string;
  /** Clock ms between position saves while prices are being read. Default 10 s. */
  saveEveryMs?: number;
}

export interface ReplayStatus {
  /** Current market time (Unix ms) and the same as ISO text. */
  position: number;
  positionIso: string;
  speed: number;
  start: number;
  end: number;
  atEnd: 'loop' | 'hold';
  /** Sandbox-control price overrides in force, by mint. */
  overrides: Record<string, number>;
}

export class PriceReplay {
  readonly start: number;
  /** Exclusive: the close time of the last candle common to all pairs. */
  readonly end: number;
  readonly atEnd: 'loop' | 'hold';
  private readonly series = new Map<CandlePair, Series>();
  private anchorMarket: number;
  private anchorClock: number;
  private speedValue: number;
  private lastSave: number;
  private readonly saveEveryMs: number;
  private readonly overrides = new Map<string, number>();
  private closed = false;

  private constructor(private readonly opts: PriceReplayOptions) {
    const dir = opts.dataDir ?? DEFAULT_MARKET_DIR;
    for (const t of SANDBOX_TOKENS) {
      if (t.priceSource.kind === 'candles' && !this.series.has(t.priceSource.pair)) {
        this.series.set(t.priceSource.pair, loadSeries(dir, t.priceSource.pair));
      }
    }
    const all = [...this.series.values()];
    this.start = Math.max(...all.map((s) => s.t[0]!));
    this.end = Math.min(...all.map((s) => s.t[s.t.length - 1]! + CANDLE_MS));
    this.atEnd = opts.atEnd ?? 'loop';
    this.saveEveryMs = opts.saveEveryMs ?? 10_000;
    const storedPos = opts.ledger.getMeta(META_POSITION);
    const storedSpeed = opts.ledger.getMeta(META_SPEED);
    this.speedValue = opts.speed ?? (storedSpeed !== null ? Number(storedSpeed) : 60);
    if (!(this.speedValue >= 0) || !Number.isFinite(this.speedValue)) throw new Error('replay speed must be >= 0');
    this.anchorMarket = this.wrap(storedPos !== null ? Number(storedPos) : (opts.startAt ?? this.start));
    this.anchorClock = opts.clock.now();
    this.lastSave = this.anchorClock;
    this.save();
  }

  static open(opts: PriceReplayOptions): PriceReplay {
    return new PriceReplay(opts);
  }

  private wrap(t: number): number {
    if (t < this.start) return this.start;
    if (t < this.end) return t;
    if (this.atEnd === 'hold') return this.end;
    return this.start + ((t - this.start) % (this.end - this.start));
  }

  /** Current market time (Unix ms). */
  marketNow(): number {
    const now = this.opts.clock.now();
    const t = this.wrap(this.anchorMarket + (now - this.anchorClock) * this.speedValue);
    if (!this.closed && now - this.lastSave >= this.saveEveryMs) this.persist(t, now);
    return t;
  }

  get speed(): number {
    return this.speedValue;
  }

  /** Sandbox control: changes the speed-up from now on (0 pauses the market). */
  setSpeed(speed: number): void {
    if (!(speed >= 0) || !Number.isFinite(speed)) throw new Error('replay speed must be >= 0');
    this.rebase(this.marketNow());
    this.speedValue = speed;
    this.save();
  }

  /** Sandbox control: jumps the market to a time inside the data. */
  seek(marketMs: number): void {
    this.rebase(this.wrap(marketMs));
    this.save();
  }

  private rebase(market: number): void {
    this.anchorMarket = market;
    this.anchorClock = this.opts.clock.now();
  }

  /** Whether the mint has a price here (sandbox tokens only). */
  supports(mint: string): boolean {
    return tokenByMint(mint) !== null;
  }

  /**
   * USD price of a sandbox token at a market time (default: now), or null for
   * a mint that is not a sandbox token. A sandbox-control override wins.
   */
  price(mint: string, atMarketMs?: number): number | null {
    const token = tokenByMint(mint);
    if (!token) return null;
    const o = this.overrides.get(mint);
    if (o !== undefined) return o;
    if (token.priceSource.kind === 'fixed') return token.priceSource.usd;
    const s = this.series.get(token.priceSource.pair)!;
    const t = atMarketMs === undefined ? this.marketNow() : atMarketMs;
    const i = candleIndex(s, t);
    if (i < 0) return s.o[0]!;
    const c = { time: s.t[i]!, open: s.o[i]!, high: s.h[i]!, low: s.l[i]!, close: s.c[i]! };
    return pathPrice(c, t);
  }

  /** Percent change over the last 24 h of market time (Price API's priceChange24h). */
  priceChange24h(mint: string): number | null {
    const now = this.marketNow();
    const p = this.price(mint, now);
    const before = this.price(mint, Math.max(this.start, now - DAY_MS));
    if (p === null || before === null || before === 0) return null;
    return ((p - before) / before) * 100;
  }

  /**
   * 5m candles opening in [fromMarketMs, toMarketMs). Only candles that have
   * closed by the current market time are returned, so history never leaks
   * the future; `includeUnclosed` lifts that. Stablecoins get flat candles at
   * their fixed price with zero volume. Overrides do not change candles.
   */
  candles(mint: string, fromMarketMs: number, toMarketMs: number, opts: { includeUnclosed?: boolean } = {}): Candle[] {
    const token = tokenByMint(mint);
    if (!token) return [];
    const limit = opts.includeUnclosed ? toMarketMs : Math.min(toMarketMs, this.marketNow() - CANDLE_MS + 1);
    const out: Candle[] = [];
    if (token.priceSource.kind === 'fixed') {
      const usd = token.priceSource.usd;
      const first = Math.max(Math.ceil(fromMarketMs / CANDLE_MS) * CANDLE_MS, this.start);
      for (let t = first; t < limit && t < this.end; t += CANDLE_MS) {
        out.push({ time: t, open: usd, high: usd, low: usd, close: usd, volume: 0 });
      }
      return out;
    }
    const s = this.series.get(token.priceSource.pair)!;
    let i = candleIndex(s, fromMarketMs - 1) + 1;
    for (; i < s.t.length && s.t[i]! < limit; i++) {
      out.push({ time: s.t[i]!, open: s.o[i]!, high: s.h[i]!, low: s.l[i]!, close: s.c[i]!, volume: s.v[i]! });
    }
    return out;
  }

  /** Sandbox control (tests, demos): pins a token's USD price until cleared. */
  setPrice(mint: string, usd: number): void {
    if (!tokenByMint(mint)) throw new Error(`${mint} is not a sandbox token`);
    if (!(usd > 0) || !Number.isFinite(usd)) throw new Error('price must be a positive number');
    this.overrides.set(mint, usd);
  }

  /** Sandbox control: removes one override, or all of them. */
  clearPrice(mint?: string): void {
    if (mint === undefined) this.overrides.clear();
    else this.overrides.delete(mint);
  }

  status(): ReplayStatus {
    const position = this.marketNow();
    return {
      position,
      positionIso: new Date(position).toISOString(),
      speed: this.speedValue,
      start: this.start,
      end: this.end,
      atEnd: this.atEnd,
      overrides: Object.fromEntries(this.overrides),
    };
  }

  private persist(position: number, now: number): void {
    this.opts.ledger.setMeta(META_POSITION, String(position));
    this.opts.ledger.setMeta(META_SPEED, String(this.speedValue));
    this.lastSave = now;
  }

  save(): void {
    if (this.closed) return;
    const now = this.opts.clock.now();
    this.persist(this.wrap(this.anchorMarket + (now - this.anchorClock) * this.speedValue), now);
  }

  /** Saves the position; call before closing the ledger. */
  close(): void {
    this.save();
    this.closed = true;
  }
}
