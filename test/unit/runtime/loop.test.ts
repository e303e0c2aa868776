import { emptyCopyPollReport } from '../../../engine/copy';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PriceBook, TradeExecutionService } from '../../../engine/execution';
import { ManualClock, type Clock } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import { IndicatorCache, loadCandlesFile, ReplayCandleSource, tokenBySymbol } from '../../../engine/market';
import { balanceGate, composeGates, controlsGate, orderSizeGate } from '../../../engine/risk';
import { Engine, type Funds } from '../../../engine/runtime';
import { TradingLoop } from '../../../engine/runtime/loop';
import { StrategyRunner } from '../../../engine/runtime/strategy-runner';
import { REPO_ROOT } from '../../helpers/cli';

const SOL = tokenBySymbol('SOL')!;
const CANDLES = loadCandlesFile(join(REPO_ROOT, 'test/fixtures/market/SOLUSDT-1h-binance-2020-12_2021-07.csv.gz'));
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** An engine with `n` paper users running DCA (which signals on every interval), one of them misconfigured. */
async function world(
  n: number,
  clock: ManualClock,
): Promise<{ engine: Engine; runner: StrategyRunner; sleeps: number[] }> {
  const parent = mkdtempSync(join(tmpdir(), 'hv-loop-'));
  const engine = Engine.open({
    dataDir: join(parent, 'd'),
    clock,
    logger: silentLogger,
    env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
  });
  cleanups.push(async () => {
    await engine.close();
    rmSync(parent, { recursive: true, force: true });
  });
  for (let i = 0; i < n; i++) {
    const u = engine.users.add(`u${i}`, 'test');
    engine.wallets.create(u.id, 12, 'test');
    const row = engine.store.settings.get(u.id)!;
    // The first user's strategy id does not exist: their cycle fails, nobody else's may.
    const strategy = {
      enabled: true,
      id: i === 0 ? 'no-such-strategy' : 'dca',
      // Daily DCA on hourly candles, the series this world replays.
      params: { timeframe: '1h', intervalHours: 24 },
      tokens: ['SOL'],
    };
    engine.store.settings.update(
      u.id,
      row.version,
      { ...(row.settings as object), strategy },
      new Date(clock.now()).toISOString(),
    );
    engine.store.paper.set(u.id, tokenBySymbol('USDC')!.mint, 10_000_000_000n);
    engine.store.paper.set(u.id, SOL.mint, 100_000_000n);
  }
  const source = new ReplayCandleSource({ clock });
  source.add(SOL.mint, '1h', CANDLES);
  const prices = new PriceBook(clock, Number.POSITIVE_INFINITY);
  const exec = new TradeExecutionService({
    store: engine.store,
    clock,
    log: silentLogger,
    bus: engine.bus,
    signer: engine.signer,
    controls: engine.controls,
    risk: composeGates(controlsGate(engine.controls), orderSizeGate(engine.store), balanceGate(engine.store, 'test')),
    prices,
    network: 'test',
    chain: null,
    jupiter: null,
  });
  const sleeps: number[] = [];
  const countingClock: Clock = { now: () => clock.now(), sleep: async (ms) => void sleeps.push(ms) };
  const runner = new StrategyRunner({
    store: engine.store,
    exec,
    cache: new IndicatorCache(source),
    prices,
    controls: engine.controls,
    bus: engine.bus,
    clock: countingClock,
    log: silentLogger,
    network: 'test',
    staggerAbove: 4,
    staggerWindowMs: 1_000,
  });
  // 01:00 UTC: the candle that just closed opened at 00:00, the start of a DCA interval.
  const t = Date.UTC(2021, 1, 1, 1);
  clock.advance(t - clock.now());
  prices.set(SOL.mint, CANDLES.find((c) => c.time === t - 3_600_000)!.close);
  prices.set(tokenBySymbol('USDC')!.mint, 1);
  return { engine, runner, sleeps };
}

/** A Funds whose every cycle step does nothing and reports nothing; `steps` replaces the ones a test is about. */
function idleFunds(steps: Record<string, unknown>): Funds {
  return {
    refreshPrices: async () => undefined,
    balances: { refresh: async () => [] },
    flows: {
      scan: async () => ({ users: 0, signatures: 0, flows: 0, deferred: 0, failed: [], withFlows: [], busy: [] }),
    },
    ledger: { runDue: async () => [] },
    performance: { snapshotEquity: () => ({ written: 0, skipped: [] }) },
    reviewRisk: () => undefined,
    openPaperAccounts: () => undefined,
    exits: { runCycle: async () => ({ checked: 0, exits: 0, stuck: 0 }) },
    orders: { runCycle: async () => ({ checked: 0, fired: 0, filled: 0, failed: 0, expired: 0, cancelled: 0 }) },
    runStrategies: async () => ({ users: 0, evaluated: 0, signals: 0, orders: 0, filled: 0, rejected: 0, errors: 0 }),
    copy: { poll: async () => emptyCopyPollReport() },
    ...steps,
  } as unknown as Funds;
}

