/**
 * Every figure nets flows (issue #9, items 2 and 8): an outside deposit is
 * neither return nor a leaderboard rank; an outside withdrawal trips neither
 * the daily loss limit nor the drawdown pause; and the risk engine and the
 * stats read the same figure (a boundary test that fails if either one
 * computed today's loss or the drawdown its own way).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isoTime } from '../../../engine/kernel/clock';
import { WRAPPED_SOL_MINT } from '../../../engine/market';
import { Performance, rankLeaderboard, recordCashFlow, toMicroUsd, userStats } from '../../../engine/portfolio';
import { RiskEngine } from '../../../engine/risk';
import { UserSettingsSchema } from '../../../engine/users/settings';
import { addUser, NET, PERMISSIVE_RISK, priceFn, USDC, usdc, WETH, weth, world, type World } from '../../helpers/risk';

const HOUR = 3_600_000;
let w: World;
beforeEach(() => {
  w = world();
});
afterEach(() => w.store.close());

/** A live user whose wallet was last seen holding `holdings` (mint → base units) on NET. */
function liveUser(name: string, holdings: Record<string, bigint>, risk: Record<string, unknown> = PERMISSIVE_RISK) {
  const id = addUser(w, name, { mode: 'live', risk });
  setWallet(id, holdings);
  return id;
}
function setWallet(userId: number, holdings: Record<string, bigint>): void {
  const address = w.store.wallets.byUser(userId)!.address;
  for (const [mint, amount] of Object.entries(holdings))
    w.store.holdings.upsertBalance(NET, address, mint === WRAPPED_SOL_MINT ? 'SOL' : mint, amount, isoTime(w.clock));
}
function setRisk(userId: number, risk: Record<string, unknown>): void {
  const row = w.store.settings.get(userId)!;
  const next = UserSettingsSchema.parse({ ...(row.settings as object), risk: { ...PERMISSIVE_RISK, ...risk } });
  expect(w.store.settings.update(userId, row.version, next, isoTime(w.clock))).toBe(true);
}

describe('an outside deposit', () => {
  test('is not return: return ≈ 0, total PnL ≈ 0, and the leaderboard rank is unchanged (0 trades never ranks #1 by it)', () => {
    let prices = priceFn();
    const perf = new Performance(w.store, NET, { price: (m) => prices(m) }, w.clock, 0);
    const ana = liveUser('ana', { [WETH.mint]: weth(1) }); // $3,000 of WETH
    const ben = liveUser('ben', { [USDC.mint]: usdc(74) }); // $74, no trades
    perf.snapshotEquity();
    w.clock.advance(HOUR);
    prices = priceFn({ [WETH.mint]: 3_300 }); // Ana +10 %
    perf.snapshotEquity();

    const board = () =>
      rankLeaderboard(
        [ana, ben].map((id) => ({
          userId: id,
          name: id === ana ? 'ana' : 'ben',
          stats: userStats(w.store, id, NET, prices, w.clock.now(), perf.equity(id)),
        })),
        'return',
        false,
      ).map((r) => [r.name, r.rank]);
    const before = board();
    expect(before).toEqual([
      ['ana', 1],
      ['ben', 2],
    ]);

    // Ben receives 1 SOL ($150) from another wallet: +203 % if it counted as profit.
    w.clock.advance(HOUR);
    setWallet(ben, { [WRAPPED_SOL_MINT]: 1_000_000_000n });
    recordCashFlow(w.store, {
      userId: ben,
      network: NET,
      kind: 'deposit',
      amountUsd: toMicroUsd(150),
      nowMs: w.clock.now(),
    });
    w.clock.advance(HOUR);
    perf.snapshotEquity();

    const s = perf.stats(ben);
    expect(s.equityUsd).toBeCloseTo(224, 6);
    expect(s.returnPct).toBeCloseTo(0, 9);
    expect(s.pnlUsd).toBeCloseTo(0, 9);
    expect(s.dayPnlUsd).toBeCloseTo(0, 9);
    expect(s.drawdownPct).toBe(0);
    expect(board()).toEqual(before);
    const byPnl = rankLeaderboard(
      [ana, ben].map((id) => ({ userId: id, name: String(id), stats: perf.stats(id) })),
      'pnl',
      false,
    );
    expect(byPnl[0]!.userId).toBe(ana);

    // The curve: equity steps by the deposit, PnL does not; the deposit comes back as a marker.
    const curve = perf.equityCurve(ben);
    expect(curve.map((p) => Math.round(p.equityUsd))).toEqual([74, 74, 224]);
    expect(curve.map((p) => p.pnlUsd)).toEqual([0, 0, 0]);
  });
});

describe('without prices now', () => {
  test('the figures are as of the last snapshot: a deposit since is not a loss', () => {
    const price = priceFn();
    const perf = new Performance(w.store, NET, { price }, w.clock, 0);
    const u = liveUser('ana', { [USDC.mint]: usdc(1_000) });
    perf.snapshotEquity();
    w.clock.advance(HOUR);
    recordCashFlow(w.store, {
      userId: u,
      network: NET,
      kind: 'deposit',
      amountUsd: toMicroUsd(500),
      nowMs: w.clock.now(),
    });
    w.clock.advance(HOUR);
    const s = userStats(w.store, u, NET, () => null, w.clock.now(), null);
    expect(s).toMatchObject({
      equityUsd: 1_000,
      pnlUsd: 0,
      returnPct: 0,
      dayPnlUsd: 0,
      drawdownPct: 0,
      netFlowsUsd: 0,
    });
  });
});

