import {
  EngineCallError,
  HOST_PATHS,
  type ClientMessage,
  type EngineClient,
  type ServerMessage,
} from '../../engine/api/client';
import type { EngineEvent } from '../../engine/api/events';
import { jobHub } from './job-hub';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

/** The part of the browser WebSocket this client uses (a fake one in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface WsClientOptions {
  /** Opens a socket; defaults to the browser's WebSocket. */
  connect?: (url: string) => WebSocketLike;
  /** Reconnect backoff: first delay and cap, in ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  random?: () => number;
}

export interface WsEngineClient extends EngineClient {
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  readonly status: ConnectionStatus;
  /** The engine version from the server's hello, once connected. */
  readonly version: string | null;
  /** Consecutive failed connection attempts (0 while connected). */
  readonly failures: number;
  /** Reconnects now instead of waiting for the backoff. */
  retryNow(): void;
  /** Closes for good: pending calls fail, no reconnect. */
  close(): void;
}

const OPEN = 1;

interface Pending {
  id: number;
  message: ClientMessage;
  sent: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** ws(s)://host/api/ws for the page's own origin. */
export function defaultWsUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${HOST_PATHS.ws}`;
}

/** Reconnect delay for the n-th consecutive failure (1-based): exponential, capped, with ±20 % jitter. */
export function backoffDelay(failures: number, minMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * The headless host's transport: one WebSocket, calls matched to results by
 * id, events fanned out to listeners, reconnect with backoff. A call made
 * while disconnected waits for the connection; a call already sent when the
 * connection drops fails with DISCONNECTED (it may or may not have run, so it
 * is never re-sent blindly).
 */
export function wsClient(url: string, token: string, opts: WsClientOptions = {}): WsEngineClient {
  const connect = opts.connect ?? ((u: string) => new WebSocket(u) as unknown as WebSocketLike);
  const minDelay = opts.minDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const random = opts.random ?? Math.random;

  const eventListeners = new Set<(e: EngineEvent) => void>();
  const jobs = jobHub();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let socket: WebSocketLike | null = null;
  let status: ConnectionStatus = 'connecting';
  let version: string | null = null;
  let failures = 0;
  let timer: unknown = null;
  let closedForGood = false;

  const setStatus = (s: ConnectionStatus): void => {
    if (s === status) return;
    status = s;
    for (const l of statusListeners) l(s);
  };

  const sep = url.includes('?') ? '&' : '?';
  const fullUrl = `${url}${sep}token=${encodeURIComponent(token)}`;

  const flush = (): void => {
    if (!socket || socket.readyState !== OPEN) return;
    for (const p of pending.values()) {
      if (p.sent) continue;
      socket.send(JSON.stringify(p.message));
      p.sent = true;
    }
  };

  const onMessage = (data: unknown): void => {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : String(data)) as ServerMessage;
    } catch {
      return;
    }
    if (msg.type === 'hello') {
      version = msg.version;
    } else if (msg.type === 'event') {
      for (const l of eventListeners) {
        try {
          l(msg.event);
        } catch {
          // one listener's failure must not stop the others
        }
      }
    } else if (msg.type === 'job') {
      jobs.publish((msg as { update?: unknown }).update);
    } else if (msg.type === 'result') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new EngineCallError(msg.error.code, msg.error.message, msg.error.confirmationId ?? null));
    }
  };

  const scheduleReconnect = (): void => {
    if (closedForGood || timer !== null) return;
    failures += 1;
    timer = setTimer(
      () => {
        timer = null;
        open();
      },
      backoffDelay(failures, minDelay, maxDelay, random),
    );
  };

  const open = (): void => {
    if (closedForGood) return;
    setStatus('connecting');
    let s: WebSocketLike;
    try {
      s = connect(fullUrl);
    } catch {
      setStatus('closed');
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      failures = 0;
      setStatus('open');
      flush();
    };
    s.onmessage = (ev) => {
      if (socket === s) onMessage(ev.data);
    };
    s.onerror = () => undefined; // onclose follows
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      for (const p of [...pending.values()]) {
        if (!p.sent) continue;
        pending.delete(p.id);
        p.reject(
          new EngineCallError(
            'DISCONNECTED',
            `The connection to the engine dropped while "${p.message.command}" was running; it may or may not have run. Check, then try again.`,
          ),
        );
      }
      setStatus('closed');
      scheduleReconnect();
    };
  };

  open();

  return {
    call(name, input, callOpts) {
      if (closedForGood) return Promise.reject(new EngineCallError('DISCONNECTED', 'The client is closed.'));
      const id = nextId++;
      const message: ClientMessage = { type: 'call', id, command: name, input };
      if (callOpts?.confirmation) message.confirmation = callOpts.confirmation;
      return new Promise((resolve, reject) => {
        pending.set(id, { id, message, sent: false, resolve: resolve as (v: unknown) => void, reject });
        flush();
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onJob(listener) {
      return jobs.subscribe(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    get status() {
      return status;
    },
    get version() {
      return version;
    },
    get failures() {
      return failures;
    },
    retryNow() {
      if (closedForGood || status === 'open') return;
      if (timer !== null) {
        clearTimer(timer);
        timer = null;
      }
      if (socket === null) open();
    },
    close() {
      closedForGood = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      const s = socket;
      socket = null;
      s?.close(1000, 'closed by the app');
      for (const p of pending.values()) p.reject(new EngineCallError('DISCONNECTED', 'The client is closed.'));
      pending.clear();
      setStatus('closed');
    },
  };
}
