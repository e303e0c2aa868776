import { existsSync } from 'node:fs';
import type { CommandName, CommandOutput, JobUpdate } from '../api';
import { systemClock } from '../kernel/clock';
import { callControlChannel } from '../kernel/control-channel';
import { HarvestError } from '../kernel/errors';
import { readOwner } from '../kernel/owner-file';
import { learnForwardedTokens } from './forwarded-tokens';
import { dataDirLayout } from '../kernel/paths';
import type { Engine } from '../runtime/engine';
import type { NetworkName } from '../runtime/network-config';

export interface CliContext {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  verbose: boolean;
  /** --network / --rpc: which chain this command talks to, instead of the data directory's configured one. */
  network?: NetworkName;
  rpcUrls?: string[];
}

const BUSY_WAIT_MS = 30_000;

/**
 * Runs one command: through the running engine if there is one (so `harvest
 * halt` reaches it at once), otherwise by opening the data directory here.
 * If another one-shot command holds the directory, waits for it.
 * The engine modules (SQLite, keystore, handlers) are imported only once no
 * running engine answered: a forwarded command needs none of them.
 */
export async function dispatch<K extends CommandName>(
  ctx: CliContext,
  name: K,
  input: unknown,
): Promise<CommandOutput<K>> {
  return dispatchSession(ctx, async (s) => {
    const out = (await s.call(name, input)) as CommandOutput<K>;
    // Naming only: a failure here leaves a mint unnamed, never fails the command.
    if (s.forwarded)
      await learnForwardedTokens(out, async () => (await s.call('tokens.list', {})) as never).catch(() => undefined);
    return out;
  });
}

/** Where a CLI session's commands run: the running engine, or one opened in this process. */
export interface CliSession {
  call(name: CommandName, input: unknown): Promise<unknown>;
  /** True when a running engine answers (over its control channel). */
  forwarded: boolean;
  /** Pushed job progress (engine/kernel/job-feed), when the engine runs in this process; forwarded, poll instead. */
  onJob?: (listener: (update: JobUpdate) => void) => () => void;
}

/**
 * Runs `work` against one engine, as `dispatch` runs one command: several
 * commands that share state held in memory (a background job and its
 * progress) need the same engine throughout.
 */
export async function dispatchSession<R>(ctx: CliContext, work: (s: CliSession) => Promise<R>): Promise<R> {
  const layout = dataDirLayout(ctx.dataDir);
  const deadline = systemClock.now() + BUSY_WAIT_MS;
  for (;;) {
    const owner = existsSync(layout.root) ? readOwner(layout) : null;
    if (owner?.socket) {
      const socket = owner.socket;
      let reached = false;
      try {
        if (ctx.network || ctx.rpcUrls?.length) await assertSameNetwork(ctx, socket);
        return await work({
          forwarded: true,
          call: async (n, i) => {
            const out = await callControlChannel(socket, n, i);
            reached = true;
            return out;
          },
        });
      } catch (e) {
        // Only an engine that never answered is replaced by one opened here (nothing ran twice).
        if (reached || !isNotListening(e)) throw e;
      }
    }
    const [{ Engine }, { asDatabaseDamage }, { cliLogger }] = await Promise.all([
      import('../runtime/engine'),
      import('../store'),
      import('./cli-logger'),
    ]);
    let engine: Engine;
    try {
      engine = Engine.open({
        dataDir: ctx.dataDir,
        env: ctx.env,
        ownerKind: 'cli',
        logger: () => cliLogger(ctx, layout.logs),
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
      if (e instanceof HarvestError && e.code === 'DATA_DIR_BUSY' && systemClock.now() < deadline) {
        await systemClock.sleep(50 + Math.random() * 100);
        continue;
      }
      if (e instanceof HarvestError && e.code === 'DATA_DIR_BUSY') {
        throw new HarvestError(
          'DATA_DIR_BUSY',
          `${layout.root} stayed busy for ${BUSY_WAIT_MS / 1000} s; another Harvest process is using it.`,
        );
      }
      throw e;
    }
    const here = engine;
    try {
      return await work({
        forwarded: false,
        call: (n, i) => here.execute(n, i),
        onJob: (listener) => here.jobFeed.subscribe(listener),
      });
    } catch (e) {
      // A page found corrupt mid-command is the operator's to restore, not an "internal error".
      throw asDatabaseDamage(e, layout.db, layout.root) ?? e;
    } finally {
      await engine.close();
    }
  }
}

/** A running engine trades on one network; a command asking for another must not silently use it. */
async function assertSameNetwork(ctx: CliContext, socket: string): Promise<void> {
  const status = (await callControlChannel(socket, 'network.status', {})) as CommandOutput<'network.status'>;
  if (ctx.network && ctx.network !== status.network) {
    throw new HarvestError(
      'REFUSED',
      `The running engine on this data directory uses ${status.network}, not ${ctx.network}. Stop it, or leave out --network.`,
    );
  }
  if (ctx.rpcUrls?.length) {
    throw new HarvestError(
      'REFUSED',
      'The running engine has its own RPC endpoints; --rpc applies only when no engine is running.',
    );
  }
}

function isNotListening(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'ENOTSOCK';
}
