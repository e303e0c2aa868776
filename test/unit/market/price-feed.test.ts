import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { JupiterPriceFeed } from '../../../engine/market/jupiter-price';
import { checkPriceFreshness, isStale, PriceFeedError } from '../../../engine/market/price-feed';

const SOL = 'So11111111111111111111111111111111111111112';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const JUP = 'JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'jupiter');
function fixture(name: string): Record<string, Record<string, unknown>> {
  return (JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as { body: Record<string, Record<string, unknown>> })
    .body;
}
/** The two published Price API v3 examples, merged: SOL, USDC (with createdAt/liquidity) and JUP (without). */
const V3 = { ...fixture('price-v3.openapi-example.json'), ...fixture('price-v3.docs.json') };

interface Seen {
  path: string;
  ids: string[];
  apiKey: string | undefined;
}

type Handler = (req: IncomingMessage, res: ServerResponse, ids: string[]) => void;

/** A real HTTP server on 127.0.0.1 speaking the Price API v3. */
class FakeJupiter {
  server!: Server;
  url = '';
  seen: Seen[] = [];
  handler: Handler = (_req, res, ids) => {
    const out: Record<string, unknown> = {};
    for (const id of ids) if (V3[id]) out[id] = V3[id];
    // Synthetic mints "MINTn" price at n dollars, like a long token list would.
    for (const id of ids)
      if (/^MINT\d+$/u.test(id)) out[id] = { usdPrice: Number(id.slice(4)), blockId: 1, decimals: 6 };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(out));
  };

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const ids = (u.searchParams.get('ids') ?? '').split(',').filter(Boolean);
      const key = req.headers['x-api-key'];
      this.seen.push({ path: u.pathname, ids, apiKey: typeof key === 'string' ? key : undefined });
      if (u.pathname !== '/price/v3') {
        res.statusCode = 404;
        res.end('{}');
        return;
      }
      if (ids.length > 50) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: 'Too many ids' }));
        return;
      }
      this.handler(req, res, ids);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('JupiterPriceFeed over real HTTP', () => {
  const api = new FakeJupiter();
  const defaultHandler = api.handler;
  beforeAll(() => api.start());
  afterAll(() => api.stop());
  afterEach(() => {
    api.handler = defaultHandler;
    api.seen = [];
  });

  it('reads the v3 shape into ticks stamped with the clock, and leaves unknown mints out', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const feed = new JupiterPriceFeed({ baseUrl: `${api.url}/`, clock });
    const got = await feed.prices([SOL, USDC, JUP, 'Unknown1111111111111111111111111111111111111']);
    expect([...got.keys()].sort()).toEqual([JUP, SOL, USDC].sort());
    expect(got.get(SOL)).toEqual({ mint: SOL, usd: 147.4789340738336, at: clock.now(), source: 'jupiter' });
    expect(got.get(USDC)!.usd).toBe(0.9999);
    expect(got.get(JUP)!.usd).toBe(0.4056018512541055);
    expect(api.seen).toEqual([
      { path: '/price/v3', ids: [SOL, USDC, JUP, 'Unknown1111111111111111111111111111111111111'], apiKey: undefined },
    ]);
  });

  it('sends the API key as x-api-key when one is configured', async () => {
    const feed = new JupiterPriceFeed({ baseUrl: api.url, clock: new ManualClock(0), apiKey: 'k-123' });
    await feed.prices([SOL]);
    expect(api.seen[0]!.apiKey).toBe('k-123');
  });

  it('asks at most 50 ids per request and merges the batches', async () => {
    const feed = new JupiterPriceFeed({ baseUrl: api.url, clock: new ManualClock(0) });
    const mints = Array.from({ length: 120 }, (_, i) => `MINT${i + 1}`);
    const got = await feed.prices([...mints, 'MINT1']); // duplicates asked once
    expect(api.seen.map((s) => s.ids.length).sort((a, b) => a - b)).toEqual([20, 50, 50]);
    expect(new Set(api.seen.flatMap((s) => s.ids)).size).toBe(120);
    expect(got.size).toBe(120);
    expect(got.get('MINT77')!.usd).toBe(77);
    expect(await feed.prices([])).toEqual(new Map());
    expect(api.seen).toHaveLength(3);
  });

  it('fails with PriceFeedError on an HTTP error, a body that is not JSON, or not the v3 shape', async () => {
    const feed = new JupiterPriceFeed({ baseUrl: api.url, clock: new ManualClock(0) });
    api.handler = (_q, res) => {
      res.statusCode = 503;
      res.end('upstream down');
    };
    await expect(feed.prices([SOL])).rejects.toThrow(/HTTP 503: upstream down/);
    await expect(feed.prices([SOL])).rejects.toBeInstanceOf(PriceFeedError);
    api.handler = (_q, res) => res.end('<html>');
    await expect(feed.prices([SOL])).rejects.toThrow(/not JSON/);
    api.handler = (_q, res) => res.end('[1,2]');
    await expect(feed.prices([SOL])).rejects.toThrow(/Price API v3 shape/);
    api.handler = (_q, res) => res.end('"hello"');
    await expect(feed.prices([SOL])).rejects.toThrow(/Price API v3 shape/);
    expect(feed.stats()).toMatchObject({ requests: 5, failures: 5 });
  });

  it('drops entries that do not validate (never a made-up price) and keeps the rest', async () => {
    const feed = new JupiterPriceFeed({ baseUrl: api.url, clock: new ManualClock(0) });
    api.handler = (_q, res) =>
      res.end(
        JSON.stringify({
          [SOL]: { usdPrice: '147.1' },
          [USDC]: { usdPrice: -1 },
          [JUP]: null,
          MINT5: { usdPrice: 5, priceChange24h: null, blockId: null },
        }),
      );
    const got = await feed.prices([SOL, USDC, JUP, 'MINT5']);
    expect([...got.keys()]).toEqual(['MINT5']);
    expect(feed.stats().invalidEntries).toBe(2);
  });

  it('gives up after the timeout on the injected clock', async () => {
    const clock = new ManualClock(0);
    const feed = new JupiterPriceFeed({ baseUrl: api.url, clock, timeoutMs: 5_000 });
    let answered = false;
    api.handler = () => {
      answered = true; // and never respond
    };
    const pending = feed.prices([SOL]);
    while (!answered) await new Promise((r) => setImmediate(r));
    clock.advance(5_000);
    await expect(pending).rejects.toThrow(/no answer within 5000 ms/);
  });

  it('fails clearly when nothing listens', async () => {
    const feed = new JupiterPriceFeed({ baseUrl: 'http://127.0.0.1:1', clock: new ManualClock(0) });
    await expect(feed.prices([SOL])).rejects.toThrow(/Price feed jupiter: .*fetch failed/);
  });
});

describe('staleness', () => {
  it('a price older than the max age is stale; a missing one too', () => {
    expect(isStale({ at: 1_000 }, 61_000, 60_000)).toBe(false);
    expect(isStale({ at: 1_000 }, 61_001, 60_000)).toBe(true);
    expect(isStale(undefined, 0, 60_000)).toBe(true);
  });

  it('stale prices allow exits but no new entries', () => {
    const tick = { mint: SOL, at: 0 };
    expect(checkPriceFreshness('entry', tick, 30_000, 60_000)).toEqual({ ok: true });
    const refused = checkPriceFreshness('entry', tick, 120_000, 60_000);
    expect(refused).toMatchObject({ ok: false, code: 'STALE_PRICE' });
    expect(!refused.ok && refused.message).toMatch(/120 s old \(the limit is 60 s\).*Exits still go through/);
    expect(checkPriceFreshness('exit', tick, 120_000, 60_000)).toEqual({ ok: true });
    expect(checkPriceFreshness('entry', null, 0, 60_000, SOL)).toMatchObject({ ok: false, code: 'STALE_PRICE' });
    expect(checkPriceFreshness('exit', null, 0, 60_000, SOL)).toEqual({ ok: true });
  });
});
