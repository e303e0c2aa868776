/**
 * The sandbox's token routes: Jupiter's Tokens API v2 search (the token list a
 * mint added by Harvest gets its name and symbol from, in the real response
 * shape) and the test-token controls behind `harvest sandbox token create|list`.
 */
import type { FastifyInstance } from 'fastify';
import type { SandboxMarketMaker } from './market-maker';
import type { PriceReplay } from './price-replay';
import type { SandboxTestTokens } from './test-tokens';
import { SANDBOX_TOKENS, tokenByMint } from './tokens';
import { TestTokenSpec } from './test-token-spec';

export function registerTokenRoutes(
  app: FastifyInstance,
  deps: { market: SandboxMarketMaker; replay: PriceReplay; testTokens?: SandboxTestTokens },
): void {
  // GET /tokens/v2/search?query=mint1,mint2 (mints only: the sandbox has no fuzzy search).
  app.get('/tokens/v2/search', async (req) => {
    const q = (req.query as Record<string, unknown>)['query'];
    const mints = typeof q === 'string' ? q.split(',').map((s) => s.trim()) : [];
    const tests = new Map((deps.testTokens?.list() ?? []).map((t) => [t.mint, t]));
    return mints.flatMap((m) => {
      const t = tokenByMint(m);
      if (!t) return [];
      const test = tests.get(m);
      return [
        {
          id: t.mint,
          name: t.name,
          symbol: t.symbol,
          icon: null,
          decimals: t.decimals,
          tokenProgram: t.tokenProgram,
          usdPrice: deps.replay.price(t.mint),
          liquidity: deps.market.liquidityUsd(t.mint),
          isVerified: SANDBOX_TOKENS.some((s) => s.mint === t.mint) && !test,
          tags: test ? ['sandbox-test'] : ['verified'],
        },
      ];
    });
  });

  app.get('/sandbox/test-tokens', async () => ({ tokens: deps.testTokens?.list() ?? [] }));

  app.post('/sandbox/test-tokens', async (req, reply) => {
    if (!deps.testTokens) return reply.code(404).send({ error: 'sandbox test tokens are not enabled' });
    const parsed = TestTokenSpec.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues[0]?.message ?? 'bad request' });
    try {
      return await deps.testTokens.create(parsed.data);
    } catch (err) {
      return reply.code(400).send({ error: (err as Error).message });
    }
  });
}
