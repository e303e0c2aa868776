/**
 * "The other friends kept trading while one friend's wallet failed": the other
 * friends' swaps per minute of engine uptime inside the failure window against
 * outside it (per minute UP, so kills that happen to fall in the window do not
 * count against it), how many of them traded inside it, and that the broken
 * wallet itself landed nothing it started inside the window.
 */
import type { DbView } from './outside';
import { upMsWithin, type SupervisorStats } from './supervisor';
import type { Friend } from './traders';

export interface Isolation {
  failing: string | null;
  windowSeconds: number;
  failingOrdersInWindow: Record<string, number>;
  failingTradesInWindow: number;
  others: number;
  othersTradingInWindow: number;
  /** Other friends' swaps per minute of engine uptime, inside and outside the window. */
  othersPerMinuteIn: number;
  othersPerMinuteOut: number;
  upMinutesIn: number;
  upMinutesOut: number;
  ok: boolean;
  /** Too little engine uptime inside the window to compare rates (short development runs). */
  inconclusive: boolean;
  notes: string[];
}

export function judgeIsolation(
  db: DbView,
  friends: readonly Friend[],
  failing: Friend | null,
  window: { from: number; to: number },
  run: { from: number; to: number; engine: SupervisorStats },
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
    upMinutesIn: 0,
    upMinutesOut: 0,
    ok: true,
    inconclusive: false,
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
  for (const t of db.trades) {
    const created = intentsById.get(t.intent_id)!.created_at;
    if (t.user_id === failing.id) {
      if (inWindow(created)) out.failingTradesInWindow++;
      continue;
    }
    const at = Date.parse(t.executed_at);
    if (at < run.from || at > run.to) continue; // set-up and settling are not part of the comparison
    if (inWindow(t.executed_at)) {
      tradesIn++;
      traders.add(t.user_id);
    } else tradesOut++;
  }
  out.upMinutesIn = upMsWithin(run.engine, window.from, window.to) / 60_000;
  out.upMinutesOut =
    (upMsWithin(run.engine, run.from, window.from) + upMsWithin(run.engine, window.to, run.to)) / 60_000;
  out.othersTradingInWindow = traders.size;
  out.othersPerMinuteIn = tradesIn / Math.max(1e-9, out.upMinutesIn);
  out.othersPerMinuteOut = tradesOut / Math.max(1e-9, out.upMinutesOut);
  if (out.failingTradesInWindow > 0) {
    out.ok = false;
    out.notes.push(`${failing.name} landed ${out.failingTradesInWindow} swap(s) its broken wallet could not have sent`);
  }
  if ((out.failingOrdersInWindow['failed'] ?? 0) + (out.failingOrdersInWindow['rejected'] ?? 0) === 0)
    out.notes.push(`${failing.name} placed no order that failed inside the window: the fault was not exercised`);
  if (out.upMinutesIn < 1 || out.upMinutesOut < 1) {
    out.inconclusive = true;
    out.notes.push('less than a minute of engine uptime inside or outside the window: rates not compared');
    return out;
  }
  // Kept trading: swaps went on inside the window at no less than half the rate outside it (per minute up).
  if (tradesIn === 0 || out.othersPerMinuteIn < 0.5 * out.othersPerMinuteOut) {
    out.ok = false;
    out.notes.push(
      `the other friends' swaps fell to ${out.othersPerMinuteIn.toFixed(2)}/min (engine up) while ${failing.name} failed, from ${out.othersPerMinuteOut.toFixed(2)}/min`,
    );
  }
  return out;
}
