import { existsSync } from 'node:fs';
import type { CommandName, CommandOutput } from '../api';
import { STABLE_SYMBOLS } from '../api/human-text';
import { readOwner } from '../kernel/owner-file';
import { dataDirLayout } from '../kernel/paths';
import { TOKEN_TABLE } from '../market/token-table';
import { dispatch, type CliContext } from './dispatch';
import { NO_HUMAN_CONTEXT, type HumanContext } from './format';

/** Commands whose output names users by id: their human text needs the names. */
const NAMES_NEEDED = new Set<CommandName>([
  'events.list',
  'audit.list',
  'risk.limits',
  'risk.preset',
  'settings.get',
  'ledger.ack',
  'breaker.status',
  'breaker.resume',
  'paper.account',
  'paper.reset',
  'paper.topUp',
  'wallet.balances',
]);

/** Commands that report a trade by id: their human text shows what it bought or sold, and for how much. */
const TRADES_NEEDED = new Set<CommandName>([
  'orders.submit',
  'positions.close',
  'positions.closeAll',
  'positions.list',
]);

/** Commands that show token amounts: their human text gives each one's USD value beside it. */
const PRICES_NEEDED = new Set<CommandName>([
  'positions.list',
  'wallet.show',
  'wallet.balances',
  'funds.faucet',
  'funds.withdraw',
  'withdrawals.list',
  'orders.list',
  'trades.list',
  'paper.account',
  'paper.reset',
  'paper.topUp',
]);

/**
 * The last 1-minute close of every known token, as the UI reads them (one price per
 * token for the whole output). Only from a running engine: opening the price feed in
 * this process to value a listing would cost seconds; without one, amounts stand alone.
 */
async function lastCloses(ctx: CliContext): Promise<Record<string, number>> {
  const layout = dataDirLayout(ctx.dataDir);
  if (!existsSync(layout.root) || !readOwner(layout)?.socket) return {};
  const prices: Record<string, number> = {};
  const symbols = [...new Set(TOKEN_TABLE.map((t) => t.symbol))].filter((s) => !STABLE_SYMBOLS.has(s));
  await Promise.all(
    symbols.map(async (token) => {
      try {
        const { candles } = await dispatch(ctx, 'market.candles', { token, timeframe: '1m', limit: 1 });
        const last = candles[candles.length - 1];
        if (last) prices[token] = last.close;
      } catch {
        // this token stays unpriced
      }
    }),
  );
  return prices;
}

/**
 * Looks up what a command's human text needs beyond its output (names, the
 * trade an order made). Best effort: a lookup that fails leaves the text
 * without the detail, never the command failed.
 */
export async function humanContextFor(ctx: CliContext, name: CommandName, input: unknown): Promise<HumanContext> {
  const h: HumanContext = { ...NO_HUMAN_CONTEXT };
  if (NAMES_NEEDED.has(name)) {
    try {
      const { users } = await dispatch(ctx, 'users.list', {});
      const byId = new Map(users.map((u) => [u.id, u.name]));
      h.nameOf = (id) => byId.get(id) ?? null;
    } catch {
      // names stay unknown
    }
  }
  if (PRICES_NEEDED.has(name)) h.prices = await lastCloses(ctx);
  const user = (input as { user?: unknown } | null)?.user;
  if (TRADES_NEEDED.has(name) && (typeof user === 'string' || typeof user === 'number')) {
    try {
      const { trades } = await dispatch(ctx, 'trades.list', { user, limit: name === 'positions.list' ? 1000 : 50 });
      h.trades = trades;
      const byId = new Map<number, CommandOutput<'trades.list'>['trades'][number]>(trades.map((t) => [t.id, t]));
      h.trade = (id) => byId.get(id) ?? null;
    } catch {
      // the trade stays unknown
    }
  }
  return h;
}
