import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { describeIssues, HOST_PATHS, type EngineEvent, type JobUpdate, type ServerMessage } from '../api';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import { CommandGateway, httpStatusOf, type CallFailure, type GatewayEngine } from './gateway';
import {
  bearerToken,
  hostPort,
  isLoopbackHost,
  isWildcardHost,
  newToken,
  reachableAuthorities,
  securityHeaders,
  tokenMatches,
} from './security';

/**
 * The headless host: the built renderer and the engine API over HTTP and a
 * WebSocket, for a browser on this machine (or, with allowRemote, the LAN).
 * Every /api request presents the access token; every WebSocket and every
 * POST comes from this host's own origin; sensitive commands take a second,
 * confirming call (see CommandGateway).
 */

export interface HostEngine extends GatewayEngine {
  readonly bus: { subscribe(listener: (event: EngineEvent) => void): () => void };
  /** Background jobs' progress, already paced (engine/kernel/job-feed); pushed as `{type:'job'}`. */
  readonly jobFeed?: { subscribe(listener: (update: JobUpdate) => void): () => void };
}

export interface HostOptions {
  engine: HostEngine;
  /** Address to bind; 127.0.0.1 by default. Anything not loopback needs allowRemote. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  allowRemote?: boolean;
  /** The built renderer (index.html and its assets); dist/renderer by default; null serves none. */
  rendererDir?: string | null;
  log: Logger;
  /** More origins allowed to open the WebSocket and POST (e.g. a dev server); exact `scheme://host:port`. */
  extraOrigins?: string[];
  /** For tests; two minutes otherwise. */
  confirmationTtlMs?: number;
}

export interface Host {
  /** Ready to open: the UI with the token in the query (`/?token=…`). */
  url: string;
  /** http://host:port, without the token. */
  origin: string;
  token: string;
  host: string;
  port: number;
  /** Whether a built renderer is served (otherwise a page saying how to build it). */
  rendererBuilt: boolean;
  /** Things the operator should be told (e.g. listening beyond loopback). */
  warnings: string[];
  gateway: CommandGateway;
  close(): Promise<void>;
}

const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const DEFAULT_RENDERER_DIR = join(REPO_ROOT, 'dist', 'renderer');
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_WS_MESSAGE_BYTES = 1024 * 1024;
/** Calls one WebSocket may have running at once; more are answered TOO_MANY_REQUESTS. */
export const MAX_IN_FLIGHT = 32;
/** A client that lets this much pile up unread is disconnected rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const WS_OPEN = 1;

export const HOST_VERSION: string = (() => {
  try {
    return (
      (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
})();

/** What the host uses of a `ws` WebSocket (the `ws` package ships no types here). */
interface WsSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const CallMessage = z.object({
  type: z.literal('call', { error: 'type: expected "call"' }),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  command: z.string().min(1).max(200),
  input: z.unknown().optional(),
  confirmation: z.string().max(200).nullable().optional(),
});

const HttpCallBody = z
  .object({ input: z.unknown().optional(), confirmation: z.string().max(200).nullable().optional() })
  .strict()
  .optional();

