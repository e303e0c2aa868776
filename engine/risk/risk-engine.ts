/**
 * The full risk gate for ENTRIES (issue #5, item 4). Exits and emergency
 * closes always pass (they only reduce risk); a halt is the controls gate's job.
 *
 * Two layers:
 *  - `evaluateEntry(limits, facts)`: pure. Every rule, in a fixed order, on
 *    plain numbers. The benchmark and most unit tests call it directly.
 *  - `RiskEngine`: reads the facts from the store (trades, positions, the
 *    wallet, the risk state), calls `evaluateEntry`, and applies what a
 *    refusal trips: the daily loss lock for the rest of the UTC day (one
 *    event), and the drawdown pause (Controls.pauseUser, one event) that only
 *    the operator lifts. Reading and writing SQLite is synchronous and local;
 *    nothing here touches the network.
 */
import type { Address } from '@solana/kit';
import type { Order } from '../order';
import { isRiskReducing } from '../order';
import type { EventBus } from '../kernel/event-bus';
import { KNOWN_TOKENS, tokenByMint, WRAPPED_SOL_MINT } from '../market';
import { accountKey } from '../portfolio/account';
import { dailyLoss, dailyLossBase, dailyLossPct, netFlows } from '../portfolio/figures';
import {
  drawdownPct,
  fromMicroUsd,
  importWithdrawals,
  markState,
  nextUtcDayStartIso,
  toMicroUsd,
  utcDay,
  utcDayStartIso,
  utcDayStartMs,
  valueHoldings,
  type Holding,
  type PriceFn,
} from '../portfolio/performance';
import type { CashFlowRow, RiskStateRow, Store } from '../store';
import { orderSizeRefusal, usdValue, type EntrySizingFacts } from './sizing';
import { outflowAsset, outflowLast24h, tradingCapsFor } from '../keystore/outflow';
import type { UserSettings } from '../users/settings';
import { userSettingsOf } from '../users/settings-cache';
import { balanceGate, controlsGate, friendNames, orderSizeGate } from './basic-gates';
import type { Controls } from './controls';
import { FriendFacts, GateFacts, RowsSince, rowsOrNone, type AccountFacts, type MintFacts } from './gate-facts';
import { composeGates, PASS, refuse, type RiskCode, type RiskContext, type RiskDecision, type RiskGate } from './gate';
import {
  effectiveLimits,
  GLOBAL_LIMITS_META_KEY,
  parseGlobalLimits,
  userRiskLimits,
  type EffectiveLimits,
  type GlobalLimits,
} from './presets';

/** Everything the rules look at, as plain values (USD as numbers, times in ms). */
export interface EntryFacts {
  nowMs: number;
  /** USD value of what the order spends; null without a price. */
  orderUsd: number | null;
  /** USD price of the token bought; null without a price. */
  boughtPriceUsd: number | null;
  stopLossPrice: number | null;
  /** USD value of the open position in the token bought (0 when none). */
  positionUsd: number;
  /** USD value of every open position of the account (positionUsd included): what max exposure bounds. */
  exposureUsd: number;
  /** The order opens a new position (there is none in the token yet). */
  opensNew: boolean;
  openPositions: number;
  /** The friend's name, for messages that say whose limit refused. */
  friend?: string;
  equityUsd: number;
  dayStartEquityUsd: number;
  /** Deposits minus withdrawals since the start of the UTC day. */
  dayNetFlowsUsd: number;
  /** The daily loss limit already tripped today. */
  dailyLossHitToday: boolean;
  highWaterUsd: number;
  /** Entries already made since the start of the UTC day. */
  entriesToday: number;
  /** Times of losing closes, newest first (at least those within window + pause of now). */
  losingClosesMs: readonly number[];
  /** When the last position in the token bought closed. */
  lastCloseMs: number | null;
}

export type Trip = 'dailyLoss' | 'drawdown';
export interface EntryVerdict {
  decision: RiskDecision;
  /** What a refusal sets off (lock for the day, pause); null when nothing new. */
  trip: Trip | null;
}

const MIN = 60_000;
const usd = (n: number): string => `$${n.toFixed(2)}`;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/u, 'Z');

function codeFor(l: EffectiveLimits, key: string, own: RiskCode): RiskCode {
  return l.fromGlobal.has(key) ? 'GLOBAL_LIMIT' : own;
}
function whose(l: EffectiveLimits, key: string): string {
  return l.fromGlobal.has(key) ? "the operator's global limit" : "this user's limit";
}

/** When entries resume after a daily loss lock: the next UTC day (only a refusal says it). */
const resumesAt = (nowMs: number): string => nextUtcDayStartIso(nowMs).replace(/\.\d{3}Z$/u, 'Z');

