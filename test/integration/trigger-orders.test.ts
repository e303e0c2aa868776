/**
 * Issue 14, points 4 and 5: limit and stop orders, and editable exits.
 *
 * Real parts: an engine on a SQLite file (reopened for a restart), the one execution path
 * (TradeExecutionService, paper venue) with the controls and balance gates, the exit monitor.
 * Prices are a trusted-price source the test sets per tick; null is a price the quorum does not
 * trust now (stale or disagreeing).
 *
 *  - a limit order fires exactly once while the price flaps across its level, whatever the path
 *    (fast-check), and never on an untrusted price;
 *  - through a restart: a crash after the order was triggered, after its order was journaled but
 *    before it filled, and after it filled but before the order was marked: one order in the
 *    journal, at most one trade, whatever the price does afterwards;
 *  - expiry, cancel, a stop sell, the risk gate on a limit buy (and not on a sell);
 *  - an exit level set, moved or removed is audited and the exit monitor judges by it at once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from '@solana/kit';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../engine/api/events';
import {
  changeExitLevels,
  ExitMonitor,
  reconcileIntents,
  TradeExecutionService,
  triggerClientId,
  TriggerOrders,
  type OrderOutcome,
  type PriceSource,
} from '../../engine/execution';
import type { ChainClient } from '../../engine/chain';
import { ManualClock, isoTime } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { tokenBySymbol } from '../../engine/market';
import { balanceGate, composeGates, controlsGate } from '../../engine/risk';
import { Engine, type Funds } from '../../engine/runtime';
import { TradingLoop } from '../../engine/runtime/loop';
import { engineExecParts } from '../helpers/engine';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const NET = 'test';
const T0 = Date.parse('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;

let parent: string;
let key: string;
let clock: ManualClock;
let engine: Engine;
let events: EngineEvent[];
/** The trusted WETH price per tick (USDC is 1); null: no trusted price now. */
let weth: number | null;
let userId: number;

const prices: PriceSource = {
  price: (m) => (m === USDC.mint ? 1 : m === WETH.mint ? weth : null),
};

function open(): Engine {
  const e = Engine.open({ dataDir: join(parent, 'd'), clock, logger: silentLogger, env: { HARVEST_MASTER_KEY: key } });
  e.bus.subscribe((ev) => events.push(ev));
  return e;
}

function execOf(e: Engine): TradeExecutionService {
  return new TradeExecutionService({
    ...engineExecParts(e),
    risk: composeGates(controlsGate(e.controls), balanceGate(e.store, NET)),
    prices,
    network: NET,
    chain: null,
    jupiter: null,
  });
}

function ordersOf(e: Engine, exec: Pick<TradeExecutionService, 'submit'> = execOf(e)): TriggerOrders {
  return new TriggerOrders({ store: e.store, exec, prices, bus: e.bus, clock, log: silentLogger, network: NET });
}

/** A "restart": the engine is closed (nothing in memory survives) and opened again on the same file. */
async function restart(): Promise<void> {
  await engine.close();
  engine = open();
}

const intentsOf = (orderId: number) =>
  engine.store.db
    .prepare('SELECT id, status FROM intents WHERE user_id = ? AND client_id = ?')
    .all(userId, triggerClientId(orderId)) as { id: number; status: string }[];
const tradesOf = (orderId: number) =>
  (
    engine.store.db
      .prepare('SELECT COUNT(*) AS n FROM trades t JOIN intents i ON i.id = t.intent_id WHERE i.client_id = ?')
      .get(triggerClientId(orderId)) as { n: number }
  ).n;
const statusOf = (orderId: number) => engine.store.triggerOrders.byId(orderId)!.status;
const eventsOf = (type: string, orderId: number) =>
  events.filter((e) => e.type === type && (e.payload as { orderId?: number }).orderId === orderId);

const limitBuy = (o: TriggerOrders, price: number, expiresInMs = 24 * HOUR) =>
  o.place({
    userId,
    kind: 'limit',
    side: 'buy',
    mint: WETH.mint,
    quoteMint: USDC.mint,
    amount: 100_000_000n, // 100 USDC
    triggerPrice: price,
    slippageBps: 50,
    expiresInMs,
  });

