import Fastify, { type FastifyReply } from 'fastify';
import { z } from 'zod';
import { silentLogger, type Logger } from '../kernel/logger';
import type { SandboxFaucet } from './faucet';
import { registerBlockEngine } from './block-engine';
import { sendFromOutside } from './outside';
import type { SandboxLedger } from './ledger';
import { MarketError, MM_LABEL, type PrioritizationFee, type SandboxMarketMaker } from './market-maker';
import type { PriceReplay } from './price-replay';
import { SANDBOX_TOKENS, tokenByMint } from './tokens';
import type { WhaleRequest, WhaleStatus } from './whale';
import type { SandboxTestTokens } from './test-tokens';
import { registerTokenRoutes } from './token-routes';

/**
 * A Jupiter-compatible HTTP API on 127.0.0.1, backed by the sandbox market
 * maker and the price replay, so the engine's ordinary Jupiter venue and price
 * feed talk to the sandbox exactly as they talk to api.jup.ag:
 *
 *   GET  /swap/v1/quote                Swap API quote (ExactIn)
 *   POST /swap/v1/swap                 Swap API swap transaction
 *   GET  /swap/v1/program-id-to-label
 *   GET  /swap/v2/build                Swap API v2: quote + raw instructions (the engine's path)
 *   GET  /price/v3?ids=mint1,mint2     Price API v3
 *   POST /api/v1/transactions|bundles  Jito's Block Engine JSON-RPC (see block-engine.ts)
 *
 * Errors have Jupiter's shapes: HTTP 400 with {error} for a request that
 * cannot be parsed, {error, errorCode} for routing errors. An x-api-key
 * header is accepted and ignored, and so are the routing options that mean
 * nothing with a single market maker (dexes, excludeDexes, onlyDirectRoutes,
 * restrictIntermediateTokens, maxAccounts, platformFeeBps, ...) and the swap
 * options payer, feeAccount, trackingAccount, useSharedAccounts,
 * nativeDestinationAccount, skipUserAccountsRpcCalls and dynamicSlippage.
 * Honoured swap options: wrapAndUnwrapSol, prioritizationFeeLamports,
 * computeUnitPriceMicroLamports, dynamicComputeUnitLimit, asLegacyTransaction,
 * destinationTokenAccount, blockhashSlotsToExpiry.
 *
 * Sandbox-only control endpoints (never on mainnet), for tests and demos:
 *
 *   GET    /sandbox/status             replay position/speed, inventory, open escrows
 *   GET    /sandbox/tokens             the sandbox token list
 *   GET    /sandbox/clock              the replay's market time: {position, speed, start, end, atEnd}
 *   GET    /sandbox/candles?mint=&from=&to=  the replay's real 5m candles opening in [from, to) (market ms),
 *                                       closed by the market's now, at most 5000 per answer
 *   POST   /sandbox/price              {mint, usd}: pin a price (override)
 *   DELETE /sandbox/price[?mint=]      clear one override or all
 *   POST   /sandbox/replay             {speed?, position?}: change speed / seek (market ms)
 *   POST   /sandbox/faucet             {address, lamports?, tokens?: [{mint, amount}]} (amounts as strings)
 *   POST   /sandbox/send               {address, lamports} | {address, mint, amount}: a transfer from an outside wallet
 */

export interface SwapApiOptions {
  ledger: SandboxLedger;
  market: SandboxMarketMaker;
  replay: PriceReplay;
  /** Enables POST /sandbox/faucet. */
  faucet?: SandboxFaucet;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  log?: Logger;
  /** Enables POST /sandbox/whale: the simulated whale's status, schedule, or one trade now. */
  whale?: (req: WhaleRequest) => Promise<WhaleStatus>;
  /** Enables the test-token controls (POST/GET /sandbox/test-tokens). */
  testTokens?: SandboxTestTokens;
}

export interface SwapApi {
  url: string;
  close(): Promise<void>;
}