/** The account-level rules (drawdown, daily loss): they hold with or without an order. */
export function evaluateAccount(
  l: EffectiveLimits,
  f: Pick<
    EntryFacts,
    'nowMs' | 'equityUsd' | 'highWaterUsd' | 'dayStartEquityUsd' | 'dayNetFlowsUsd' | 'dailyLossHitToday'
  >,
): EntryVerdict {
  const ok = PASSED;
  // The same figures the stats show (engine/portfolio/figures.ts), on the same micro-USD units.
  const equity = toMicroUsd(f.equityUsd);
  const hwm = toMicroUsd(f.highWaterUsd);
  const dayStart = toMicroUsd(f.dayStartEquityUsd);
  const dayFlows = toMicroUsd(f.dayNetFlowsUsd);
  if (hwm > 0n) {
    const dd = drawdownPct(hwm, equity);
    if (dd >= l.maxDrawdownPct) {
      return {
        decision: refuse(
          codeFor(l, 'maxDrawdownPct', 'MAX_DRAWDOWN'),
          `Equity ${usd(f.equityUsd)} is ${dd.toFixed(1)}% below its high-water mark ${usd(f.highWaterUsd)}, at or past ${whose(l, 'maxDrawdownPct')} of ${l.maxDrawdownPct}%: entries are paused until the operator resumes this user (exits still run).`,
        ),
        trip: 'drawdown',
      };
    }
  }
  if (f.dailyLossHitToday) {
    return {
      decision: refuse(
        'DAILY_LOSS',
        `The daily loss limit was hit today; no new entries until ${resumesAt(f.nowMs)} (the next UTC day). Exits still run.`,
      ),
      trip: null,
    };
  }
  const lossMicro = dailyLoss(dayStart, equity, dayFlows);
  if (lossMicro > 0n) {
    const loss = fromMicroUsd(lossMicro);
    // The % is of what was at stake today: the day's starting equity plus money deposited since.
    const base = fromMicroUsd(dailyLossBase(dayStart, dayFlows));
    const pct = dailyLossPct(dayStart, equity, dayFlows);
    const byPct = base > 0 && pct >= l.maxDailyLossPct;
    const byUsd = loss >= l.maxDailyLossUsd;
    if (byPct || byUsd) {
      const key = byPct ? 'maxDailyLossPct' : 'maxDailyLossUsd';
      const limit = byPct
        ? `${l.maxDailyLossPct}% of the day's starting equity and deposits ${usd(base)}`
        : usd(l.maxDailyLossUsd);
      return {
        decision: refuse(
          codeFor(l, key, 'DAILY_LOSS'),
          `Today's loss is ${usd(loss)} (${pct.toFixed(1)}%), at or past ${whose(l, key)} of ${limit}; no new entries until ${resumesAt(f.nowMs)} (the next UTC day). Exits still run.`,
        ),
        trip: 'dailyLoss',
      };
    }
  }
  return ok;
}

const no = (code: RiskCode, message: string): EntryVerdict => ({ decision: refuse(code, message), trip: null });
/** The verdict of an entry the rules let through (one object: nearly every check ends here). */
const PASSED: EntryVerdict = Object.freeze({ decision: PASS, trip: null });

/** Every entry rule, first refusal wins. Pure. */
export function evaluateEntry(l: EffectiveLimits, f: EntryFacts): EntryVerdict {
  const account = evaluateAccount(l, f);
  if (!account.decision.ok) return account;
  return evaluateOrderRules(l, f);
}

