import { HarvestError } from '../kernel/errors';
import { readOwner } from '../kernel/owner-lock';
import { dataDirLayout } from '../kernel/paths';
import { Engine } from '../runtime';
import { cliLogger, type CliContext } from './dispatch';

/**
 * `harvest run`: the engine in the foreground. It owns the data directory
 * and serves the control channel until SIGINT/SIGTERM.
 */
export async function runEngine(ctx: CliContext & { json: boolean }, io: { stdout: (t: string) => void }): Promise<void> {
  const layout = dataDirLayout(ctx.dataDir);
  let engine: Engine;
  try {
    engine = Engine.open({
      dataDir: ctx.dataDir,
      env: ctx.env,
      ownerKind: 'engine',
      actor: 'engine',
      logger: () => cliLogger({ ...ctx, verbose: true }, layout.logs),
    });
  } catch (e) {
    if (e instanceof HarvestError && e.code === 'DATA_DIR_BUSY') {
      const owner = readOwner(layout);
      throw new HarvestError(
        'DATA_DIR_BUSY',
        `Harvest is already running on ${layout.root}${owner ? ` (pid ${owner.pid})` : ''}.`,
      );
    }
    throw e;
  }
  await engine.serveControl();
  const ready = { event: 'ready', dataDir: engine.layout.root, pid: process.pid, socket: engine.layout.socket };
  io.stdout(ctx.json ? JSON.stringify(ready) + '\n' : `Harvest engine running on ${ready.dataDir} (pid ${ready.pid}). Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await engine.close();
}
