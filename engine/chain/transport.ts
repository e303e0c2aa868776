import { isSolanaError, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR, type RpcTransport } from '@solana/kit';
import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { silentLogger, type Logger } from '../kernel/logger';
import { Deadlines } from './deadlines';
import { createNodeHttpTransport } from './http-transport';
import { DEFAULT_RATE_LIMIT, RateLimiter, validateRateLimit, type RateLimit } from './rate-limiter';
import { TtlCache } from './ttl-cache';

export interface EndpointConfig {
  url: string;
  /** Name used in logs, stats and errors. Defaults to the URL's origin (never its path or query, which may hold an API key). */
  label?: string;
  /** Extra HTTP headers, e.g. an Authorization header. */
  headers?: Record<string, string>;
  /** Overrides the transport-wide rate limit for this endpoint. */
  rateLimit?: RateLimit;
}

export interface RpcDegradedEvent {
  /** The endpoint given up on (its label). */
  from: string;
  /** The endpoint tried next, or null when none is left. */
  to: string | null;
  method: string;
  reason: string;
  /**
   * Clock time of the event, and until when `from` is skipped in favour of healthy endpoints: not past
   * `atMs` when `from` answered other requests while this one failed (the failure is the request's).
   */
  atMs: number;
  unhealthyUntilMs: number;
}

export interface RpcTransportOptions {
  /** In order of preference. At least one. */
  endpoints: readonly (string | EndpointConfig)[];
  clock: Clock;
  logger?: Logger;
  /** Per endpoint. Default 100 requests per 10 s (the public mainnet limit). */
  rateLimit?: RateLimit;
  /** HTTP attempts on one endpoint before failing over to the next. Default 3. */
  attemptsPerEndpoint?: number;
  /** Exponential backoff between attempts: base * 2^(attempt-1), capped, with jitter. Defaults 250 ms / 8 s. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A Retry-After longer than this makes the transport fail over instead of waiting. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Abort an HTTP request after this long. Default 20 s. */
  requestTimeoutMs?: number;
  /**
   * How long a failed endpoint is skipped in favour of healthy ones. Default 30 s. An endpoint that
   * answered other requests while one kept failing is not skipped: that failure is the request's.
   */
  cooldownMs?: number;
  /** TTL of the read-only response cache; 0 disables it. Default 1000 ms. */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
  /** Called whenever an endpoint is given up on for a request (failover, or nothing left). */
  onDegraded?: (event: RpcDegradedEvent) => void;
}

export interface EndpointStats {
  label: string;
  healthy: boolean;
  unhealthyUntilMs: number | null;
  /** HTTP requests sent (every attempt counts). */
  requests: number;
  successes: number;
  failures: number;
  retries: number;
  /** Times a request gave up on this endpoint. */
  failovers: number;
  byMethod: Record<string, number>;
  lastError: string | null;
}

export interface RpcStats {
  /** HTTP requests sent, all endpoints. */
  requests: number;
  retries: number;
  failovers: number;
  cacheHits: number;
  cacheMisses: number;
  /** HTTP requests currently on the wire. */
  inFlight: number;
  /** HTTP requests by JSON-RPC method, all endpoints. */
  byMethod: Record<string, number>;
  endpoints: EndpointStats[];
}

/** Methods that change state or must see the node's live answer: never cached. */
const UNCACHEABLE: ReadonlySet<string> = new Set([
  'sendTransaction',
  'requestAirdrop',
  'simulateTransaction',
  // A wallet's newest history: a cached page would hide a transfer that just landed.
  'getSignaturesForAddress',
]);
/**
 * Answers a transaction landing cannot make wrong: a blockhash from the last second stays valid for about
 * a minute, and the recent priority fees are a market figure our own fee barely moves. Kept by
 * clearStateCache, so the orders of a busy cycle share them instead of reading them again after each fill.
 */
const STATE_INDEPENDENT: readonly string[] = ['getLatestBlockhash:', 'getRecentPrioritizationFees:'];
/** Methods for which sending the same request twice could do something twice. */
const NOT_IDEMPOTENT: ReadonlySet<string> = new Set(['requestAirdrop']);
/** Connection errors that mean the request never reached the server. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** JSON-RPC error codes that mean "this node, not your request": NodeUnhealthy, and rate limiting inside a 200. */
const RETRYABLE_RPC_CODES: ReadonlySet<number> = new Set([-32005, 429, -32429]);

