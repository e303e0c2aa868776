/**
 * Issue 10, point 9: the global breaker. Execution failures across all
 * friends within a window (default 5 in 60 s) stop new entries for everyone
 * for a cooldown and raise a critical event; exits keep running; the operator
 * can resume early; the state lives in the database.
 *
 * Failures are real ones, through the one execution path: a trigger makes the
 * trade insert fail, as a full disk or a broken database would, so each order
 * is journaled and then finished as failed by TradeExecutionService itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TradeExecutionService, type Order, type OrderOutcome } from '../../../engine/execution';
import { ManualClock } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import { tokenBySymbol } from '../../../engine/market';
import { balanceGate, composeGates, controlsGate, GlobalBreaker } from '../../../engine/risk';
import { Engine } from '../../../engine/runtime';
import type { EngineEvent } from '../../../engine/api/events';
import { engineExecParts } from '../../helpers/engine';

const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const T0 = Date.parse('2026-03-01T12:00:00Z');

let parent: string;
let clock: ManualClock;
let engine: Engine;
let exec: TradeExecutionService;
let users: number[];
let events: EngineEvent[];
let seq = 0;

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'hv-gbreaker-'));
  clock = new ManualClock(T0);
  engine = Engine.open({
    dataDir: join(parent, 'd'),
    clock,
    logger: silentLogger,
    env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
  });
  events = [];
  engine.bus.subscribe((e) => events.push(e));
  users = ['ana', 'ben', 'cy', 'dee', 'eli', 'fay'].map((name) => {
    const u = engine.users.add(name, 'test');
    engine.wallets.create(u.id, 12, 'test');
    engine.store.paper.set(u.id, USDC.mint, 10_000_000_000n);
    return u.id;
  });
  exec = new TradeExecutionService({
    ...engineExecParts(engine),
    risk: composeGates(controlsGate(engine.controls), engine.breaker.gate(), balanceGate(engine.store, 'test')),
    prices: { price: (m) => (m === USDC.mint ? 1 : m === WETH.mint ? 3000 : null) },
    network: 'test',
    chain: null,
    jupiter: null,
    globalBreaker: engine.breaker,
  });
});

afterEach(async () => {
  await engine.close();
  rmSync(parent, { recursive: true, force: true });
});

const buy = (userId: number): Order => ({
  userId,
  side: 'buy',
  inputMint: USDC.mint,
  outputMint: WETH.mint,
  amount: 50_000_000n,
  context: 'manual',
  clientId: `o${++seq}`,
  slippageBps: 50,
});

/** The trade insert fails from now on (until `healTrades`): every fill becomes an execution failure. */
function breakTrades(): void {
  engine.store.db.exec(
    "CREATE TRIGGER test_break_trades BEFORE INSERT ON trades BEGIN SELECT RAISE(ABORT, 'disk I/O error (test)'); END;",
  );
}
function healTrades(): void {
  engine.store.db.exec('DROP TRIGGER test_break_trades');
}

const show = (o: OrderOutcome): string =>
  JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

async function failOnce(userId: number): Promise<void> {
  const o = await exec.submit(buy(userId));
  expect(o.status, show(o)).toBe('failed');
}

async function trip(): Promise<void> {
  breakTrades();
  for (const u of users.slice(0, 5)) await failOnce(u);
  healTrades();
}

function expectRefused(o: OrderOutcome, code: string): void {
  expect(o.status, show(o)).toBe('rejected');
  if (o.status === 'rejected') expect(o.code).toBe(code);
}

