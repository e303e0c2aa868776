/**
 * The strategy runner sizes entries to what is allowed (issue #9, item 5):
 * with the real risk gate, a DCA signal asking for $500 becomes an order a
 * friend's limits and balance allow ($500 for a large account, a quarter of
 * equity for a small one under the moderate preset), and an entry that would
 * fall below the minimum order is skipped with a recorded reason: an event,
 * no order in the journal, nothing rejected.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PriceBook, TradeExecutionService } from '../../../engine/execution';
import { ManualClock } from '../../../engine/kernel/clock';
import { silentLogger } from '../../../engine/kernel/logger';
import { IndicatorCache, loadCandlesFile, ReplayCandleSource, tokenBySymbol } from '../../../engine/market';
import { standardRiskGate } from '../../../engine/risk';
import { StrategyRunner } from '../../../engine/runtime/strategy-runner';
import { REPO_ROOT } from '../../helpers/cli';
import { throwawayEngine } from '../../helpers/engine';

const SOL = tokenBySymbol('SOL')!;
const USDC = tokenBySymbol('USDC')!;
const CANDLES = loadCandlesFile(join(REPO_ROOT, 'test/fixtures/market/SOLUSDT-1h-binance-2020-12_2021-07.csv.gz'));
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Paper friends with the given USDC (whole dollars) and 0.1 SOL, all running DCA that asks for $500 per buy. */
async function world(friends: Record<string, number>, params: Record<string, unknown> = { amountUsd: 500 }) {
  const clock = new ManualClock(Date.UTC(2021, 0, 1));
  const { engine, close } = throwawayEngine(clock, 'hv-sizing-');
  cleanups.push(close);
  const ids: Record<string, number> = {};
  for (const [name, usd] of Object.entries(friends)) {
    const u = engine.users.add(name, 'test');
    engine.wallets.create(u.id, 12, 'test');
    const row = engine.store.settings.get(u.id)!;
    // Daily DCA on hourly candles, the series this world replays.
    const strategy = {
      enabled: true,
      id: 'dca',
      params: { timeframe: '1h', intervalHours: 24, ...params },
      tokens: ['SOL'],
    };
    engine.store.settings.update(
      u.id,
      row.version,
      { ...(row.settings as object), mode: 'paper', strategy },
      new Date(clock.now()).toISOString(),
    );
    engine.store.paper.set(u.id, USDC.mint, BigInt(usd) * 1_000_000n);
    engine.store.paper.set(u.id, SOL.mint, 100_000_000n);
    ids[name] = u.id;
  }
  const source = new ReplayCandleSource({ clock });
  source.add(SOL.mint, '1h', CANDLES);
  const prices = new PriceBook(clock, Number.POSITIVE_INFINITY);
  const deps = { store: engine.store, controls: engine.controls, bus: engine.bus, network: 'test' };
  const exec = new TradeExecutionService({
    ...deps,
    clock,
    log: silentLogger,
    signer: engine.signer,
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
  });
  // 01:00 UTC: the candle that just closed opened at 00:00, the start of a DCA interval.
  const t = Date.UTC(2021, 1, 1, 1);
  clock.advance(t - clock.now());
  const solUsd = CANDLES.find((c) => c.time === t - 3_600_000)!.close;
  prices.set(SOL.mint, solUsd);
  prices.set(USDC.mint, 1);
  return { engine, runner, exec, prices, ids, solUsd };
}

describe('strategy entries sized to what is allowed', () => {
  it('a small friend trades a size their limits allow; a large one gets the full ask; nothing is rejected', async () => {
    const { engine, runner, ids, solUsd } = await world({ big: 10_000, small: 100 });
    const report = await runner.run();
    expect(report).toMatchObject({ signals: 2, orders: 2, filled: 2, rejected: 0, skipped: 0 });
    const spent = (name: string) => engine.store.portfolio.trades(ids[name]!)[0]!.quoteAmount;
    expect(spent('big')).toBe(500_000_000n);
    // Moderate preset: the largest position is 25 % of equity ($100 + 0.1 SOL), so that is the share.
    const equity = 100 + 0.1 * solUsd;
    expect(Number(spent('small')) / 1e6).toBeCloseTo(equity * 0.25, 4);
    expect(engine.store.events.list({ type: 'order.rejected' })).toHaveLength(0);
  });

  it('below the minimum order the entry is skipped with SIZE_BELOW_MINIMUM: an event, no order, no rejection', async () => {
    // $12 + 0.1 SOL: a quarter of it is under the moderate preset's $5 minimum.
    const { engine, runner, ids } = await world({ tiny: 12 });
    const report = await runner.run();
    expect(report).toMatchObject({ signals: 1, orders: 0, rejected: 0, skipped: 1 });
    expect(engine.store.intents.list(ids['tiny']!, 10)).toHaveLength(0);
    expect(engine.store.events.list({ type: 'order.rejected' })).toHaveLength(0);
    const skipped = engine.store.events.list({ type: 'strategy.entrySkipped' });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({
      userId: ids['tiny'],
      severity: 'info',
      payload: {
        strategy: 'dca',
        token: 'SOL',
        code: 'SIZE_BELOW_MINIMUM',
        minOrderUsd: 5,
        limitedBy: 'maxPositionPctEquity',
      },
    });
    expect((skipped[0]!.payload as { message: string }).message).toMatch(/below this user's limit of \$5\.00/u);
  });
});

describe('a pause stops strategy entries, not strategy exits (issue #9, item 6)', () => {
  it("a paused friend's strategy still sells (its take-profit); a paused friend's buy signal sends nothing", async () => {
    const { engine, runner, exec, prices, ids, solUsd } = await world({ pia: 1_000, bo: 1_000 }, { takeProfitPct: 1 });
    // Pia bought SOL at half today's price, so DCA's 1 % take-profit fires on this candle.
    prices.set(SOL.mint, solUsd / 2);
    const entry = await exec.submit({
      userId: ids['pia']!,
      side: 'buy',
      inputMint: USDC.mint,
      outputMint: SOL.mint,
      amount: 100_000_000n,
      context: 'manual',
      clientId: 'cheap-sol',
      slippageBps: 50,
      stopLossPrice: solUsd / 4,
    });
    expect(entry.status).toBe('confirmed');
    prices.set(SOL.mint, solUsd);
    engine.controls.pauseUser(ids['pia']!, 'holiday', 'test');
    engine.controls.pauseUser(ids['bo']!, 'holiday', 'test');

    const report = await runner.run();
    expect(report).toMatchObject({ users: 2, signals: 2, orders: 1, filled: 1, rejected: 0, skipped: 0 });
    const sold = engine.store.portfolio.trades(ids['pia']!)[0]!;
    expect(sold).toMatchObject({ side: 'sell', context: 'strategy' });
    expect(engine.store.portfolio.positions(ids['pia']!, { status: 'open' })).toHaveLength(0);
    expect(engine.store.intents.list(ids['bo']!, 10)).toHaveLength(0);
  });
});
