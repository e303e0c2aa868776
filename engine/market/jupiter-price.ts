import { z } from 'zod';
import { Deadlines } from '../chain/deadlines';
import type { Clock } from '../kernel/clock';
import { PriceFeedError, type PriceFeed } from './price-feed';
import type { PriceTick } from './types';

/**
 * Jupiter's Price API v3: GET {base}/price/v3?ids=mint1,mint2 answers a map of
 * mint -> {usdPrice, blockId, decimals, priceChange24h, createdAt?,
 * liquidity?}; mints without a reliable price are left out. The sandbox's
 * swap API serves the same endpoint from its candle replay, so this one
 * adapter covers the sandbox, devnet and mainnet.
 *
 * The API has no observation time per price, so a tick's `at` is the clock
 * time the answer arrived.
 */

/** At most this many ids per request (the API's limit). */
export const JUPITER_MAX_IDS = 50;

/**
 * One entry of the v3 answer. Only the price is used, so only the price is
 * checked (a positive number, else the entry is dropped); the other fields
 * (blockId, decimals, priceChange24h, createdAt, liquidity) pass through.
 */
export const jupiterPriceEntry = z.looseObject({
  usdPrice: z.number().positive(),
});
export type JupiterPriceEntry = z.infer<typeof jupiterPriceEntry>;

export const jupiterPriceResponse = z.record(z.string(), z.unknown());

export interface JupiterPriceFeedOptions {
  /** API origin, e.g. https://api.jup.ag (with a key), https://lite-api.jup.ag, or the sandbox's swap API URL. */
  baseUrl: string;
  clock: Clock;
  /** Sent as the x-api-key header when set. Never logged. */
  apiKey?: string | null;
  /** Feed name for ticks and events. Default 'jupiter'. */
  name?: string;
  /** Abort a request after this long on the clock. Default 10 s. */
  timeoutMs?: number;
  /** Ids per request, at most 50. */
  batchSize?: number;
  /** Injected for tests; default global fetch. */
  fetch?: typeof fetch;
}

export interface JupiterPriceStats {
  requests: number;
  failures: number;
  /** Entries in answers that did not match the schema (dropped, never used). */
  invalidEntries: number;
}

export class JupiterPriceFeed implements PriceFeed {
  readonly name: string;
  private readonly base: string;
  private readonly clock: Clock;
  private readonly apiKey: string | null;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly fetchFn: typeof fetch;
  private readonly deadlines: Deadlines;
  private readonly counters: JupiterPriceStats = { requests: 0, failures: 0, invalidEntries: 0 };

  constructor(opts: JupiterPriceFeedOptions) {
    this.base = opts.baseUrl.replace(/\/+$/u, '');
    this.clock = opts.clock;
    this.apiKey = opts.apiKey ?? null;
    this.name = opts.name ?? 'jupiter';
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.batchSize = Math.min(JUPITER_MAX_IDS, opts.batchSize ?? JUPITER_MAX_IDS);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError('batchSize must be 1..50');
    this.fetchFn = opts.fetch ?? fetch;
    this.deadlines = new Deadlines(this.clock, Math.min(250, Math.max(1, Math.floor(this.timeoutMs / 4))));
  }

  async prices(mints: readonly string[]): Promise<Map<string, PriceTick>> {
    const ids = [...new Set(mints)];
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += this.batchSize) batches.push(ids.slice(i, i + this.batchSize));
    const answers = await Promise.all(batches.map((b) => this.fetchBatch(b)));
    const out = new Map<string, PriceTick>();
    for (const a of answers) for (const [m, t] of a) out.set(m, t);
    return out;
  }

  private async fetchBatch(ids: string[]): Promise<Map<string, PriceTick>> {
    const url = `${this.base}/price/v3?ids=${ids.map(encodeURIComponent).join(',')}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers['x-api-key'] = this.apiKey;
    const controller = new AbortController();
    const unwatch = this.deadlines.watch(this.clock.now() + this.timeoutMs, () => controller.abort());
    this.counters.requests++;
    let body: unknown;
    try {
      let res: Response;
      try {
        res = await this.fetchFn(url, { headers, signal: controller.signal });
      } catch (err) {
        const reason = controller.signal.aborted ? `no answer within ${this.timeoutMs} ms` : errorText(err);
        throw new PriceFeedError(this.name, reason, null, { cause: err });
      }
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        throw new PriceFeedError(this.name, `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`, res.status);
      }
      try {
        body = await res.json();
      } catch (err) {
        const reason = controller.signal.aborted ? `no answer within ${this.timeoutMs} ms` : 'the answer is not JSON';
        throw new PriceFeedError(this.name, reason, res.status, { cause: err });
      }
    } catch (err) {
      this.counters.failures++;
      throw err;
    } finally {
      unwatch();
    }
    const parsed = jupiterPriceResponse.safeParse(body);
    if (!parsed.success || Array.isArray(body)) {
      this.counters.failures++;
      throw new PriceFeedError(this.name, 'the answer does not have the Price API v3 shape (an object keyed by mint)');
    }
    const at = this.clock.now();
    const out = new Map<string, PriceTick>();
    const asked = new Set(ids);
    for (const [mint, raw] of Object.entries(parsed.data)) {
      if (!asked.has(mint)) continue;
      if (raw === null) continue; // the API's way of saying "no price"
      const entry = jupiterPriceEntry.safeParse(raw);
      if (!entry.success) {
        this.counters.invalidEntries++;
        continue;
      }
      out.set(mint, { mint, usd: entry.data.usdPrice, at, source: this.name });
    }
    return out;
  }

  stats(): JupiterPriceStats {
    return { ...this.counters };
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = cause && typeof cause.code === 'string' ? ` (${cause.code})` : '';
    return `${err.message}${code}`;
  }
  return String(err);
}
