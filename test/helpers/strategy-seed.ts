import { join } from 'node:path';
import { PriceBook, TradeExecutionService } from '../../engine/execution';
import { ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { IndicatorCache, loadCandlesFile, ReplayCandleSource, tokenBySymbol } from '../../engine/market';
import { standardRiskGate } from '../../engine/risk';
import { Engine } from '../../engine/runtime';
import { StrategyRunner } from '../../engine/runtime/strategy-runner';
import { REPO_ROOT } from './cli';

const SOL = tokenBySymbol('SOL')!;
const USDC = tokenBySymbol('USDC')!;
const CANDLES = loadCandlesFile(join(REPO_ROOT, 'test/fixtures/market/SOLUSDT-1h-binance-2020-12_2021-07.csv.gz'));
/** Thirteen hours into the fixture: DCA (2 candles) can trade, trend (78) is warming up. */
export const SEED_T0 = Date.UTC(2020, 11, 1, 13);

/**
 * A data directory whose strategies ran one cycle in process (real risk gate,
 * paper fills, real SOL candles): ana traded (DCA), bo is paused so his DCA
 * entry was skipped, cy's trend is warming up, dee's entry was below the
 * minimum order. Returns the engine, still open, for the caller to use or close.
 */
export async function seedStrategyScenario(dataDir: string, env: NodeJS.ProcessEnv): Promise<Engine> {
  const clock = new ManualClock(SEED_T0);
  const engine = Engine.open({ dataDir, clock, logger: silentLogger, env });
  // Hourly candles here: the strategies' former hourly defaults are pinned (the built-in defaults are 5-minute now).
  const dca = { id: 'dca', params: { timeframe: '1h', amountUsd: 100, intervalHours: 1 } };
  const friends: Record<string, { strategy: { id: string; params: Record<string, unknown> }; usd: number }> = {
    ana: { strategy: dca, usd: 10_000 },
    bo: { strategy: dca, usd: 10_000 },
    cy: { strategy: { id: 'trend', params: { timeframe: '1h', fastPeriod: 12, slowPeriod: 26 } }, usd: 10_000 },
    dee: { strategy: { id: 'dca', params: { timeframe: '1h', amountUsd: 500, intervalHours: 1 } }, usd: 12 },
  };
  for (const [name, f] of Object.entries(friends)) {
    const u = engine.users.add(name, 'test');
    engine.wallets.create(u.id, 12, 'test');
    const row = engine.store.settings.get(u.id)!;
    engine.store.settings.update(
      u.id,
      row.version,
      { ...(row.settings as object), mode: 'paper', strategy: { enabled: true, ...f.strategy, tokens: ['SOL'] } },
      new Date(SEED_T0).toISOString(),
    );
    engine.store.paper.set(u.id, USDC.mint, BigInt(f.usd) * 1_000_000n);
    engine.store.paper.set(u.id, SOL.mint, 100_000_000n);
  }
  engine.controls.pauseUser(engine.users.resolve('bo').id, 'holiday', 'test');
  const source = new ReplayCandleSource({ clock });
  source.add(SOL.mint, '1h', CANDLES);
  const prices = new PriceBook(clock, Number.POSITIVE_INFINITY);
  prices.set(SOL.mint, CANDLES.find((c) => c.time === SEED_T0 - 3_600_000)!.close);
  prices.set(USDC.mint, 1);
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
  await runner.run();
  return engine;
}