/** The rules after the account's (evaluateEntry is evaluateAccount, then these). Pure. */
function evaluateOrderRules(l: EffectiveLimits, f: EntryFacts): EntryVerdict {
  // Loss streak (Freqtrade's StoplossGuard): N losing closes within the window lock entries for pauseMinutes after the Nth.
  const ls = l.lossStreak;
  const latest = f.losingClosesMs[0];
  if (latest !== undefined && f.nowMs < latest + ls.pauseMinutes * MIN) {
    const inWindow = f.losingClosesMs.filter((t) => t > latest - ls.windowMinutes * MIN && t <= latest).length;
    if (inWindow >= ls.losses) {
      return no(
        'LOSS_STREAK',
        `${inWindow} losing trades within ${ls.windowMinutes} minutes (the limit is ${ls.losses}); no new entries until ${iso(latest + ls.pauseMinutes * MIN)}.`,
      );
    }
  }
  if (f.lastCloseMs !== null && f.nowMs < f.lastCloseMs + l.cooldownMinutes * MIN) {
    return no(
      'COOLDOWN',
      `A position in this token closed at ${iso(f.lastCloseMs)}; the ${l.cooldownMinutes}-minute cooldown ends at ${iso(f.lastCloseMs + l.cooldownMinutes * MIN)}.`,
    );
  }
  if (f.entriesToday >= l.maxTradesPerDay) {
    return no(
      codeFor(l, 'maxTradesPerDay', 'MAX_TRADES_PER_DAY'),
      `${f.entriesToday} entries today already reach ${whose(l, 'maxTradesPerDay')} of ${l.maxTradesPerDay} per UTC day; more from ${iso(Date.parse(nextUtcDayStartIso(f.nowMs)))}.`,
    );
  }
  if (f.opensNew && f.openPositions >= l.maxConcurrentPositions) {
    return no(
      codeFor(l, 'maxConcurrentPositions', 'MAX_POSITIONS'),
      `${f.openPositions} positions are open, ${whose(l, 'maxConcurrentPositions')} is ${l.maxConcurrentPositions}; close one before opening another.`,
    );
  }
  if (l.stopLossRequired) {
    const sl = f.stopLossPrice;
    if (sl === null || !Number.isFinite(sl) || sl <= 0) {
      return no(
        'STOP_LOSS_REQUIRED',
        `Every entry needs a stop-loss: give a stop price below the current price${f.boughtPriceUsd !== null ? ` (${usd(f.boughtPriceUsd)})` : ''}.`,
      );
    }
    if (f.boughtPriceUsd === null)
      return no(
        'STALE_PRICE',
        'No fresh price for the token bought, so the stop-loss cannot be checked; no new entries until the feed recovers.',
      );
    if (sl >= f.boughtPriceUsd) {
      return no(
        'STOP_LOSS_REQUIRED',
        `The stop-loss ${usd(sl)} must be below the current price ${usd(f.boughtPriceUsd)}.`,
      );
    }
  }
  if (f.orderUsd === null)
    return no('STALE_PRICE', 'No fresh price for what this order spends; no new entries until the feed recovers.');
  // The size rules live with the entry sizer (sizing.ts), so what it sizes is what passes here.
  // The facts themselves (orderUsd is known here): no copy of the size facts per check.
  const size = orderSizeRefusal(l, f as EntryFacts & { orderUsd: number });
  if (size) return no(size.code, size.message);
  return PASSED;
}

export interface RiskEngineDeps {
  store: Store;
  controls: Controls;
  bus: EventBus;
  network: string;
  /** Facts shared with the other gates of the chain (standardRiskGate passes one); else the engine's own. */
  facts?: GateFacts;
}

/** The operator's global limits as stored (meta 'risk.globalLimits'). */
export function readGlobalLimits(store: Store): GlobalLimits {
  return parseGlobalLimits(store.meta.get(GLOBAL_LIMITS_META_KEY));
}

export function writeGlobalLimits(store: Store, limits: GlobalLimits): void {
  store.meta.set(GLOBAL_LIMITS_META_KEY, JSON.stringify(limits));
}

/** The limits in force for one user now (their preset or custom values, capped by the global limits). */
export function limitsFor(
  store: Store,
  userId: number,
  global: GlobalLimits = readGlobalLimits(store),
): EffectiveLimits {
  return limitsOf(userSettingsOf(store, userId), global);
}

function limitsOf(settings: UserSettings, global: GlobalLimits): EffectiveLimits {
  return effectiveLimits(userRiskLimits(settings.risk), global);
}

interface Account {
  equity: bigint;
  state: RiskStateRow;
  facts: Pick<
    EntryFacts,
    'nowMs' | 'equityUsd' | 'highWaterUsd' | 'dayStartEquityUsd' | 'dayNetFlowsUsd' | 'dailyLossHitToday'
  >;
  /** The account rules' verdict under these limits, worked out once (see AccountMemo). */
  verdictLimits: EffectiveLimits | null;
  verdict: EntryVerdict | null;
}

/**
 * The last account a friend's check worked out, kept with the friend's facts (so dropped by any write
 * to the database). A wave of entries checks one friend once per token at the same instant, with the
 * same holdings and prices: the account (equity, risk state brought up to now, its rules' verdict) is
 * then the same, and is reused when everything it was worked out from is the same.
 */
interface AccountMemo {
  /** The stored risk state it was marked from. */
  prev: RiskStateRow | null;
  equity: bigint;
  nowMs: number;
  account: Account | null;
}
/** A risk state never marked: markState from it gives what markState from none gives. */
const unmarkedState = (userId: number, network: string, equity: bigint): RiskStateRow => ({
  userId,
  network,
  highWater: equity,
  day: '',
  dayStartEquity: 0n,
  dailyLossDay: null,
  drawdownPausedAt: null,
  updatedAt: '',
});
const newAccountMemo = (): AccountMemo => ({ prev: null, equity: 0n, nowMs: Number.NaN, account: null });