describe('an outside withdrawal', () => {
  test('trips no daily loss lock and no drawdown pause, even with the tightest limits', () => {
    const price = priceFn();
    const liv = liveUser(
      'liv',
      { [WRAPPED_SOL_MINT]: 10_000_000_000n },
      { ...PERMISSIVE_RISK, maxDailyLossPct: 0.5, maxDailyLossUsd: 1, maxDrawdownPct: 1 },
    );
    const engine = new RiskEngine({ store: w.store, controls: w.controls, bus: w.bus, network: NET });
    expect(engine.review(liv, price, w.clock.now())).toEqual({ ok: true }); // the day starts at $1,500
    w.clock.advance(HOUR);
    // 5 SOL leave for another wallet.
    recordCashFlow(w.store, {
      userId: liv,
      network: NET,
      kind: 'withdrawal',
      amountUsd: toMicroUsd(750),
      nowMs: w.clock.now(),
      equityBefore: toMicroUsd(1_500),
    });
    setWallet(liv, { [WRAPPED_SOL_MINT]: 5_000_000_000n });
    w.clock.advance(HOUR);
    expect(engine.review(liv, price, w.clock.now())).toEqual({ ok: true });
    expect(w.controls.user(liv).paused).toBe(false);
    expect(w.events.filter((e) => e.type === 'risk.dailyLossHit' || e.type === 'risk.drawdownPaused')).toEqual([]);

    const perf = new Performance(w.store, NET, { price }, w.clock, 0);
    const s = perf.stats(liv);
    expect(s.dayPnlUsd).toBeCloseTo(0, 6);
    expect(s.drawdownPct).toBe(0);
    expect(s.highWaterUsd).toBeCloseTo(750, 6);
  });
});

describe('a wallet funded today', () => {
  test('its first fees are a small loss of what was deposited, not a daily loss of most of the day', () => {
    const price = priceFn();
    const u = liveUser('new', {}, { ...PERMISSIVE_RISK, maxDailyLossPct: 2 });
    const engine = new RiskEngine({ store: w.store, controls: w.controls, bus: w.bus, network: NET });
    expect(engine.review(u, price, w.clock.now())).toEqual({ ok: true }); // empty: the day starts at $0
    w.clock.advance(HOUR);
    recordCashFlow(w.store, {
      userId: u,
      network: NET,
      kind: 'deposit',
      amountUsd: toMicroUsd(1_500),
      nowMs: w.clock.now(),
    });
    setWallet(u, { [WRAPPED_SOL_MINT]: 9_990_000_000n }); // 10 SOL arrived, 0.01 SOL of fees spent since
    expect(engine.review(u, price, w.clock.now())).toEqual({ ok: true });
    const s = new Performance(w.store, NET, { price }, w.clock, 0).stats(u);
    expect(s.dayPnlUsd).toBeCloseTo(-1.5, 6);
    expect(s.drawdownPct).toBeCloseTo(0.1, 6);
  });
});

describe('the risk engine and the stats read the same figures', () => {
  test("today's loss and the drawdown: the limit trips exactly at the figure the stats show", () => {
    let price = priceFn();
    const u = liveUser('ana', { [USDC.mint]: usdc(10_000) });
    const engine = new RiskEngine({ store: w.store, controls: w.controls, bus: w.bus, network: NET });
    const perf = new Performance(w.store, NET, { price: (m) => price(m) }, w.clock, 0);
    expect(engine.review(u, price, w.clock.now())).toEqual({ ok: true }); // day and mark start at $10,000
    perf.snapshotEquity();
    w.clock.advance(HOUR);
    // $5,000 deposited today, then $600 lost in WETH: today is −600, not +4,400.
    recordCashFlow(w.store, {
      userId: u,
      network: NET,
      kind: 'deposit',
      amountUsd: toMicroUsd(5_000),
      nowMs: w.clock.now(),
    });
    setWallet(u, { [USDC.mint]: usdc(12_000), [WETH.mint]: weth(1) });
    price = priceFn({ [WETH.mint]: 2_400 });
    w.clock.advance(HOUR);

    const s = perf.stats(u);
    expect(s.dayPnlUsd).toBeCloseTo(-600, 6);
    expect(s.pnlUsd).toBeCloseTo(-600, 6);
    expect(s.drawdownPct).toBeCloseTo(4, 6); // mark 15,000 (deposit raised it), equity 14,400
    const loss = -s.dayPnlUsd!;

    // Just above the stats' loss: allowed. Just below: refused, with the same loss in the event.
    setRisk(u, { maxDailyLossUsd: loss + 1 });
    expect(engine.review(u, price, w.clock.now())).toEqual({ ok: true });
    setRisk(u, { maxDailyLossUsd: loss - 1 });
    expect(engine.review(u, price, w.clock.now())).toMatchObject({ ok: false, code: 'DAILY_LOSS' });
    const hit = w.events.find((e) => e.type === 'risk.dailyLossHit')!;
    expect((hit.payload as { lossUsd: number }).lossUsd).toBeCloseTo(loss, 6);

    // The drawdown: above the stats' figure allowed, below it the pause.
    setRisk(u, { maxDrawdownPct: Math.ceil(s.drawdownPct) + 1 });
    expect(engine.review(u, price, w.clock.now())).toMatchObject({ code: 'DAILY_LOSS' }); // still locked today, not paused
    expect(w.controls.user(u).paused).toBe(false);
    setRisk(u, { maxDrawdownPct: Math.floor(s.drawdownPct) });
    expect(engine.review(u, price, w.clock.now())).toMatchObject({ ok: false, code: 'MAX_DRAWDOWN' });
    expect(w.controls.user(u).paused).toBe(true);
  });
});
