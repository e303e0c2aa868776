/**
 * Local fakes of the two mainnet OHLCV sources, over real HTTP, serving the
 * recorded-shape answers in test/fixtures/ohlcv (built from real Binance 5m
 * candles, see make-fixtures.mjs) with each API's own paging semantics:
 *
 * - Binance `GET /api/v3/klines?symbol&interval&startTime&endTime&limit`: klines opening in
 *   [startTime, endTime], oldest first, at most `limit` (max 1000); every answer carries
 *   X-MBX-USED-WEIGHT-1M (2 per klines call, per minute of the given clock).
 * - GeckoTerminal `GET /api/v2/networks/solana/tokens/{mint}/pools` and
 *   `GET /api/v2/networks/solana/pools/{pool}/ohlcv/minute?aggregate&before_timestamp&limit`:
 *   the newest `limit` rows opening before before_timestamp, newest first.
 *
 * `refuse` queues answers (429 with Retry-After, 418, 500) given before the next real ones.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ohlcv');

export type Kline = [number, string, string, string, string, string, number, string, number, string, string, string];
export type OhlcvRow = [number, number, number, number, number, number];

export function recordedKlines(): Kline[] {
  return JSON.parse(gunzipSync(readFileSync(join(FIXTURES, 'binance-klines-SOLUSDT-5m.json.gz'))).toString('utf8'));
}

export function recordedOhlcv(): { data: { attributes: { ohlcv_list: OhlcvRow[] } }; meta: unknown } {
  return JSON.parse(gunzipSync(readFileSync(join(FIXTURES, 'geckoterminal-ohlcv-WETH-5m.json.gz'))).toString('utf8'));
}

export interface Refusal {
  status: number;
  retryAfterSeconds?: number;
}

export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  /** The test clock's time when the request arrived. */
  at: number;
}

export interface FakeOhlcvServer {
  url: string;
  seen: SeenRequest[];
  refuse: Refusal[];
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function refused(res: ServerResponse, refuse: Refusal[]): boolean {
  const r = refuse.shift();
  if (!r) return false;
  send(
    res,
    r.status,
    { code: -1003, msg: 'Too many requests; please use the websocket for live updates.' },
    r.retryAfterSeconds !== undefined ? { 'retry-after': String(r.retryAfterSeconds) } : {},
  );
  return true;
}

export async function startFakeBinance(opts: {
  now: () => number;
  klines?: Record<string, Kline[]>;
}): Promise<FakeOhlcvServer> {
  const klines = opts.klines ?? { SOLUSDT: recordedKlines() };
  const seen: SeenRequest[] = [];
  const refuse: Refusal[] = [];
  const weight = new Map<number, number>();
  const server = await listen((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const at = opts.now();
    seen.push({ path: u.pathname, query: u.searchParams, at });
    const minute = Math.floor(at / 60_000);
    const used = (weight.get(minute) ?? 0) + 2;
    weight.set(minute, used);
    if (refused(res, refuse)) return;
    if (u.pathname !== '/api/v3/klines') return send(res, 404, { code: -1, msg: 'not found' });
    const list = klines[u.searchParams.get('symbol') ?? ''];
    if (!list) return send(res, 400, { code: -1121, msg: 'Invalid symbol.' });
    const start = Number(u.searchParams.get('startTime') ?? 0);
    const end = Number(u.searchParams.get('endTime') ?? Number.MAX_SAFE_INTEGER);
    const limit = Math.min(1000, Number(u.searchParams.get('limit') ?? 500));
    const out = list.filter((k) => k[0] >= start && k[0] <= end).slice(0, limit);
    send(res, 200, out, { 'x-mbx-used-weight': String(used), 'x-mbx-used-weight-1m': String(used) });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    refuse,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function startFakeGeckoTerminal(opts: {
  now: () => number;
  /** Pool address per token mint (the token's top pool). */
  pools: Record<string, string>;
  /** OHLCV rows per pool, newest first. */
  ohlcv?: Record<string, OhlcvRow[]>;
}): Promise<FakeOhlcvServer> {
  const seen: SeenRequest[] = [];
  const refuse: Refusal[] = [];
  const recorded = recordedOhlcv().data.attributes.ohlcv_list;
  const server = await listen((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    seen.push({ path: u.pathname, query: u.searchParams, at: opts.now() });
    if (refused(res, refuse)) return;
    const tokenPools = /^\/api\/v2\/networks\/solana\/tokens\/([^/]+)\/pools$/u.exec(u.pathname);
    if (tokenPools) {
      const pool = opts.pools[tokenPools[1]!];
      return send(res, 200, {
        data: pool ? [{ id: `solana_${pool}`, type: 'pool', attributes: { address: pool, name: 'WETH / USDC' } }] : [],
      });
    }
    const m = /^\/api\/v2\/networks\/solana\/pools\/([^/]+)\/ohlcv\/minute$/u.exec(u.pathname);
    if (!m) return send(res, 404, { errors: [{ status: '404', title: 'Not Found' }] });
    const rows = opts.ohlcv?.[m[1]!] ?? (Object.values(opts.pools).includes(m[1]!) ? recorded : null);
    if (!rows) return send(res, 404, { errors: [{ status: '404', title: 'Not Found' }] });
    const before = Number(u.searchParams.get('before_timestamp') ?? Number.MAX_SAFE_INTEGER);
    const limit = Math.min(1000, Number(u.searchParams.get('limit') ?? 100));
    const list = rows.filter((r) => r[0] < before).slice(0, limit);
    send(res, 200, { data: { id: 'x', type: 'ohlcv_request_response', attributes: { ohlcv_list: list } }, meta: {} });
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`,
    seen,
    refuse,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