describe('the trading loop', () => {
  it("one user's error is caught, counted and reported; every other user still trades", async () => {
    const clock = new ManualClock(Date.UTC(2021, 0, 1));
    const { engine, runner } = await world(3, clock);
    const report = await runner.run();
    expect(report.errors).toBe(1);
    expect(report.users).toBe(3);
    // The two healthy users each got a DCA buy through the execution path.
    expect(report.filled).toBe(2);
    const errors = engine.store.events.list({ type: 'strategy.error' });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.userId).toBe(1);
    expect(engine.store.portfolio.trades(2)).toHaveLength(1);
    expect(engine.store.portfolio.trades(3)).toHaveLength(1);
  });

  it('above the stagger threshold the work of a cycle is spread over the window', async () => {
    const clock = new ManualClock(Date.UTC(2021, 0, 1));
    const { runner, sleeps } = await world(10, clock);
    await runner.run();
    // 10 users in batches of 4: two pauses of window / 3 between the three batches.
    expect(sleeps).toEqual([1_000 / 3, 1_000 / 3]);
  });

  it('evaluates each closed candle once: a second run on the same candle sends nothing', async () => {
    const clock = new ManualClock(Date.UTC(2021, 0, 1));
    const { runner } = await world(3, clock);
    await runner.run();
    const again = await runner.run();
    expect(again.evaluated).toBe(0);
    expect(again.orders).toBe(0);
  });

  it('a cycle never overlaps the previous one, and a failing step never stops the loop', async () => {
    const clock = new ManualClock(0);
    let release: () => void = () => undefined;
    let calls = 0;
    const funds = idleFunds({
      refreshPrices: () => {
        calls++;
        return calls === 1 ? new Promise<void>((r) => (release = r)) : Promise.reject(new Error('feed down'));
      },
      balances: { refresh: async () => [] },
      flows: { scan: async () => ({ users: 0, signatures: 0, flows: 0, deferred: 0, failed: [], withFlows: [] }) },
    });
    const loop = new TradingLoop(async () => funds, clock, silentLogger, 1_000);
    const first = loop.runCycle();
    await new Promise((r) => setImmediate(r));
    await expect(loop.runCycle()).rejects.toThrow(/already running/u);
    release();
    expect((await first).errors).toBe(0);
    // The feed fails now: counted, and the rest of the cycle still runs.
    const second = await loop.runCycle();
    expect(second.errors).toBe(1);
    expect(second.cycle).toBe(2);
  });

  it('keeps prices fresh while a cycle waits on slow reads: one refresh each interval, never two at once', async () => {
    const clock = new ManualClock(0);
    let refreshes = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let releaseScan: () => void = () => undefined;
    const scanned = new Promise<void>((r) => (releaseScan = r));
    const settle = async () => {
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    };
    const funds = idleFunds({
      refreshPrices: async () => {
        refreshes++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await clock.sleep(1_500); // a slow price read: longer than the interval
        inFlight--;
      },
      balances: { refresh: async () => [] },
      // The flow scan hangs (an RPC read held by a failing endpoint) until the test lets it go.
      flows: {
        scan: async () => {
          await scanned;
          return { users: 0, signatures: 0, flows: 0, deferred: 0, failed: [], withFlows: [], busy: [] };
        },
      },
    });
    const loop = new TradingLoop(async () => funds, clock, silentLogger, 1_000);
    const running = loop.run();
    await settle();
    expect(refreshes).toBe(1);
    clock.advance(1_500); // the cycle's own refresh ends; the cycle now waits on the scan
    await settle();
    for (let s = 0; s < 10; s++) {
      clock.advance(500);
      await settle();
    }
    // 5 s of a stuck cycle: the keeper refreshed again (each refresh takes 1.5 s, so not every 1 s), one at a time.
    expect(refreshes).toBeGreaterThanOrEqual(3);
    expect(maxInFlight).toBe(1);
    expect(loop.last).toBeNull();
    releaseScan();
    await settle();
    expect(loop.last?.cycle).toBe(1);
    loop.stop();
    clock.advance(10_000);
    await running;
  });
});
