import { existsSync } from 'node:fs';
import type { CommandName, CommandOutput } from '../api';
import { systemClock } from '../kernel/clock';
import { callControlChannel } from '../kernel/control-channel';
import { HarvestError } from '../kernel/errors';
import { createLogger } from '../kernel/logger';
import { readOwner } from '../kernel/owner-lock';
import { dataDirLayout } from '../kernel/paths';
import { Engine } from '../runtime';

export interface CliContext {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  verbose: boolean;
}

const BUSY_WAIT_MS = 30_000;

/**
 * Runs one command: through the running engine if there is one (so `harvest
 * halt` reaches it at once), otherwise by opening the data directory here.
 * If another one-shot command holds the directory, waits for it.
 */
export async function dispatch<K extends CommandName>(ctx: CliContext, name: K, input: unknown): Promise<CommandOutput<K>> {
  const layout = dataDirLayout(ctx.dataDir);
  const deadline = systemClock.now() + BUSY_WAIT_MS;
  for (;;) {
    const owner = existsSync(layout.root) ? readOwner(layout) : null;
    if (owner?.socket) {
      try {
        return (await callControlChannel(owner.socket, name, input)) as CommandOutput<K>;
      } catch (e) {
        if (!isNotListening(e)) throw e;
      }
    }
    let engine: Engine;
    try {
      engine = Engine.open({ dataDir: ctx.dataDir, env: ctx.env, ownerKind: 'cli', logger: () => cliLogger(ctx, layout.logs) });
    } catch (e) {
      if (e instanceof HarvestError && e.code === 'DATA_DIR_BUSY' && systemClock.now() < deadline) {
        await systemClock.sleep(50 + Math.random() * 100);
        continue;
      }
      if (e instanceof HarvestError && e.code === 'DATA_DIR_BUSY') {
        throw new HarvestError('DATA_DIR_BUSY', `${layout.root} stayed busy for ${BUSY_WAIT_MS / 1000} s; another Harvest process is using it.`);
      }
      throw e;
    }
    try {
      return await engine.execute(name, input);
    } finally {
      await engine.close();
    }
  }
}

export function cliLogger(ctx: CliContext, logDir: string): ReturnType<typeof createLogger> {
  return createLogger({ logDir, stderr: ctx.verbose, level: ctx.env['HARVEST_LOG_LEVEL'] ?? (ctx.verbose ? 'debug' : 'info') });
}

function isNotListening(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ENOTSOCK';
}
