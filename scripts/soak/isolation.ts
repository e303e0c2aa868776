/**
 * "The other friends kept trading while one friend's wallet failed": the other
 * friends' swaps per minute of TRADEABLE engine uptime inside the failure
 * window against outside it, how many of them traded inside it, and that the
 * broken wallet itself landed nothing it started inside the window.
 *
 * Tradeable uptime is engine uptime (so kills that fall in the window do not
 * count against it) less the time the engine had no trusted price for what
 * the friends trade (USDC, WETH, WBTC), read from its own price.stale /
 * price.restored events. Without that, the comparison is not like with like:
 * the soak's price gaps are seeded independently of the window, and an engine
 * restarted during a gap has no price at all until the gap ends (it keeps no
 * price across a restart), so a seed that puts the gaps and the kills in them
 * inside the window shows a drop that has nothing to do with the broken
 * wallet. Seed 597264814 is such a seed: its gaps (217–292 s, 441–516 s,
 * 681–756 s of 900) put 189 of the 225 gap seconds inside the window, and a
 * kill in or just before each gap left the engine priceless for about 155 s
 * of the window's uptime against about 36 s outside; per minute of uptime the
 * others' swaps halved, per minute with a price they did not move. Entries
 * without a price are refused (STALE_PRICE) by design, for everyone alike.
 *
 * Also reported, not judged: the other friends' refusals other than
 * STALE_PRICE per tradeable minute (is anyone refused more while the wallet is
 * broken, and by which code) and the median time their confirmed orders took
 * (is anyone slowed down), inside against outside.
 */
import type { DbView } from './outside';
import { TRADED, USDC } from './outside';
import { upMsWithin, type SupervisorStats } from './supervisor';
import type { Friend } from './traders';

export interface Isolation {
  failing: string | null;
  windowSeconds: number;
  failingOrdersInWindow: Record<string, number>;
  failingTradesInWindow: number;
  others: number;
  othersTradingInWindow: number;
  /** Other friends' swaps per minute of tradeable uptime (up, with a trusted price), inside and outside the window: judged. */
  othersPerMinuteIn: number;
  othersPerMinuteOut: number;
  /** The same per minute of plain engine uptime (what earlier runs judged), for comparison. */
  othersPerUpMinuteIn: number;
  othersPerUpMinuteOut: number;
  upMinutesIn: number;
  upMinutesOut: number;
  /** Minutes of uptime without a trusted price (the soak's price gaps, longer after a restart inside one). */
  unpricedMinutesIn: number;
  unpricedMinutesOut: number;
  /** Other friends' refusals by code (STALE_PRICE left out: it follows the gaps), inside and outside. */
  othersRefusedIn: Record<string, number>;
  othersRefusedOut: Record<string, number>;
  /** Median seconds from journal to confirmation of the other friends' confirmed orders, inside and outside. */
  othersMedianFillSecondsIn: number | null;
  othersMedianFillSecondsOut: number | null;
  ok: boolean;
  /** Too little engine uptime inside the window to compare rates (short development runs). */
  inconclusive: boolean;
  notes: string[];
}

/** The tokens whose price an order of the soak needs: what it pays and what it gets. */
const PRICED: ReadonlySet<string> = new Set<string>([USDC.mint, ...TRADED.map((t) => t.mint)]);

/** How far before its ready line an engine's start-up may have written price events (a first price refresh). */
const STARTUP_LOOKBACK_MS = 60_000;

/**
 * When an engine that was up had no trusted price for one of PRICED, from its events (written on a
 * change only, and each engine starts knowing nothing). At its ready line an engine lacks a price if
 * its start-up said so (a price.stale since the previous engine ended, within STARTUP_LOOKBACK_MS),
 * or if the first event it writes for that token once up is a price.restored; whatever it lacked
 * ends with it.
 */
export function unpricedIntervals(
  events: DbView['priceEvents'],
  ups: readonly { from: number; to: number }[],
): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  const priced = events.filter((e) => PRICED.has(e.mint));
  const sorted = [...ups].sort((a, b) => a.from - b.from);
  let prevTo = -Infinity;
  for (const up of sorted) {
    const stale = new Set<string>();
    const startFrom = Math.max(prevTo, up.from - STARTUP_LOOKBACK_MS);
    for (const e of priced) {
      if (e.at <= startFrom || e.at > up.from) continue;
      if (e.type === 'price.stale') stale.add(e.mint);
      else stale.delete(e.mint);
    }
    const during = priced.filter((e) => e.at > up.from && e.at <= up.to);
    for (const m of PRICED) {
      const first = during.find((e) => e.mint === m);
      if (first?.type === 'price.restored') stale.add(m);
    }
    let since: number | null = stale.size > 0 ? up.from : null;
    for (const e of during) {
      if (e.type === 'price.stale') stale.add(e.mint);
      else stale.delete(e.mint);
      if (stale.size > 0 && since === null) since = e.at;
      if (stale.size === 0 && since !== null) {
        if (e.at > since) out.push({ from: since, to: e.at });
        since = null;
      }
    }
    if (since !== null && up.to > since) out.push({ from: since, to: up.to });
    prevTo = up.to;
  }
  return out;
}

