import { z } from 'zod';
import type { Clock } from '../kernel/clock';

/** Where execution, risk and exits read USD prices: a snapshot refreshed once per cycle. */
export interface PriceSource {
  /** USD per whole token, or null when unknown or stale. */
  price(mint: string): number | null;
  /**
   * The last price that was trusted and when (clock ms), however old: an exit's floor is
   * measured from it when no fresh price exists. Sources without a memory leave it out.
   */
  lastTrusted?(mint: string): { usd: number; at: number } | null;
  /** Why the mint has no trusted price right now (for messages), or null. */
  whyUntrusted?(mint: string): string | null;
  /** Which kind of failure leaves the mint without a price (for reason codes); null while it has one. */
  untrustedKind?(mint: string): 'none' | 'stale' | 'untrusted' | null;
}

const PriceV3 = z.record(z.string(), z.object({ usdPrice: z.number() }).loose().nullable());

/**
 * A snapshot of prices from Jupiter's Price API v3 (the sandbox serves the
 * same API from its replay). Prices older than `maxAgeMs` read as null, so a
 * stale feed stops new entries instead of trading on an old number.
 */
export class PriceBook implements PriceSource {
  private readonly book = new Map<string, { usd: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs = 60_000,
  ) {}

  /** Records a price observed at `at` (clock ms; default now). */
  set(mint: string, usd: number, at: number = this.clock.now()): void {
    this.book.set(mint, { usd, at });
  }

  lastTrusted(mint: string): { usd: number; at: number } | null {
    const p = this.book.get(mint);
    return p ? { ...p } : null;
  }

  price(mint: string): number | null {
    const p = this.book.get(mint);
    if (!p || this.clock.now() - p.at > this.maxAgeMs) return null;
    return p.usd;
  }

  /** Reads prices from a Price API v3 endpoint ({base}/price/v3?ids=...). */
  async refresh(baseUrl: string, mints: readonly string[], apiKey?: string | null): Promise<void> {
    for (let i = 0; i < mints.length; i += 50) {
      const ids = mints.slice(i, i + 50).join(',');
      const res = await fetch(`${baseUrl.replace(/\/$/u, '')}/price/v3?ids=${ids}`, {
        headers: apiKey ? { 'x-api-key': apiKey } : {},
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`price API ${res.status}`);
      const body = PriceV3.parse(await res.json());
      for (const [mint, v] of Object.entries(body)) if (v) this.set(mint, v.usdPrice);
    }
  }
}

/**
 * A token's trusted price in another token (quote per whole token, the unit of positions, exit levels
 * and limit prices), or null when either has no trusted price now.
 */
export function priceInQuote(prices: Pick<PriceSource, 'price'>, mint: string, quoteMint: string): number | null {
  const base = prices.price(mint);
  const quote = prices.price(quoteMint);
  return base !== null && quote !== null && quote > 0 ? base / quote : null;
}
