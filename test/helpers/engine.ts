import { ManualClock } from '../../engine/kernel';
import { silentLogger } from '../../engine/kernel/logger';
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
