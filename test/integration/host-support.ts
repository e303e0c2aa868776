/**
 * Shared pieces of the host tests: a real WebSocket client (the `ws` package;
 * Node 20 has no global WebSocket) and small HTTP helpers.
 */
import { createRequire } from 'node:module';
import type { ServerMessage } from '../../engine/api';

/** The part of the `ws` client these tests use (the package ships without types here). */
export interface WsClient {
  readyState: number;
  send(data: string | Buffer, opts?: { binary?: boolean }): void;
  close(code?: number): void;
  terminate(): void;
  on(event: 'message', fn: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'open', fn: () => void): void;
  on(event: 'close', fn: (code: number, reason: Buffer) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(
    event: 'unexpected-response',
    fn: (
      req: unknown,
      res: { statusCode: number; on(e: 'data', f: (d: Buffer) => void): void; on(e: 'end', f: () => void): void },
    ) => void,
  ): void;
}
type WsCtor = new (
  url: string,
  opts?: { headers?: Record<string, string>; origin?: string; maxPayload?: number },
) => WsClient;

const require = createRequire(import.meta.url);
const WebSocket = (require('ws') as { WebSocket: WsCtor }).WebSocket;

export type ResultMessage = Extract<ServerMessage, { type: 'result' }>;
export type FailedResult = Extract<ResultMessage, { ok: false }>;

/** A connected client that queues what the host sends. */
export class Conn {
  readonly messages: ServerMessage[] = [];
  private waiters: Array<() => void> = [];
  private nextId = 1;
  closed: { code: number } | null = null;

  constructor(readonly ws: WsClient) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as ServerMessage);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closed = { code };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Removes and returns the first queued message matching `pred`, waiting for it if need be. */
  async take<T extends ServerMessage>(pred: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  async take(pred: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  async take(pred: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0]!;
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; queued: ${JSON.stringify(this.messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next result (for sequential request/response). */
  result(timeoutMs?: number): Promise<ResultMessage> {
    return this.take((m): m is ResultMessage => m.type === 'result', timeoutMs);
  }

  async call(command: string, input: unknown, confirmation?: string): Promise<ResultMessage> {
    const id = this.nextId++;
    this.ws.send(
      JSON.stringify({ type: 'call', id, command, input, ...(confirmation !== undefined ? { confirmation } : {}) }),
    );
    return this.take((m): m is ResultMessage => m.type === 'result' && m.id === id);
  }

  close(): void {
    this.ws.terminate();
  }
}

export type WsOutcome = { ok: true; conn: Conn } | { ok: false; status: number; body: string };

/** Opens a WebSocket; a refused upgrade resolves with its HTTP status and body. */
export function openWs(
  url: string,
  opts: { origin?: string; headers?: Record<string, string> } = {},
): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      ...(opts.origin ? { origin: opts.origin } : {}),
      ...(opts.headers ? { headers: opts.headers } : {}),
    });
    const conn = new Conn(ws);
    ws.on('open', () => resolve({ ok: true, conn }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d.toString('utf8')));
      res.on('end', () => resolve({ ok: false, status: res.statusCode, body }));
    });
    ws.on('error', (err) => {
      if (!err.message.startsWith('Unexpected server response')) reject(err);
    });
  });
}

export async function connect(wsUrl: string, opts: { origin?: string } = {}): Promise<Conn> {
  const r = await openWs(wsUrl, opts);
  if (!r.ok) throw new Error(`WebSocket refused: ${r.status} ${r.body}`);
  return r.conn;
}

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export async function http<T = Record<string, unknown>>(
  url: string,
  init: {
    method?: string;
    token?: string | null;
    origin?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.origin) headers['origin'] = init.origin;
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, {
    method: init.method ?? (body !== undefined ? 'POST' : 'GET'),
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (HTML, JS)
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}
