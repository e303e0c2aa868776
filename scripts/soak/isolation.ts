/**
 * "The other friends kept trading while one friend's wallet failed": swaps per
 * minute of the other friends inside the failure window against outside it,
 * how many of them traded inside it, and that the broken wallet itself landed
 * nothing it started inside the window (the proxy refused all its transactions).
 */
import type { DbView } from './outside';
import type { Friend } from './traders';

export interface Isolation {
  failing: string | null;
  windowSeconds: number;
  failingOrdersInWindow: Record<string, number>;
  failingTradesInWindow: number;
  others: number;
  othersTradingInWindow: number;
  othersPerMinuteIn: number;
  othersPerMinuteOut: number;
  ok: boolean;
  notes: string[];
}

export function judgeIsolation(
  db: DbView,
  friends: readonly Friend[],
  failing: Friend | null,
  window: { from: number; to: number },
): Isolation {
  const inWindow = (iso: string): boolean => {
    const t = Date.parse(iso);
    return t >= window.from && t <= window.to;
  };
  const intentsById = new Map(db.intents.map((i) => [i.id, i]));
  const out: Isolation = {
    failing: failing?.name ?? null,
    windowSeconds: (window.to - window.from) / 1000,
    failingOrdersInWindow: {},
    failingTradesInWindow: 0,
    others: friends.length - (failing ? 1 : 0),
    othersTradingInWindow: 0,
    othersPerMinuteIn: 0,
    othersPerMinuteOut: 0,
    ok: true,
    notes: [],
  };
  if (!failing) {
    out.notes.push('no failing wallet in this run');
    return out;
  }
  for (const i of db.intents) {
    if (i.user_id !== failing.id || !inWindow(i.created_at)) continue;
    out.failingOrdersInWindow[i.status] = (out.failingOrdersInWindow[i.status] ?? 0) + 1;
  }
  const traders = new Set<number>();
  let tradesIn = 0;
  let tradesOut = 0;
  const first = Math.min(...db.trades.map((t) => Date.parse(t.executed_at)));
  const last = Math.max(...db.trades.map((t) => Date.parse(t.executed_at)));
  for (const t of db.trades) {
    const created = intentsById.get(t.intent_id)!.created_at;
    if (t.user_id === failing.id) {
      if (inWindow(created)) out.failingTradesInWindow++;
      continue;
    }
    if (inWindow(t.executed_at)) {
      tradesIn++;
      traders.add(t.user_id);
    } else tradesOut++;
  }
  const minutesIn = (window.to - window.from) / 60_000;
  const minutesOut = Math.max(1e-9, (last - first) / 60_000 - minutesIn);
  out.othersTradingInWindow = traders.size;
  out.othersPerMinuteIn = tradesIn / minutesIn;
  out.othersPerMinuteOut = tradesOut / minutesOut;
  if (out.failingTradesInWindow > 0) {
    out.ok = false;
    out.notes.push(`${failing.name} landed ${out.failingTradesInWindow} swap(s) its broken wallet could not have sent`);
  }
  if ((out.failingOrdersInWindow['failed'] ?? 0) + (out.failingOrdersInWindow['rejected'] ?? 0) === 0)
    out.notes.push(`${failing.name} placed no order that failed inside the window: the fault was not exercised`);
  if (tradesIn === 0 || traders.size < Math.ceil(out.others / 2)) {
    out.ok = false;
    out.notes.push(`only ${traders.size} of ${out.others} other friends traded while ${failing.name} failed`);
  }
  return out;
}