export class RiskEngine {
  /** Limits by user, kept while the parsed settings (userSettingsOf: same object while the stored version is the same) and the global limits are. */
  private readonly settingsCache = new Map<
    number,
    { settings: UserSettings; limitsKey: string | null; limits: EffectiveLimits | null }
  >();
  private globalCache: { raw: string | null; limits: GlobalLimits } | null = null;
  /** What the checks read about a friend, kept while the database is unchanged (gate-facts.ts). */
  readonly facts: GateFacts;

  /** The store reads a check hands the facts, made once here rather than as closures per check. */
  private readonly read: Readers;
  private readonly paperKey: string;
  /** checkEntry as a gate, for the facts to run inside one stamp without a closure per check. */
  private readonly entryGate: RiskGate = { check: (order, ctx) => this.checkEntry(order, ctx) };

  constructor(private readonly d: RiskEngineDeps) {
    this.facts = d.facts ?? new GateFacts(d.store);
    this.read = readersOf(d.store, d.network);
    this.paperKey = accountKey(d.network, 'paper');
  }

  private settings(f: FriendFacts, userId: number): UserSettings {
    // The shared parse-once cache (one integer lookup per friend read; the other gates read it too), not
    // the settings JSON text read back on every check.
    return (f.settings ??= this.read.settings(userId));
  }

  private global(): GlobalLimits {
    const raw = this.facts.globalLimits(this.read.globalLimits);
    if (this.globalCache?.raw !== raw || !this.globalCache) this.globalCache = { raw, limits: parseGlobalLimits(raw) };
    return this.globalCache.limits;
  }

  /**
   * The limits in force for a friend, kept with their facts: any change to their settings or to the
   * global limits is a database change that drops those. The map below outlives the facts, so a friend
   * read afresh (after their fill) does not work the limits out again.
   */
  private friendLimits(f: FriendFacts, userId: number, settings: UserSettings): EffectiveLimits {
    let limits = f.limits;
    if (limits === undefined) {
      this.global();
      limits = this.limits(userId, settings);
      if (f.stamp !== null) f.limits = limits;
    }
    return limits;
  }

  private limits(userId: number, settings: UserSettings): EffectiveLimits {
    const key = this.globalCache?.raw ?? '';
    let c = this.settingsCache.get(userId);
    if (c === undefined || c.settings !== settings)
      this.settingsCache.set(userId, (c = { settings, limitsKey: null, limits: null }));
    if (c.limitsKey === key && c.limits) return c.limits;
    const limits = limitsOf(settings, this.global());
    c.limitsKey = this.globalCache?.raw ?? '';
    c.limits = limits;
    return limits;
  }

  /** The gate to compose after controlsGate / orderSizeGate / balanceGate. */
  gate(): RiskGate {
    return { check: (order, ctx) => this.check(order, ctx) };
  }

  check(order: Order, ctx: RiskContext): RiskDecision {
    if (order.side !== 'buy' || isRiskReducing(order)) return PASS;
    return this.facts.check(this.entryGate, order, ctx);
  }

  private checkEntry(order: Order, ctx: RiskContext): RiskDecision {
    const userId = order.userId;
    const f = this.facts.friend(userId);
    const settings = this.settings(f, userId);
    const limits = this.friendLimits(f, userId, settings);
    // Value what the execution service just read (live wallet or paper book), not the last cycle's snapshot.
    const account = this.account(f, userId, settings, ctx.price, ctx.nowMs, ctx.balances);
    if (!account)
      return refuse(
        'STALE_PRICE',
        'Something this wallet holds has no fresh price, so its equity (and the risk limits) cannot be checked; no new entries until the feed recovers.',
      );
    if (account.state.drawdownPausedAt !== null) {
      return refuse(
        'MAX_DRAWDOWN',
        `Paused by the drawdown limit since ${account.state.drawdownPausedAt}; the operator must resume this user.`,
      );
    }
    // The account rules first (evaluateEntry's order), once per account and limits.
    let own = account.verdict;
    if (own === null || account.verdictLimits !== limits) {
      own = account.verdict = evaluateAccount(limits, account.facts);
      account.verdictLimits = limits;
    }
    if (!own.decision.ok) {
      this.apply(order.userId, account, own, limits);
      return own.decision;
    }
    const boughtPrice = ctx.price(order.outputMint);
    const spendPrice = ctx.price(order.inputMint);
    const inDecimals = decimalsOf(order.inputMint);
    const mode = settings.mode;
    const held = f.account(mode);
    const mint = f.mint(order.outputMint);
    // The facts the rules read, in one object of one shape (see EntryRecord).
    const entry = new EntryRecord();
    heldExposure(this.read, held, mint, userId, order.outputMint, ctx.price, mode, entry);
    const read = this.read;
    let lastClose = mint.lastClose;
    if (lastClose === undefined) lastClose = mint.lastClose = read.lastClose(userId, order.outputMint);
    // Read again when the UTC day changes (and with the friend's facts at their next write).
    const since = utcDayStartIso(ctx.nowMs);
    if (f.entriesSince !== since) {
      f.entries = read.entriesSince(userId, since);
      f.entriesSince = since;
    }
    const lookback = (limits.lossStreak.windowMinutes + limits.lossStreak.pauseMinutes) * MIN;
    const losing = (f.losingCloses ??= new RowsSince()).get(
      ctx.nowMs - lookback,
      identity,
      read.losingClosesSince,
      userId,
    );
    let name = f.name;
    if (name === undefined) name = f.name = read.name(userId) ?? null;
    // The open positions read above, counted (the same rows the store's count counts).
    if (held.openCount < 0) held.openCount = held.positions!.length;
    const a = account.facts;
    entry.nowMs = a.nowMs;
    entry.equityUsd = a.equityUsd;
    entry.highWaterUsd = a.highWaterUsd;
    entry.dayStartEquityUsd = a.dayStartEquityUsd;
    entry.dayNetFlowsUsd = a.dayNetFlowsUsd;
    entry.dailyLossHitToday = a.dailyLossHitToday;
    entry.orderUsd = spendPrice === null || inDecimals === null ? null : usdValue(order.amount, inDecimals, spendPrice);
    entry.boughtPriceUsd = boughtPrice;
    entry.stopLossPrice = order.stopLossPrice ?? null;
    entry.openPositions = held.openCount;
    entry.entriesToday = f.entries;
    entry.losingClosesMs = losing.length === 0 ? NONE : losing.map((t) => Date.parse(t));
    entry.lastCloseMs = lastClose === null ? null : Date.parse(lastClose);
    entry.friend = name ?? undefined;
    const verdict = evaluateOrderRules(limits, entry);
    this.apply(order.userId, account, verdict, limits);
    return verdict.decision;
  }

