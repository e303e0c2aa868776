/**
 * The strategy decision log (issue #11, items 3 and 6): every cause that
 * keeps a friend's strategy from trading is recorded with its own reason
 * code; warm-up progress and indicator values are reported; every closed
 * candle is evaluated exactly once and in order, even when several close
 * between two cycles; the log survives a restart, is queryable by time and
 * is pruned by age. Real parts: the engine's store and controls, the real
 * risk gate, paper fills, real SOL candles.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from '@solana/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { PriceBook, TradeExecutionService, type PriceSource } from '../../../engine/execution';
import { ManualClock } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import { IndicatorCache, loadCandlesFile, ReplayCandleSource, tokenBySymbol } from '../../../engine/market';
import type { PriceTick } from '../../../engine/market/types';
import { PriceQuorum } from '../../../engine/market/oracle';
import { RISK_PRESETS, standardRiskGate } from '../../../engine/risk';
import { Engine } from '../../../engine/runtime';
import { DECISION_RETENTION_META } from '../../../engine/runtime/decisions';
import { StrategyRunner, type StrategyRunnerDeps } from '../../../engine/runtime/strategy-runner';
import type { DecisionRow } from '../../../engine/store';
import { REPO_ROOT } from '../../helpers/cli';

const SOL = tokenBySymbol('SOL')!;
const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;
const HOUR = 3_600_000;
const CANDLES = loadCandlesFile(join(REPO_ROOT, 'test/fixtures/market/SOLUSDT-1h-binance-2020-12_2021-07.csv.gz'));
/** 01:00 UTC: the candle that just closed opened at 00:00, the start of a DCA interval. */
const T0 = Date.UTC(2021, 1, 1, 1);
const closeAt = (t: number): number => CANDLES.find((c) => c.time === t - HOUR)!.close;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

interface Friend {
  usd?: number;
  strategy?: string;
  params?: Record<string, unknown>;
  risk?: Record<string, unknown>;
  enabled?: boolean;
}

const KEY = randomBytes(32).toString('hex');

function openAt(dataDir: string, clock: ManualClock): Engine {
  return Engine.open({ dataDir, clock, logger: silentLogger, env: { HARVEST_MASTER_KEY: KEY } });
}

/** Paper friends over one data directory, and a runner with the real risk gate over real SOL candles. */
function world(
  friends: Record<string, Friend>,
  opts: { at?: number; prices?: PriceSource; runner?: Partial<StrategyRunnerDeps> } = {},
) {
  const clock = new ManualClock(opts.at ?? T0);
  const parent = mkdtempSync(join(tmpdir(), 'hv-decisions-'));
  const dataDir = join(parent, 'd');
  const engine = openAt(dataDir, clock);
  const state = { engine };
  cleanups.push(async () => {
    await state.engine.close();
    rmSync(parent, { recursive: true, force: true });
  });
  const ids: Record<string, number> = {};
  for (const [name, f] of Object.entries(friends)) {
    const u = engine.users.add(name, 'test');
    engine.wallets.create(u.id, 12, 'test');
    const row = engine.store.settings.get(u.id)!;
    const strategy = {
      enabled: f.enabled ?? true,
      id: f.strategy ?? 'dca',
      // Hourly candles here: pin the strategies' former hourly defaults (the built-in defaults are 5-minute now).
      params: {
        timeframe: '1h',
        ...(f.strategy === 'trend' ? { fastPeriod: 12, slowPeriod: 26 } : {}),
        ...(f.params ?? { amountUsd: 100, intervalHours: 1 }),
      },
      tokens: ['SOL'],
    };
    engine.store.settings.update(
      u.id,
      row.version,
      { ...(row.settings as object), mode: 'paper', strategy, ...(f.risk ? { risk: f.risk } : {}) },
      new Date(clock.now()).toISOString(),
    );
    engine.store.paper.set(u.id, USDC.mint, BigInt(f.usd ?? 10_000) * 1_000_000n);
    engine.store.paper.set(u.id, SOL.mint, 100_000_000n);
    ids[name] = u.id;
  }
  const source = new ReplayCandleSource({ clock });
  source.add(SOL.mint, '1h', CANDLES);
  const book = new PriceBook(clock, 60_000);
  const prices = opts.prices ?? book;
  const build = (e: Engine) => {
    const deps = { store: e.store, controls: e.controls, bus: e.bus, network: 'test' };
    const exec = new TradeExecutionService({
      ...deps,
      clock,
      log: silentLogger,
      signer: e.signer,
      risk: standardRiskGate(deps),
      prices,
      chain: null,
      jupiter: null,
    });
    const runner = new StrategyRunner({
      ...deps,
      exec,
      cache: new IndicatorCache(source),
      prices,
      clock,
      log: silentLogger,
      ...opts.runner,
    });
    return { exec, runner };
  };
  const setPrices = () => {
    book.set(SOL.mint, closeAt(clock.now()));
    book.set(USDC.mint, 1);
    book.set(WETH.mint, 2_000);
  };
  if (opts.at === undefined || opts.at === T0) setPrices();
  let parts = build(engine);
  return {
    clock,
    ids,
    book,
    dataDir,
    get engine() {
      return state.engine;
    },
    get runner() {
      return parts.runner;
    },
    get exec() {
      return parts.exec;
    },
    /** Moves the clock on by whole hours and prices SOL at the last close. */
    advanceHours(h: number) {
      clock.advance(h * HOUR);
      setPrices();
    },
    /** A new runner over the same store, as after a restart of the engine. */
    restartRunner() {
      parts = build(state.engine);
    },
    async reopen() {
      await state.engine.close();
      state.engine = openAt(dataDir, clock);
      parts = build(state.engine);
    },
  };
}

