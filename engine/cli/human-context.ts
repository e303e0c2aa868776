import type { CommandName, CommandOutput } from '../api';
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