  /**
   * The account rules without an order, for the loop to call once per cycle:
   * trips the daily loss lock or the drawdown pause as soon as they happen,
   * not only at the next entry. Returns the refusal an entry would get, if any.
   */
  review(userId: number, price: PriceFn, nowMs: number): RiskDecision {
    return this.facts.during(() => this.reviewAccount(userId, price, nowMs));
  }

  private reviewAccount(userId: number, price: PriceFn, nowMs: number): RiskDecision {
    const f = this.facts.friend(userId);
    const settings = this.settings(f, userId);
    const account = this.account(f, userId, settings, price, nowMs);
    if (!account)
      return refuse('STALE_PRICE', 'Something this wallet holds has no fresh price; equity cannot be valued.');
    if (account.state.drawdownPausedAt !== null)
      return refuse(
        'MAX_DRAWDOWN',
        `Paused by the drawdown limit since ${account.state.drawdownPausedAt}; the operator must resume this user.`,
      );
    const limits = this.friendLimits(f, userId, settings);
    const verdict = evaluateAccount(limits, account.facts);
    this.apply(userId, account, verdict, limits);
    return verdict.decision;
  }

  /** Equity now, the risk state brought up to it (saved), and the account facts; null when the wallet cannot be valued. */
  private account(
    f: FriendFacts,
    userId: number,
    settings: UserSettings,
    price: PriceFn,
    nowMs: number,
    fresh?: ReadonlyMap<string, bigint>,
  ): Account | null {
    const { store, network, controls } = this.d;
    const mode = settings.mode;
    const facts = f.account(mode);
    // Fresh balances when the caller has them; else the paper book for a paper user (never the
    // on-chain wallet: paper is its own account), else the wallet's last-seen balances.
    let usd: number | null;
    if (fresh && fresh.size > 0) usd = valueBalances(fresh, price);
    else {
      const held = (facts.held ??= mode === 'paper' ? this.read.paperBook(userId) : this.read.wallet(userId));
      const v = valueHoldings(held, price);
      usd = v.missing.length > 0 ? null : v.usd;
    }
    if (usd === null) return null;
    const equity = toMicroUsd(usd);
    // The figures of the account the user trades now (the paper account's apart from the wallet's).
    const key = mode === 'paper' ? this.paperKey : network;
    // Withdrawals recorded since the last import change the database, so an unchanged one has none to import.
    if (mode === 'live' && !f.withdrawalsImported) {
      importWithdrawals(store, userId, network, price, equity, nowMs);
      // A cash flow the import just wrote drops what it feeds of these facts (in place) before they are read on.
      this.facts.friend(userId);
      f.withdrawalsImported = true;
    }
    let prev = facts.state;
    if (prev === undefined) prev = facts.state = this.read.state(userId, mode);
    const memo = (facts.memo ??= newAccountMemo()) as AccountMemo;
    const last = memo.account;
    // The same inputs as the last check (its own state write included, after which the state read is
    // the one it wrote: marking that again at the same equity and instant changes nothing). Not while
    // the drawdown pause holds: then whether the operator resumed matters too.
    if (
      last !== null &&
      (prev === memo.prev || prev === last.state) &&
      equity === memo.equity &&
      nowMs === memo.nowMs &&
      (prev === null || prev.drawdownPausedAt === null)
    )
      return last;
    const flows = (facts.flows ??= new RowsSince()).get(
      utcDayStartMs(nowMs),
      flowTime,
      mode === 'paper' ? this.read.paperFlows : this.read.liveFlows,
      userId,
    );
    // Nearly always no flow today: no filtered copy then.
    const dayFlows = flows.length === 0 ? 0n : netFlows(flows.filter((f) => Date.parse(f.ts) <= nowMs));
    // A friend's first mark starts from an unmarked state, on the path every later mark takes (markState
    // of no state gives the same row): the compiled check then knows it before a cycle's first re-mark.
    const from = prev ?? unmarkedState(userId, key, equity);
    let state = markState(from, userId, key, equity, nowMs, dayFlows);
    if (state.drawdownPausedAt !== null && !controls.user(userId).paused) {
      // The operator resumed the user: the drawdown counts from here.
      state = { ...state, highWater: equity, drawdownPausedAt: null };
    }
    // Written only when something the rules depend on moved (a check is mostly reads).
    // (An unmarked state's day is no day, so a first mark is always written.) All three compared every
    // time, so the compiled check has met each before.
    const highWaterMoved = from.highWater !== state.highWater;
    const dayMoved = from.day !== state.day;
    const pauseMoved = from.drawdownPausedAt !== state.drawdownPausedAt;
    if (highWaterMoved || dayMoved || pauseMoved) {
      const saved = state;
      this.facts.write(userId, f, () => store.risk.saveState(saved));
      facts.state = saved;
    }
    const day = utcDay(nowMs);
    const account: Account = {
      equity,
      state,
      facts: {
        nowMs,
        equityUsd: fromMicroUsd(equity),
        highWaterUsd: fromMicroUsd(state.highWater),
        dayStartEquityUsd: fromMicroUsd(state.dayStartEquity),
        dayNetFlowsUsd: fromMicroUsd(dayFlows),
        dailyLossHitToday: state.dailyLossDay === day,
      },
      verdictLimits: null,
      verdict: null,
    };
    memo.prev = prev;
    memo.equity = equity;
    memo.nowMs = nowMs;
    memo.account = account;
    return account;
  }

