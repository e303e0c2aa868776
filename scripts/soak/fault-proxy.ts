/**
 * A loopback HTTP proxy that sits between the engine and one sandbox endpoint
 * (its JSON-RPC server, or its Jupiter-compatible swap + price API) and breaks
 * a seeded share of the requests the way a bad network or a bad provider does:
 *
 *  RPC:   HTTP 503 / JSON-RPC "node is behind" errors, and timeouts: the request
 *         is held past the engine's own timeout, either before it reaches the
 *         chain or AFTER it did (a sendTransaction that landed but whose answer
 *         was lost: the case that makes duplicate or lost swaps);
 *  swap:  5xx answers and slow answers (some slower than the engine's timeout);
 *  price: gaps: while a gap is open every /price/v3 request fails;
 *  one wallet: every transaction-carrying request that involves it fails (its
 *         sendTransaction / simulateTransaction, its /swap builds, and single
 *         reads naming it), so one friend's wallet is broken while the batched
 *         reads all friends share still work.
 *
 * The proxy never changes an answer it forwards: it can only delay or drop.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAddressEncoder, type Address } from '@solana/kit';
import { between, type Rng } from './rng';

export interface FaultRates {
  /** Share of RPC requests answered with an error. */
  rpcError: number;
  /** Share of RPC requests that time out (half of them after reaching the chain). */
  rpcTimeout: number;
  /** Share of swap API requests (quote, swap) answered with a 5xx. */
  swapError: number;
  /** Share of swap API requests answered late. */
  swapSlow: number;
  /** How long a slow swap answer waits, ms (the engine gives up after 15 s). */
  slowMs: readonly [number, number];
  /** How long a timed-out request is held before its connection is dropped (above the engine's 20 s). */
  holdMs: number;
}

export interface FaultCounts {
  requests: number;
  /** Requests that could draw a random fault (faults on; for the API, swap requests only). */
  faultable: number;
  forwarded: number;
  rpcErrors: number;
  rpcTimeoutsBeforeChain: number;
  rpcTimeoutsAfterChain: number;
  swapErrors: number;
  swapSlow: number;
  priceGapRefusals: number;
  walletRefusals: number;
  /** Forwarded requests by JSON-RPC method or API path (what the engine did). */
  byRoute: Record<string, number>;
}