const U64_MAX = 2n ** 64n - 1n;

/** Jupiter's query parser: every value is a string. */
const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');
const intParam = (name: string) =>
  z.string().regex(/^\d+$/, `Query parameter ${name} cannot be parsed: ParseIntError { kind: InvalidDigit }`);

const quoteQuery = z.object({
  inputMint: z.string(),
  outputMint: z.string(),
  amount: intParam('amount'),
  slippageBps: intParam('slippageBps').optional(),
  swapMode: z.enum(['ExactIn', 'ExactOut']).optional(),
  dexes: z.string().optional(),
  excludeDexes: z.string().optional(),
  restrictIntermediateTokens: boolParam.optional(),
  onlyDirectRoutes: boolParam.optional(),
  asLegacyTransaction: boolParam.optional(),
  platformFeeBps: intParam('platformFeeBps').optional(),
  maxAccounts: intParam('maxAccounts').optional(),
  instructionVersion: z.enum(['V1', 'V2']).optional(),
  dynamicSlippage: boolParam.optional(),
  forJitoBundle: boolParam.optional(),
});

const u64String = z.string().regex(/^\d{1,20}$/);
/** GET /swap/v2/build's query (openapi-spec/swap/v2/swap.yaml); routing options mean nothing with one market maker. */
const buildQuery = z.object({
  inputMint: z.string(),
  outputMint: z.string(),
  amount: intParam('amount'),
  taker: z.string(),
  slippageBps: intParam('slippageBps').optional(),
  mode: z.enum(['fast']).optional(),
  dexes: z.string().optional(),
  excludeDexes: z.string().optional(),
  platformFeeBps: intParam('platformFeeBps').optional(),
  feeAccount: z.string().optional(),
  maxAccounts: intParam('maxAccounts').optional(),
  payer: z.string().optional(),
  wrapAndUnwrapSol: boolParam.optional(),
  blockhashSlotsToExpiry: intParam('blockhashSlotsToExpiry').optional(),
  tipAmount: intParam('tipAmount').optional(),
  computeUnitPricePercentile: z.string().optional(),
  forJitoBundle: boolParam.optional(),
});

const msParam = z
  .string()
  .regex(/^\d{1,15}$/u)
  .transform(Number);
const candlesQuery = z.object({ mint: z.string(), from: msParam, to: msParam });
/** Most candles in one /sandbox/candles answer (the engine's client pages on). */
const SANDBOX_CANDLES_PAGE = 5000;
const lamportsNumber = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const swapBody = z.object({
  userPublicKey: z.string(),
  quoteResponse: z.object({
    inputMint: z.string(),
    inAmount: u64String,
    outputMint: z.string(),
    outAmount: u64String,
    otherAmountThreshold: u64String,
    swapMode: z.enum(['ExactIn', 'ExactOut']),
    slippageBps: z.number().int().nonnegative().optional(),
    contextSlot: z.number().int().nonnegative().optional(),
  }),
  payer: z.string().optional(),
  wrapAndUnwrapSol: z.boolean().optional(),
  useSharedAccounts: z.boolean().optional(),
  feeAccount: z.string().optional(),
  trackingAccount: z.string().optional(),
  prioritizationFeeLamports: z
    .union([
      lamportsNumber,
      z.literal('auto'),
      z.object({
        priorityLevelWithMaxLamports: z.object({
          priorityLevel: z.enum(['medium', 'high', 'veryHigh']),
          maxLamports: lamportsNumber,
          global: z.boolean().optional(),
        }),
      }),
      z.object({ jitoTipLamports: lamportsNumber }),
      z.object({ jitoTipLamportsWithPayer: z.object({ lamports: lamportsNumber, payer: z.string() }) }),
    ])
    .optional(),
  asLegacyTransaction: z.boolean().optional(),
  destinationTokenAccount: z.string().optional(),
  nativeDestinationAccount: z.string().optional(),
  dynamicComputeUnitLimit: z.boolean().optional(),
  skipUserAccountsRpcCalls: z.boolean().optional(),
  dynamicSlippage: z.union([z.boolean(), z.object({ minBps: z.number(), maxBps: z.number() })]).optional(),
  computeUnitPriceMicroLamports: lamportsNumber.optional(),
  blockhashSlotsToExpiry: z.number().int().min(1).max(255).optional(),
});

