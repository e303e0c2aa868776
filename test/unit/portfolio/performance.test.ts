/**
 * Performance on crafted trades and equity paths (issue #5, item 5): realized
 * and unrealized PnL, win rate, trade count, volume, fees, the equity curve,
 * max drawdown, the modified Dietz return, withdrawals imported as cash flows,
 * and the leaderboard (by return or PnL, anonymous).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { WRAPPED_SOL_MINT } from '../../../engine/market';
import {
  modifiedDietz,
  Performance,
  rankLeaderboard,
  recordCashFlow,
  toMicroUsd,
  userStats,
  type UserStats,
} from '../../../engine/portfolio';
import {
  addUser,
  NET,
  PAPER,
  priceFn,
  recordFill,
  setBook,
  USDC,
  usdc,
  WBTC,
  WETH,
  weth,
  world,
  type World,
} from '../../helpers/risk';

const HOUR = 3_600_000;
let w: World;
beforeEach(() => {
  w = world();
});
afterEach(() => w.store.close());
const iso = (): string => new Date(w.clock.now()).toISOString();

describe('PnL, win rate, volume, fees', () => {
  test('crafted round trips give exact numbers', () => {
    const u = addUser(w, 'ana', {}, { [USDC.mint]: usdc(50_000) });
    const fee = 5_000n;
    recordFill(w.store, { userId: u, side: 'buy', base: weth(1), quote: usdc(3_000), at: iso(), feeLamports: fee });
    recordFill(w.store, { userId: u, side: 'sell', base: weth(0.5), quote: usdc(1_600), at: iso(), feeLamports: fee }); // +100
    recordFill(w.store, {
      userId: u,
      side: 'buy',
      base: 10_000_000n,
      quote: usdc(9_000),
      at: iso(),
      baseMint: WBTC.mint,
      feeLamports: fee,
    });
    recordFill(w.store, {
      userId: u,
      side: 'sell',
      base: 10_000_000n,
      quote: usdc(8_500),
      at: iso(),
      baseMint: WBTC.mint,
      feeLamports: fee,
    }); // −500, closed
    const s = userStats(w.store, u, NET, priceFn({ [WETH.mint]: 3_200 }), w.clock.now(), null);
    expect(s.realizedPnl).toBe(usdc(-400));
    expect(s.unrealizedPnl).toBe(usdc(100)); // 0.5 WETH worth 1,600 against 1,500 cost
    expect(s.realizedPnlUsd).toBeCloseTo(-400, 6);
    expect(s.unrealizedPnlUsd).toBeCloseTo(100, 6);
    expect(s.tradePnlUsd).toBeCloseTo(-300, 6);
    expect(s.pnlUsd).toBeNull(); // total PnL (equity-based) starts at the first snapshot
    expect(s).toMatchObject({
      tradeCount: 4,
      roundTrips: 1,
      wins: 0,
      losses: 1,
      winRate: 0,
      openPositions: 1,
      feesLamports: 20_000n,
      quoteSymbol: 'USDC',
    });
    expect(s.volumeByQuote).toEqual({ [USDC.mint]: usdc(22_100) });
    expect(s.volumeUsd).toBeCloseTo(22_100, 6);
    expect(s.feesUsd).toBeCloseTo((20_000 / 1e9) * 150, 9);

    // Close WETH with a gain: two round trips, one win.
    recordFill(w.store, { userId: u, side: 'sell', base: weth(0.5), quote: usdc(1_700), at: iso() });
    const t = userStats(w.store, u, NET, priceFn(), w.clock.now(), null);
    expect(t).toMatchObject({ roundTrips: 2, wins: 1, losses: 1, winRate: 0.5, unrealizedPnl: 0n, openPositions: 0 });
    expect(t.realizedPnl).toBe(usdc(-200));
  });

  test('without prices the USD figures are null, the exact quote figures are not', () => {
    const u = addUser(w, 'ana');
    recordFill(w.store, { userId: u, side: 'buy', base: weth(1), quote: usdc(3_000), at: iso() });
    const s = userStats(w.store, u, NET, () => null, w.clock.now(), null);
    expect(s).toMatchObject({
      realizedPnl: 0n,
      unrealizedPnl: null,
      realizedPnlUsd: null,
      unrealizedPnlUsd: null,
      tradePnlUsd: null,
      pnlUsd: null,
      volumeUsd: null,
      tradeCount: 1,
    });
  });

  test('trades on another network are not counted', () => {
    const u = addUser(w, 'ana');
    recordFill(w.store, { userId: u, side: 'buy', base: weth(1), quote: usdc(3_000), at: iso(), network: 'devnet' });
    expect(userStats(w.store, u, NET, priceFn(), w.clock.now(), null)).toMatchObject({
      tradeCount: 0,
      openPositions: 0,
    });
  });
});

describe('equity snapshots, drawdown and return', () => {
  test('the curve, its max drawdown (flow-adjusted mark) and a modified Dietz return net of a deposit', () => {
    const u = addUser(w, 'ana', {}, { [USDC.mint]: usdc(10_000) });
    const perf = new Performance(w.store, NET, { price: priceFn() }, w.clock);
    const step = (equity: number): void => {
      setBook(w, u, { [USDC.mint]: usdc(equity) });
      expect(perf.snapshotEquity().written).toBe(1);
      w.clock.advance(HOUR);
    };
    step(10_000);
    step(12_000);
    step(9_000);
    recordCashFlow(w.store, {
      userId: u,
      network: PAPER,
      kind: 'deposit',
      amountUsd: toMicroUsd(3_000),
      nowMs: w.clock.now(),
    });
    step(12_000);
    setBook(w, u, { [USDC.mint]: usdc(13_000) });
    const curve = perf.equityCurve(u);
    expect(
      curve.map((p) => [p.equityUsd, p.highWaterUsd, Math.round(p.drawdownPct * 100) / 100, p.depositsUsd]),
    ).toEqual([
      [10_000, 10_000, 0, 0],
      [12_000, 12_000, 0, 0],
      [9_000, 12_000, 25, 0],
      [12_000, 15_000, 20, 3_000],
    ]);
    const s = perf.stats(u);
    expect(s.maxDrawdownPct).toBeCloseTo(25, 9);
    expect(s.equityUsd).toBe(13_000);
    expect(s.highWaterUsd).toBe(15_000);
    expect(s.depositsUsd).toBe(3_000);
    // (13,000 − 10,000 − 3,000) / (10,000 + 0.5·3,000) = 0: the deposit is not a gain.
    expect(s.returnPct).toBeCloseTo(0, 9);
    expect(s.snapshots).toBe(4);
  });

  test('modified Dietz weights a flow by the share of the period it was in', () => {
    const first = { ts: '2026-01-01T00:00:00.000Z', equity: toMicroUsd(1_000) };
    const flows = [
      {
        id: 1,
        userId: 1,
        network: NET,
        ts: '2026-01-01T06:00:00.000Z',
        kind: 'withdrawal' as const,
        amountUsd: toMicroUsd(200),
        ref: null,
      },
    ];
    // (900 − 1,000 + 200) / (1,000 − 0.75·200) = 100 / 850
    expect(modifiedDietz(first, toMicroUsd(900), Date.parse('2026-01-02T00:00:00Z'), flows)).toBeCloseTo(
      (100 / 850) * 100,
      9,
    );
    expect(modifiedDietz({ ...first, equity: 0n }, toMicroUsd(5), Date.parse('2026-01-02T00:00:00Z'), [])).toBeNull();
  });

  test('snapshots are throttled to one per user per interval; users with an unpriced asset are skipped', () => {
    const a = addUser(w, 'ana', {}, { [USDC.mint]: usdc(100) });
    const b = addUser(w, 'ben', {}, { [WRAPPED_SOL_MINT]: 1_000_000_000n });
    const perf = new Performance(w.store, NET, { price: priceFn({ [WRAPPED_SOL_MINT]: null }) }, w.clock, 60_000);
    expect(perf.snapshotEquity()).toEqual({ written: 1, skipped: [b] });
    w.clock.advance(59_999);
    expect(perf.snapshotEquity().written).toBe(0);
    w.clock.advance(1);
    expect(perf.snapshotEquity().written).toBe(1);
    expect(w.store.risk.snapshots(a, PAPER)).toHaveLength(2);
  });

  test('a confirmed withdrawal of a live user becomes a cash flow that lowers the mark in proportion', () => {
    const u = addUser(w, 'liv', { mode: 'live' });
    const address = w.store.wallets.byUser(u)!.address;
    w.store.holdings.upsertBalance(NET, address, 'SOL', 100_000_000_000n, iso()); // 100 SOL = $15,000
    const perf = new Performance(w.store, NET, { price: priceFn() }, w.clock, 0);
    perf.snapshotEquity();
    const wid = w.store.funds.insertWithdrawal({
      userId: u,
      network: NET,
      mint: 'SOL',
      amount: 20_000_000_000n,
      destination: 'x',
      at: iso(),
    });
    w.store.funds.finishWithdrawal(wid, 'confirmed', null, iso());
    w.store.holdings.upsertBalance(NET, address, 'SOL', 80_000_000_000n, iso());
    w.clock.advance(HOUR);
    perf.snapshotEquity();
    perf.snapshotEquity(); // imported once
    expect(w.store.risk.cashFlows(u, NET)).toEqual([
      expect.objectContaining({ kind: 'withdrawal', amountUsd: toMicroUsd(3_000), ref: `withdrawal:${wid}` }),
    ]);
    const last = w.store.risk.lastSnapshot(u, NET)!;
    expect(last).toMatchObject({
      equity: toMicroUsd(12_000),
      highWater: toMicroUsd(12_000),
      withdrawals: toMicroUsd(3_000),
    });
    expect(perf.stats(u).returnPct).toBeCloseTo(0, 6);
  });
});

describe('leaderboard', () => {
  const stats = (o: Partial<UserStats>): UserStats =>
    ({
      returnPct: null,
      pnlUsd: null,
      equityUsd: null,
      tradeCount: 0,
      winRate: null,
      maxDrawdownPct: 0,
      ...o,
    }) as UserStats;
  const entries = [
    { userId: 1, name: 'Ana', stats: stats({ returnPct: 5, pnlUsd: 50 }) },
    { userId: 2, name: 'Ben', stats: stats({ returnPct: 12, pnlUsd: 20 }) },
    { userId: 3, name: 'Cy', stats: stats({ returnPct: null, pnlUsd: 900 }) },
    { userId: 4, name: 'Dee', stats: stats({ returnPct: -3, pnlUsd: -10 }) },
  ];

  test('by return (default order), users without a return last', () => {
    expect(rankLeaderboard(entries, 'return', false).map((r) => [r.rank, r.name])).toEqual([
      [1, 'Ben'],
      [2, 'Ana'],
      [3, 'Dee'],
      [4, 'Cy'],
    ]);
  });

  test('by PnL', () => {
    expect(rankLeaderboard(entries, 'pnl', false).map((r) => r.name)).toEqual(['Cy', 'Ana', 'Ben', 'Dee']);
  });

  test('anonymous: no names, no ids, same order and numbers', () => {
    const rows = rankLeaderboard(entries, 'return', true);
    expect(rows.map((r) => [r.name, r.userId, r.returnPct])).toEqual([
      ['Trader 1', null, 12],
      ['Trader 2', null, 5],
      ['Trader 3', null, -3],
      ['Trader 4', null, null],
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/Ana|Ben|Cy|Dee/u);
  });
});
