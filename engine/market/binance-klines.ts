import type { Clock } from '../kernel/clock';
import { getJson, retryAfterMs, RequestPacer } from './history-http';
import {
  closedWithGapsFilled,
  HISTORY_TIMEFRAME,
  type CandleHistorySource,
  type HistoryAnswer,
  type HistoryRequest,
} from './history-source';
import { TIMEFRAME_MS, type Candle } from './types';

export const BINANCE_API = 'https://api.binance.com';

/** Harvest's majors and their Binance spot pairs (USDT-quoted, the deepest books). */
export const BINANCE_PAIRS: Readonly<Record<string, string>> = {
  SOL: 'SOLUSDT',
  WETH: 'ETHUSDT',
  WBTC: 'BTCUSDT',
  USDC: 'USDCUSDT',
};

/** Klines per request: Binance's maximum. */
const PAGE = 1000;
/** Request weight of one klines call (GET /api/v3/klines, any limit up to 1000). */
const KLINES_WEIGHT = 2;

export interface BinanceKlinesOptions {
  clock: Clock;
  baseUrl?: string;
  pairs?: Readonly<Record<string, string>>;
  /** Used weight per minute (X-MBX-USED-WEIGHT-1M) at which requests wait for the next minute. Default 1000, a sixth of Binance's 6000. */
  weightBudget?: number;
  /** Times a 429 is waited out (Retry-After) before the request fails. Default 3. */
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * History of the majors from Binance's public spot klines
 * (`GET /api/v3/klines?symbol&interval&startTime&endTime&limit`, no key). Each
 * kline is [openTime, "open", "high", "low", "close", "volume", closeTime, ...].
 * Pages forward from `from` 1000 klines at a time. Rate limits: every answer
 * carries the IP's used weight for the minute; at the budget, requests wait
 * for the next minute. A 429 is waited out for its Retry-After; a 418 (an IP
 * ban) fails at once and no request goes out until the ban is over.
 */
export class BinanceKlinesSource implements CandleHistorySource {
  readonly name = 'seed:binance';
  private readonly baseUrl: string;
  private readonly pairs: Readonly<Record<string, string>>;
  private readonly pacer: RequestPacer;
  private readonly weightBudget: number;
  private readonly maxRetries: number;
  private bannedUntil = 0;
  /** Requests sent (for tests and health). */
  requests = 0;

  constructor(private readonly opts: BinanceKlinesOptions) {
    this.baseUrl = (opts.baseUrl ?? BINANCE_API).replace(/\/+$/u, '');
    this.pairs = opts.pairs ?? BINANCE_PAIRS;
    this.pacer = new RequestPacer(opts.clock, 0);
    this.weightBudget = opts.weightBudget ?? 1000;
    this.maxRetries = opts.maxRetries ?? 3;
  }

  async history(req: HistoryRequest): Promise<HistoryAnswer | null> {
    const symbol = this.pairs[req.symbol];
    if (!symbol) return null;
    const ms = TIMEFRAME_MS[HISTORY_TIMEFRAME];
    const raw: Candle[] = [];
    let start = req.from;
    while (start < req.to) {
      const page = await this.page(symbol, start, req.to - 1, req.signal);
      for (const k of page) raw.push(k);
      if (page.length < PAGE) break;
      start = page[page.length - 1]!.time + ms;
    }
    return {
      source: this.name,
      candles: closedWithGapsFilled(raw, HISTORY_TIMEFRAME, req.from, req.to, this.opts.clock.now()),
    };
  }

  private async page(symbol: string, startTime: number, endTime: number, signal?: AbortSignal): Promise<Candle[]> {
    const q = new URLSearchParams({
      symbol,
      interval: HISTORY_TIMEFRAME,
      startTime: String(startTime),
      endTime: String(endTime),
      limit: String(PAGE),
    });
    const url = `${this.baseUrl}/api/v3/klines?${q}`;
    for (let attempt = 0; ; attempt++) {
      const banned = this.bannedUntil - this.opts.clock.now();
      if (banned > 0) throw new Error(`Binance has banned this IP for ${Math.ceil(banned / 1000)} s more (HTTP 418)`);
      await this.pacer.turn(signal);
      this.requests++;
      const r = await getJson(url, {
        ...(signal ? { signal } : {}),
        ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}),
      });
      const used = Number(r.headers.get('x-mbx-used-weight-1m'));
      if (Number.isFinite(used) && used + KLINES_WEIGHT > this.weightBudget) {
        // Spent for this minute: the window resets on the minute boundary.
        const now = this.opts.clock.now();
        this.pacer.holdFor(60_000 - (now % 60_000));
      }
      if (r.status === 418) {
        this.bannedUntil = this.opts.clock.now() + (retryAfterMs(r.headers) ?? 120_000);
        throw new Error(`Binance has banned this IP (HTTP 418): ${describe(r.body)}`);
      }
      if (r.status === 429) {
        if (attempt >= this.maxRetries) throw new Error(`Binance rate limit (HTTP 429) after ${attempt + 1} tries`);
        this.pacer.holdFor(retryAfterMs(r.headers) ?? 60_000);
        continue;
      }
      if (r.status !== 200) throw new Error(`Binance klines ${symbol}: HTTP ${r.status} ${describe(r.body)}`);
      return parseKlines(r.body, symbol);
    }
  }
}

function describe(body: unknown): string {
  if (body && typeof body === 'object' && 'msg' in body) return String((body as { msg: unknown }).msg);
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

/** Binance's kline arrays to candles; anything that is not that shape fails loudly. */
export function parseKlines(body: unknown, symbol: string): Candle[] {
  if (!Array.isArray(body)) throw new Error(`Binance klines ${symbol}: the answer is not a list`);
  return body.map((k, i) => {
    if (!Array.isArray(k) || k.length < 6 || typeof k[0] !== 'number') {
      throw new Error(`Binance klines ${symbol}: row ${i} is not a kline`);
    }
    return {
      time: k[0],
      open: Number(k[1]),
      high: Number(k[2]),
      low: Number(k[3]),
      close: Number(k[4]),
      volume: Number(k[5]),
    };
  });
}