  private apply(userId: number, account: Account, verdict: EntryVerdict, limits: EffectiveLimits): void {
    const { store, bus, controls } = this.d;
    const f = account.facts;
    if (verdict.trip === 'dailyLoss') {
      const day = utcDay(f.nowMs);
      store.tx(() => {
        store.risk.saveState({ ...account.state, dailyLossDay: day });
        const dayStart = account.state.dayStartEquity;
        const flows = toMicroUsd(f.dayNetFlowsUsd);
        bus.emit('risk.dailyLossHit', userId, {
          day,
          dayStartEquityUsd: f.dayStartEquityUsd,
          equityUsd: f.equityUsd,
          lossUsd: fromMicroUsd(dailyLoss(dayStart, account.equity, flows)),
          lossPct: dailyLossPct(dayStart, account.equity, flows),
          limit: `${limits.maxDailyLossPct}% or $${limits.maxDailyLossUsd}`,
          resumesAt: nextUtcDayStartIso(f.nowMs),
        });
      });
    } else if (verdict.trip === 'drawdown') {
      const dd = drawdownPct(account.state.highWater, account.equity);
      const reason = `drawdown: equity $${f.equityUsd.toFixed(2)} is ${dd.toFixed(1)}% below the high-water mark $${f.highWaterUsd.toFixed(2)} (limit ${limits.maxDrawdownPct}%)`;
      const at = new Date(f.nowMs).toISOString();
      store.risk.saveState({ ...account.state, drawdownPausedAt: at });
      controls.pauseUser(userId, reason, 'risk');
      bus.emit('risk.drawdownPaused', userId, {
        highWaterUsd: f.highWaterUsd,
        equityUsd: f.equityUsd,
        drawdownPct: dd,
        limitPct: limits.maxDrawdownPct,
        reason,
      });
    }
  }
}

/**
 * The position held in a token, valued at the price given (0 without a price), and whether an entry would
 * open a new one; read into the friend's facts (`acc` the account traded now, `m` the token's facts).
 */