const priceBody = z.object({ mint: z.string(), usd: z.number().positive() });
const replayBody = z.object({ speed: z.number().min(0).optional(), position: z.number().optional() });
const whaleBody = z
  .object({
    action: z.enum(['status', 'start', 'stop', 'trade']),
    config: z
      .object({
        everySec: z.number().min(1).max(86_400).optional(),
        usd: z.number().positive().max(1_000_000).optional(),
        tokens: z.array(z.string()).min(1).max(10).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const sendBody = z.union([
  z.object({ address: z.string(), lamports: u64String }).strict(),
  z.object({ address: z.string(), mint: z.string(), amount: u64String }).strict(),
]);
const faucetBody = z.object({
  address: z.string(),
  lamports: u64String.optional(),
  tokens: z.array(z.object({ mint: z.string(), amount: u64String })).optional(),
});

/** axum-like wording for a body or query that does not fit, e.g. "missing field `amount`". */
function describe(err: z.ZodError, where: 'query string' | 'JSON body'): string {
  const issue = err.issues[0];
  if (!issue) return `Failed to deserialize the ${where}`;
  const path = issue.path.join('.');
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `Failed to deserialize the ${where}: missing field \`${path}\``;
  }
  if (issue.message.startsWith('Query parameter')) return issue.message;
  return `Failed to deserialize the ${where}: ${path ? `${path}: ` : ''}${issue.message}`;
}

function priorityOf(p: NonNullable<z.infer<typeof swapBody>['prioritizationFeeLamports']>): PrioritizationFee {
  if (typeof p === 'object' && 'jitoTipLamportsWithPayer' in p)
    return { jitoTipLamports: p.jitoTipLamportsWithPayer.lamports };
  return p;
}

function sendError(reply: FastifyReply, err: unknown, log: Logger): FastifyReply {
  if (err instanceof MarketError) return reply.code(err.status).send(err.toJSON());
  log.error({ err }, 'sandbox swap api error');
  return reply.code(500).send({ error: (err as Error).message ?? 'internal error' });
}

export async function startSwapApi(opts: SwapApiOptions): Promise<SwapApi> {
  const { ledger, market, replay, faucet } = opts;
  const log = (opts.log ?? silentLogger).child({ component: 'sandbox-swap-api' });
  const app = Fastify({ logger: false });

  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? 400 : 500;
    if (status === 500) log.error({ err }, 'sandbox swap api error');
    return reply.code(status).send({ error: err.message });
  });
  // Lenient JSON: an empty body (a DELETE sent with a JSON content type) is no body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(
        Object.assign(new Error(`Failed to parse the request body as JSON: ${(err as Error).message}`), {
          statusCode: 400,
        }),
      );
    }
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `Route ${req.method}:${req.url} not found` }));

  // ---- Swap API ---------------------------------------------------------

  /** The amount and slippage of a quote or build query, refused in Jupiter's words when out of range. */
  const amountAndSlippage = (q: {
    amount: string;
    slippageBps?: string | undefined;
  }): { amount: bigint; slippageBps: number } | { error: string } => {
    const amount = BigInt(q.amount);
    if (amount > U64_MAX)
      return { error: 'Query parameter amount cannot be parsed: ParseIntError { kind: PosOverflow }' };
    const slippageBps = q.slippageBps === undefined ? 50 : Number(q.slippageBps);
    if (slippageBps > 10_000) return { error: 'Query parameter slippageBps cannot be parsed: must be at most 10000' };
    return { amount, slippageBps };
  };

  app.get('/swap/v1/quote', async (req, reply) => {
    const parsed = quoteQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'query string') });
    const q = parsed.data;
    const sized = amountAndSlippage(q);
    if ('error' in sized) return reply.code(400).send(sized);
    const { amount, slippageBps } = sized;
    try {
      return market.quote({
        inputMint: q.inputMint,
        outputMint: q.outputMint,
        amount,
        slippageBps,
        swapMode: q.swapMode ?? 'ExactIn',
      });
    } catch (err) {
      return sendError(reply, err, log);
    }
  });

  app.post('/swap/v1/swap', async (req, reply) => {
    const parsed = swapBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'JSON body') });
    const b = parsed.data;
    try {
      return await market.buildSwap({
        quoteResponse: b.quoteResponse,
        userPublicKey: b.userPublicKey,
        ...(b.wrapAndUnwrapSol !== undefined ? { wrapAndUnwrapSol: b.wrapAndUnwrapSol } : {}),
        ...(b.prioritizationFeeLamports !== undefined
          ? { prioritizationFeeLamports: priorityOf(b.prioritizationFeeLamports) }
          : {}),
        ...(b.computeUnitPriceMicroLamports !== undefined
          ? { computeUnitPriceMicroLamports: b.computeUnitPriceMicroLamports }
          : {}),
        ...(b.dynamicComputeUnitLimit !== undefined ? { dynamicComputeUnitLimit: b.dynamicComputeUnitLimit } : {}),
        ...(b.asLegacyTransaction !== undefined ? { asLegacyTransaction: b.asLegacyTransaction } : {}),
        ...(b.destinationTokenAccount !== undefined ? { destinationTokenAccount: b.destinationTokenAccount } : {}),
        ...(b.blockhashSlotsToExpiry !== undefined ? { blockhashSlotsToExpiry: b.blockhashSlotsToExpiry } : {}),
      });
    } catch (err) {
      return sendError(reply, err, log);
    }
  });

  app.get('/swap/v2/build', async (req, reply) => {
    const parsed = buildQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'query string') });
    const q = parsed.data;
    const sized = amountAndSlippage(q);
    if ('error' in sized) return reply.code(400).send(sized);
    const { amount, slippageBps } = sized;
    try {
      return await market.buildInstructions({
        inputMint: q.inputMint,
        outputMint: q.outputMint,
        amount,
        taker: q.taker,
        slippageBps,
        ...(q.tipAmount !== undefined ? { tipAmount: BigInt(q.tipAmount) } : {}),
      });
    } catch (err) {
      return sendError(reply, err, log);
    }
  });

  app.get('/swap/v1/program-id-to-label', async () => ({ [market.authority.address]: MM_LABEL }));

  // ---- Price API v3 -----------------------------------------------------

  app.get('/price/v3', async (req, reply) => {
    const ids = (req.query as Record<string, unknown>)['ids'];
    if (typeof ids !== 'string' || ids.trim() === '') {
      return reply.code(400).send({ error: 'Failed to deserialize query string: missing field `ids`' });
    }
    const list = [
      ...new Set(
        ids
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    if (list.length > 50) return reply.code(400).send({ error: 'Too many ids: at most 50' });
    const blockId = Number(ledger.currentSlot());
    const createdAt = new Date(replay.start).toISOString();
    const out: Record<string, unknown> = {};
    for (const mint of list) {
      const token = tokenByMint(mint);
      const usdPrice = token ? replay.price(mint) : null;
      if (!token || usdPrice === null) continue; // Jupiter leaves unknown mints out
      out[mint] = {
        createdAt,
        liquidity: market.liquidityUsd(mint),
        usdPrice,
        blockId,
        decimals: token.decimals,
        priceChange24h: replay.priceChange24h(mint),
      };
    }
    return out;
  });

  // ---- sandbox control ---------------------------------------------------

  app.get('/sandbox/status', async () => ({
    replay: replay.status(),
    slot: Number(ledger.currentSlot()),
    marketMaker: { authority: market.authority.address, feeBps: market.feeBps, inventory: market.inventory() },
    escrows: market.openEscrows().map(({ seed: _seed, ...e }) => e),
  }));

  // Light enough to read every cycle: the engine buckets its candles on this clock.
  app.get('/sandbox/clock', async () => {
    const st = replay.status();
    return { position: st.position, speed: st.speed, start: st.start, end: st.end, atEnd: st.atEnd };
  });

  app.get('/sandbox/candles', async (req, reply) => {
    const parsed = candlesQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'query string') });
    const { mint, from, to } = parsed.data;
    if (!tokenByMint(mint)) return reply.code(404).send({ error: `${mint} is not a sandbox token` });
    return { candles: replay.candles(mint, from, to).slice(0, SANDBOX_CANDLES_PAGE) };
  });

  app.get('/sandbox/tokens', async () =>
    SANDBOX_TOKENS.map((t) => ({ ...t, priceUsd: replay.price(t.mint), liquidityUsd: market.liquidityUsd(t.mint) })),
  );

  app.post('/sandbox/price', async (req, reply) => {
    const parsed = priceBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'JSON body') });
    if (!tokenByMint(parsed.data.mint))
      return reply.code(400).send({ error: `${parsed.data.mint} is not a sandbox token` });
    replay.setPrice(parsed.data.mint, parsed.data.usd);
    log.info({ mint: parsed.data.mint, usd: parsed.data.usd }, 'sandbox price override set');
    return replay.status();
  });

  app.delete('/sandbox/price', async (req) => {
    const mint = (req.query as Record<string, unknown>)['mint'];
    replay.clearPrice(typeof mint === 'string' ? mint : undefined);
    return replay.status();
  });

  app.post('/sandbox/replay', async (req, reply) => {
    const parsed = replayBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'JSON body') });
    if (parsed.data.position !== undefined) replay.seek(parsed.data.position);
    if (parsed.data.speed !== undefined) replay.setSpeed(parsed.data.speed);
    return replay.status();
  });

  app.post('/sandbox/faucet', async (req, reply) => {
    if (!faucet) return reply.code(404).send({ error: 'the sandbox faucet is not enabled' });
    const parsed = faucetBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'JSON body') });
    try {
      const signatures = await faucet.fund(parsed.data.address, {
        ...(parsed.data.lamports !== undefined ? { lamports: BigInt(parsed.data.lamports) } : {}),
        tokens: (parsed.data.tokens ?? []).map((t) => ({ mint: t.mint, amount: BigInt(t.amount) })),
      });
      return { signatures };
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
  });

  app.post('/sandbox/send', async (req, reply) => {
    if (!faucet) return reply.code(404).send({ error: 'the sandbox faucet is not enabled' });
    const parsed = sendBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'JSON body') });
    const b = parsed.data;
    try {
      return await sendFromOutside(
        ledger,
        faucet,
        b.address,
        'lamports' in b ? { lamports: BigInt(b.lamports) } : { mint: b.mint, amount: BigInt(b.amount) },
      );
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
  });

  app.post('/sandbox/whale', async (req, reply) => {
    if (!opts.whale) return reply.code(404).send({ error: 'the sandbox whale is not enabled' });
    const parsed = whaleBody.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: describe(parsed.error, 'JSON body') });
    try {
      return await opts.whale(parsed.data);
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
  });

  registerTokenRoutes(app, { market, replay, ...(opts.testTokens ? { testTokens: opts.testTokens } : {}) });
  registerBlockEngine(app, ledger, log);

  const url = await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  log.info({ url }, 'sandbox swap api listening');
  return {
    url,
    close: async () => {
      await app.close();
    },
  };
}
