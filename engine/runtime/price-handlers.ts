/**
 * Handlers of the price commands (prices.*): what the quorum trusts, and the per-token
 * opt-in to a single-source price. Kept apart from handlers.ts, which only spreads them in.
 */
import { isAddress } from '@solana/kit';
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { KNOWN_TOKENS, tokenByMint } from '../market';
import { pythFeedForMint } from '../market/oracle';
import type { Engine } from './engine';

type PriceCommand = 'prices.status' | 'prices.singleSource';
export type PriceHandlers = {
  [K in PriceCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

export function buildPriceHandlers(engine: Engine): PriceHandlers {
  const { store } = engine;
  return {
    'prices.status': async () => {
      const f = await engine.funds();
      const now = engine.clock.now();
      const allowed = new Set(store.priceTrust.list().map((t) => t.mint));
      const mints = [...new Set([...KNOWN_TOKENS.map((t) => t.mint as string), ...allowed])];
      return {
        tokens: mints.map((mint) => {
          const t = f.prices.trusted(mint);
          return {
            mint,
            symbol: tokenByMint(mint)?.symbol ?? null,
            singleSourcePrice: allowed.has(mint),
            trusted: t ? { usd: t.usd, ageMs: Math.max(0, now - t.at), sources: t.sources } : null,
            untrustedReason: t ? null : f.prices.whyUntrusted(mint),
          };
        }),
      };
    },
    'prices.singleSource': ({ mint, allow }) => {
      if (!isAddress(mint)) throw new HarvestError('INVALID_INPUT', `${mint} is not a token mint address.`);
      const feed = pythFeedForMint(mint);
      if (allow && feed) {
        throw new HarvestError(
          'INVALID_INPUT',
          `${tokenByMint(mint)?.symbol ?? mint} has an on-chain oracle (${feed.pair}); its price always needs two agreeing sources.`,
        );
      }
      const at = isoTime(engine.clock);
      store.tx(() => {
        const changed = allow ? (store.priceTrust.allow(mint, engine.actor, at), true) : store.priceTrust.revoke(mint);
        if (changed) {
          store.audit.append(
            {
              actor: engine.actor,
              action: allow ? 'prices.singleSourceAllowed' : 'prices.singleSourceRevoked',
              userId: null,
              details: { mint },
            },
            at,
          );
        }
      });
      return { mint, singleSourcePrice: store.priceTrust.isAllowed(mint) };
    },
  };
}
