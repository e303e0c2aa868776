import { z } from 'zod';
import { HarvestError } from '../kernel/errors';

/**
 * Jupiter's Swap API v1 (GET /swap/v1/quote, POST /swap/v1/swap). The sandbox
 * serves the same paths and shapes, so this client is the only swap client.
 * Responses are validated: an unexpected shape is refused, not guessed at.
 */
const U64 = z.string().regex(/^\d+$/u);

export const QuoteSchema = z
  .object({
    inputMint: z.string(),
    inAmount: U64,
    outputMint: z.string(),
    outAmount: U64,
    otherAmountThreshold: U64,
    swapMode: z.string(),
    slippageBps: z.number().int(),
    priceImpactPct: z.string(),
    routePlan: z.array(
      z
        .object({
          swapInfo: z.object({ ammKey: z.string(), label: z.string().optional() }).loose(),
          percent: z.number(),
        })
        .loose(),
    ),
    contextSlot: z.number().optional(),
  })
  .loose();
export type JupiterQuote = z.infer<typeof QuoteSchema>;

const SwapSchema = z
  .object({
    swapTransaction: z.string().min(1),
    lastValidBlockHeight: z.union([z.number(), z.string()]),
    prioritizationFeeLamports: z.number().optional(),
    simulationError: z.unknown().optional(),
  })
  .loose();

export interface JupiterClientOptions {
  baseUrl: string;
  apiKey?: string | null;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Errors a quote can come back with that mean "no trade possible", not "try again". */
const NO_ROUTE_CODES = new Set([
  'COULD_NOT_FIND_ANY_ROUTE',
  'NO_ROUTES_FOUND',
  'TOKEN_NOT_TRADABLE',
  'ROUTE_PLAN_DOES_NOT_CONSUME_ALL_THE_AMOUNT',
]);

export class JupiterError extends HarvestError {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | null,
    readonly transient: boolean,
  ) {
    super(transient ? 'RPC_UNAVAILABLE' : 'REFUSED', message);
  }

  get noRoute(): boolean {
    return this.errorCode !== null && NO_ROUTE_CODES.has(this.errorCode);
  }
}

export class JupiterClient {
  private readonly f: typeof fetch;

  constructor(private readonly opts: JupiterClientOptions) {
    this.f = opts.fetch ?? fetch;
  }

  async quote(p: {
    inputMint: string;
    outputMint: string;
    amount: bigint;
    slippageBps: number;
  }): Promise<JupiterQuote> {
    const q = new URLSearchParams({
      inputMint: p.inputMint,
      outputMint: p.outputMint,
      amount: p.amount.toString(),
      slippageBps: String(p.slippageBps),
      swapMode: 'ExactIn',
      restrictIntermediateTokens: 'true',
    });
    const body = await this.request('GET', `/swap/v1/quote?${q.toString()}`);
    const r = QuoteSchema.safeParse(body);
    if (!r.success) throw new JupiterError(`Unexpected quote response: ${r.error.message}`, 200, null, false);
    return r.data;
  }

  async swap(
    quote: JupiterQuote,
    userPublicKey: string,
  ): Promise<{ transaction: Uint8Array; lastValidBlockHeight: bigint }> {
    const body = await this.request('POST', '/swap/v1/swap', {
      quoteResponse: quote,
      userPublicKey,
      wrapAndUnwrapSol: true,
      dynamicComputeUnitLimit: true,
      prioritizationFeeLamports: { priorityLevelWithMaxLamports: { priorityLevel: 'medium', maxLamports: 1_000_000 } },
    });
    const r = SwapSchema.safeParse(body);
    if (!r.success) throw new JupiterError(`Unexpected swap response: ${r.error.message}`, 200, null, false);
    return {
      transaction: new Uint8Array(Buffer.from(r.data.swapTransaction, 'base64')),
      lastValidBlockHeight: BigInt(r.data.lastValidBlockHeight),
    };
  }

  private async request(method: 'GET' | 'POST', path: string, json?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    let res: Response;
    try {
      res = await this.f(`${this.opts.baseUrl.replace(/\/$/u, '')}${path}`, {
        method,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
    } catch (e) {
      throw new JupiterError(`The swap API is unreachable: ${(e as Error).message}`, 0, null, true);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // fall through with the raw text
    }
    if (!res.ok) {
      const err = parsed as { error?: string; errorCode?: string } | null;
      const transient = res.status === 429 || res.status >= 500;
      throw new JupiterError(
        `Swap API ${res.status}: ${err?.error ?? text.slice(0, 200)}`,
        res.status,
        err?.errorCode ?? null,
        transient,
      );
    }
    return parsed;
  }
}