function heldExposure(
  read: Readers,
  acc: AccountFacts,
  m: MintFacts,
  userId: number,
  mint: string,
  price: PriceFn,
  account: 'paper' | 'live',
  out: Exposure,
): void {
  // Only the account traded now: a paper position never counts against a live entry, nor the reverse.
  const open = (acc.positions ??= rowsOrNone(read.openPositions(userId, account)));
  // The open quantity in the token, from the open positions just read (the same rows): the store is asked
  // only when two are open in it (which one its query meets first is its own order).
  let held: bigint | null | undefined;
  if (account === 'paper') {
    held = m.paperQuantity;
    if (held === undefined) {
      const one = quantityIn(open, mint);
      held = m.paperQuantity = one !== undefined ? one : read.paperQuantity(userId, mint);
    }
  } else {
    held = m.liveQuantity;
    if (held === undefined) {
      const one = quantityIn(open, mint);
      held = m.liveQuantity = one !== undefined ? one : read.liveQuantity(userId, mint);
    }
  }
  let exposureUsd = 0;
  for (let i = 0; i < open.length; i++) exposureUsd += valuedAt(price, open[i]!.mint, open[i]!.quantity);
  out.positionUsd = held !== null ? valuedAt(price, mint, held) : 0;
  out.exposureUsd = exposureUsd;
  out.opensNew = held === null;
}

/** The quantity of the one open position in `mint` (null when none), or undefined when more than one is open. */
function quantityIn(open: readonly { mint: string; quantity: bigint }[], mint: string): bigint | null | undefined {
  let found: bigint | null = null;
  for (let i = 0; i < open.length; i++) {
    if (open[i]!.mint !== mint) continue;
    if (found !== null) return undefined;
    found = open[i]!.quantity;
  }
  return found;
}

/** What heldExposure works out. */
interface Exposure {
  positionUsd: number;
  exposureUsd: number;
  opensNew: boolean;
}

/**
 * EntryFacts as a check builds them: one class, so one shape. Its numbers start as NaN (a double) and
 * those that may be null as null: a field that held 0 for a while and then a price would otherwise change
 * how it is stored, which gives the object a new shape and sends every check compiled for the old one
 * back to be compiled again (as friends' first positions did, in the middle of a cycle).
 */
class EntryRecord implements EntryFacts, Exposure {
  nowMs = Number.NaN;
  orderUsd: number | null = null;
  boughtPriceUsd: number | null = null;
  stopLossPrice: number | null = null;
  positionUsd = Number.NaN;
  exposureUsd = Number.NaN;
  opensNew = false;
  openPositions = Number.NaN;
  friend: string | undefined = undefined;
  equityUsd = Number.NaN;
  dayStartEquityUsd = Number.NaN;
  dayNetFlowsUsd = Number.NaN;
  dailyLossHitToday = false;
  highWaterUsd = Number.NaN;
  entriesToday = Number.NaN;
  losingClosesMs: readonly number[] = NONE;
  lastCloseMs: number | null = null;
}

function valuedAt(price: PriceFn, m: string, q: bigint): number {
  const p = price(m);
  const decimals = decimalsOf(m);
  return p !== null && decimals !== null ? usdValue(q, decimals, p) : 0;
}

/**
 * What the entry sizer (sizing.ts) needs for an entry that spends `spendMint`
 * on `boughtMint`, read exactly as the gate reads it for the same balances:
 * the limits in force (global caps included), the execution cap, equity
 * valued from these balances (to the micro-dollar, like the risk engine), the
 * position held, and the balance of what is spent. Null when something has no
 * price: the gate could not value the entry either.
 */
export function entrySizingFacts(
  store: Store,
  network: string,
  userId: number,
  spendMint: string,
  boughtMint: string,
  balances: ReadonlyMap<string, bigint>,
  price: PriceFn,
  nowMs: number,
): EntrySizingFacts | null {
  const settings = userSettingsOf(store, userId);
  // Facts for this one answer (read from the store as asked, not remembered).
  const once = new FriendFacts(null);
  const exposure: Exposure = { positionUsd: 0, exposureUsd: 0, opensNew: false };
  heldExposure(
    readersOf(store, network),
    once.account(settings.mode),
    once.mint(boughtMint),
    userId,
    boughtMint,
    price,
    settings.mode,
    exposure,
  );
  const spendPrice = price(spendMint);
  const spendDecimals = decimalsOf(spendMint);
  if (spendPrice === null || spendDecimals === null || price(boughtMint) === null) return null;
  const v = valueHoldings(holdingsOf(balances), price);
  if (v.missing.length > 0) return null;
  const isSol = spendMint === WRAPPED_SOL_MINT;
  // The reserve is kept only where SOL pays fees and rent: the on-chain wallet (as the balance gate does).
  const nativeSol = isSol && settings.mode === 'live';
  return {
    limits: limitsFor(store, userId),
    executionMaxOrderUsd: settings.maxOrderUsd,
    equityUsd: fromMicroUsd(toMicroUsd(v.usd)),
    ...exposure,
    openPositions: store.risk.openCount(userId, network, settings.mode),
    spend: {
      decimals: spendDecimals,
      priceUsd: spendPrice,
      balance: balances.get(isSol ? 'SOL' : spendMint) ?? 0n,
      nativeSol,
      outflowCap: settings.mode === 'live' ? outflowRoom(store, userId, spendMint, nowMs) : null,
    },
  };
}