const overlap = (xs: readonly { from: number; to: number }[], from: number, to: number): number =>
  xs.reduce((a, x) => a + Math.max(0, Math.min(x.to, to) - Math.max(x.from, from)), 0);

const medianOf = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

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
  const inRun = (iso: string): boolean => {
    const t = Date.parse(iso);
    return t >= run.from && t <= run.to;
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
    othersPerUpMinuteIn: 0,
    othersPerUpMinuteOut: 0,
    upMinutesIn: 0,
    upMinutesOut: 0,
    unpricedMinutesIn: 0,
    unpricedMinutesOut: 0,
    othersRefusedIn: {},
    othersRefusedOut: {},
    othersMedianFillSecondsIn: null,
    othersMedianFillSecondsOut: null,
    ok: true,
    inconclusive: false,
    notes: [],
  };
  if (!failing) {
    out.notes.push('no failing wallet in this run');
    return out;
  }
  const fillsIn: number[] = [];
  const fillsOut: number[] = [];
  for (const i of db.intents) {
    if (i.user_id === failing.id) {
      if (inWindow(i.created_at)) out.failingOrdersInWindow[i.status] = (out.failingOrdersInWindow[i.status] ?? 0) + 1;
      continue;
    }
    if (!inRun(i.created_at)) continue;
    const inside = inWindow(i.created_at);
    if (i.status === 'rejected' && i.reason_code !== 'STALE_PRICE') {
      const m = inside ? out.othersRefusedIn : out.othersRefusedOut;
      const code = i.reason_code ?? 'no code';
      m[code] = (m[code] ?? 0) + 1;
    }
    if (i.status === 'confirmed' && i.updated_at) {
      const s = (Date.parse(i.updated_at) - Date.parse(i.created_at)) / 1000;
      (inside ? fillsIn : fillsOut).push(s);
    }
  }
  out.othersMedianFillSecondsIn = medianOf(fillsIn);
  out.othersMedianFillSecondsOut = medianOf(fillsOut);
  const traders = new Set<number>();
  let tradesIn = 0;
  let tradesOut = 0;
  for (const t of db.trades) {
    const created = intentsById.get(t.intent_id)!.created_at;
    if (t.user_id === failing.id) {
      if (inWindow(created)) out.failingTradesInWindow++;
      continue;
    }
    if (!inRun(t.executed_at)) continue; // set-up and settling are not part of the comparison
    if (inWindow(t.executed_at)) {
      tradesIn++;
      traders.add(t.user_id);
    } else tradesOut++;
  }
  const ups = run.engine.upIntervals;
  const unpriced = unpricedIntervals(db.priceEvents, ups);
  const upIn = upMsWithin(run.engine, window.from, window.to);
  const upOut = upMsWithin(run.engine, run.from, window.from) + upMsWithin(run.engine, window.to, run.to);
  const noPriceIn = overlap(unpriced, window.from, window.to);
  const noPriceOut = overlap(unpriced, run.from, window.from) + overlap(unpriced, window.to, run.to);
  out.upMinutesIn = upIn / 60_000;
  out.upMinutesOut = upOut / 60_000;
  out.unpricedMinutesIn = noPriceIn / 60_000;
  out.unpricedMinutesOut = noPriceOut / 60_000;
  const tradeableIn = out.upMinutesIn - out.unpricedMinutesIn;
  const tradeableOut = out.upMinutesOut - out.unpricedMinutesOut;
  out.othersTradingInWindow = traders.size;
  out.othersPerUpMinuteIn = tradesIn / Math.max(1e-9, out.upMinutesIn);
  out.othersPerUpMinuteOut = tradesOut / Math.max(1e-9, out.upMinutesOut);
  out.othersPerMinuteIn = tradesIn / Math.max(1e-9, tradeableIn);
  out.othersPerMinuteOut = tradesOut / Math.max(1e-9, tradeableOut);
  if (out.failingTradesInWindow > 0) {
    out.ok = false;
    out.notes.push(`${failing.name} landed ${out.failingTradesInWindow} swap(s) its broken wallet could not have sent`);
  }
  if ((out.failingOrdersInWindow['failed'] ?? 0) + (out.failingOrdersInWindow['rejected'] ?? 0) === 0)
    out.notes.push(`${failing.name} placed no order that failed inside the window: the fault was not exercised`);
  if (tradeableIn < 1 || tradeableOut < 1) {
    out.inconclusive = true;
    out.notes.push(
      'less than a minute of engine uptime with a trusted price inside or outside the window: rates not compared',
    );
    return out;
  }
  // Kept trading: swaps went on inside the window at no less than half the rate outside it (per tradeable minute).
  if (tradesIn === 0 || out.othersPerMinuteIn < 0.5 * out.othersPerMinuteOut) {
    out.ok = false;
    out.notes.push(
      `the other friends' swaps fell to ${out.othersPerMinuteIn.toFixed(2)}/min (engine up with a trusted price) while ${failing.name} failed, from ${out.othersPerMinuteOut.toFixed(2)}/min`,
    );
  }
  return out;
}
