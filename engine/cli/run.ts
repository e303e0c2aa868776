import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { createLogger } from '../kernel/logger';
import { TerminalLog } from '../kernel/terminal-log';
import { readOwner } from '../kernel/owner-lock';
import { dataDirLayout } from '../kernel/paths';
import { FILE_KEY_WARNING } from '../keystore';
import { Engine } from '../runtime';
import type { CliContext } from './dispatch';
import { cliLogger } from './cli-logger';
import { listenForStop } from './stop-signal';

/**
 * `harvest run`: the engine in the foreground. It owns the data directory
 * and serves the control channel until SIGINT/SIGTERM.
 */
export async function runEngine(
  ctx: CliContext & { json: boolean },
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
  cycleMs = 10_000,
): Promise<void> {
  const layout = dataDirLayout(ctx.dataDir);
  // --json: JSON records on stderr for a program; otherwise human lines for a person (the file keeps the JSON).
  const terminal = ctx.json ? null : new TerminalLog({ out: io.stderr, now: () => systemClock.now() });
  const stop = listenForStop();
  let engine: Engine;
  try {
    engine = Engine.open({
      dataDir: ctx.dataDir,
      env: ctx.env,
      ownerKind: 'engine',
      actor: 'engine',
      // Without a keychain, a new data folder may use a key file, only when the sandbox is asked for by name
      // (`--network sandbox`, as `npm start` does): play money, an explicit choice (keystore/file-key.ts).
      sandboxFileKey: ctx.network === 'sandbox' || ctx.network === 'paper-sandbox',
      // One line per cycle on stderr: info level unless asked for more.
      logger: () =>
        createLogger({
          logDir: layout.logs,
          // --json: JSON records for a program; otherwise human lines for a person (the file keeps the JSON).
          ...(terminal ? { terminal } : { stderr: true }),
          level: ctx.env['HARVEST_LOG_LEVEL'] ?? (ctx.verbose ? 'debug' : 'info'),
        }),
    });
  } catch (e) {
    stop.dispose();
    if (e instanceof HarvestError && e.code === 'DATA_DIR_BUSY') {
      const owner = readOwner(layout);
      throw new HarvestError(
        'DATA_DIR_BUSY',
        `Harvest is already running on ${layout.root}${owner ? ` (pid ${owner.pid})` : ''}.`,
      );
    }
    throw e;
  }
  try {
    if (engine.keySource === 'file') io.stderr(`harvest: WARNING: ${FILE_KEY_WARNING}\n`);
    await engine.serveControl();
    // Connect the network first: this settles any order a previous crash left unfinished.
    await engine.funds();
    if (stop.asked) return;
    engine.startTrading(cycleMs);
    const ready = { event: 'ready', dataDir: engine.layout.root, pid: process.pid, socket: engine.layout.socket };
    io.stdout(
      ctx.json
        ? JSON.stringify(ready) + '\n'
        : `Harvest engine running on ${ready.dataDir} (pid ${ready.pid}). Full logs: ${join(layout.logs, 'harvest.log')}. Ctrl-C to stop.\n`,
    );
    terminal?.ready();
    await stop.stopped;
  } finally {
    stop.dispose();
    await engine.close();
  }
}

/**
 * `harvest sandbox start`: the sandbox on its own, for this data directory,
 * until SIGINT/SIGTERM. An engine started later joins it over HTTP instead of
 * starting its own, and can be stopped or killed without touching the chain.
 */
export async function runSandbox(
  ctx: CliContext & { json: boolean },
  io: { stdout: (t: string) => void },
  speed: number,
): Promise<void> {
  if (!Number.isFinite(speed) || speed <= 0)
    throw new HarvestError('INVALID_INPUT', '--speed must be a positive number.');
  const layout = dataDirLayout(ctx.dataDir);
  mkdirSync(layout.root, { recursive: true, mode: 0o700 });
  const log = cliLogger({ ...ctx, verbose: ctx.verbose }, layout.logs);
  const { Sandbox } = await import('../sandbox');
  const sandbox = await Sandbox.startForDataDir({ dataDir: layout.root, clock: systemClock, log, speed });
  const ready = { event: 'ready', rpcUrl: sandbox.rpcUrl, swapApiUrl: sandbox.swapApiUrl, pid: process.pid };
  io.stdout(
    ctx.json
      ? JSON.stringify(ready) + '\n'
      : `Sandbox running for ${layout.root}\n  RPC:      ${ready.rpcUrl}\n  Swap API: ${ready.swapApiUrl}\nCtrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sandbox.close();
}
