import type { Clock } from '../kernel/clock';
import { getJson, retryAfterMs, RequestPacer } from './history-http';
import {
  closedWithGapsFilled,
  HISTORY_TIMEFRAME,
  type CandleHistorySource,
  type HistoryAnswer,
  type HistoryRequest,
} from './history-source';
import type { Candle } from './types';

export const GECKOTERMINAL_API = 'https://api.geckoterminal.com/api/v2';

/** Candles per request: the API's maximum. */
const PAGE = 1000;

export interface GeckoTerminalOptions {
  clock: Clock;
  baseUrl?: string;
  /** Pool per mint; a mint not listed uses its most active pool (looked up once). */
  pools?: Readonly<Record<string, string>>;
  /** Requests per minute. Default 30, the public API's limit. */
  perMinute?: number;
  /** Times a 429 is waited out before the request fails. Default 2. */
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * History of any Solana token from GeckoTerminal's public DEX OHLCV
 * (`GET /networks/solana/pools/{pool}/ohlcv/minute?aggregate=5&before_timestamp&limit&currency=usd&token={mint}`):
 * candles built from on-chain swaps in a pool, in USD, for the token itself
 * whichever side of the pool it is on. `ohlcv_list` rows are
 * [unix seconds, open, high, low, close, volume], newest first; pages go back
 * with `before_timestamp`. Intervals without a swap are left out by the API,
 * and filled here as marked gaps. Requests are spaced to the public limit
 * (30 a minute); a 429 is waited out for its Retry-After (or a minute).
 */
export class GeckoTerminalSource implements CandleHistorySource {
  readonly name = 'seed:geckoterminal';
  private readonly baseUrl: string;
  private readonly pacer: RequestPacer;
  private readonly pools = new Map<string, string>();
  private readonly maxRetries: number;
  requests = 0;

  constructor(private readonly opts: GeckoTerminalOptions) {
    this.baseUrl = (opts.baseUrl ?? GECKOTERMINAL_API).replace(/\/+$/u, '');
    this.pacer = new RequestPacer(opts.clock, Math.ceil(60_000 / (opts.perMinute ?? 30)));
    this.maxRetries = opts.maxRetries ?? 2;
    for (const [mint, pool] of Object.entries(opts.pools ?? {})) this.pools.set(mint, pool);
  }

  async history(req: HistoryRequest): Promise<HistoryAnswer | null> {
    const pool = await this.poolOf(req.mint, req.signal);
    if (!pool) return null;
    const raw: Candle[] = [];
    let before = Math.floor(req.to / 1000);
    for (;;) {
      const q = new URLSearchParams({
        aggregate: '5',
        before_timestamp: String(before),
        limit: String(PAGE),
        currency: 'usd',
        token: req.mint,
      });
      const body = await this.get(`/networks/solana/pools/${pool}/ohlcv/minute?${q}`, req.signal);
      const rows = parseOhlcv(body);
      raw.push(...rows);
      const oldest = rows.reduce((m, c) => Math.min(m, c.time), Number.POSITIVE_INFINITY);
      if (rows.length < PAGE || oldest <= req.from) break;
      before = Math.floor(oldest / 1000);
    }
    return {
      source: this.name,
      candles: closedWithGapsFilled(raw, HISTORY_TIMEFRAME, req.from, req.to, this.opts.clock.now()),
    };
  }

  /** The token's most active Solana pool (the API lists a token's top pools first). */
  private async poolOf(mint: string, signal?: AbortSignal): Promise<string | null> {
    const known = this.pools.get(mint);
    if (known) return known;
    const body = await this.get(`/networks/solana/tokens/${mint}/pools?page=1`, signal);
    const data = (body as { data?: { attributes?: { address?: unknown } }[] } | null)?.data;
    const address = Array.isArray(data) ? data[0]?.attributes?.address : undefined;
    if (typeof address !== 'string') return null;
    this.pools.set(mint, address);
    return address;
  }

  private async get(path: string, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      await this.pacer.turn(signal);
      this.requests++;
      const r = await getJson(`${this.baseUrl}${path}`, {
        ...(signal ? { signal } : {}),
        ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}),
        headers: { accept: 'application/json;version=20230302' },
      });
      if (r.status === 429) {
        if (attempt >= this.maxRetries)
          throw new Error(`GeckoTerminal rate limit (HTTP 429) after ${attempt + 1} tries`);
        this.pacer.holdFor(retryAfterMs(r.headers) ?? 60_000);
        continue;
      }
      if (r.status === 404) return null;
      if (r.status !== 200) throw new Error(`GeckoTerminal ${path.split('?')[0]}: HTTP ${r.status}`);
      return r.body;
    }
  }
}

/** `data.attributes.ohlcv_list` to candles (seconds to ms); anything else fails loudly. */
export function parseOhlcv(body: unknown): Candle[] {
  if (body === null) return [];
  const list = (body as { data?: { attributes?: { ohlcv_list?: unknown } } })?.data?.attributes?.ohlcv_list;
  if (!Array.isArray(list)) throw new Error('GeckoTerminal OHLCV: the answer has no ohlcv_list');
  return list.map((row, i) => {
    if (!Array.isArray(row) || row.length < 6 || typeof row[0] !== 'number') {
      throw new Error(`GeckoTerminal OHLCV: row ${i} is not [time, open, high, low, close, volume]`);
    }
    return {
      time: row[0] * 1000,
      open: Number(row[1]),
      high: Number(row[2]),
      low: Number(row[3]),
      close: Number(row[4]),
      volume: Number(row[5]),
    };
  });
}
