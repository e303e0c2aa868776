/**
 * The risk gate remembers what it read about a friend while the database is
 * unchanged (engine/risk/gate-facts.ts), so a busy cycle reads each friend
 * once. A write between two checks (a fill, a deposit, a settings change, a
 * write from another connection) must be seen by the next check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isoTime } from '../../../engine/kernel/clock';
import { standardRiskGate, type RiskContext, type RiskGate } from '../../../engine/risk';
import { openDatabase, Store } from '../../../engine/store';
import {
  addUser,
  buyOrder,
  NET,
  openPositionRow,
  PAPER,
  PERMISSIVE_RISK,
  priceFn,
  recordFill,
  usdc,
  weth,
  USDC,
  WBTC,
  WETH,
  world,
} from '../../helpers/risk';

const ONE_POSITION = { ...PERMISSIVE_RISK, maxConcurrentPositions: 1 };

/** A world with these paper friends (10,000 USDC, at most one position each), the standard gate and a check context. */
function withFriends<N extends string>(
  names: readonly N[],
  test: (t: { w: ReturnType<typeof world>; gate: RiskGate; ctx: RiskContext; friends: Record<N, number> }) => void,
): void {
  const w = world();
  try {
    const friends = {} as Record<N, number>;
    for (const n of names)
      friends[n] = addUser(w, n, { mode: 'paper', risk: ONE_POSITION }, { [USDC.mint]: usdc(10_000) });
    const gate = standardRiskGate({ store: w.store, controls: w.controls, bus: w.bus, network: NET });
    const ctx = { balances: new Map([[USDC.mint, usdc(10_000)]]), price: priceFn(), nowMs: w.clock.now() };
    test({ w, gate, ctx, friends });
  } finally {
    w.store.close();
  }
}

/** A $300 WBTC buy with a stop-loss, as the fact tests place it. */
const wbtc = (u: number): ReturnType<typeof buyOrder> =>
  buyOrder(u, 300, { outputMint: WBTC.mint, stopLossPrice: 80_000 });

