import { ManualClock } from '../../engine/kernel';
import { silentLogger } from '../../engine/kernel/logger';
import type { ExecutionDeps } from '../../engine/execution/service';
import { Engine, type EngineOptions } from '../../engine/runtime';

/** An in-process engine on a data directory, with a manual clock and no log output. */
export function openEngine(dataDir: string, opts: Partial<EngineOptions> = {}): Engine {
  return Engine.open({
    dataDir,
    clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
    logger: silentLogger,
    ...opts,
  });
}

/** What an engine gives a TradeExecutionService a test builds over it (the test adds gates, prices and venues). */
export function engineExecParts(
  engine: Engine,
): Pick<ExecutionDeps, 'store' | 'clock' | 'log' | 'bus' | 'signer' | 'controls'> {
  return {
    store: engine.store,
    clock: engine.clock,
    log: silentLogger,
    bus: engine.bus,
    signer: engine.signer,
    controls: engine.controls,
  };
}
