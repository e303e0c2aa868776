/**
 * The risk engine end to end (issue #5, items 4, 5 and 7): a paper-mode user
 * on the in-process sandbox, orders through engine.execute, refusals with
 * their codes in the outcome and in the journal, presets and dotted risk
 * settings through the settings commands, global limits, and the stats,
 * equity curve and leaderboard commands.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tokenBySymbol } from '../../engine/market';
import { Performance } from '../../engine/portfolio';
import { RISK_PRESETS } from '../../engine/risk';
import type { Engine, Funds } from '../../engine/runtime';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';

const WETH = tokenBySymbol('WETH')!;
let dir: { dir: string; cleanup: () => void };
let engine: Engine;
let funds: Funds;

beforeAll(async () => {
  dir = tempDataDir('hv-risk-int-');
  engine = openEngine(dir.dir);
  funds = await engine.funds();
  for (const name of ['Ana', 'Ben']) {
    await engine.execute('users.add', { name });
    await engine.execute('wallet.create', { user: name, words: 12 });
    await engine.execute('funds.faucet', { user: name, sol: '2', token: 'USDC', amount: '2000' });
    // Paper is its own account: its starting capital is explicit, not the wallet's balances.
    await engine.execute('settings.set', {
      user: name,
      key: 'paperStartingCapital',
      value: '{"USDC":"2000","SOL":"2"}',
    });
  }
  await funds.refreshPrices();
}, 120_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

const wethUsd = (): number => funds.prices.price(WETH.mint)!;
const buy = (user: string, amount: string, extra: Record<string, unknown> = {}) =>
  engine.execute('orders.submit', { user, side: 'buy', token: 'WETH', amount, ...extra });

describe('entries through engine.execute', () => {
  test('no stop-loss, or one above the price: rejected STOP_LOSS_REQUIRED, journaled with the code', async () => {
    // The API gives a manual buy a default stop; an order that reaches the gate without one (e.g. a copy trade) is refused.
    const ana = engine.users.resolve('Ana');
    const out = await funds.exec.submit({
      userId: ana.id,
      side: 'buy',
      inputMint: tokenBySymbol('USDC')!.mint,
      outputMint: WETH.mint,
      amount: 50_000_000n,
      context: 'copy',
      clientId: 'no-stop',
      slippageBps: 50,
    });
    expect(out).toMatchObject({
      status: 'rejected',
      code: 'STOP_LOSS_REQUIRED',
      message: expect.stringContaining('stop-loss'),
    });
    const above = await buy('Ana', '50', { stopLoss: wethUsd() * 1.1 });
    expect(above).toMatchObject({
      status: 'rejected',
      code: 'STOP_LOSS_REQUIRED',
      message: expect.stringContaining('below the current price'),
    });
    const journal = await engine.execute('orders.list', { user: 'Ana', limit: 10 });
    expect(journal.orders.slice(0, 2).map((o) => [o.status, o.reasonCode])).toEqual([
      ['rejected', 'STOP_LOSS_REQUIRED'],
      ['rejected', 'STOP_LOSS_REQUIRED'],
    ]);
  });

  test('a valid entry fills (paper); a position too large for 10 % of equity is refused POSITION_TOO_LARGE', async () => {
    const ok = await buy('Ana', '50', { stopLoss: wethUsd() * 0.9 });
    expect(ok).toMatchObject({ status: 'confirmed' });
    // Equity ≈ 2,000 USDC + 2 SOL; 10 % of it is below the 50 held + 300 more.
    await engine.execute('settings.set', { user: 'Ana', key: 'risk.maxPositionPctEquity', value: '10' });
    const big = await buy('Ana', '300', { stopLoss: wethUsd() * 0.9 });
    expect(big).toMatchObject({
      status: 'rejected',
      code: 'POSITION_TOO_LARGE',
      message: expect.stringContaining('% of equity'),
    });
  });

  test('`settings USER preset conservative` sets every limit; a dotted risk key makes it custom and is validated', async () => {
    const p = await engine.execute('risk.preset', { user: 'Ben', preset: 'conservative' });
    expect(p).toMatchObject({
      preset: 'conservative',
      limits: RISK_PRESETS.conservative,
      effective: RISK_PRESETS.conservative,
      fromGlobal: [],
    });
    const settings = await engine.execute('settings.get', { user: 'Ben' });
    expect(settings.settings).toMatchObject({
      riskPreset: 'conservative',
      maxOrderUsd: 100,
      risk: { preset: 'conservative' },
    });

    await engine.execute('settings.set', { user: 'Ben', key: 'risk.maxDailyLossPct', value: '3' });
    const l = await engine.execute('risk.limits', { user: 'Ben' });
    expect(l).toMatchObject({ preset: 'custom', limits: { ...RISK_PRESETS.conservative, maxDailyLossPct: 3 } });
    await expect(
      engine.execute('settings.set', { user: 'Ben', key: 'risk.maxDrawdownPct', value: '95' }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('at most 90'),
    });
    await expect(engine.execute('settings.set', { user: 'Ben', key: 'risk.bogus', value: '1' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(engine.execute('risk.preset', { user: 'Ben', preset: 'yolo' as never })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect((await engine.execute('risk.limits', { user: 'Ben' })).limits.maxDrawdownPct).toBe(
      RISK_PRESETS.conservative.maxDrawdownPct,
    );

    // Conservative: at most $100 per order.
    const out = await buy('Ben', '150', { stopLoss: wethUsd() * 0.9 });
    expect(out).toMatchObject({ status: 'rejected', code: 'ORDER_TOO_LARGE' });
  });

  test('a global limit overrides every user and is refused as GLOBAL_LIMIT; removing it restores the user values', async () => {
    await engine.execute('risk.setGlobal', { key: 'maxOrderUsd', value: '20' });
    expect((await engine.execute('risk.limits', { user: 'Ben' })).effective.maxOrderUsd).toBe(20);
    const out = await buy('Ben', '30', { stopLoss: wethUsd() * 0.9 });
    expect(out).toMatchObject({
      status: 'rejected',
      code: 'GLOBAL_LIMIT',
      message: expect.stringContaining("operator's global limit"),
    });
    await expect(engine.execute('risk.setGlobal', { key: 'maxOrderUsd', value: '0' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await engine.execute('risk.setGlobal', { key: 'maxOrderUsd', value: 'none' });
    expect(await engine.execute('risk.global', {})).toEqual({ limits: { requireStopLoss: true } });
    expect(await buy('Ben', '30', { stopLoss: wethUsd() * 0.9 })).toMatchObject({ status: 'confirmed' });
  });

  test('exits are never refused by the risk engine', async () => {
    const pos = (await engine.execute('positions.list', { user: 'Ben', status: 'open' })).positions[0]!;
    await engine.execute('risk.setGlobal', { key: 'maxOrderUsd', value: '1' });
    expect(await engine.execute('positions.close', { user: 'Ben', positionId: pos.id })).toMatchObject({
      status: 'confirmed',
    });
    await engine.execute('risk.setGlobal', { key: 'maxOrderUsd', value: 'none' });
  });
});

describe('stats, equity curve and leaderboard', () => {
  test('per-user stats, the curve after snapshots, and an anonymous leaderboard', async () => {
    const perf = new Performance(engine.store, funds.net.name, funds.prices, engine.clock, 0);
    expect(perf.snapshotEquity().written).toBe(2);
    const s = await engine.execute('stats.user', { user: 'Ana' });
    expect(s).toMatchObject({
      name: 'Ana',
      tradeCount: 1,
      openPositions: 1,
      roundTrips: 0,
      quoteSymbol: 'USDC',
      snapshots: 1,
    });
    expect(s.equityUsd).toBeGreaterThan(2_000);
    expect(s).toMatchObject({ mode: 'paper', account: 'Paper account' });
    const b = await engine.execute('stats.user', { user: 'Ben' });
    expect(b).toMatchObject({ tradeCount: 2, roundTrips: 1, openPositions: 0 });
    expect(b.winRate).not.toBeNull();

    const curve = await engine.execute('stats.equityCurve', { user: 'Ana' });
    expect(curve.points).toHaveLength(1);
    expect(curve.points[0]!.equityUsd).toBeCloseTo(s.equityUsd!, 0);

    const board = await engine.execute('stats.leaderboard', { by: 'pnl', anonymous: true });
    expect(board.rows.map((r) => r.name).sort()).toEqual(['Trader 1', 'Trader 2']);
    expect(board.rows.every((r) => r.userId === null)).toBe(true);
    const named = await engine.execute('stats.leaderboard', {});
    expect(named.by).toBe('return');
    expect(named.rows.map((r) => r.name).sort()).toEqual(['Ana', 'Ben']);
  });
});