describe('the risk gate within one cycle', () => {
  it("a second entry of the same friend sees the first one's position (MAX_POSITIONS after the fill)", () => {
    withFriends(['ana', 'bob'], ({ w, gate, ctx, friends: { ana, bob } }) => {
      // Both friends' facts are read and remembered.
      expect(gate.check(buyOrder(ana, 300), ctx)).toEqual({ ok: true });
      expect(gate.check(buyOrder(bob, 300), ctx)).toEqual({ ok: true });
      expect(gate.check(buyOrder(ana, 300, { outputMint: WBTC.mint, stopLossPrice: 80_000 }), ctx)).toEqual({
        ok: true,
      });
      // Ana's first entry fills: she now holds one position, her limit.
      recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.1), quote: usdc(300), at: isoTime(w.clock) });
      const after = {
        ...ctx,
        balances: new Map([
          [USDC.mint, usdc(9_700)],
          [WETH.mint, weth(0.1)],
        ]),
      };
      const second = gate.check(buyOrder(ana, 300, { outputMint: WBTC.mint, stopLossPrice: 80_000 }), after);
      expect(second).toMatchObject({ ok: false, code: 'MAX_POSITIONS' });
      // Bob holds nothing, so he still enters.
      expect(gate.check(buyOrder(bob, 300), ctx)).toEqual({ ok: true });
    });
  });

  it('the decision log, a live candle and an event written between two checks keep the facts; a fill drops them', () => {
    withFriends(['ana'], ({ w, gate, ctx, friends: { ana } }) => {
      expect(gate.check(buyOrder(ana, 300), ctx)).toEqual({ ok: true });
      const reads = vi.spyOn(w.store.risk, 'lastClose');
      const at = isoTime(w.clock);
      // What the strategy runner and the engine write in a cycle, between two entry checks.
      w.store.decisions.saveState({
        userId: ana,
        token: 'WETH',
        strategyId: 'trend',
        timeframe: '5m',
        warmupHave: 63,
        warmupNeeded: 63,
        lastCandle: 0,
        indicators: { fast: 1, slow: 2 },
        signal: { side: 'buy', reason: 'cross', candleTime: 0 },
        outcome: 'entered',
        code: 'FILLED',
        message: 'bought',
        decidedAt: at,
        tradedAt: null,
        updatedAt: at,
      });
      w.store.decisions.record({
        userId: ana,
        token: 'WETH',
        strategyId: 'trend',
        candleTime: 0,
        recordedAt: at,
        outcome: 'entered',
        code: 'FILLED',
        message: 'bought',
        signalSide: 'buy',
        indicators: null,
        intentId: null,
        clientId: null,
      });
      w.store.candles.putLive(NET, WETH.mint, '5m', { time: 0, open: 1, high: 1, low: 1, close: 1, volume: 0 });
      w.store.events.insert({ ts: at, type: 'strategy.signal', severity: 'info', userId: ana, payload: {} });
      expect(gate.check(buyOrder(ana, 300), ctx)).toEqual({ ok: true });
      expect(reads).not.toHaveBeenCalled();
      // A fill is a fact: the next check reads again and sees the position.
      recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.1), quote: usdc(300), at });
      const second = gate.check(buyOrder(ana, 300, { outputMint: WBTC.mint, stopLossPrice: 80_000 }), ctx);
      expect(second).toMatchObject({ ok: false, code: 'MAX_POSITIONS' });
      expect(reads).toHaveBeenCalled();
    });
  });

  it("one friend's fill drops only that friend's facts; a write the store does not explain drops everyone's", () => {
    withFriends(['ana', 'bob'], ({ w, gate, ctx, friends: { ana, bob } }) => {
      expect(gate.check(wbtc(ana), ctx)).toEqual({ ok: true });
      expect(gate.check(wbtc(bob), ctx)).toEqual({ ok: true });
      const reads = vi.spyOn(w.store.risk, 'openPositions');
      const readFor = (u: number): number => reads.mock.calls.filter((c) => c[0] === u).length;
      recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.1), quote: usdc(300), at: isoTime(w.clock) });
      // Ana is read again and sees her position; Bob's facts stay as they were.
      expect(gate.check(wbtc(ana), ctx)).toMatchObject({ ok: false, code: 'MAX_POSITIONS' });
      expect(gate.check(wbtc(bob), ctx)).toEqual({ ok: true });
      expect(readFor(ana)).toBe(1);
      expect(readFor(bob)).toBe(0);
      // A balance read stored for Ana's wallet is hers too.
      w.store.holdings.upsertBalance(
        NET,
        'AnaWallet1111111111111111111111111111111111',
        USDC.mint,
        1n,
        isoTime(w.clock),
        ana,
      );
      expect(gate.check(wbtc(bob), ctx)).toEqual({ ok: true });
      expect(readFor(bob)).toBe(0);
      // So is her periodic equity snapshot (every friend's, once a minute, in the live engine).
      w.store.risk.insertSnapshot({
        userId: ana,
        network: `${NET}:paper`,
        ts: isoTime(w.clock),
        equity: usdc(10_000),
        deposits: 0n,
        withdrawals: 0n,
        highWater: usdc(10_000),
      });
      expect(gate.check(wbtc(bob), ctx)).toEqual({ ok: true });
      expect(readFor(bob)).toBe(0);
      // A write not routed through the store's explained writes (here a raw statement on Ana's position
      // rows) drops everyone's facts: the next checks read both friends again.
      w.store.db.prepare('UPDATE positions SET updated_at = updated_at WHERE user_id = ?').run(ana);
      gate.check(wbtc(bob), ctx);
      gate.check(wbtc(ana), ctx);
      expect(readFor(bob)).toBe(1);
      expect(readFor(ana)).toBe(2);
    });
  });

  it("a friend's write drops only what that kind of row feeds: a fill keeps the risk state and name; a deposit or a risk state written elsewhere is seen", () => {
    withFriends(['ana', 'bob'], ({ w, gate, ctx, friends: { ana, bob } }) => {
      expect(gate.check(wbtc(ana), ctx)).toEqual({ ok: true });
      expect(gate.check(wbtc(bob), ctx)).toEqual({ ok: true });
      const states = vi.spyOn(w.store.risk, 'state');
      const names = vi.spyOn(w.store.users, 'byId');
      const open = vi.spyOn(w.store.risk, 'openPositions');
      const closes = vi.spyOn(w.store.risk, 'lastClose');
      // A fill writes Ana's positions, trades and paper balances: those are read again, not the rest (nor
      // when her last position in a token closed: a new open position does not change that).
      recordFill(w.store, { userId: ana, side: 'buy', base: weth(0.1), quote: usdc(300), at: isoTime(w.clock) });
      expect(gate.check(wbtc(ana), ctx)).toMatchObject({ ok: false, code: 'MAX_POSITIONS' });
      expect(open).toHaveBeenCalledTimes(1);
      expect(closes).not.toHaveBeenCalled();
      expect(states).not.toHaveBeenCalled();
      expect(names).not.toHaveBeenCalled();
      // Ana's risk state written by someone else (the daily loss lock for today) is read again and holds.
      const state = w.store.risk.state(ana, PAPER)!;
      states.mockClear();
      w.store.risk.saveState({ ...state, dailyLossDay: state.day });
      expect(gate.check(wbtc(ana), ctx)).toMatchObject({
        ok: false,
        code: 'DAILY_LOSS',
        message: expect.stringContaining('was hit today') as unknown,
      });
      expect(states).toHaveBeenCalledTimes(1);
      // Bob deposits today as much again as he holds, his equity unchanged: half of the day's stake is gone.
      w.store.risk.insertCashFlow({
        userId: bob,
        network: PAPER,
        ts: isoTime(w.clock),
        kind: 'deposit',
        amountUsd: usdc(10_000),
        ref: 'test-deposit',
      });
      expect(gate.check(wbtc(bob), ctx)).toMatchObject({
        ok: false,
        code: 'DAILY_LOSS',
        message: expect.stringContaining("Today's loss is $10000.00") as unknown,
      });
    });
  });

  it("the gate's own mark of a friend's risk state keeps that friend's facts (the write's effect is known)", () => {
    withFriends(['ana'], ({ w, gate, ctx, friends: { ana } }) => {
      const reads = vi.spyOn(w.store.risk, 'lastClose');
      const states = vi.spyOn(w.store.risk, 'saveState');
      expect(gate.check(buyOrder(ana, 300), ctx)).toEqual({ ok: true });
      expect(reads).toHaveBeenCalledTimes(1);
      // The next day: the check marks Ana's risk state with the new day's start (a write to her facts, made
      // by the gate) before it reads the rest of her facts, which stay remembered.
      w.clock.advance(86_400_000);
      const marks = states.mock.calls.length;
      expect(gate.check(buyOrder(ana, 300), { ...ctx, nowMs: w.clock.now() })).toEqual({ ok: true });
      expect(states.mock.calls.length).toBeGreaterThan(marks);
      expect(reads).toHaveBeenCalledTimes(1);
    });
  });

  it('sees a position written by another connection (a CLI command) between two checks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gate-facts-'));
    const file = join(dir, 'h.db');
    const w = world();
    w.store.close();
    const store = new Store(openDatabase(file, { nowIso: isoTime(w.clock) }));
    const other = new Store(openDatabase(file, { nowIso: isoTime(w.clock) }));
    try {
      const ww = { ...w, store };
      const ana = addUser(ww, 'ana', { mode: 'paper', risk: ONE_POSITION }, { [USDC.mint]: usdc(10_000) });
      const gate = standardRiskGate({ store, controls: w.controls, bus: w.bus, network: NET });
      const ctx = { balances: new Map([[USDC.mint, usdc(10_000)]]), price: priceFn(), nowMs: w.clock.now() };
      const wbtc = (): ReturnType<typeof buyOrder> =>
        buyOrder(ana, 300, { outputMint: WBTC.mint, stopLossPrice: 80_000 });
      expect(gate.check(wbtc(), ctx)).toEqual({ ok: true });
      openPositionRow(other, {
        userId: ana,
        mint: WETH.mint,
        quantity: weth(0.1),
        at: isoTime(w.clock),
        account: 'paper',
      });
      expect(gate.check(wbtc(), ctx)).toMatchObject({ ok: false, code: 'MAX_POSITIONS' });
    } finally {
      other.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