type World = ReturnType<typeof world>;

const decisions = (w: World, name: string): DecisionRow[] =>
  w.engine.store.decisions.list(w.ids[name]!, { limit: 1000 }).reverse();
const lastDecision = (w: World, name: string): DecisionRow => decisions(w, name).at(-1)!;

/** Runs one cycle and returns the friend's newest decision, which must be a skip with this code. */
async function expectSkip(w: World, name: string, code: string, message: RegExp): Promise<DecisionRow> {
  await w.runner.run();
  const d = lastDecision(w, name);
  expect(d).toMatchObject({ outcome: 'skipped', code, signalSide: 'buy', token: 'SOL', strategyId: 'dca' });
  expect(d.message).toMatch(message);
  // The live state says the same, and no order was sent for it.
  expect(w.engine.store.decisions.state(w.ids[name]!, 'SOL')).toMatchObject({ outcome: 'skipped', code });
  return d;
}

/** A manual order through the same execution path (a position the strategy then meets). */
async function manual(w: World, name: string, side: 'buy' | 'sell', mint: string, amount: bigint) {
  const price = w.book.price(mint)!;
  const out = await w.exec.submit({
    userId: w.ids[name]!,
    side,
    inputMint: (side === 'buy' ? USDC.mint : mint) as Address,
    outputMint: (side === 'buy' ? mint : USDC.mint) as Address,
    amount,
    context: 'manual',
    clientId: `manual-${side}-${mint}-${w.clock.now()}`,
    slippageBps: 50,
    ...(side === 'buy' ? { stopLossPrice: price / 2 } : {}),
  });
  expect(out.status).toBe('confirmed');
}

