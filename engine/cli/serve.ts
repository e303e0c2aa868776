import { systemClock } from '../kernel/clock';
import { join } from 'node:path';
import { HarvestError } from '../kernel/errors';
import { createLogger } from '../kernel/logger';
import { TerminalLog } from '../kernel/terminal-log';
import { readOwner } from '../kernel/owner-lock';
import { dataDirLayout } from '../kernel/paths';
import { FILE_KEY_WARNING } from '../keystore';
import { Engine } from '../runtime';
import type { CliContext } from './dispatch';
import type { TelegramBridge } from '../telegram';
import { listenForStop } from './stop-signal';

export interface ServeOptions {
  host: string;
  port: number;
  allowRemote: boolean;
  cycleMs: number;
  trading: boolean;
  /** The built renderer; dist/renderer by default. */
  rendererDir?: string;
}

/**
 * `harvest serve`: `harvest run` plus the headless UI host. The engine owns
 * the data directory (CLI commands reach it over the control channel), the
 * network is connected and the trading loop runs; the UI and its API are
 * served on HTTP/WebSocket behind a fresh access token until SIGINT/SIGTERM.
 */
export async function serveEngine(
  ctx: CliContext & { json: boolean },
  io: { stdout: (t: string) => void; stderr: (t: string) => void },
  opts: ServeOptions,
): Promise<void> {
  const { isLoopbackHost, startHost } = await import('../host');
  // Refused before anything is opened or started.
  if (!isLoopbackHost(opts.host) && !opts.allowRemote) {
    throw new HarvestError(
      'REFUSED',
      `Listening on ${opts.host} would expose Harvest (and the wallets it controls) to other machines. ` +
        'Use 127.0.0.1, or pass --allow-remote if you really mean it.',
    );
  }
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
      actor: 'ui',
      // Without a keychain, a new data folder may use a key file, only when the sandbox is asked for by name
      // (`--network sandbox`, as `npm start` does): play money, an explicit choice (keystore/file-key.ts).
      sandboxFileKey: ctx.network === 'sandbox' || ctx.network === 'paper-sandbox',
      logger: () =>
        createLogger({
          logDir: layout.logs,
          // --json: JSON records for a program; otherwise human lines for a person (the file keeps the JSON).
          ...(terminal ? { terminal } : { stderr: true }),
          level: ctx.env['HARVEST_LOG_LEVEL'] ?? (ctx.verbose ? 'debug' : 'info'),
        }),
      ...(ctx.network || ctx.rpcUrls?.length
        ? {
            network: {
              ...(ctx.network ? { name: ctx.network } : {}),
              ...(ctx.rpcUrls?.length ? { rpcUrls: ctx.rpcUrls } : {}),
            },
          }
        : {}),
    });
  } catch (e) {
    stop.dispose();
    if (e instanceof HarvestError && e.code === 'DATA_DIR_BUSY') {
      const owner = readOwner(layout);
      throw new HarvestError(
        'DATA_DIR_BUSY',
        `Harvest is already running on ${layout.root}${owner ? ` (pid ${owner.pid})` : ''}. Stop it first; \`harvest serve\` runs the engine itself.`,
      );
    }
    throw e;
  }

  let host: Awaited<ReturnType<typeof startHost>> | null = null;
  let telegram: TelegramBridge | null = null;
  try {
    if (engine.keySource === 'file') io.stderr(`harvest: WARNING: ${FILE_KEY_WARNING}\n`);
    await engine.serveControl();
    // Connect the network first: this settles any order a previous crash left unfinished.
    let network: string | null = null;
    try {
      network = (await engine.funds()).net.name;
    } catch (e) {
      // The UI still comes up (it shows the engine's health); the trading loop keeps trying to connect.
      const message = e instanceof Error ? e.message : String(e);
      engine.log.error({ err: message }, 'network not connected at start');
      io.stderr(`harvest: warning: the network is not connected yet (${message}); the UI shows its health.\n`);
    }
    if (stop.asked) return;
    host = await startHost({
      engine,
      host: opts.host,
      port: opts.port,
      allowRemote: opts.allowRemote,
      log: engine.log,
      ...(opts.rendererDir !== undefined ? { rendererDir: opts.rendererDir } : {}),
    });
    for (const w of host.warnings) io.stderr(`harvest: WARNING: ${w}\n`);
    if (stop.asked) return;
    // The Telegram bridge: idle without a stored token; started (and restarted) by `harvest telegram token`.
    const { TelegramBridge, registerBridge } = await import('../telegram');
    telegram = new TelegramBridge(engine);
    registerBridge(engine, telegram);
    telegram.start();
    if (!host.rendererBuilt)
      io.stderr('harvest: the UI is not built yet (run `npm run build:renderer`); the API works regardless.\n');
    const ready = {
      event: 'ready',
      url: host.url,
      origin: host.origin,
      port: host.port,
      dataDir: engine.layout.root,
      network,
      trading: opts.trading,
      pid: process.pid,
      socket: engine.layout.socket,
    };
    io.stdout(
      ctx.json
        ? JSON.stringify(ready) + '\n'
        : // The address comes last and stands alone: it is the one thing a person must find in this output.
          `\nHarvest is running on ${ready.dataDir}${network ? ` (${network})` : ''}${opts.trading ? '' : ', trading loop off'}.\n` +
            `Full logs: ${join(engine.layout.logs, 'harvest.log')}. Ctrl-C to stop.\n` +
            'Keep the address below private: its token is the key to the UI.\n\n' +
            `    Open Harvest:  ${host.url}\n\n`,
    );
    terminal?.ready();
    // Started once the address is out, in the same tick (no request can arrive in between): the first
    // cycle seeds candle history and runs every friend's strategies, work that would otherwise contend
    // with the host's start-up for the one main thread and delay "ready".
    if (opts.trading) engine.startTrading(opts.cycleMs);
    await stop.stopped;
  } finally {
    stop.dispose();
    // Both at once: the engine starts answering "stopping" while the host closes its connections.
    await Promise.all([host?.close(), telegram?.stop(), engine.close()]);
  }
}
