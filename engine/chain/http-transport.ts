import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, SolanaError, type RpcTransport } from '@solana/kit';
import { stringifyJsonWithBigInts } from '@solana/rpc-spec-types';
import { parseJsonWithBigInts } from './json-bigint';

/**
 * A JSON-RPC over HTTP(S) transport for one endpoint, on node:http with
 * kept-alive connections. It speaks exactly what @solana/kit's default
 * transport speaks (the same JSON with big integers both ways, the same
 * SolanaError with status and headers for a non-2xx answer, the same
 * rejection when the caller's signal aborts), so the multi-endpoint transport
 * above it judges answers the same way. Why not kit's own: that one sends
 * through fetch (undici), whose streams and request objects cost about as
 * much CPU per call as the rest of a local call together (a sandbox read took
 * 0.59 ms through fetch, 0.37 ms through node:http), and reads answers with a
 * JSON reader that copies them a character at a time (./json-bigint.ts says
 * more); the engine makes several chain calls per order.
 */
export function createNodeHttpTransport(config: { url: string; headers?: Record<string, string> }): RpcTransport {
  const url = new URL(config.url);
  const secure = url.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const request = secure ? https.request : http.request;
  const custom: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.headers ?? {})) {
    // The transport sets these itself: an endpoint's settings may add headers (an API key), not change the request.
    if (RESERVED_HEADERS.has(k.toLowerCase())) throw new Error(`the header ${k} cannot be set`);
    custom[k.toLowerCase()] = v;
  }
  return ({ payload, signal }) => {
    const body = stringifyJsonWithBigInts(payload);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            ...custom,
            accept: 'application/json',
            'accept-encoding': 'gzip, deflate, br',
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', fail);
          res.on('end', () => {
            signal?.removeEventListener('abort', onAbort);
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) {
              reject(
                new SolanaError(SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, {
                  headers: headersOf(res.headers),
                  message: res.statusMessage ?? '',
                  statusCode: status,
                }),
              );
              return;
            }
            try {
              resolve(parseJsonWithBigInts(decoded(Buffer.concat(chunks), res.headers['content-encoding'])) as never);
            } catch (e) {
              reject(e as Error);
            }
          });
        },
      );
      function fail(e: Error): void {
        signal?.removeEventListener('abort', onAbort);
        // As fetch reports it: the socket's error (its code says whether the request left) as the cause.
        reject(signal?.aborted ? (signal.reason as Error) : new Error('HTTP request failed', { cause: e }));
      }
      function onAbort(): void {
        req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(body);
    });
  };
}

const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-encoding',
  'connection',
  'content-length',
  'content-type',
  'host',
  'keep-alive',
  'transfer-encoding',
]);

function decoded(raw: Buffer, encoding: string | undefined): string {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return raw.toString('utf8');
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(raw).toString('utf8');
    case 'deflate':
      return inflateSync(raw).toString('utf8');
    case 'br':
      return brotliDecompressSync(raw).toString('utf8');
    default:
      throw new SyntaxError(`unsupported content encoding ${encoding}`);
  }
}

function headersOf(raw: http.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) out.append(k, one);
  }
  return out;
}