describe('global breaker', () => {
  it('5 failures across 5 different users within 60 s trip it: critical event, audit, entries refused for everyone', async () => {
    breakTrades();
    for (const u of users.slice(0, 4)) {
      await failOnce(u);
      clock.advance(10_000);
    }
    // Four failures: neither the global breaker nor anyone's own breaker (3 consecutive) has tripped.
    expect(engine.breaker.status().tripped).toBe(false);
    expect(users.map((u) => engine.controls.user(u).paused)).toEqual(users.map(() => false));
    await failOnce(users[4]!);
    healTrades();

    const s = engine.breaker.status();
    expect(s).toMatchObject({ tripped: true, failures: 5, userIds: users.slice(0, 5) });
    expect(s.until).toBe(new Date(clock.now() + 15 * 60_000).toISOString());
    const tripped = events.filter((e) => e.type === 'breaker.globalTripped');
    expect(tripped).toHaveLength(1);
    expect(tripped[0]).toMatchObject({ severity: 'critical', userId: null, payload: { failures: 5 } });
    expect(engine.store.audit.list({ limit: 5 }).map((r) => r.action)).toContain('breaker.globalTripped');

    // Everyone's entries are refused with their own code, including a user who never failed.
    const refused = await exec.submit(buy(users[5]!));
    expectRefused(refused, 'GLOBAL_BREAKER');
    expect(refused.status === 'rejected' && refused.message).toMatch(
      /global breaker tripped.*Sells, closes and exits still run/u,
    );
  });

  it('failures spread wider than the window do not trip it', async () => {
    breakTrades();
    for (const u of users.slice(0, 5)) {
      await failOnce(u);
      clock.advance(20_000);
    }
    healTrades();
    expect(engine.breaker.status().tripped).toBe(false);
    expect((await exec.submit(buy(users[5]!))).status).toBe('confirmed');
  });

  it('an exit still runs while it is tripped', async () => {
    expect((await exec.submit(buy(users[0]!))).status).toBe('confirmed');
    const pos = engine.store.portfolio.openPosition(users[0]!, 'test', WETH.mint)!;
    await trip();
    expect(engine.breaker.status().tripped).toBe(true);
    const exit = await exec.submit({
      userId: users[0]!,
      side: 'sell',
      inputMint: WETH.mint,
      outputMint: USDC.mint,
      amount: pos.quantity,
      context: 'exit',
      clientId: `exit-${pos.id}`,
      slippageBps: 50,
    });
    expect(exit.status, show(exit)).toBe('confirmed');
    expect(engine.store.portfolio.openPosition(users[0]!, 'test', WETH.mint)).toBeNull();
  });

  it('ends on its own when the cooldown runs out (manual clock), and old failures do not re-trip it', async () => {
    await trip();
    clock.advance(15 * 60_000 - 1);
    expectRefused(await exec.submit(buy(users[5]!)), 'GLOBAL_BREAKER');
    clock.advance(1);
    expect((await exec.submit(buy(users[5]!))).status).toBe('confirmed');
    expect(engine.breaker.status().tripped).toBe(false);
    expect(events.filter((e) => e.type === 'breaker.globalReset').map((e) => e.payload)).toEqual([
      { by: 'cooldown', trippedAt: new Date(T0).toISOString() },
    ]);
    // One new failure right after: the five before the reset no longer count.
    breakTrades();
    await failOnce(users[0]!);
    healTrades();
    expect(engine.breaker.status().tripped).toBe(false);
  });

  it('the operator resumes it early (API command); the state is in the database, not in memory', async () => {
    await trip();
    // Another process (or a restart) reading the same database sees it tripped.
    const fresh = new GlobalBreaker(engine.store, engine.bus, clock, silentLogger);
    expect(fresh.status().tripped).toBe(true);
    expect(fresh.blocks(clock.now())).not.toBeNull();

    const after = await engine.execute('breaker.resume', {});
    expect(after.tripped).toBe(false);
    expect((await exec.submit(buy(users[5]!))).status).toBe('confirmed');
    expect(events.filter((e) => e.type === 'breaker.globalReset').map((e) => e.payload)).toEqual([
      { by: 'operator', trippedAt: new Date(T0).toISOString() },
    ]);
    expect(engine.store.audit.list({ limit: 3 }).map((r) => r.action)).toContain('breaker.globalReset');
    // Resuming when it is not tripped changes nothing.
    const audits = engine.store.audit.list({ limit: 1000 }).length;
    expect((await engine.execute('breaker.resume', {})).tripped).toBe(false);
    expect(engine.store.audit.list({ limit: 1000 })).toHaveLength(audits);
    // Health carries it for the UI.
    expect(engine.breaker.status().settings).toEqual({ failures: 5, windowSeconds: 60, cooldownMinutes: 15 });
  });

  it('its settings come from the global limits', async () => {
    await engine.execute('risk.setGlobal', { key: 'globalBreakerFailures', value: '2' });
    await engine.execute('risk.setGlobal', { key: 'globalBreakerCooldownMinutes', value: '1' });
    breakTrades();
    await failOnce(users[0]!);
    expect(engine.breaker.status().tripped).toBe(false);
    await failOnce(users[1]!);
    healTrades();
    expect(await engine.execute('breaker.status', {})).toMatchObject({
      tripped: true,
      failures: 2,
      until: new Date(clock.now() + 60_000).toISOString(),
      settings: { failures: 2, windowSeconds: 60, cooldownMinutes: 1 },
    });
    await expect(engine.execute('risk.setGlobal', { key: 'globalBreakerFailures', value: '0' })).rejects.toThrow(
      /at least 1/u,
    );
  });
});