/** What the keystore's trading caps let one more swap move out of `mint` now (engine/keystore/outflow.ts). */
function outflowRoom(store: Store, userId: number, mint: string, nowMs: number): bigint {
  const asset = outflowAsset(mint as Address);
  const caps = tradingCapsFor(store, userId, asset);
  const left = caps.daily - outflowLast24h(store, { now: () => nowMs, sleep: () => Promise.resolve() }, userId, asset);
  return caps.perTransaction < left ? caps.perTransaction : left;
}

const NONE: readonly number[] = Object.freeze([]);
const identity = (t: string): string => t;
const flowTime = (f: CashFlowRow): string => f.ts;

type Readers = ReturnType<typeof readersOf>;

/** What the risk engine reads of a friend from the store, as functions made once (see GateFacts). */
function readersOf(store: Store, network: string) {
  return {
    paperQuantity: (userId: number, mint: string) => store.risk.openQuantity(userId, network, mint, 'paper'),
    liveQuantity: (userId: number, mint: string) => store.risk.openQuantity(userId, network, mint, 'live'),
    openPositions: (userId: number, account: string) =>
      store.risk.openPositions(userId, network, account as 'paper' | 'live'),
    settings: (userId: number): UserSettings => userSettingsOf(store, userId),
    globalLimits: (): string | null => store.risk.metaValue(GLOBAL_LIMITS_META_KEY),
    name: (userId: number): string | undefined => store.users.byId(userId)?.name,
    lastClose: (userId: number, mint: string) => store.risk.lastClose(userId, network, mint),
    entriesSince: (userId: number, since: string) => store.risk.entriesSince(userId, network, since),
    losingClosesSince: (from: string, userId: number) => store.risk.losingClosesSince(userId, network, from),
    paperBook: (userId: number) => store.risk.paperBook(userId),
    wallet: (userId: number) => store.risk.walletBalances(userId, network),
    state: (userId: number, mode: string) => store.risk.state(userId, accountKey(network, mode as 'paper' | 'live')),
    paperFlows: (from: string, userId: number) => store.risk.cashFlows(userId, accountKey(network, 'paper'), from),
    liveFlows: (from: string, userId: number) => store.risk.cashFlows(userId, accountKey(network, 'live'), from),
  };
}

function decimalsOf(mint: string): number | null {
  return tokenDecimals.get(mint) ?? null;
}

const tokenDecimals = new Map<string, number>(KNOWN_TOKENS.map((t) => [t.mint as string, t.decimals]));

/** The entry gate over the store (see RiskEngine). */
export function riskEngineGate(deps: RiskEngineDeps): RiskGate {
  return new RiskEngine(deps).gate();
}

/**
 * The whole chain in DESIGN.md order: controls (halt/pause), the execution
 * order-size cap, the wallet balance, then the risk engine's entry rules.
 * This is what engine/runtime/services.ts should pass as `risk`.
 */
export function standardRiskGate(deps: RiskEngineDeps): RiskGate {
  const facts = deps.facts ?? new GateFacts(deps.store);
  return facts.around(
    composeGates(
      controlsGate(deps.controls, friendNames(deps.store, facts)),
      orderSizeGate(deps.store, facts),
      balanceGate(deps.store, deps.network, facts),
      riskEngineGate({ ...deps, facts }),
    ),
  );
}

/**
 * valueHoldings(holdingsOf(balances), price).usd, or null when something held has no price, with no
 * holding objects made: the same sum, term by term in the same order, once per check.
 */
function valueBalances(balances: ReadonlyMap<string, bigint>, price: PriceFn): number | null {
  const hasSol = balances.has('SOL');
  let usd = 0;
  let missing = false;
  for (const [held, amount] of balances) {
    if (held === WRAPPED_SOL_MINT && hasSol) continue;
    if (amount === 0n) continue;
    const mint = held === 'SOL' ? WRAPPED_SOL_MINT : held;
    const decimals = tokenByMint(mint)?.decimals;
    const p = price(mint);
    if (decimals === undefined || p === null) {
      missing = true;
      continue;
    }
    usd += (Number(amount) / 10 ** decimals) * p;
  }
  return missing ? null : usd;
}

/** The balances a gate is given, as holdings: 'SOL' is native lamports, so a wrapped-SOL entry beside it is the same coins. */
function holdingsOf(balances: ReadonlyMap<string, bigint>): Holding[] {
  const out: Holding[] = [];
  for (const [mint, amount] of balances) {
    if (mint === WRAPPED_SOL_MINT && balances.has('SOL')) continue;
    out.push({ mint, amount });
  }
  return out;
}