type Kind = 'rpc' | 'api';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FaultProxy {
  /** Faults are injected only while this is on (set-up and the final reconciliation run clean). */
  faultsOn = false;
  /** While true, every price request fails. */
  priceGap = false;
  readonly counts: FaultCounts = {
    requests: 0,
    faultable: 0,
    forwarded: 0,
    rpcErrors: 0,
    rpcTimeoutsBeforeChain: 0,
    rpcTimeoutsAfterChain: 0,
    swapErrors: 0,
    swapSlow: 0,
    priceGapRefusals: 0,
    walletRefusals: 0,
    byRoute: {},
  };
  private failing: { address: string; bytes: Uint8Array } | null = null;
  private readonly held = new Set<IncomingMessage>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly upstream: string,
    private readonly kind: Kind,
    private readonly rates: FaultRates,
    private readonly random: Rng,
  ) {}

  static async start(upstream: string, kind: Kind, rates: FaultRates, random: Rng): Promise<FaultProxy> {
    let proxy: FaultProxy | null = null;
    const server = createServer((req, res) => void proxy!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    proxy = new FaultProxy(server, `http://127.0.0.1:${port}`, upstream.replace(/\/$/u, ''), kind, rates, random);
    return proxy;
  }

  /** Breaks one wallet (null: none). */
  failWallet(address: string | null): void {
    this.failing =
      address === null ? null : { address, bytes: new Uint8Array(getAddressEncoder().encode(address as Address)) };
  }

  async close(): Promise<void> {
    for (const r of this.held) r.socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const path = req.url ?? '/';
    const route = this.kind === 'rpc' ? rpcMethod(body) : path.split('?')[0]!;
    try {
      if (this.faultsOn && (await this.fault(req, res, route, path, body))) return;
      await this.forward(req, res, path, body, route);
    } catch (e) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `fault proxy: ${(e as Error).message}` }));
    }
  }

  /** Injects at most one fault; true when it answered (or dropped) the request itself. */
  private async fault(
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    path: string,
    body: Buffer,
  ): Promise<boolean> {
    if (this.failing && this.touchesFailingWallet(route, body)) {
      this.counts.walletRefusals++;
      this.reply(res, this.kind === 'rpc' ? 503 : 500, { error: 'fault proxy: this wallet is broken' });
      return true;
    }
    if (this.kind === 'api' && route.startsWith('/price/')) {
      if (!this.priceGap) return false;
      this.counts.priceGapRefusals++;
      this.reply(res, 503, { error: 'fault proxy: price feed gap' });
      return true;
    }
    if (this.kind === 'api' && !route.startsWith('/swap/')) return false;
    this.counts.faultable++;
    const r = this.random();
    if (this.kind === 'rpc') {
      if (r < this.rates.rpcError) {
        this.counts.rpcErrors++;
        // Both shapes a provider uses: an HTTP error, and a JSON-RPC error inside a 200.
        if (this.random() < 0.5) this.reply(res, 503, { error: 'fault proxy: service unavailable' });
        else this.reply(res, 200, rpcError(body, -32005, 'Node is behind by 42 slots (fault proxy)'));
        return true;
      }
      if (r < this.rates.rpcError + this.rates.rpcTimeout) {
        if (this.random() < 0.5) {
          // The chain saw it; only the answer is lost.
          this.counts.rpcTimeoutsAfterChain++;
          await this.send(req, path, body).catch(() => undefined);
        } else this.counts.rpcTimeoutsBeforeChain++;
        await this.hold(req);
        return true;
      }
      return false;
    }
    if (r < this.rates.swapError) {
      this.counts.swapErrors++;
      this.reply(res, this.random() < 0.5 ? 500 : 502, { error: 'fault proxy: upstream failure' });
      return true;
    }
    if (r < this.rates.swapError + this.rates.swapSlow) {
      this.counts.swapSlow++;
      await sleep(between(this.random, this.rates.slowMs[0], this.rates.slowMs[1]));
      return false; // then forwarded, late (the engine may have given up already)
    }
    return false;
  }

  private touchesFailingWallet(route: string, body: Buffer): boolean {
    const f = this.failing!;
    if (this.kind === 'api') return route === '/swap/v1/swap' && body.toString('utf8').includes(f.address);
    if (route === 'sendTransaction' || route === 'simulateTransaction') {
      const tx = firstParam(body);
      return typeof tx === 'string' && containsBytes(decodeTx(tx, body), f.bytes);
    }
    // Batched reads serve every friend at once; a broken wallet does not break them.
    if (route === 'getMultipleAccounts') return false;
    return body.toString('utf8').includes(f.address);
  }

  /** Keeps the request unanswered past the client's timeout, then drops the connection. */
  private async hold(req: IncomingMessage): Promise<void> {
    this.held.add(req);
    await Promise.race([sleep(this.rates.holdMs), new Promise((r) => req.socket.once('close', r))]);
    this.held.delete(req);
    req.socket.destroy();
  }

  private async send(req: IncomingMessage, path: string, body: Buffer): Promise<Response> {
    return fetch(this.upstream + (this.kind === 'rpc' ? '' : path), {
      method: req.method ?? 'GET',
      headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
      signal: AbortSignal.timeout(60_000),
    });
  }

  private async forward(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer, route: string) {
    const up = await this.send(req, path, body);
    const out = Buffer.from(await up.arrayBuffer());
    this.counts.forwarded++;
    this.counts.byRoute[route] = (this.counts.byRoute[route] ?? 0) + 1;
    if (req.socket.destroyed) return; // the engine gave up while a slow answer waited
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
    res.end(out);
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

function parseRpc(body: Buffer): { id?: unknown; method?: unknown; params?: unknown } {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return (Array.isArray(v) ? v[0] : v) as { id?: unknown; method?: unknown; params?: unknown };
  } catch {
    return {};
  }
}

function rpcMethod(body: Buffer): string {
  const m = parseRpc(body).method;
  return typeof m === 'string' ? m : '(unparsed)';
}

function firstParam(body: Buffer): unknown {
  const p = parseRpc(body).params;
  return Array.isArray(p) ? p[0] : undefined;
}

function rpcError(body: Buffer, code: number, message: string): unknown {
  return { jsonrpc: '2.0', id: parseRpc(body).id ?? null, error: { code, message } };
}

/** A wire transaction as sent: base64 when the request says so, else base58 (the RPC default). */
function decodeTx(tx: string, body: Buffer): Uint8Array {
  const p = parseRpc(body).params;
  const cfg = Array.isArray(p) ? (p[1] as { encoding?: string } | undefined) : undefined;
  if (cfg?.encoding === 'base64') return new Uint8Array(Buffer.from(tx, 'base64'));
  return base58Decode(tx);
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58Decode(s: string): Uint8Array {
  let n = 0n;
  for (const ch of s) {
    const i = B58.indexOf(ch);
    if (i < 0) return new Uint8Array();
    n = n * 58n + BigInt(i);
  }
  const out: number[] = [];
  while (n > 0n) {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of s) {
    if (ch !== '1') break;
    out.unshift(0);
  }
  return new Uint8Array(out);
}

function containsBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
