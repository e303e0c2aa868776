/**
 * The commands a person runs most often from a terminal (status, the friend
 * list, positions and trades), kept apart from the other handlers so that a
 * cold `harvest status` builds only these: every other group loads on its
 * first command (engine.ts, handler-groups.ts). Nothing imported here may
 * reach the chain client, the sandbox, execution or @solana/kit (issue 12,
 * item 5; test/unit/scripts/cli-bundle-split.test.ts checks it).
 */
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { formatUnits } from '../market/amounts';
import { tokenRowByMint } from '../market/token-table';
import { averageEntryPrice, unrealizedPnl } from '../portfolio/position-math';
import { schemaVersion, type PositionRow } from '../store';
import type { Engine } from './engine';
import { readNetworkConfig } from './network-config';
import { paperSandboxInfo } from './paper-sandbox-info';

export const LIGHT_COMMANDS = [
  'engine.status',
  'users.add',
  'users.list',
  'users.rename',
  'users.remove',
  'positions.list',
  'trades.list',
] as const satisfies readonly CommandName[];

type LightCommand = (typeof LIGHT_COMMANDS)[number];
export type LightHandlers = {
  [K in LightCommand]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

/** A known token by its mint; 'SOL' is not a mint here (a trade or position names the wrapped-SOL mint). */
const tokenOf = (mint: string) => (mint === 'SOL' ? null : tokenRowByMint(mint));

export function buildLightHandlers(engine: Engine): LightHandlers {
  const { store, users } = engine;
  const actor = engine.actor;
  return {
    'engine.status': () => ({
      dataDir: engine.layout.root,
      schemaVersion: schemaVersion(store.db),
      keySource: engine.keySource,
      keyId: engine.key.id,
      users: store.users.list().length,
      wallets: store.wallets.count(),
      owner: { kind: engine.owner.kind, pid: engine.owner.pid, startedAt: engine.owner.startedAt },
      network: readNetworkConfig(store.meta).network,
      paperSandbox: paperSandboxInfo(readNetworkConfig(store.meta).network),
    }),

    'users.add': ({ name }) => users.add(name, actor),

    'users.list': () => ({
      users: users.list().map((u) => ({ ...u, address: store.wallets.byUser(u.id)?.address ?? null })),
    }),

    'users.rename': ({ user, name }) => users.rename(user, name, actor),

    'users.remove': ({ user, force }) => {
      const r = users.remove(user, { force }, actor);
      return { removed: r.user, forced: r.forced };
    },

    'positions.list': async ({ user, status }) => {
      const u = users.resolve(user);
      const rows = store.portfolio.positions(u.id, status === 'all' ? {} : { status });
      let prices: ((mint: string) => number | null) | null = null;
      // Only open positions have an unrealized PnL, and only they need the network's prices.
      if (rows.some((r) => r.status === 'open')) {
        try {
          const f = await engine.funds();
          await f.refreshPrices();
          prices = (m) => f.prices.price(m);
        } catch (e) {
          engine.log.warn({ err: (e as Error).message }, 'no prices for unrealized PnL');
        }
      }
      return { positions: rows.map((p) => positionOut(p, prices)) };
    },

    'trades.list': ({ user, limit }) => ({
      trades: store.portfolio.trades(users.resolve(user).id, { limit }).map((t) => {
        const base = tokenOf(t.baseMint);
        const quote = tokenOf(t.quoteMint);
        return {
          id: t.id,
          side: t.side,
          context: t.context,
          venue: t.venue,
          symbol: base?.symbol ?? t.baseMint,
          quoteSymbol: quote?.symbol ?? t.quoteMint,
          baseAmount: t.baseAmount.toString(),
          quoteAmount: t.quoteAmount.toString(),
          uiBaseAmount: base ? formatUnits(t.baseAmount, base.decimals) : t.baseAmount.toString(),
          uiQuoteAmount: quote ? formatUnits(t.quoteAmount, quote.decimals) : t.quoteAmount.toString(),
          price: t.price,
          realizedPnl: t.realizedPnl.toString(),
          feeLamports: t.feeLamports.toString(),
          signature: t.signature,
          executedAt: t.executedAt,
        };
      }),
    }),
  };
}

function positionOut(p: PositionRow, price: ((mint: string) => number | null) | null) {
  const base = tokenOf(p.mint);
  const quote = tokenOf(p.quoteMint);
  const bd = base?.decimals ?? 0;
  const qd = quote?.decimals ?? 0;
  const basePrice = p.status === 'open' && price ? price(p.mint) : null;
  const quotePrice = quote && price ? price(quote.mint) : null;
  // Prices are USD; PnL is in the quote asset, so convert through the quote's own USD price.
  const inQuote = basePrice !== null && quotePrice !== null && quotePrice > 0 ? basePrice / quotePrice : null;
  const unrealized = inQuote !== null ? unrealizedPnl(p, bd, qd, inQuote) : null;
  return {
    id: p.id,
    symbol: base?.symbol ?? p.mint,
    mint: p.mint,
    quoteSymbol: quote?.symbol ?? p.quoteMint,
    status: p.status,
    account: p.account,
    quantity: p.quantity.toString(),
    uiQuantity: formatUnits(p.quantity, bd),
    costBasis: p.costBasis.toString(),
    averageEntryPrice: averageEntryPrice(p, bd, qd),
    price: inQuote,
    unrealizedPnl: unrealized === null ? null : unrealized.toString(),
    realizedPnl: p.realizedPnl.toString(),
    uiRealizedPnl: formatUnits(p.realizedPnl, qd),
    uiUnrealizedPnl: unrealized === null ? null : formatUnits(unrealized, qd),
    stopLoss: p.stopLoss,
    takeProfit: p.takeProfit,
    trailingStopBps: p.trailingStopBps,
    stuck: p.stuckSince !== null,
    openedAt: p.openedAt,
    closedAt: p.closedAt,
  };
}