export function isCacheableMethod(method: string): boolean {
  return (
    !UNCACHEABLE.has(method) && (method.startsWith('get') || method.startsWith('is') || method === 'minimumLedgerSlot')
  );
}

interface JsonRpcPayload {
  jsonrpc: '2.0';
  id: unknown;
  method: string;
  params: unknown;
}

function isJsonRpcPayload(payload: unknown): payload is JsonRpcPayload {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    !Array.isArray(payload) &&
    (payload as { jsonrpc?: unknown }).jsonrpc === '2.0' &&
    typeof (payload as { method?: unknown }).method === 'string'
  );
}

type Verdict = 'retry' | 'failover' | 'fatal';

interface Failure {
  verdict: Verdict;
  message: string;
  retryAfterMs?: number;
  /** Rate limiting: about the endpoint and every request to it, never about one request. */
  rateLimited?: boolean;
}

interface Endpoint {
  label: string;
  http: RpcTransport;
  limiter: RateLimiter;
  unhealthyUntil: number;
  stats: EndpointStats;
}

const TIMEOUT = Symbol('rpc request timeout');

function positive(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0)
    throw new HarvestError('INVALID_INPUT', `${what} must be a non-negative number, got ${v}.`);
  return v;
}

/** The part of an endpoint URL that is safe to show: scheme, host and port. */
export function redactEndpointUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}

function stableKey(method: string, params: unknown): string {
  return `${method}:${JSON.stringify(params ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`;
}