describe('each skip cause has its own reason in the decision log', () => {
  it('entered: the signal, the filled order and the indicator values are recorded', async () => {
    const w = world({ ana: {} });
    const report = await w.runner.run();
    expect(report).toMatchObject({ signals: 1, filled: 1 });
    const d = lastDecision(w, 'ana');
    expect(d).toMatchObject({ outcome: 'entered', code: 'FILLED', signalSide: 'buy', candleTime: T0 - HOUR });
    expect(d.intentId).toBe(w.engine.store.intents.list(w.ids['ana']!, 1)[0]!.id);
    expect(d.clientId).toBe(`strategy:dca:SOL:${T0 - HOUR}`);
    expect(d.message).toMatch(/DCA buy of \$100\.00/u);
    expect(d.indicators).toMatchObject({ close: closeAt(T0) });
    expect(w.engine.store.decisions.state(w.ids['ana']!, 'SOL')!.tradedAt).toBe(new Date(T0).toISOString());
  });

  it('PAUSED_USER: a paused friend’s entry is a decision, not an order', async () => {
    const w = world({ ana: {} });
    w.engine.controls.pauseUser(w.ids['ana']!, 'holiday', 'test');
    await expectSkip(w, 'ana', 'PAUSED_USER', /paused \(holiday\)/u);
    expect(w.engine.store.intents.list(w.ids['ana']!, 10)).toHaveLength(0);
  });

  it('PAUSED_GLOBAL: everyone paused', async () => {
    const w = world({ ana: {} });
    w.engine.controls.pauseAll('market chaos', 'test');
    await expectSkip(w, 'ana', 'PAUSED_GLOBAL', /paused for everyone/u);
  });

  it('HALTED: the strategy still runs and says what it would have done', async () => {
    const w = world({ ana: {} });
    w.engine.controls.halt('incident', 'test');
    await expectSkip(w, 'ana', 'HALTED', /halted \(incident\)/u);
    expect(w.engine.store.intents.list(w.ids['ana']!, 10)).toHaveLength(0);
  });

  it('BREAKER_TRIPPED and MAX_DRAWDOWN: the pause names its cause', async () => {
    const w = world({ ana: {}, bo: {} });
    w.engine.controls.pauseUser(w.ids['ana']!, 'breaker: 3 failed orders in 10 minutes', 'engine');
    w.engine.controls.pauseUser(w.ids['bo']!, 'drawdown 25.0% past the 20% limit', 'engine');
    await w.runner.run();
    expect(lastDecision(w, 'ana')).toMatchObject({ outcome: 'skipped', code: 'BREAKER_TRIPPED' });
    expect(lastDecision(w, 'bo')).toMatchObject({ outcome: 'skipped', code: 'MAX_DRAWDOWN' });
  });

  it('SIZE_BELOW_MINIMUM: sized to the limits, the entry is under the minimum order', async () => {
    const w = world({ tiny: { usd: 12, params: { amountUsd: 500, intervalHours: 1 } } });
    await expectSkip(w, 'tiny', 'SIZE_BELOW_MINIMUM', /below this user's limit of \$5\.00/u);
  });

  it('NO_PRICE: no price has ever been seen for the token', async () => {
    const empty = new PriceBook(new ManualClock(T0), 60_000);
    empty.set(USDC.mint, 1);
    const w = world({ ana: {} }, { prices: empty });
    await expectSkip(w, 'ana', 'NO_PRICE', /no price for SOL/u);
  });

  it('STALE_PRICE: the last price is too old', async () => {
    const w = world({ ana: {} });
    w.clock.advance(5 * 60_000); // same candle, but every price is now 5 minutes old (the limit is 60 s)
    await expectSkip(w, 'ana', 'STALE_PRICE', /price of SOL is out of date/u);
  });

  it('PRICE_UNTRUSTED: the sources disagree', async () => {
    const clock = new ManualClock(T0);
    const feed = (name: string, solUsd: number) => ({
      name,
      prices: async (mints: readonly string[]) => {
        const m = new Map<string, PriceTick>();
        for (const mint of mints) {
          const usd = mint === SOL.mint ? solUsd : mint === USDC.mint ? 1 : null;
          if (usd !== null) m.set(mint, { mint, usd, at: clock.now(), source: name });
        }
        return m;
      },
    });
    const quorum = new PriceQuorum({
      clock,
      sources: [
        { feed: feed('oracle', closeAt(T0)), venue: false },
        { feed: feed('other', closeAt(T0) * 1.2), venue: false },
      ],
    });
    await quorum.refresh([SOL.mint, USDC.mint]);
    const w = world({ ana: {} }, { prices: quorum });
    await expectSkip(w, 'ana', 'PRICE_UNTRUSTED', /no trusted price.*disagree/u);
  });

  it('COOLDOWN: the risk gate refuses an entry just after a close, and its reason is logged', async () => {
    const w = world({ ana: {} });
    await manual(w, 'ana', 'buy', SOL.mint, 50_000_000n);
    const pos = w.engine.store.portfolio.openPosition(w.ids['ana']!, 'test', SOL.mint, 'paper')!;
    await manual(w, 'ana', 'sell', SOL.mint, pos.quantity);
    const d = await expectSkip(w, 'ana', 'COOLDOWN', /cooldown ends at/u);
    // A refusal by the gate keeps the order it refused as the reference.
    expect(d.intentId).not.toBeNull();
  });

  it('MAX_POSITIONS: too many positions open', async () => {
    const w = world({ ana: { risk: { ...RISK_PRESETS.moderate, preset: 'custom', maxConcurrentPositions: 1 } } });
    await manual(w, 'ana', 'buy', WETH.mint, 50_000_000n);
    await expectSkip(w, 'ana', 'MAX_POSITIONS', /1 positions are open/u);
  });

  it('STRATEGY_DISABLED and NOT_FUNDED: the state says why the strategy does not run', async () => {
    let funded = true;
    const w = world({ ana: {}, bo: {} }, { runner: { isActive: () => funded } });
    await w.runner.run();
    const row = w.engine.store.settings.get(w.ids['bo']!)!;
    const settings = row.settings as { strategy: object };
    w.engine.store.settings.update(
      w.ids['bo']!,
      row.version,
      { ...settings, strategy: { ...settings.strategy, enabled: false } },
      new Date(w.clock.now()).toISOString(),
    );
    funded = false;
    await w.runner.run();
    expect(lastDecision(w, 'ana')).toMatchObject({ outcome: 'skipped', code: 'NOT_FUNDED', signalSide: null });
    expect(lastDecision(w, 'bo')).toMatchObject({ outcome: 'skipped', code: 'STRATEGY_DISABLED' });
    // Logged once, not once per cycle.
    const before = decisions(w, 'ana').length;
    await w.runner.run();
    expect(decisions(w, 'ana')).toHaveLength(before);
  });

  it('STRATEGY_ERROR: a strategy that cannot run is an error with its message', async () => {
    const w = world({ ana: { strategy: 'no-such-strategy', params: {} } });
    const report = await w.runner.run();
    expect(report.errors).toBe(1);
    expect(lastDecision(w, 'ana')).toMatchObject({ outcome: 'error', code: 'STRATEGY_ERROR' });
    expect(lastDecision(w, 'ana').message).toMatch(/Unknown strategy "no-such-strategy"/u);
  });

  it('exited: a take-profit sell is recorded as an exit, and passes a pause', async () => {
    const w = world({ ana: { params: { intervalHours: 24, takeProfitPct: 1 } } });
    w.book.set(SOL.mint, closeAt(T0) / 2);
    await manual(w, 'ana', 'buy', SOL.mint, 100_000_000n);
    w.book.set(SOL.mint, closeAt(T0));
    w.engine.controls.pauseUser(w.ids['ana']!, 'holiday', 'test');
    await w.runner.run();
    expect(lastDecision(w, 'ana')).toMatchObject({ outcome: 'exited', code: 'FILLED', signalSide: 'sell' });
  });
});

describe('warm-up, indicator values and quiet candles', () => {
  it('reports warm-up progress (have/needed) and logs the change of state once', async () => {
    // Twelve hours of history: trend needs 3 x 26 = 78 candles.
    const start = CANDLES[0]!.time;
    const w = world({ ana: { strategy: 'trend', params: {} } }, { at: start + 12 * HOUR });
    await w.runner.run();
    expect(w.engine.store.decisions.state(w.ids['ana']!, 'SOL')).toMatchObject({
      outcome: 'warming-up',
      code: 'WARMING_UP',
      warmupHave: 12,
      warmupNeeded: 78,
      message: 'Warming up: 12 of 78 closed 1h candles.',
    });
    w.clock.advance(HOUR);
    await w.runner.run();
    expect(w.engine.store.decisions.state(w.ids['ana']!, 'SOL')!.warmupHave).toBe(13);
    // One log line for entering warm-up, not one per candle.
    expect(decisions(w, 'ana').map((d) => d.code)).toEqual(['WARMING_UP']);
    const status = await w.engine.execute('strategy.status', { user: 'ana' });
    expect(status.users[0]).toMatchObject({ state: 'warming-up', headline: 'warming up 13/78' });
    expect(status.users[0]!.tokens[0]).toMatchObject({ token: 'SOL', warmup: { have: 13, needed: 78 } });
    // For a long list of friends, the headline alone.
    const brief = await w.engine.execute('strategy.status', { headlinesOnly: true });
    expect(brief.users[0]).toMatchObject({ headline: 'warming up 13/78', tokens: [], recent: [] });
  });

  it('once warm, the live state holds the indicator values the strategy decides on', async () => {
    const w = world({ ana: { strategy: 'trend', params: {} } });
    await w.runner.run();
    const s = w.engine.store.decisions.state(w.ids['ana']!, 'SOL')!;
    expect(s).toMatchObject({ warmupHave: 78, warmupNeeded: 78, lastCandle: T0 - HOUR });
    expect(Object.keys(s.indicators!)).toEqual(['EMA(12)', 'EMA(26)', 'ATR(14)', 'close']);
    for (const v of Object.values(s.indicators!)) expect(v).toBeGreaterThan(0);
    expect(['no-signal', 'entered']).toContain(s.outcome);
  });
});

describe('no candle is skipped', () => {
  it('catch-up evaluates every closed candle once, in order; one order, the latest signal wins', async () => {
    const w = world({ ana: {} });
    await w.runner.run(); // entered on the 00:00 candle
    await w.runner.run(); // a cycle in which no candle closed: the runner is still running for ana
    w.advanceHours(4); // four hourly candles close before the next cycle (a fast replay)
    const report = await w.runner.run();
    expect(report).toMatchObject({ signals: 4, orders: 1, filled: 1 });
    const log = decisions(w, 'ana');
    expect(log.map((d) => (d.candleTime! - T0) / HOUR)).toEqual([-1, 0, 1, 2, 3]);
    expect(log.map((d) => d.code)).toEqual(['FILLED', 'SUPERSEDED', 'SUPERSEDED', 'SUPERSEDED', 'FILLED']);
    expect(w.engine.store.portfolio.trades(w.ids['ana']!)).toHaveLength(2);
    // Nothing new closed: nothing evaluated, nothing logged.
    const again = await w.runner.run();
    expect(again.evaluated).toBe(0);
    expect(decisions(w, 'ana')).toHaveLength(5);
    expect(w.engine.store.decisions.state(w.ids['ana']!, 'SOL')!.lastCandle).toBe(T0 + 3 * HOUR);
  });

  it('exits before entries: an exit signal in the catch-up wins over a later entry signal', async () => {
    // Closes at 01:00..04:00 are 4.2351, 4.2363, 4.2186, 4.2051: bought at 4.1745 (an average entry of about
    // 4.185 once the paper fill's costs are in) with a 1 % take-profit (about 4.227), the first two candles
    // signal a sell and the last two a DCA buy.
    const w = world({ ana: { params: { intervalHours: 1, takeProfitPct: 1 } } });
    w.book.set(SOL.mint, 4.1745);
    await manual(w, 'ana', 'buy', SOL.mint, 100_000_000n);
    w.engine.controls.pauseUser(w.ids['ana']!, 'holiday', 'test');
    w.book.set(SOL.mint, closeAt(T0));
    await w.runner.run(); // the 00:00 candle: a buy, skipped (paused); exits still pass a pause
    w.advanceHours(4);
    const report = await w.runner.run();
    expect(report).toMatchObject({ signals: 4, orders: 1, filled: 1 });
    const log = decisions(w, 'ana').slice(1);
    expect(log.map((d) => [(d.candleTime! - T0) / HOUR, d.signalSide, d.code])).toEqual([
      [0, 'sell', 'SUPERSEDED'],
      [1, 'sell', 'FILLED'],
      [2, 'buy', 'SUPERSEDED'],
      [3, 'buy', 'SUPERSEDED'],
    ]);
    expect(log[1]!.outcome).toBe('exited');
    expect(w.engine.store.portfolio.positions(w.ids['ana']!, { status: 'open' })).toHaveLength(0);
  });

  it('the catch-up is capped at 50 candles', async () => {
    const w = world({ ana: {} });
    await w.runner.run();
    w.advanceHours(80);
    const report = await w.runner.run();
    expect(report.evaluated).toBe(50);
    const times = decisions(w, 'ana')
      .slice(1)
      .map((d) => d.candleTime!);
    // The clock is at T0 + 80 h: the last closed candle opened at T0 + 79 h; the 50 before it and it.
    expect(times).toHaveLength(50);
    expect(times[0]).toBe(T0 + 30 * HOUR);
    expect(times.at(-1)).toBe(T0 + 79 * HOUR);
  });

  it('after a restart, candles that closed while stopped are logged but too late to act on', async () => {
    const w = world({ ana: {} });
    await w.runner.run();
    w.restartRunner();
    w.advanceHours(3);
    await w.runner.run();
    expect(decisions(w, 'ana').map((d) => d.code)).toEqual([
      'FILLED',
      'MISSED_WHILE_STOPPED',
      'MISSED_WHILE_STOPPED',
      'FILLED',
    ]);
  });
});

describe('the decision log is persisted', () => {
  it('survives a restart and is queryable by friend and time', async () => {
    const w = world({ ana: {}, bo: { enabled: false } });
    await w.runner.run();
    w.advanceHours(2);
    await w.runner.run();
    w.advanceHours(2);
    await w.runner.run();
    await w.reopen();
    const all = await w.engine.execute('strategy.decisions', { user: 'ana' });
    // Two candles closed between cycles each time: one superseded, one filled.
    expect(all.decisions.map((d) => d.at)).toEqual([
      new Date(T0 + 4 * HOUR).toISOString(),
      new Date(T0 + 4 * HOUR).toISOString(),
      new Date(T0 + 2 * HOUR).toISOString(),
      new Date(T0 + 2 * HOUR).toISOString(),
      new Date(T0).toISOString(),
    ]);
    expect(all.decisions[0]).toMatchObject({ outcome: 'entered', label: 'order filled', token: 'SOL', side: 'buy' });
    const window = await w.engine.execute('strategy.decisions', {
      user: 'ana',
      from: new Date(T0 + HOUR).toISOString(),
      to: new Date(T0 + 3 * HOUR).toISOString(),
    });
    expect(window.decisions.map((d) => d.at)).toEqual([
      new Date(T0 + 2 * HOUR).toISOString(),
      new Date(T0 + 2 * HOUR).toISOString(),
    ]);
    expect((await w.engine.execute('strategy.decisions', { user: 'bo' })).decisions).toEqual([]);
    // The live state too: the restarted runner resumes after the last candle it evaluated.
    const report = await w.runner.run();
    expect(report.evaluated).toBe(0);
  });

  it('is pruned by age, once a day, with a configurable retention', async () => {
    const w = world({ ana: {} });
    await w.runner.run();
    w.advanceHours(24 * 10);
    w.restartRunner();
    await w.runner.run();
    // Filled; then after the gap the last 50 candles: 49 missed while stopped and the latest filled.
    expect(decisions(w, 'ana')).toHaveLength(51);
    w.engine.store.meta.set(DECISION_RETENTION_META, '7');
    w.advanceHours(24 * 5); // 15 days after the first decision, 5 after the last ones
    w.restartRunner();
    await w.runner.run();
    const left = decisions(w, 'ana');
    expect(left.every((d) => Date.parse(d.recordedAt) >= w.clock.now() - 7 * 24 * HOUR)).toBe(true);
    expect(left.some((d) => Date.parse(d.recordedAt) === T0)).toBe(false);
    expect(left.some((d) => Date.parse(d.recordedAt) === T0 + 240 * HOUR)).toBe(true);
  });
});
