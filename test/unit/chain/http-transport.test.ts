/**
 * The node:http JSON-RPC transport against a real local HTTP server: the
 * answers the multi-endpoint transport judges (big integers, compressed
 * bodies, HTTP errors with their headers, refused connections, aborts) come
 * back as @solana/kit's own transport gives them.
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { isSolanaError, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR } from '@solana/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttpTransport } from '../../../engine/chain/http-transport';

let server: http.Server;
let url: string;
const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ headers: req.headers, body });
      const { method } = JSON.parse(body) as { method: string };
      if (method === 'limited') {
        res.writeHead(429, 'Too Many Requests', { 'retry-after': '3' }).end('slow down');
      } else if (method === 'gzipped') {
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          .end(gzipSync('{"jsonrpc":"2.0","id":1,"result":{"lamports":18446744073709551615,"ui":1.5}}'));
      } else if (method === 'hang') {
        // Never answers: the caller's abort must end it.
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":7}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const payload = (method: string, params: unknown[] = []) => ({ jsonrpc: '2.0', id: 1, method, params });

describe('node:http JSON-RPC transport', () => {
  it('sends big integers as JSON numbers and reads every integer back as a bigint, decompressing the body', async () => {
    const send = createNodeHttpTransport({ url, headers: { 'X-Api-Key': 'k' } });
    const r = await send<{ result: { lamports: bigint; ui: number } }>({
      payload: payload('gzipped', [2n ** 64n - 1n]),
    });
    expect(r.result).toEqual({ lamports: 2n ** 64n - 1n, ui: 1.5 });
    const last = seen.at(-1)!;
    expect(last.body).toContain('[18446744073709551615]');
    expect(last.headers['x-api-key']).toBe('k');
    expect(last.headers['content-type']).toMatch(/^application\/json/);
  });

  it('turns a non-2xx answer into kit’s HTTP error, with the status and headers (Retry-After)', async () => {
    const send = createNodeHttpTransport({ url });
    const err = await send({ payload: payload('limited') }).catch((e: unknown) => e);
    expect(isSolanaError(err, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR)).toBe(true);
    const ctx = (err as { context: { statusCode: number; headers: Headers } }).context;
    expect(ctx.statusCode).toBe(429);
    expect(ctx.headers.get('retry-after')).toBe('3');
  });

  it('reports a refused connection with the socket’s code as the cause (the request never left)', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const send = createNodeHttpTransport({ url: `http://127.0.0.1:${port}/` });
    const err = (await send({ payload: payload('x') }).catch((e: unknown) => e)) as Error;
    expect((err.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('rejects with the caller’s abort reason', async () => {
    const send = createNodeHttpTransport({ url });
    const controller = new AbortController();
    const pending = send({ payload: payload('hang'), signal: controller.signal });
    const reason = new Error('given up');
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it('refuses settings that would rewrite the request itself', () => {
    expect(() => createNodeHttpTransport({ url, headers: { Host: 'elsewhere' } })).toThrow(/Host cannot be set/);
  });
});