function describeError(e: unknown): { message: string; code: string | undefined } {
  if (e instanceof Error) {
    const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
    const code = typeof cause?.code === 'string' ? cause.code : undefined;
    const causeMessage = typeof cause?.message === 'string' && cause.message ? cause.message : undefined;
    const message = causeMessage ? `${e.message} (${causeMessage})` : e.message;
    return { message: code && !message.includes(code) ? `${code}: ${message}` : message, code };
  }
  return { message: String(e), code: undefined };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/**
 * A @solana/kit RpcTransport over several JSON-RPC endpoints: a rate limit per endpoint, retries
 * with exponential backoff and jitter on 429 (honouring Retry-After), 5xx, timeouts and network
 * errors, failover to the next endpoint with a cooldown for the failed one, and a short TTL cache for
 * read-only methods. All waiting goes through the injected Clock.
 */
export class ResilientTransport {
  /** Pass this to createSolanaRpcFromTransport. */
  readonly transport: RpcTransport;

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly endpoints: Endpoint[];
  private readonly attempts: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly timeoutMs: number;
  private readonly cooldownMs: number;
  private readonly random: () => number;
  private readonly onDegraded: ((event: RpcDegradedEvent) => void) | undefined;
  private readonly cache: TtlCache<unknown>;
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Bumped by clearCache(): answers to requests sent before it are not cached. */
  private generation = 0;
  private readonly deadlines: Deadlines;
  private readonly totals = { requests: 0, retries: 0, failovers: 0, cacheHits: 0, cacheMisses: 0, inFlight: 0 };
  private readonly byMethod: Record<string, number> = {};

  constructor(opts: RpcTransportOptions) {
    if (opts.endpoints.length === 0) {
      throw new HarvestError('INVALID_INPUT', 'At least one Solana RPC endpoint is required.');
    }
    this.clock = opts.clock;
    this.logger = opts.logger ?? silentLogger;
    const attempts = opts.attemptsPerEndpoint ?? 3;
    if (!Number.isSafeInteger(attempts) || attempts < 1) {
      throw new HarvestError('INVALID_INPUT', `attemptsPerEndpoint must be a whole number >= 1, got ${attempts}.`);
    }
    this.attempts = attempts;
    this.backoffBaseMs = positive(opts.backoffBaseMs, 250, 'backoffBaseMs');
    this.backoffMaxMs = positive(opts.backoffMaxMs, 8_000, 'backoffMaxMs');
    this.maxRetryAfterMs = positive(opts.maxRetryAfterMs, 30_000, 'maxRetryAfterMs');
    this.timeoutMs = positive(opts.requestTimeoutMs, 20_000, 'requestTimeoutMs');
    if (this.timeoutMs === 0) throw new HarvestError('INVALID_INPUT', 'requestTimeoutMs must be positive.');
    this.cooldownMs = positive(opts.cooldownMs, 30_000, 'cooldownMs');
    this.random = opts.random ?? Math.random;
    this.onDegraded = opts.onDegraded;
    this.cache = new TtlCache(
      opts.clock,
      positive(opts.cacheTtlMs, 1_000, 'cacheTtlMs'),
      positive(opts.cacheMaxEntries, 5_000, 'cacheMaxEntries'),
    );
    this.deadlines = new Deadlines(opts.clock, Math.min(250, this.timeoutMs));
    const defaultLimit = opts.rateLimit ?? DEFAULT_RATE_LIMIT;
    validateRateLimit(defaultLimit, 'RPC endpoints');

    const labels = new Set<string>();
    this.endpoints = opts.endpoints.map((raw) => {
      const cfg: EndpointConfig = typeof raw === 'string' ? { url: raw } : raw;
      let parsed: URL;
      try {
        parsed = new URL(cfg.url);
      } catch {
        throw new HarvestError(
          'INVALID_INPUT',
          `Solana RPC endpoint is not a valid URL: ${redactEndpointUrl(cfg.url)}.`,
        );
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new HarvestError(
          'INVALID_INPUT',
          `Solana RPC endpoint must be http(s), got ${parsed.protocol} (${redactEndpointUrl(cfg.url)}).`,
        );
      }
      let label = cfg.label ?? redactEndpointUrl(cfg.url);
      for (let n = 2; labels.has(label); n++) label = `${cfg.label ?? redactEndpointUrl(cfg.url)}#${n}`;
      labels.add(label);
      const limit = cfg.rateLimit ?? defaultLimit;
      validateRateLimit(limit, label);
      let http: RpcTransport;
      try {
        http = createNodeHttpTransport({ url: cfg.url, ...(cfg.headers ? { headers: cfg.headers } : {}) });
      } catch (e) {
        throw new HarvestError(
          'INVALID_INPUT',
          `Invalid settings for Solana RPC endpoint ${label}: ${describeError(e).message}`,
          {
            cause: e,
          },
        );
      }
      return {
        label,
        http,
        limiter: new RateLimiter(opts.clock, limit),
        unhealthyUntil: 0,
        stats: {
          label,
          healthy: true,
          unhealthyUntilMs: null,
          requests: 0,
          successes: 0,
          failures: 0,
          retries: 0,
          failovers: 0,
          byMethod: {},
          lastError: null,
        },
      };
    });

    this.transport = (<TResponse>(config: { payload: unknown; signal?: AbortSignal }) =>
      this.request(config.payload, config.signal) as Promise<TResponse>) as RpcTransport;
  }

  /** Endpoint labels in order of preference. */
  get endpointLabels(): string[] {
    return this.endpoints.map((e) => e.label);
  }

  stats(): RpcStats {
    const now = this.clock.now();
    return {
      ...this.totals,
      byMethod: { ...this.byMethod },
      endpoints: this.endpoints.map((e) => ({
        ...e.stats,
        healthy: e.unhealthyUntil <= now,
        unhealthyUntilMs: e.unhealthyUntil > now ? e.unhealthyUntil : null,
        byMethod: { ...e.stats.byMethod },
      })),
    };
  }

  /** After a transaction landed: forgets every cached answer it may have changed (balances, accounts, history). */
  clearStateCache(): void {
    this.cache.retain((key) => STATE_INDEPENDENT.some((prefix) => key.startsWith(prefix)));
    this.forgetInFlight();
  }

  /** Forget cached responses (e.g. after sending a transaction whose effects must be read back). */
  clearCache(): void {
    this.cache.clear();
    this.forgetInFlight();
  }

  /**
   * Requests already in flight may have been answered before the change that prompted a clear: later
   * callers must not share them, and their answers must not refill the cache.
   */
  private forgetInFlight(): void {
    this.pending.clear();
    this.generation++;
  }

  private async request(payload: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    if (!isJsonRpcPayload(payload)) {
      throw new HarvestError('INTERNAL', 'The Solana RPC transport only sends single JSON-RPC 2.0 requests.');
    }
    if (!this.cache.enabled || !isCacheableMethod(payload.method)) {
      return this.dispatch(payload, signal);
    }
    const key = stableKey(payload.method, payload.params);
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.totals.cacheHits++;
      return { ...(cached as object), id: payload.id };
    }
    const shared = this.pending.get(key);
    if (shared) {
      this.totals.cacheHits++;
      const response = await raceAbort(shared, signal);
      return { ...(response as object), id: payload.id };
    }
    this.totals.cacheMisses++;
    // The shared request runs without any one caller's abort signal; each caller races its own.
    const generation = this.generation;
    const promise = this.dispatch(payload, undefined).then((response) => {
      const fresh = generation === this.generation;
      if (fresh && typeof response === 'object' && response !== null && 'result' in response)
        this.cache.set(key, response);
      return response;
    });
    this.pending.set(key, promise);
    const cleanup = () => {
      if (this.pending.get(key) === promise) this.pending.delete(key);
    };
    promise.then(cleanup, cleanup);
    return raceAbort(promise, signal);
  }

  /** Healthy endpoints in preference order, then cooling-down ones, soonest back first. */
  private order(now: number): Endpoint[] {
    const healthy = this.endpoints.filter((e) => e.unhealthyUntil <= now);
    const cooling = this.endpoints
      .filter((e) => e.unhealthyUntil > now)
      .sort((a, b) => a.unhealthyUntil - b.unhealthyUntil);
    return [...healthy, ...cooling];
  }

  private backoffMs(attempt: number, retryAfterMs: number | undefined): number {
    const capped = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1));
    const jittered = capped / 2 + (this.random() * capped) / 2;
    return Math.max(jittered, retryAfterMs ?? 0);
  }

  private async dispatch(payload: JsonRpcPayload, signal: AbortSignal | undefined): Promise<unknown> {
    const method = payload.method;
    const order = this.order(this.clock.now());
    const failures: string[] = [];
    for (let i = 0; i < order.length; i++) {
      const ep = order[i] as Endpoint;
      // What this endpoint answered for anyone while this request was failing on it (see below).
      const servedBefore = ep.stats.successes;
      let last: Failure | undefined;
      for (let attempt = 1; attempt <= this.attempts; attempt++) {
        if (signal?.aborted) throw signal.reason;
        await ep.limiter.acquire();
        const outcome = await this.attempt(ep, payload, signal);
        if (outcome.ok) {
          ep.stats.successes++;
          ep.stats.lastError = null;
          if (ep.unhealthyUntil > 0) {
            ep.unhealthyUntil = 0;
            this.logger.info({ endpoint: ep.label, method }, 'rpc endpoint recovered');
          }
          return outcome.response;
        }
        last = outcome.failure;
        ep.stats.failures++;
        ep.stats.lastError = last.message;
        if (last.verdict === 'fatal') {
          throw new HarvestError('INTERNAL', `Solana RPC ${method} failed on ${ep.label}: ${last.message}`);
        }
        if (last.verdict === 'failover' || attempt === this.attempts) break;
        const delay = this.backoffMs(attempt, last.retryAfterMs);
        this.totals.retries++;
        ep.stats.retries++;
        this.logger.debug({ endpoint: ep.label, method, attempt, delayMs: delay, reason: last.message }, 'rpc retry');
        await this.clock.sleep(delay);
      }
      const reason = last?.message ?? 'failed';
      failures.push(`${ep.label}: ${reason}`);
      const now = this.clock.now();
      // Users isolated: an endpoint that answered other requests while this one kept failing works; the
      // failure belongs to this request (one wallet's history a provider cannot serve, say). Cooling the
      // endpoint down would move every friend's requests to the next one (often the rate-limited public
      // endpoint) for the whole cooldown because of one friend. This request still tries the next endpoint.
      const requestOnly = ep.stats.successes > servedBefore && last?.rateLimited !== true;
      if (!requestOnly) ep.unhealthyUntil = now + this.cooldownMs;
      ep.stats.failovers++;
      const next = order[i + 1];
      if (next) this.totals.failovers++;
      this.logger.warn(
        {
          endpoint: ep.label,
          next: next?.label ?? null,
          method,
          reason,
          cooldownMs: requestOnly ? 0 : this.cooldownMs,
          ...(requestOnly ? { requestOnly: true } : {}),
        },
        next ? 'rpc degraded: failing over' : 'rpc degraded: no endpoint left',
      );
      this.emitDegraded({
        from: ep.label,
        to: next?.label ?? null,
        method,
        reason,
        atMs: now,
        unhealthyUntilMs: ep.unhealthyUntil,
      });
    }
    throw new HarvestError(
      'RPC_UNAVAILABLE',
      `Solana RPC unavailable: ${method} failed on every endpoint (${failures.join('; ')}). Check the network connection and the RPC endpoints in the settings.`,
    );
  }

  private emitDegraded(event: RpcDegradedEvent): void {
    if (!this.onDegraded) return;
    try {
      this.onDegraded(event);
    } catch (e) {
      this.logger.error({ err: describeError(e).message }, 'rpc degraded listener threw');
    }
  }

  private async attempt(
    ep: Endpoint,
    payload: JsonRpcPayload,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: true; response: unknown } | { ok: false; failure: Failure }> {
    const method = payload.method;
    const idempotent = !NOT_IDEMPOTENT.has(method);
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    const unwatch = this.deadlines.watch(this.clock.now() + this.timeoutMs, () => controller.abort(TIMEOUT));

    this.totals.requests++;
    this.totals.inFlight++;
    ep.stats.requests++;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
    ep.stats.byMethod[method] = (ep.stats.byMethod[method] ?? 0) + 1;
    try {
      const response = await ep.http({ payload, signal: controller.signal });
      return this.judgeResponse(response);
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (controller.signal.aborted && controller.signal.reason === TIMEOUT) {
        const message = `timed out after ${this.timeoutMs} ms`;
        return {
          ok: false,
          failure: {
            verdict: idempotent ? 'retry' : 'fatal',
            message: idempotent ? message : `${message}; outcome unknown`,
          },
        };
      }
      if (isSolanaError(e, SOLANA_ERROR__RPC__TRANSPORT_HTTP_ERROR)) {
        return { ok: false, failure: this.judgeHttpStatus(ep, e.context.statusCode, e.context.headers, idempotent) };
      }
      if (e instanceof SyntaxError) {
        return {
          ok: false,
          failure: { verdict: idempotent ? 'retry' : 'fatal', message: `malformed response (${e.message})` },
        };
      }
      const { message, code } = describeError(e);
      const notSent = code !== undefined && NOT_SENT_CODES.has(code);
      return {
        ok: false,
        failure: {
          verdict: idempotent || notSent ? 'retry' : 'fatal',
          message: idempotent || notSent ? message : `${message}; outcome unknown`,
        },
      };
    } finally {
      this.totals.inFlight--;
      unwatch();
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private judgeResponse(response: unknown): { ok: true; response: unknown } | { ok: false; failure: Failure } {
    if (typeof response !== 'object' || response === null || Array.isArray(response)) {
      return { ok: false, failure: { verdict: 'retry', message: 'malformed response (not a JSON-RPC object)' } };
    }
    if ('error' in response) {
      const error = (response as { error: unknown }).error as { code?: unknown; message?: unknown } | null;
      const code = typeof error?.code === 'bigint' || typeof error?.code === 'number' ? Number(error.code) : NaN;
      if (RETRYABLE_RPC_CODES.has(code)) {
        const message = typeof error?.message === 'string' ? error.message : 'error';
        return {
          ok: false,
          failure: {
            verdict: 'retry',
            message: `JSON-RPC error ${code}: ${message}`,
            ...(code === -32005 ? {} : { rateLimited: true }),
          },
        };
      }
      return { ok: true, response };
    }
    if (!('result' in response)) {
      return { ok: false, failure: { verdict: 'retry', message: 'malformed response (neither result nor error)' } };
    }
    return { ok: true, response };
  }

  private judgeHttpStatus(ep: Endpoint, status: number, headers: Headers | undefined, idempotent: boolean): Failure {
    if (status === 429) {
      const retryAfterMs = this.parseRetryAfter(headers?.get('retry-after') ?? null);
      if (retryAfterMs !== undefined) ep.limiter.pauseUntil(this.clock.now() + retryAfterMs);
      if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) {
        return {
          rateLimited: true,
          verdict: 'failover',
          message: `HTTP 429 rate limited, Retry-After ${Math.ceil(retryAfterMs / 1000)} s`,
        };
      }
      return {
        rateLimited: true,
        verdict: 'retry',
        message:
          retryAfterMs !== undefined
            ? `HTTP 429 rate limited, Retry-After ${Math.ceil(retryAfterMs / 1000)} s`
            : 'HTTP 429 rate limited',
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    if (status >= 500) {
      return idempotent
        ? { verdict: 'retry', message: `HTTP ${status}` }
        : { verdict: 'fatal', message: `HTTP ${status}; outcome unknown` };
    }
    if (status === 401 || status === 403 || status === 404 || status === 405) {
      return { verdict: 'failover', message: `HTTP ${status} (check this endpoint's URL and credentials)` };
    }
    return { verdict: 'fatal', message: `HTTP ${status} (request refused)` };
  }

  private parseRetryAfter(value: string | null): number | undefined {
    if (value === null) return undefined;
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    return Math.max(0, at - this.clock.now());
  }
}
