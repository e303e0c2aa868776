/**
 * Jupiter's Tokens API v2 (GET /tokens/v2/search?query=MINT): a token's name
 * and symbol when its mint carries no on-chain metadata. Only the fields
 * Harvest uses are read; an unexpected shape is treated as "not listed".
 * The sandbox serves the same path from its test tokens.
 */
import { z } from 'zod';

const Entry = z
  .object({
    id: z.string(),
    name: z.string(),
    symbol: z.string(),
    decimals: z.number().int().min(0).max(255),
    tokenProgram: z.string().optional(),
    isVerified: z.boolean().nullable().optional(),
  })
  .loose();
const SearchResponse = z.array(Entry);

export interface ListedToken {
  name: string;
  symbol: string;
  decimals: number;
  verified: boolean;
}

export interface TokenListOptions {
  baseUrl: string;
  apiKey?: string | null;
  timeoutMs?: number;
}

export class TokenListClient {
  constructor(private readonly opts: TokenListOptions) {}

  /** The listed name and symbol of a mint, or null when it is not listed or the list cannot be reached. */
  async lookup(mint: string): Promise<ListedToken | null> {
    const url = `${this.opts.baseUrl.replace(/\/$/u, '')}/tokens/v2/search?query=${encodeURIComponent(mint)}`;
    try {
      const res = await fetch(url, {
        headers: { accept: 'application/json', ...(this.opts.apiKey ? { 'x-api-key': this.opts.apiKey } : {}) },
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      if (!res.ok) return null;
      const parsed = SearchResponse.safeParse(await res.json());
      if (!parsed.success) return null;
      const hit = parsed.data.find((e) => e.id === mint);
      return hit
        ? { name: hit.name, symbol: hit.symbol, decimals: hit.decimals, verified: hit.isVerified === true }
        : null;
    } catch {
      return null;
    }
  }
}