const NOT_BUILT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Harvest</title></head>
<body>
<h1>Harvest</h1>
<p>The Harvest engine is running, but its user interface has not been built.</p>
<p>Build it with <code>npm run build:renderer</code> (it lands in <code>dist/renderer</code>), then restart <code>harvest serve</code> and open the URL it prints.</p>
<p>The API is available regardless, under <code>/api</code>, with the access token.</p>
</body></html>
`;

function failure(code: string, message: string): { ok: false; error: CallFailure } {
  return { ok: false, error: { code, message } };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const bindHost = (opts.host ?? '127.0.0.1').trim();
  const loopback = isLoopbackHost(bindHost);
  if (bindHost === '') throw new HarvestError('INVALID_INPUT', 'Name an address to listen on (e.g. 127.0.0.1).');
  if (!loopback && !opts.allowRemote) {
    throw new HarvestError(
      'REFUSED',
      `Listening on ${bindHost} would expose Harvest (and the wallets it controls) to other machines. ` +
        'Use 127.0.0.1, or pass --allow-remote if you really mean it.',
    );
  }
  const requestedPort = opts.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535) {
    throw new HarvestError(
      'INVALID_INPUT',
      `The port must be a whole number from 0 to 65535; got ${String(opts.port)}.`,
    );
  }

  const log = opts.log.child({ component: 'host' });
  const token = newToken();
  const gateway = new CommandGateway(
    opts.engine,
    log,
    opts.confirmationTtlMs ? { confirmationTtlMs: opts.confirmationTtlMs } : {},
  );
  const rendererDir = opts.rendererDir === undefined ? DEFAULT_RENDERER_DIR : opts.rendererDir;
  const rendererBuilt = rendererDir !== null && existsSync(join(rendererDir, 'index.html'));
  const warnings: string[] = [];

  // Filled in once listening (the port may be chosen by the OS).
  let allowedOrigins = new Set<string>();
  let allowedHosts = new Set<string>();
  let headers: Record<string, string> = {};

  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 200 },
  });

  const sockets = new Set<WsSocket>();

  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_WS_MESSAGE_BYTES, perMessageDeflate: false },
    errorHandler: (err: Error, socket: WsSocket) => {
      log.debug({ err: err.message }, 'websocket error');
      socket.terminate();
    },
    preClose: (done: () => void) => {
      for (const s of sockets) s.close(1001, 'Harvest is shutting down');
      done();
    },
  });

  // Every response: security headers; API answers are never cached.
  app.addHook('onSend', async (req, reply, payload) => {
    void reply.headers(headers);
    if (pathOf(req.url).startsWith('/api')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  // On loopback, only requests addressed to this host by a loopback name are
  // served: a page elsewhere that rebinds its DNS name to 127.0.0.1 gets nothing.
  app.addHook('onRequest', async (req, reply) => {
    if (!loopback) return;
    const host = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(host)) {
      return reply
        .code(403)
        .send(failure('FORBIDDEN', 'This host only answers requests addressed to 127.0.0.1 or localhost.'));
    }
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return reply.code(status).send(failure(status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_INPUT', err.message));
    log.error({ err: err.stack ?? err.message }, 'request failed');
    return reply.code(500).send(failure('INTERNAL', 'Internal error; the details are in the engine log.'));
  });

  // The API: everything in this context needs the token.
  await app.register(async (api) => {
    api.addHook('onRequest', async (req, reply) => {
      const path = pathOf(req.url);
      const isWs = req.routeOptions.url === HOST_PATHS.ws;
      const query = req.query as Record<string, unknown> | undefined;
      const presented = bearerToken(req.headers.authorization) ?? (isWs ? query?.['token'] : null);
      if (!tokenMatches(token, presented)) {
        log.debug({ method: req.method, path }, 'refused: no valid token');
        void reply.header('www-authenticate', 'Bearer');
        return reply
          .code(401)
          .send(
            failure('UNAUTHORIZED', 'A valid access token is required: open the URL that `harvest serve` printed.'),
          );
      }
      const origin = req.headers.origin;
      const stateChanging = req.method !== 'GET' && req.method !== 'HEAD';
      if ((isWs || stateChanging) && origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
        log.warn({ method: req.method, path, origin }, 'refused: foreign origin');
        return reply
          .code(403)
          .send(
            failure(
              'FORBIDDEN',
              `Requests from ${origin} are not accepted; use the URL that \`harvest serve\` printed.`,
            ),
          );
      }
    });

    api.setErrorHandler((err: FastifyError, req, reply) => {
      const status = err.statusCode ?? 500;
      if (status === 413)
        return reply.code(413).send(failure('PAYLOAD_TOO_LARGE', `Requests are limited to ${MAX_BODY_BYTES} bytes.`));
      if (status === 415)
        return reply
          .code(415)
          .send(failure('INVALID_INPUT', 'Send the body as JSON (Content-Type: application/json).'));
      if (status >= 400 && status < 500)
        return reply.code(400).send(failure('INVALID_INPUT', `Malformed request: ${err.message}`));
      log.error({ path: pathOf(req.url), err: err.stack ?? err.message }, 'api request failed');
      return reply.code(500).send(failure('INTERNAL', 'Internal error; the details are in the engine log.'));
    });

    api.get(HOST_PATHS.health, async () => ({ ok: true, version: HOST_VERSION }));

    api.post(
      `${HOST_PATHS.command}:name`,
      async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
        const body = HttpCallBody.safeParse(req.body ?? undefined);
        if (!body.success) {
          return reply
            .code(400)
            .send(failure('INVALID_INPUT', `Send {"input": …, "confirmation"?: "…"}: ${describeIssues(body.error)}`));
        }
        const r = await gateway.call(req.params.name, body.data?.input, body.data?.confirmation ?? undefined);
        return reply.code(r.ok ? 200 : httpStatusOf(r.error.code)).send(r);
      },
    );

    api.get(HOST_PATHS.ws, { websocket: true }, (socket: WsSocket) => {
      let inFlight = 0;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          send(socket, {
            type: 'result',
            id: -1,
            ok: false,
            error: { code: 'INVALID_INPUT', message: 'Send text messages (one JSON object each).' },
          });
          return;
        }
        let msg: unknown;
        try {
          msg = JSON.parse(textOf(data));
        } catch {
          send(socket, {
            type: 'result',
            id: -1,
            ok: false,
            error: { code: 'INVALID_INPUT', message: 'Malformed message: send one JSON object per message.' },
          });
          return;
        }
        const rawId = (msg as { id?: unknown } | null)?.id;
        const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0 ? rawId : -1;
        const call = CallMessage.safeParse(msg);
        if (!call.success) {
          send(socket, {
            type: 'result',
            id,
            ok: false,
            error: {
              code: 'INVALID_INPUT',
              message: `Malformed message (expected {type:"call", id, command, input}): ${describeIssues(call.error)}`,
            },
          });
          return;
        }
        if (inFlight >= MAX_IN_FLIGHT) {
          send(socket, {
            type: 'result',
            id,
            ok: false,
            error: {
              code: 'TOO_MANY_REQUESTS',
              message: `At most ${MAX_IN_FLIGHT} calls may run at once on one connection.`,
            },
          });
          return;
        }
        inFlight++;
        const c = call.data;
        void gateway
          .call(c.command, c.input, c.confirmation ?? undefined)
          .then((r) =>
            send(
              socket,
              r.ok
                ? { type: 'result', id, ok: true, result: r.result }
                : { type: 'result', id, ok: false, error: r.error },
            ),
          )
          .finally(() => inFlight--);
      });
      send(socket, { type: 'hello', version: HOST_VERSION });
    });

    // Unknown API paths: 404, but only to a caller with the token.
    api.all('/api/*', async (_req, reply) => reply.code(404).send(failure('NOT_FOUND', 'No such API endpoint.')));
  });

  // The renderer: static files carry no data and need no token.
  if (rendererBuilt) {
    await app.register(fastifyStatic, { root: rendererDir, wildcard: true, dotfiles: 'ignore', index: ['index.html'] });
    app.setNotFoundHandler((req, reply) => {
      const path = pathOf(req.url);
      // Client-side routes (no file extension) get the app; missing files a 404.
      if (
        (req.method === 'GET' || req.method === 'HEAD') &&
        !/\.[A-Za-z0-9]+$/u.test(path) &&
        !path.startsWith('/api')
      ) {
        return reply.type('text/html; charset=utf-8').sendFile('index.html');
      }
      // Browsers ask for it unprompted; no icon is not an error.
      if (path === '/favicon.ico') return reply.code(204).send();
      return reply.code(404).send(failure('NOT_FOUND', 'Not found.'));
    });
  } else {
    for (const path of ['/', '/index.html']) {
      app.get(path, async (_req, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT_HTML));
    }
    app.setNotFoundHandler((_req, reply) => reply.code(404).send(failure('NOT_FOUND', 'Not found.')));
  }

  let unsubscribe: () => void = () => undefined;
  try {
    await app.listen({ host: bindHost, port: requestedPort });
  } catch (e) {
    await app.close().catch(() => undefined);
    const code = (e as { code?: string } | null)?.code;
    if (code === 'EADDRINUSE') {
      throw new HarvestError(
        'CONFLICT',
        `Port ${requestedPort} on ${bindHost} is already in use; choose another with --port (0 picks a free one).`,
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new HarvestError('INVALID_INPUT', `Cannot listen on ${bindHost}: it is not an address of this machine.`);
    }
    if (code === 'EACCES')
      throw new HarvestError('REFUSED', `Not allowed to listen on port ${requestedPort}; choose a port above 1023.`);
    throw e;
  }

  const address = app.server.address() as AddressInfo;
  const port = address.port;
  const authorities = reachableAuthorities(bindHost, port);
  allowedOrigins = new Set([
    ...authorities.map((a) => `http://${a}`),
    ...(opts.extraOrigins ?? []).map((o) => o.toLowerCase()),
  ]);
  allowedHosts = new Set(port === 80 ? [...authorities, '127.0.0.1', 'localhost', '[::1]'] : authorities);
  // CSP host sources cannot name IPv6 literals; 'self' covers the page's own WebSocket there.
  headers = securityHeaders(authorities.filter((a) => !a.startsWith('[')).map((a) => `ws://${a}`));

  const shownHost = loopback
    ? address.family === 'IPv6'
      ? '::1'
      : '127.0.0.1'
    : isWildcardHost(bindHost)
      ? '127.0.0.1'
      : bindHost;
  const origin = `http://${hostPort(shownHost, port)}`;
  if (!loopback) {
    const warning =
      `Harvest is listening on ${hostPort(bindHost, port)}, reachable from other machines. Anyone who gets the URL and its token ` +
      'can move the funds it controls, and plain HTTP is readable on the network: use this only on a network you trust.';
    warnings.push(warning);
    log.warn({ host: bindHost, port }, 'listening beyond loopback');
  }

  const unsubscribeEvents = opts.engine.bus.subscribe((event) => {
    if (sockets.size === 0) return;
    let text: string;
    try {
      text = JSON.stringify({ type: 'event', event } satisfies ServerMessage);
    } catch (e) {
      log.error({ err: String(e), type: event.type }, 'event not serialisable');
      return;
    }
    for (const s of sockets) sendText(s, text);
  });
  // Job progress has a message type of its own: it is not an engine event (never stored).
  const unsubscribeJobs =
    opts.engine.jobFeed?.subscribe((update) => {
      if (sockets.size === 0) return;
      const text = JSON.stringify({ type: 'job', update } satisfies ServerMessage);
      for (const s of sockets) sendText(s, text);
    }) ?? (() => undefined);
  unsubscribe = () => {
    unsubscribeEvents();
    unsubscribeJobs();
  };

  function send(socket: WsSocket, msg: ServerMessage): void {
    let text: string;
    try {
      text = JSON.stringify(msg);
    } catch (e) {
      log.error({ err: String(e) }, 'reply not serialisable');
      text = JSON.stringify({
        type: 'result',
        id: 'id' in msg ? msg.id : -1,
        ok: false,
        error: { code: 'INTERNAL', message: 'Internal error; the details are in the engine log.' },
      } satisfies ServerMessage);
    }
    sendText(socket, text);
  }

  function sendText(socket: WsSocket, text: string): void {
    if (socket.readyState !== WS_OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      log.warn('disconnecting a WebSocket client that stopped reading');
      socket.terminate();
      return;
    }
    try {
      socket.send(text);
    } catch (e) {
      log.debug({ err: String(e) }, 'websocket send failed');
    }
  }

  log.info({ host: bindHost, port, rendererBuilt }, 'host listening');
  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    host: bindHost,
    port,
    rendererBuilt,
    warnings,
    gateway,
    close: () =>
      (closing ??= (async () => {
        unsubscribe();
        gateway.confirmations.clear();
        await app.close();
        for (const s of sockets) s.terminate();
        log.info('host closed');
      })()),
  };
}

function textOf(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
