import { z } from 'zod';
import { HarvestError } from '../kernel/errors';

/**
 * Jupiter's Swap API v2, the /build flow (GET /swap/v2/build, openapi-spec/swap/v2/swap.yaml in
 * jup-ag/docs; fixtures in test/fixtures/jupiter/): one call returns the quote and the raw
 * instructions, and Harvest assembles, prices, signs and sends the transaction itself
 * (engine/execution/assemble.ts), so the swap API never chooses the fee payer, the compute budget,
 * the priority fee, the blockhash or a tip. The legacy v1 /quote + /swap is not used. The sandbox
 * serves the same path and shape. Responses are validated: an unexpected shape is refused, not
 * guessed at.
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

const ApiInstructionSchema = z
  .object({
    programId: z.string().min(32).max(44),
    accounts: z.array(
      z.object({ pubkey: z.string().min(32).max(44), isSigner: z.boolean(), isWritable: z.boolean() }).loose(),
    ),
    data: z.string(),
  })
  .loose();
export type ApiInstruction = z.infer<typeof ApiInstructionSchema>;

export const BuildSchema = QuoteSchema.extend({
  computeBudgetInstructions: z.array(ApiInstructionSchema),
  setupInstructions: z.array(ApiInstructionSchema),
  swapInstruction: ApiInstructionSchema,
  cleanupInstruction: ApiInstructionSchema.nullable().optional(),
  otherInstructions: z.array(ApiInstructionSchema).default([]),
  tipInstruction: ApiInstructionSchema.nullable().optional(),
  addressesByLookupTableAddress: z.record(z.string(), z.array(z.string())).nullable().optional(),
}).loose();
/** A /build answer: the quote plus the instructions Harvest assembles (blockhash and tip are Harvest's own). */
export type JupiterBuild = z.infer<typeof BuildSchema>;

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

  /** GET /swap/v2/build for `taker` (ExactIn). No tip is asked for: Harvest adds its own (engine/execution/landing.ts). */
  async build(p: {
    inputMint: string;
    outputMint: string;
    amount: bigint;
    slippageBps: number;
    taker: string;
  }): Promise<JupiterBuild> {
    const q = new URLSearchParams({
      inputMint: p.inputMint,
      outputMint: p.outputMint,
      amount: p.amount.toString(),
      taker: p.taker,
      slippageBps: String(p.slippageBps),
      wrapAndUnwrapSol: 'true',
    });
    const body = await this.request('GET', `/swap/v2/build?${q.toString()}`);
    const r = BuildSchema.safeParse(body);
    if (!r.success) throw new JupiterError(`Unexpected build response: ${r.error.message}`, 200, null, false);
    return r.data;
  }

  /**
   * A quote with no wallet behind it: only the route probe of a token pasted by mint uses it (depth and price
   * impact before anyone buys). /swap/v2/build needs a taker and makes the venue prepare a swap, so this one
   * read stays on GET /swap/v1/quote, which Jupiter still serves and the sandbox answers.
   */
  async probeQuote(p: {
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
    });
    const body = await this.request('GET', `/swap/v1/quote?${q.toString()}`);
    const r = QuoteSchema.safeParse(body);
    if (!r.success) throw new JupiterError(`Unexpected quote response: ${r.error.message}`, 200, null, false);
    return r.data;
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
