import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from '../../../engine/kernel/clock';
import { callControlChannel } from '../../../engine/kernel/control-channel';
import { silentLogger } from '../../../engine/kernel/logger';
import { Engine, type Funds } from '../../../engine/runtime';
import { TradingLoop } from '../../../engine/runtime/loop';

/**
 * Issue 10, point 4: stopping is prompt whatever the cycle length. The wait
 * between cycles is interruptible through the Clock, a running cycle ends
 * after its current step, and commands that arrive while stopping get an
 * immediate "stopping" answer.
 */

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A Funds whose steps only count calls; `refreshPrices` can be held open to stand for an order in flight. */
function fakeFunds(hold?: Promise<void>): { funds: Funds; calls: string[]; entered: Promise<void> } {
  const calls: string[] = [];
  let entered!: () => void;
  const enteredP = new Promise<void>((r) => (entered = r));
  const funds = {
    refreshPrices: async () => {
      calls.push('prices');
      entered();
      await hold;
    },
    balances: { refresh: async () => (calls.push('balances'), []) },
    performance: { snapshotEquity: () => void calls.push('equity') },
    reviewRisk: () => undefined,
    openPaperAccounts: () => undefined,
    exits: { runCycle: async () => (calls.push('exits'), { exits: 0, stuck: 0 }) },
    runStrategies: async () => (calls.push('strategies'), { signals: 0, orders: 0, errors: 0 }),
  } as unknown as Funds;
  return { funds, calls, entered: enteredP };
}

function engineOn(clock: ManualClock): Engine {
  const parent = mkdtempSync(join(tmpdir(), 'hv-stop-'));
  const engine = Engine.open({
    dataDir: join(parent, 'd'),
    clock,
    logger: silentLogger,
    ownerKind: 'engine',
    env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
  });
  cleanups.push(async () => {
    await engine.close();
    rmSync(parent, { recursive: true, force: true });
  });
  return engine;
}

/** Real milliseconds `p` takes to settle. */
async function timed(p: Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await p;
  return performance.now() - t0;
}

describe('Clock.sleep is interruptible', () => {
  it('the system clock wakes at once when the signal aborts, and at once if it was aborted already', async () => {
    const ac = new AbortController();
    const sleeping = systemClock.sleep(60_000, ac.signal);
    setTimeout(() => ac.abort(), 20);
    expect(await timed(sleeping)).toBeLessThan(1_000);
    expect(await timed(systemClock.sleep(60_000, ac.signal))).toBeLessThan(100);
  });

  it('a manual clock wakes an aborted sleeper without moving time, and forgets it', async () => {
    const clock = new ManualClock(1_000);
    const ac = new AbortController();
    let woke = false;
    const sleeping = clock.sleep(60_000, ac.signal).then(() => (woke = true));
    const other = clock.sleep(10);
    await Promise.resolve();
    expect(woke).toBe(false);
    ac.abort();
    await sleeping;
    expect(woke).toBe(true);
    expect(clock.now()).toBe(1_000);
    // The other sleeper is still there and still wakes on time.
    clock.advance(10);
    await other;
  });
});

describe('TradingLoop.stop', () => {
  it('ends run() during a 60 s wait on the system clock within moments', async () => {
    const { funds, calls } = fakeFunds();
    const loop = new TradingLoop(async () => funds, systemClock, silentLogger, 60_000);
    const running = loop.run();
    await vi.waitFor(() => expect(calls).toContain('strategies'));
    loop.stop();
    const ms = await timed(running);
    expect(ms).toBeLessThan(1_000);
    expect(calls.filter((c) => c === 'prices')).toHaveLength(1);
  });

  it('a cycle stopped mid-step finishes that step and starts no other', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { funds, calls, entered } = fakeFunds(hold);
    const clock = new ManualClock(0);
    const loop = new TradingLoop(async () => funds, clock, silentLogger, 60_000);
    const running = loop.run();
    await entered;
    loop.stop();
    release();
    await running;
    expect(calls).toEqual(['prices']);
    expect(loop.last?.cycle).toBe(1);
  });
});

describe('Engine.close', () => {
  it('stops a loop waiting out a 60 s interval on a manual clock without moving the clock', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const engine = engineOn(clock);
    const { funds, calls } = fakeFunds();
    vi.spyOn(engine, 'funds').mockResolvedValue(funds);
    engine.startTrading(60_000);
    await vi.waitFor(() => expect(calls).toContain('strategies'));
    const t0 = clock.now();
    const ms = await timed(engine.close());
    expect(ms).toBeLessThan(2_000);
    expect(clock.now()).toBe(t0);
    expect(() => engine.key).toThrow(/closed/u);
  });

  it('while stopping, a command over the control channel is answered "stopping" at once; the step in flight finishes', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const engine = engineOn(clock);
    await engine.serveControl();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const { funds, calls, entered } = fakeFunds(hold);
    vi.spyOn(engine, 'funds').mockResolvedValue(funds);
    engine.startTrading(60_000);
    await entered;

    let closed = false;
    const closing = engine.close().then(() => (closed = true));
    const t0 = performance.now();
    const answer = await callControlChannel(engine.layout.socket, 'users.list', {}, 5_000).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    const answerMs = performance.now() - t0;
    expect(answer).toMatchObject({ code: 'DATA_DIR_BUSY', message: expect.stringMatching(/is stopping/u) });
    expect(answerMs).toBeLessThan(1_000);
    // In-process callers get the same answer.
    await expect(engine.execute('users.list', {})).rejects.toThrow(/is stopping/u);
    // The engine waits for the step under way (an order in flight finishes its journal step)…
    expect(closed).toBe(false);
    release();
    await closing;
    // …and starts no further step of that cycle.
    expect(calls).toEqual(['prices']);
  });

  it('concurrent close() calls share one shutdown', async () => {
    const engine = engineOn(new ManualClock(0));
    const a = engine.close();
    const b = engine.close();
    await Promise.all([a, b]);
    await engine.close();
  });
});
