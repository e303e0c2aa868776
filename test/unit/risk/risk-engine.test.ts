/**
 * The risk engine over the store: facts read from trades, positions, the
 * paper book and the risk state; the daily loss lock until the next UTC day
 * (ManualClock), the drawdown pause that only the operator lifts, global
 * limits from the meta table, exits always passing, and users kept apart.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { WRAPPED_SOL_MINT } from '../../../engine/market';
import { recordCashFlow, toMicroUsd } from '../../../engine/portfolio';
import {
  composeGates,
  controlsGate,
  RiskEngine,
  setRiskValue,
  writeGlobalLimits,
  type RiskDecision,
} from '../../../engine/risk';
import {
  addUser,
  buyOrder,
  ctxAt,
  recordFill,
  setBook,
  USDC,
  usdc,
  WBTC,
  WETH,
  weth,
  world,
  type World,
  PAPER,
} from '../../helpers/risk';

const MIN = 60_000;
let w: World;
let engine: RiskEngine;
let ana: number;
let ben: number;

beforeEach(() => {
  w = world();
  engine = new RiskEngine({ store: w.store, controls: w.controls, bus: w.bus, network: 'sandbox' });
  ana = addUser(w, 'ana', {}, { [USDC.mint]: usdc(10_000) });
  ben = addUser(w, 'ben', {}, { [USDC.mint]: usdc(10_000) });
});
afterEach(() => w.store.close());

const check = (o: ReturnType<typeof buyOrder>, over: Record<string, number | null> = {}): RiskDecision =>
  engine.check(o, ctxAt(w, over));
const codeOf = (d: RiskDecision): string | null => (d.ok ? null : d.code);
const iso = (): string => new Date(w.clock.now()).toISOString();

describe('exits always pass', () => {
  test('sells, exits and emergency closes pass even with every limit tripped', () => {
    w.controls.pauseUser(ana, 'drawdown: test', 'risk');
    setBook(w, ana, { [USDC.mint]: usdc(1) });
    expect(check(buyOrder(ana, 100))).toMatchObject({ ok: false });
    expect(check(buyOrder(ana, 100, { side: 'sell', inputMint: WETH.mint, outputMint: USDC.mint }))).toEqual({
      ok: true,
    });
    expect(check(buyOrder(ana, 100, { context: 'exit' }))).toEqual({ ok: true });
    expect(check(buyOrder(ana, 100, { context: 'emergency', stopLossPrice: null }))).toEqual({ ok: true });
  });
});

describe('daily loss', () => {
  test('hit: no entries (one event) until the next UTC day, even after a recovery; the new day counts from its own start', () => {
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true }); // day starts at $10,000
    setBook(w, ana, { [USDC.mint]: usdc(9_400) }); // −6 %
    const d = check(buyOrder(ana, 100));
    expect(d).toMatchObject({
      ok: false,
      code: 'DAILY_LOSS',
      message: expect.stringContaining('2026-01-06T00:00:00Z'),
    });
    expect(codeOf(check(buyOrder(ana, 100)))).toBe('DAILY_LOSS');
    const hits = w.events.filter((e) => e.type === 'risk.dailyLossHit');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({
      userId: ana,
      payload: { day: '2026-01-05', lossUsd: 600, resumesAt: '2026-01-06T00:00:00.000Z' },
    });

    setBook(w, ana, { [USDC.mint]: usdc(10_000) }); // recovered: still locked today
    expect(codeOf(check(buyOrder(ana, 100)))).toBe('DAILY_LOSS');
    w.clock.advance(Date.parse('2026-01-05T23:59:59.999Z') - w.clock.now());
    expect(codeOf(check(buyOrder(ana, 100)))).toBe('DAILY_LOSS');

    setBook(w, ana, { [USDC.mint]: usdc(9_400) });
    w.clock.advance(1); // 2026-01-06T00:00:00Z
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true });
    expect(w.store.risk.state(ana, PAPER)).toMatchObject({ day: '2026-01-06', dayStartEquity: toMicroUsd(9_400) });
    // Ben was never affected.
    expect(check(buyOrder(ben, 100))).toEqual({ ok: true });
    expect(w.events.filter((e) => e.type === 'risk.dailyLossHit')).toHaveLength(1);
  });

  test('a withdrawal today is not a loss; a deposit today is not a gain that hides one', () => {
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true });
    recordCashFlow(w.store, {
      userId: ana,
      network: PAPER,
      kind: 'withdrawal',
      amountUsd: toMicroUsd(2_000),
      nowMs: w.clock.now(),
      equityBefore: toMicroUsd(10_000),
    });
    setBook(w, ana, { [USDC.mint]: usdc(8_000) });
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true });

    expect(check(buyOrder(ben, 100))).toEqual({ ok: true }); // Ben's day starts at $10,000
    recordCashFlow(w.store, {
      userId: ben,
      network: PAPER,
      kind: 'deposit',
      amountUsd: toMicroUsd(5_000),
      nowMs: w.clock.now(),
    });
    setBook(w, ben, { [USDC.mint]: usdc(15_000) });
    expect(check(buyOrder(ben, 100))).toEqual({ ok: true });
    setBook(w, ben, { [USDC.mint]: usdc(14_400) }); // +5,000 deposited, −600 lost
    expect(codeOf(check(buyOrder(ben, 100)))).toBe('DAILY_LOSS');
  });
});

describe('drawdown', () => {
  test('hit: the user is paused with a drawdown reason and one event; only an operator resume lets entries through', () => {
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true }); // mark at $10,000
    setBook(w, ana, { [USDC.mint]: usdc(20_000) });
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true }); // mark rises to $20,000
    expect(w.store.risk.state(ana, PAPER)!.highWater).toBe(toMicroUsd(20_000));
    w.clock.advance(24 * 60 * MIN);
    setBook(w, ana, { [USDC.mint]: usdc(15_900) }); // −20.5 % from the mark (a new day: not a daily loss first)
    const d = check(buyOrder(ana, 100));
    expect(d).toMatchObject({ ok: false, code: 'MAX_DRAWDOWN' });
    expect(w.controls.user(ana)).toMatchObject({ paused: true, reason: expect.stringMatching(/^drawdown: /u) });
    expect(w.events.filter((e) => e.type === 'risk.drawdownPaused')).toEqual([
      expect.objectContaining({
        userId: ana,
        payload: expect.objectContaining({ highWaterUsd: 20_000, equityUsd: 15_900, limitPct: 20 }),
      }),
    ]);

    // Time passing, a new day, even a recovery: still paused.
    w.clock.advance(3 * 24 * 60 * MIN);
    setBook(w, ana, { [USDC.mint]: usdc(19_000) });
    expect(codeOf(check(buyOrder(ana, 100)))).toBe('MAX_DRAWDOWN');
    const full = composeGates(controlsGate(w.controls), engine.gate());
    expect(codeOf(full.check(buyOrder(ana, 100), ctxAt(w)))).toBe('MAX_DRAWDOWN');
    expect(w.events.filter((e) => e.type === 'risk.drawdownPaused')).toHaveLength(1);
    expect(check(buyOrder(ben, 100))).toEqual({ ok: true });

    w.controls.resumeUser(ana, 'operator');
    expect(full.check(buyOrder(ana, 100), ctxAt(w))).toEqual({ ok: true });
    // The drawdown now counts from where the operator resumed ($19,000, below the old $20,000 mark).
    expect(w.store.risk.state(ana, PAPER)).toMatchObject({ highWater: toMicroUsd(19_000), drawdownPausedAt: null });
  });

  test('review() trips the pause in the cycle, without an order', () => {
    expect(engine.review(ana, ctxAt(w).price, w.clock.now())).toEqual({ ok: true });
    w.clock.advance(24 * 60 * MIN);
    setBook(w, ana, { [USDC.mint]: usdc(7_000) });
    expect(engine.review(ana, ctxAt(w).price, w.clock.now())).toMatchObject({ ok: false, code: 'MAX_DRAWDOWN' });
    expect(w.controls.user(ana).paused).toBe(true);
  });

  test('a withdrawal does not look like a drawdown (it lowers the mark proportionally)', () => {
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true });
    w.clock.advance(24 * 60 * MIN);
    recordCashFlow(w.store, {
      userId: ana,
      network: PAPER,
      kind: 'withdrawal',
      amountUsd: toMicroUsd(5_000),
      nowMs: w.clock.now(),
      equityBefore: toMicroUsd(10_000),
    });
    setBook(w, ana, { [USDC.mint]: usdc(5_000) });
    expect(check(buyOrder(ana, 100))).toEqual({ ok: true });
    expect(w.store.risk.state(ana, PAPER)!.highWater).toBe(toMicroUsd(5_000));
    expect(w.controls.user(ana).paused).toBe(false);
  });
});

describe('rules read from the store', () => {
  test('MAX_TRADES_PER_DAY counts today’s entries (not exits), and resets at UTC midnight', () => {
    const r = setRiskValue(undefined, 'maxTradesPerDay', 3);
    w.store.settings.update(ana, 1, { risk: r.ok ? r.risk : null }, iso());
    for (let i = 0; i < 3; i++)
      recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.001), quote: usdc(3), at: iso() });
    recordFill(w.store, { userId: ana, side: 'sell', base: weth(0.001), quote: usdc(3), at: iso(), context: 'exit' });
    expect(check(buyOrder(ana, 10))).toMatchObject({
      code: 'MAX_TRADES_PER_DAY',
      message: expect.stringContaining('3 entries today'),
    });
    expect(check(buyOrder(ben, 10))).toEqual({ ok: true });
    w.clock.advance(Date.parse('2026-01-06T00:00:00Z') - w.clock.now());
    expect(check(buyOrder(ana, 10))).toEqual({ ok: true });
  });

  test('LOSS_STREAK from losing closes; COOLDOWN per token after a close', () => {
    for (let i = 0; i < 3; i++) {
      recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.01), quote: usdc(30), at: iso() });
      w.clock.advance(5 * MIN);
      recordFill(w.store, { userId: ana, side: 'sell', base: weth(0.01), quote: usdc(29), at: iso() });
    }
    const wbtc = (u: number) => buyOrder(u, 50, { outputMint: WBTC.mint, stopLossPrice: 80_000 });
    expect(check(wbtc(ana))).toMatchObject({
      code: 'LOSS_STREAK',
      message: expect.stringContaining('3 losing trades'),
    });
    expect(check(wbtc(ben))).toEqual({ ok: true });
    w.clock.advance(360 * MIN);
    expect(check(wbtc(ana))).toEqual({ ok: true });

    recordFill(w.store, { userId: ben, side: 'buy', base: weth(0.01), quote: usdc(30), at: iso() });
    recordFill(w.store, { userId: ben, side: 'sell', base: weth(0.01), quote: usdc(31), at: iso() });
    w.clock.advance(10 * MIN);
    expect(check(buyOrder(ben, 50))).toMatchObject({ code: 'COOLDOWN' });
    expect(check(wbtc(ben))).toEqual({ ok: true });
    w.clock.advance(20 * MIN);
    expect(check(buyOrder(ben, 50))).toEqual({ ok: true });
  });

  test('MAX_POSITIONS counts open positions; adding to one is fine', () => {
    const r = setRiskValue(undefined, 'maxConcurrentPositions', 1);
    w.store.settings.update(ana, 1, { risk: r.ok ? r.risk : null }, iso());
    recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.01), quote: usdc(30), at: iso() });
    expect(check(buyOrder(ana, 50, { outputMint: WBTC.mint, stopLossPrice: 80_000 }))).toMatchObject({
      code: 'MAX_POSITIONS',
    });
    expect(check(buyOrder(ana, 50))).toEqual({ ok: true });
  });

  test('POSITION_TOO_LARGE includes the position already held, valued at the current price', () => {
    recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.3), quote: usdc(900), at: iso() }); // $900 at $3,000
    expect(check(buyOrder(ana, 150))).toMatchObject({
      code: 'POSITION_TOO_LARGE',
      message: expect.stringContaining('$900.00 held'),
    });
    expect(check(buyOrder(ana, 90))).toEqual({ ok: true });
    expect(codeOf(check(buyOrder(ana, 90), { [WETH.mint]: 3_500 }))).toBe('POSITION_TOO_LARGE');
  });

  test('global limits in the meta table override every user; a refusal says GLOBAL_LIMIT', () => {
    writeGlobalLimits(w.store, { maxOrderUsd: 50, requireStopLoss: true });
    expect(check(buyOrder(ana, 100))).toMatchObject({ code: 'GLOBAL_LIMIT' });
    expect(check(buyOrder(ben, 100))).toMatchObject({ code: 'GLOBAL_LIMIT' });
    expect(check(buyOrder(ana, 50))).toEqual({ ok: true });
  });

  test('STALE_PRICE when something the wallet holds has no price (equity cannot be valued)', () => {
    setBook(w, ana, { [WRAPPED_SOL_MINT]: 5_000_000_000n });
    expect(check(buyOrder(ana, 50), { [WRAPPED_SOL_MINT]: null })).toMatchObject({ code: 'STALE_PRICE' });
    expect(check(buyOrder(ana, 50))).toEqual({ ok: true });
  });

  test('STOP_LOSS_REQUIRED on a store-backed entry', () => {
    expect(check(buyOrder(ana, 50, { stopLossPrice: null }))).toMatchObject({ code: 'STOP_LOSS_REQUIRED' });
    expect(check(buyOrder(ana, 50, { stopLossPrice: 3_000 }))).toMatchObject({ code: 'STOP_LOSS_REQUIRED' });
  });
});
