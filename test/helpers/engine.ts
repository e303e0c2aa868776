import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * An in-process engine on a throwaway data directory whose master key comes
 * from the environment (no OS keychain needed); `close` shuts it and deletes it.
 */
export function throwawayEngine(clock: ManualClock, prefix = 'hv-'): { engine: Engine; close: () => Promise<void> } {
  const parent = mkdtempSync(join(tmpdir(), prefix));
  const engine = Engine.open({
    dataDir: join(parent, 'd'),
    clock,
    logger: silentLogger,
    env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
  });
  return {
    engine,
    close: async () => {
      await engine.close();
      rmSync(parent, { recursive: true, force: true });
    },
  };
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
