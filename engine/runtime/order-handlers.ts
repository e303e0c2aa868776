/**
 * Handlers of limit and stop orders and of editable exits (issue 14, points 4 and 5), kept apart
 * from handlers.ts so the table there only spreads them in.
 */
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { tokenLabel } from '../api/human-text';
import { cancelTriggerOrder, changeExitLevels, describeLevels, describeTriggerOrder, quoteMintOf } from '../execution';
import { HarvestError } from '../kernel/errors';
import { formatUnits, parseUnits, tokenByMint } from '../market';
import { resolveOrAddToken } from './token-handlers';
import type { TriggerOrderRow } from '../store';
import { userSettingsOf } from '../users/settings-cache';
import type { Engine } from './engine';
import { readNetworkConfig } from './network';

type OrderCommand = 'orders.place' | 'orders.open' | 'orders.cancel' | 'positions.setExits';
export type OrderHandlers = {
  [K in OrderCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

function orderOut(o: TriggerOrderRow): CommandOutput<'orders.open'>['orders'][number] {
  const paidMint = o.side === 'buy' ? o.quoteMint : o.mint;
  return {
    id: o.id,
    kind: o.kind,
    side: o.side,
    symbol: tokenLabel(o.mint),
    mint: o.mint,
    quoteSymbol: tokenLabel(o.quoteMint),
    uiAmount: formatUnits(o.amount, tokenByMint(paidMint)?.decimals ?? 0),
    amountSymbol: tokenLabel(paidMint),
    price: o.triggerPrice,
    status: o.status,
    reason: o.reason,
    firedPrice: o.firedPrice,
    expiresAt: new Date(o.expiresAt).toISOString(),
    createdAt: o.createdAt,
    closedAt: o.closedAt,
    description: describeTriggerOrder(o),
  };
}

export function buildOrderHandlers(engine: Engine): OrderHandlers {
  const { store, users } = engine;
  const network = (): string =>
    readNetworkConfig(store.meta, engine.networkOverride?.name ? { network: engine.networkOverride.name } : {}).network;
  return {
    'orders.place': async (i) => {
      const u = users.resolve(i.user);
      const token = await resolveOrAddToken(engine, i.token);
      const settings = userSettingsOf(store, u.id);
      const quoteMint = quoteMintOf(settings);
      if (token.mint === quoteMint)
        throw new HarvestError(
          'INVALID_INPUT',
          `${token.symbol} is this friend's quote asset; name the token to buy or sell.`,
        );
      const paid = i.side === 'buy' ? tokenByMint(quoteMint)! : token;
      const f = await engine.funds();
      await f.refreshPrices();
      const row = f.orders.place({
        userId: u.id,
        kind: i.kind,
        side: i.side,
        mint: token.mint,
        quoteMint,
        amount: parseUnits(i.amount, paid.decimals),
        triggerPrice: i.price,
        slippageBps: i.slippageBps ?? settings.slippageBps,
        expiresInMs: i.expiresInSec * 1000,
      });
      return orderOut(row);
    },
    'orders.open': ({ user, all }) => {
      const u = users.resolve(user);
      const net = network();
      return {
        orders: store.triggerOrders
          .list(u.id, !all)
          .filter((o) => o.network === net)
          .map(orderOut),
      };
    },
    'orders.cancel': ({ user, orderId }) => {
      const u = users.resolve(user);
      return orderOut(cancelTriggerOrder(engine, u.id, orderId, engine.actor));
    },
    'positions.setExits': async (i) => {
      const u = users.resolve(i.user);
      const net = network();
      let p = i.positionId !== undefined ? store.portfolio.position(i.positionId) : null;
      if (i.positionId !== undefined && (!p || p.userId !== u.id))
        throw new HarvestError('NOT_FOUND', `${u.name} has no position ${i.positionId}.`);
      if (!p && i.token !== undefined) {
        const token = await resolveOrAddToken(engine, i.token);
        p = store.portfolio.openPosition(u.id, net, token.mint, userSettingsOf(store, u.id).mode);
        if (!p) throw new HarvestError('NOT_FOUND', `${u.name} has no open ${token.symbol} position.`);
      }
      const f = await engine.funds();
      await f.refreshPrices();
      const change = {
        ...(i.stopLoss !== undefined ? { stopLoss: i.stopLoss } : {}),
        ...(i.takeProfit !== undefined ? { takeProfit: i.takeProfit } : {}),
        ...(i.trailingPct !== undefined ? { trailingPct: i.trailingPct } : {}),
      };
      const next = changeExitLevels(
        { store, bus: engine.bus, clock: engine.clock, prices: f.prices },
        p!,
        change,
        engine.actor,
      );
      const quote = tokenLabel(next.quoteMint);
      return {
        positionId: next.id,
        symbol: tokenLabel(next.mint),
        quoteSymbol: quote,
        stopLoss: next.stopLoss,
        takeProfit: next.takeProfit,
        trailingStopBps: next.trailingStopBps,
        message: `${tokenLabel(next.mint)} exits now: ${describeLevels(next, quote)}.`,
      };
    },
  };
}