/** Buys WETH at the market through the execution path, so there is a position to sell or protect. */
async function holdWeth(exec: TradeExecutionService): Promise<void> {
  const r: OrderOutcome = await exec.submit({
    userId,
    side: 'buy',
    inputMint: USDC.mint,
    outputMint: WETH.mint,
    amount: 500_000_000n,
    context: 'manual',
    clientId: `hold-${Math.random()}`,
    slippageBps: 50,
  });
  expect(r.status).toBe('confirmed');
}

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'hv-trigger-'));
  key = randomBytes(32).toString('hex');
  clock = new ManualClock(T0);
  events = [];
  weth = 2100;
  engine = open();
  const u = engine.users.add('ana', 'test');
  engine.wallets.create(u.id, 12, 'test');
  engine.store.paper.set(u.id, USDC.mint, 10_000_000_000_000n);
  userId = u.id;
});

afterEach(async () => {
  await engine.close();
  rmSync(parent, { recursive: true, force: true });
});

describe('a limit order fires exactly once', () => {
  it('while the price flaps across its level, on any path, and never on an untrusted price', async () => {
    // One engine for all runs: every run places its own order and counts that order's journal rows.
    let orders = ordersOf(engine);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.integer({ min: 1_900, max: 2_100 }), { nil: null, freq: 4 }), {
          minLength: 1,
          maxLength: 25,
        }),
        fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
        async (path, restarts) => {
          weth = 2_100;
          const order = limitBuy(orders, 2_000);
          let reachedOnTrust = false;
          for (const [i, p] of path.entries()) {
            weth = p;
            // Some ticks the monitor is rebuilt: in-memory state must not be what keeps it single.
            if (restarts[i]) orders = ordersOf(engine);
            await orders.runCycle();
            if (p !== null && p <= 2_000) reachedOnTrust = true;
            // Not before the level is reached on a trusted price, exactly once from then on.
            expect(intentsOf(order.id)).toHaveLength(reachedOnTrust ? 1 : 0);
          }
          expect(tradesOf(order.id)).toBe(reachedOnTrust ? 1 : 0);
          expect(statusOf(order.id)).toBe(reachedOnTrust ? 'filled' : 'open');
          expect(eventsOf('triggerOrder.filled', order.id)).toHaveLength(reachedOnTrust ? 1 : 0);
          // Leave no open order behind for the next run.
          if (!reachedOnTrust) orders.cancel(userId, order.id, 'test');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('through a crash after it was triggered, before anything was submitted: the restart fires it once', async () => {
    const order = limitBuy(ordersOf(engine), 2_000);
    // What the monitor writes before it submits; the process dies right after.
    expect(engine.store.triggerOrders.markTriggered(order.id, 1_990, isoTime(clock))).toBe(true);
    await restart();
    weth = 2_050; // the price went back above the level: the recorded decision stands
    const orders = ordersOf(engine);
    for (const p of [2_050, 1_950, 2_050, 1_900]) {
      weth = p;
      await orders.runCycle();
    }
    expect(intentsOf(order.id)).toHaveLength(1);
    expect(tradesOf(order.id)).toBe(1);
    expect(statusOf(order.id)).toBe('filled');
  });

  it('through a crash between submit and fill: the journal settles it, and it is never sent again', async () => {
    const order = limitBuy(ordersOf(engine), 2_000);
    // An execution path that journals the order (as TradeExecutionService does first) and then dies.
    const dying = {
      submit: (o: Parameters<TradeExecutionService['submit']>[0]): Promise<OrderOutcome> => {
        engine.store.intents.insert({
          userId: o.userId,
          clientId: o.clientId,
          network: NET,
          venue: 'paper',
          context: o.context,
          side: o.side,
          inputMint: o.inputMint,
          outputMint: o.outputMint,
          amount: o.amount,
          slippageBps: o.slippageBps,
          exits: null,
          at: isoTime(clock),
        });
        return new Promise<OrderOutcome>(() => undefined);
      },
    };
    weth = 1_990;
    void ordersOf(engine, dying).runCycle();
    await new Promise((r) => setTimeout(r, 20));
    expect(statusOf(order.id)).toBe('triggered');
    expect(intentsOf(order.id)).toEqual([{ id: expect.any(Number), status: 'pending' }]);
    await restart();
    // Start-up reconciliation: a pending order was never signed, so nothing was sent.
    await reconcileIntents(engine.store, {} as ChainClient, execOf(engine), NET, clock, silentLogger);
    const orders = ordersOf(engine);
    for (const p of [1_990, 2_100, 1_950, 2_100, 1_900]) {
      weth = p;
      await orders.runCycle();
    }
    expect(intentsOf(order.id)).toHaveLength(1);
    expect(tradesOf(order.id)).toBe(0);
    expect(statusOf(order.id)).toBe('failed');
    expect(engine.store.triggerOrders.byId(order.id)!.reason).toMatch(/nothing was sent/u);
    expect(eventsOf('triggerOrder.failed', order.id)).toHaveLength(1);
  });

  it('through a crash after the fill, before the order was marked filled: one trade, and the order reads filled', async () => {
    const order = limitBuy(ordersOf(engine), 2_000);
    weth = 1_980;
    engine.store.triggerOrders.markTriggered(order.id, 1_980, isoTime(clock));
    // The monitor's submission completes; the process dies before the order row is updated.
    const r = await execOf(engine).submit({
      userId,
      side: 'buy',
      inputMint: USDC.mint,
      outputMint: WETH.mint as Address,
      amount: order.amount,
      context: 'manual',
      clientId: triggerClientId(order.id),
      slippageBps: 50,
    });
    expect(r.status).toBe('confirmed');
    await restart();
    const orders = ordersOf(engine);
    for (const p of [2_100, 1_900, 2_100, 1_800]) {
      weth = p;
      await orders.runCycle();
    }
    expect(intentsOf(order.id)).toHaveLength(1);
    expect(tradesOf(order.id)).toBe(1);
    expect(statusOf(order.id)).toBe('filled');
    expect(eventsOf('triggerOrder.filled', order.id)).toHaveLength(1);
  });
});

describe('in the trading loop', () => {
  it('fires on the cycle whose trusted price reaches the level, after the exits, and once', async () => {
    const orders = ordersOf(engine);
    const order = limitBuy(orders, 2_000);
    const path = [2_050, null, 1_990, 2_050, 1_950];
    const steps: string[] = [];
    const funds = {
      refreshPrices: async () => void (weth = path.shift() ?? 2_100),
      balances: { refresh: async () => [] },
      flows: { scan: async () => ({ failed: [], withFlows: [] }) },
      ledger: { runDue: async () => [] },
      performance: { snapshotEquity: () => undefined },
      reviewRisk: () => undefined,
      openPaperAccounts: () => undefined,
      exits: { runCycle: async () => (steps.push('exits'), { checked: 0, exits: 0, stuck: 0 }) },
      orders: { runCycle: async () => (steps.push('orders'), orders.runCycle()) },
      runStrategies: async () => (steps.push('strategies'), { signals: 0, orders: 0, errors: 0 }),
      copy: { poll: async () => ({ copied: 0, refused: 0, failed: 0, pending: 0, errors: 0 }) },
    } as unknown as Funds;
    const loop = new TradingLoop(async () => funds, clock, silentLogger, 1_000);
    const fired: number[] = [];
    for (let cycle = 1; cycle <= 5; cycle++) if ((await loop.runCycle()).orders > 0) fired.push(cycle);
    expect(fired).toEqual([3]);
    expect(steps.slice(0, 3)).toEqual(['exits', 'orders', 'strategies']);
    expect(intentsOf(order.id)).toHaveLength(1);
    expect(statusOf(order.id)).toBe('filled');
  });
});

describe('placing, expiry, cancel, stop, risk', () => {
  it('expires unfilled after its expiry, with an event; a price reached later does nothing', async () => {
    const orders = ordersOf(engine);
    const order = limitBuy(orders, 2_000, HOUR);
    clock.advance(HOUR);
    expect((await orders.runCycle()).expired).toBe(1);
    weth = 1_000;
    await orders.runCycle();
    expect(statusOf(order.id)).toBe('expired');
    expect(intentsOf(order.id)).toHaveLength(0);
    expect(eventsOf('triggerOrder.expired', order.id)[0]!.payload).toMatchObject({
      message: 'The limit buy of 100 USDC of WETH at 2,000 USDC expired unfilled.',
    });
  });

  it('cancels an open order of its own friend only, once; a cancelled order never fires', async () => {
    const orders = ordersOf(engine);
    const order = limitBuy(orders, 2_000);
    const other = engine.users.add('bo', 'test');
    expect(() => orders.cancel(other.id, order.id, 'test')).toThrow(/no order/u);
    expect(orders.cancel(userId, order.id, 'ui').status).toBe('cancelled');
    expect(() => orders.cancel(userId, order.id, 'ui')).toThrow(/already cancelled/u);
    weth = 1_500;
    await orders.runCycle();
    expect(intentsOf(order.id)).toHaveLength(0);
    expect(eventsOf('triggerOrder.cancelled', order.id)).toHaveLength(1);
  });

  it('refuses, before storing anything, an order that would fire at once, a stop buy, and a sell with no position', () => {
    const orders = ordersOf(engine);
    expect(() => limitBuy(orders, 2_200)).toThrow(/WETH is at 2,100 USDC now.*a limit buy must be below it/u);
    const sell = { userId, side: 'sell' as const, mint: WETH.mint, quoteMint: USDC.mint, amount: 1n, slippageBps: 50 };
    expect(() => orders.place({ ...sell, kind: 'stop', triggerPrice: 1_900, expiresInMs: HOUR })).toThrow(
      /no open WETH position/u,
    );
    expect(() => orders.place({ ...sell, side: 'buy', kind: 'stop', triggerPrice: 1_900, expiresInMs: HOUR })).toThrow(
      /A stop sells/u,
    );
    expect(engine.store.triggerOrders.list(userId, false)).toHaveLength(0);
  });

  it('a stop sells when the price falls to it, once, and a limit sell when it rises to it', async () => {
    const exec = execOf(engine);
    await holdWeth(exec);
    const orders = ordersOf(engine, exec);
    const pos = () => engine.store.portfolio.openPosition(userId, NET, WETH.mint, 'paper');
    const qty = pos()!.quantity;
    const stop = orders.place({
      userId,
      kind: 'stop',
      side: 'sell',
      mint: WETH.mint,
      quoteMint: USDC.mint,
      amount: qty / 2n,
      triggerPrice: 1_900,
      slippageBps: 50,
      expiresInMs: HOUR,
    });
    const limitSell = orders.place({ ...stopInput(qty / 2n), kind: 'limit', triggerPrice: 2_300 });
    for (const p of [2_000, 1_950, 1_890, 2_000, 1_850]) {
      weth = p;
      await orders.runCycle();
    }
    expect(statusOf(stop.id)).toBe('filled');
    expect(intentsOf(stop.id)).toHaveLength(1);
    expect(statusOf(limitSell.id)).toBe('open');
    weth = 2_350;
    await orders.runCycle();
    expect(statusOf(limitSell.id)).toBe('filled');
    expect(pos()).toBeNull();
  });

  it('a sell order whose position was closed some other way is cancelled with the reason, and never fires', async () => {
    const exec = execOf(engine);
    await holdWeth(exec);
    const orders = ordersOf(engine, exec);
    const qty = engine.store.portfolio.openPosition(userId, NET, WETH.mint, 'paper')!.quantity;
    const stop = orders.place({ ...stopInput(qty), kind: 'stop', triggerPrice: 1_900 });
    const limitSell = orders.place({ ...stopInput(qty), kind: 'limit', triggerPrice: 2_300 });
    const buy = limitBuy(orders, 2_000);
    await orders.runCycle();
    expect([statusOf(stop.id), statusOf(limitSell.id)]).toEqual(['open', 'open']);
    const sold = await exec.submit({
      userId,
      side: 'sell',
      inputMint: WETH.mint,
      outputMint: USDC.mint,
      amount: qty,
      context: 'manual',
      clientId: 'sell-all',
      slippageBps: 50,
    });
    expect(sold.status).toBe('confirmed');
    expect((await orders.runCycle()).cancelled).toBe(2);
    expect([statusOf(stop.id), statusOf(limitSell.id), statusOf(buy.id)]).toEqual(['cancelled', 'cancelled', 'open']);
    expect(engine.store.triggerOrders.byId(stop.id)!.reason).toBe('the WETH position was closed');
    expect(eventsOf('triggerOrder.cancelled', stop.id)[0]!.payload).toMatchObject({
      message: expect.stringMatching(
        /^Cancelled the stop sell of .* WETH at 1,900 USDC: the WETH position in the paper account was closed\.$/u,
      ),
    });
    for (const p of [1_850, 2_350]) {
      weth = p;
      await orders.runCycle();
    }
    expect(intentsOf(stop.id)).toHaveLength(0);
    expect(intentsOf(limitSell.id)).toHaveLength(0);
    expect(eventsOf('triggerOrder.cancelled', limitSell.id)).toHaveLength(1);
  });

  it('the risk gate applies to a limit buy (paused: not filled, with the reason), and a sell passes the pause', async () => {
    const exec = execOf(engine);
    await holdWeth(exec);
    const orders = ordersOf(engine, exec);
    const buy = limitBuy(orders, 2_000);
    const sell = orders.place({ ...stopInput(1_000n), kind: 'limit', triggerPrice: 2_200 });
    engine.controls.pauseUser(userId, 'holiday', 'test');
    weth = 1_990;
    await orders.runCycle();
    expect(statusOf(buy.id)).toBe('failed');
    expect(engine.store.intents.byClientId(userId, triggerClientId(buy.id))!.reasonCode).toBe('PAUSED_USER');
    expect(eventsOf('triggerOrder.failed', buy.id)).toHaveLength(1);
    weth = 2_250;
    await orders.runCycle();
    expect(statusOf(sell.id)).toBe('filled');
  });
});

function stopInput(amount: bigint) {
  return {
    userId,
    side: 'sell' as const,
    mint: WETH.mint,
    quoteMint: USDC.mint,
    amount,
    slippageBps: 50,
    expiresInMs: HOUR,
  };
}

describe('editable exits', () => {
  it('a stop set, moved and removed is audited, and the exit monitor judges by the new level at once', async () => {
    const exec = execOf(engine);
    weth = 2_000;
    await holdWeth(exec);
    const p = () => engine.store.portfolio.openPosition(userId, NET, WETH.mint, 'paper');
    const deps = { store: engine.store, bus: engine.bus, clock, prices };
    const monitor = new ExitMonitor(engine.store, exec, prices, engine.bus, clock, silentLogger, NET);

    expect(() => changeExitLevels(deps, p()!, { stopLoss: 2_050 }, 'ui')).toThrow(/would sell at once/u);
    changeExitLevels(deps, p()!, { stopLoss: 1_800, takeProfit: 2_500 }, 'ui');
    changeExitLevels(deps, p()!, { stopLoss: null }, 'cli');
    weth = 1_700;
    await monitor.runCycle();
    expect(p()).not.toBeNull(); // no stop any more: the fall does not sell

    weth = 2_000;
    changeExitLevels(deps, p()!, { stopLoss: 1_950, trailingPct: 5 }, 'cli');
    const audit = engine.store.db
      .prepare("SELECT actor, details FROM audit_log WHERE action = 'position.exitsChanged' ORDER BY id")
      .all() as { actor: string; details: string }[];
    expect(audit.map((a) => a.actor)).toEqual(['ui', 'cli', 'cli']);
    expect(JSON.parse(audit[1]!.details)).toMatchObject({
      before: { stopLoss: 1_800, takeProfit: 2_500 },
      after: { stopLoss: null, takeProfit: 2_500 },
    });
    weth = 1_940;
    expect((await monitor.runCycle()).exits).toBe(1);
    expect(p()).toBeNull();
  });
});
