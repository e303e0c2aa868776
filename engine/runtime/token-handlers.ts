/**
 * Handlers of the token registry (tokens.*) and the sandbox's test tokens,
 * kept apart from handlers.ts, which only spreads them in.
 */
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { HarvestError } from '../kernel/errors';
import {
  KNOWN_TOKENS,
  knownSymbols,
  knownTokens,
  resolveToken,
  tokenByMint,
  TOKEN_2022_PROGRAM,
  type TokenInfo,
} from '../market';
import { pythFeedForMint } from '../market/oracle';
import { allowToken, buyPermission, oracleCheck } from '../tokens';
import { isoTime } from '../kernel/clock';
import type { Store } from '../store';
import type { Engine } from './engine';
import { buildPriceHandlers } from './price-handlers';

type TokenCommand =
  'tokens.list' | 'tokens.show' | 'tokens.add' | 'tokens.allow' | 'sandbox.tokenCreate' | 'sandbox.tokens';
export type TokenHandlers = {
  [K in TokenCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};
type TokenOut = CommandOutput<'tokens.show'>;

const programName = (p: string | null): string =>
  p === null ? 'native' : p === TOKEN_2022_PROGRAM ? 'Token-2022' : 'SPL Token';

/** A token as the registry shows it: a built-in major (checked by hand, always buyable) or one added by mint. */
export function tokenOut(store: Store, t: TokenInfo): TokenOut {
  const builtIn = KNOWN_TOKENS.some((k) => k.mint === t.mint);
  const rec = builtIn ? null : store.tokens.get(t.mint);
  const permission = buyPermission(store, t.mint);
  return {
    mint: t.mint,
    symbol: t.symbol,
    name: t.name,
    decimals: t.decimals,
    program: programName(t.tokenProgram),
    builtIn,
    verdict: rec?.verdict ?? 'ok',
    checks: rec?.checks ?? [oracleCheck(pythFeedForMint(t.mint) !== null)].filter((c) => c.level === 'ok'),
    checkedAt: rec?.checkedAt ?? null,
    allowed: (rec?.allowedAt ?? null) !== null,
    allowedBy: rec?.allowedBy ?? null,
    allowedAt: rec?.allowedAt ?? null,
    buyable: permission.ok,
    notBuyableReason: permission.ok ? null : permission.reason,
    singleSourcePrice: store.priceTrust.isAllowed(t.mint),
  };
}

/**
 * A token named by symbol or mint, for any command that takes TOKEN: a mint
 * Harvest does not know yet is added on the spot (read from the chain, checked),
 * so pasting a mint is enough; its checks then decide whether it may be bought.
 */
export async function resolveOrAddToken(engine: Engine, symbolOrMint: string): Promise<TokenInfo> {
  const known = resolveToken(symbolOrMint);
  if (known) return known;
  const s = symbolOrMint.trim();
  if (/^[1-9A-HJ-NP-Za-km-z]{32,44}$/u.test(s)) {
    const f = await engine.funds();
    await f.tokens.add(s, engine.actor);
    return tokenByMint(s)!;
  }
  throw new HarvestError(
    'INVALID_INPUT',
    `Unknown token "${s}". Known: ${knownSymbols()}; or paste the token's mint address.`,
  );
}

export function buildTokenHandlers(engine: Engine): TokenHandlers {
  const { store } = engine;
  return {
    'tokens.list': () => ({ tokens: knownTokens().map((t) => tokenOut(store, t)) }),
    'tokens.show': ({ token }) => {
      const t = resolveToken(token);
      if (!t)
        throw new HarvestError(
          'NOT_FOUND',
          `No token "${token}" is known. Add a token by its mint first: harvest token add MINT.`,
        );
      return tokenOut(store, t);
    },
    'tokens.add': async ({ mint, sizeUsd }) => {
      const f = await engine.funds();
      const rec = await f.tokens.add(mint, engine.actor, sizeUsd);
      return tokenOut(store, tokenByMint(rec.mint)!);
    },
    'tokens.allow': async ({ mint, singleSourcePrice }) => {
      if (store.tokens.get(mint)) {
        const rec = allowToken(store, mint, engine.actor, isoTime(engine.clock), (m) => pythFeedForMint(m) !== null);
        return { mint, symbol: rec.symbol, allowed: true, singleSourcePrice: store.priceTrust.isAllowed(mint) };
      }
      if (KNOWN_TOKENS.some((k) => k.mint === mint) && !singleSourcePrice)
        throw new HarvestError(
          'INVALID_INPUT',
          `${tokenByMint(mint)!.symbol} is built in; it needs no acknowledgement.`,
        );
      if (!singleSourcePrice)
        throw new HarvestError(
          'NOT_FOUND',
          `This token was never checked. Add it first (harvest token add ${mint}) to see its checks, then allow it.`,
        );
      // A mint not in the registry: only its single price source is accepted (the price-truth opt-in).
      const r = await buildPriceHandlers(engine)['prices.singleSource']({ mint, allow: true });
      return {
        mint,
        symbol: tokenByMint(mint)?.symbol ?? null,
        allowed: false,
        singleSourcePrice: r.singleSourcePrice,
      };
    },
    'sandbox.tokenCreate': async (req) => {
      const f = await engine.funds();
      if (!f.net.sandbox) throw new HarvestError('INVALID_INPUT', 'Test tokens exist on the sandbox only.');
      const clean = Object.fromEntries(Object.entries(req).filter(([, v]) => v !== undefined && v !== false));
      return f.net.sandbox.createTestToken(clean as typeof req);
    },
    'sandbox.tokens': async () => {
      const f = await engine.funds();
      if (!f.net.sandbox) throw new HarvestError('INVALID_INPUT', 'Test tokens exist on the sandbox only.');
      return { tokens: await f.net.sandbox.testTokens() };
    },
  };
}
