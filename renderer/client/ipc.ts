import { EngineCallError, type EngineClient } from '../../engine/api/client';
import type { CommandName } from '../../engine/api/contract';
import type { HarvestBridge } from '../ipc-types';
import { jobHub } from './job-hub';

/** Unwraps a result envelope; tolerates a bridge that resolves to the bare output or rejects with a typed error. */
export function unwrapResult(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'ok' in value) {
    const v = value as {
      ok: unknown;
      result?: unknown;
      error?: { code?: unknown; message?: unknown; confirmationId?: unknown };
    };
    if (v.ok === true && 'result' in v) return v.result;
    if (v.ok === false && typeof v.error === 'object' && v.error !== null) throw toCallError(v.error);
  }
  return value;
}

export function toCallError(e: unknown): EngineCallError {
  if (e instanceof EngineCallError) return e;
  if (typeof e === 'object' && e !== null) {
    const o = e as { code?: unknown; message?: unknown; confirmationId?: unknown };
    const code = typeof o.code === 'string' ? o.code : 'INTERNAL';
    let message = typeof o.message === 'string' ? o.message : 'The engine failed without saying why.';
    // ipcRenderer.invoke prefixes rejections: "Error invoking remote method 'x': Error: …"
    message = message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/u, '');
    return new EngineCallError(code, message, typeof o.confirmationId === 'string' ? o.confirmationId : null);
  }
  return new EngineCallError('INTERNAL', String(e));
}

/** The Electron transport: the preload's one-function-per-command bridge. */
export function ipcClient(bridge: HarvestBridge): EngineClient {
  const jobs = jobHub();
  // Subscribed at once, so a job's updates are kept from the moment it starts (see jobHub).
  const hasJobs = typeof bridge.onJob === 'function';
  if (hasJobs) bridge.onJob!((update) => jobs.publish(update));
  return {
    async call(name, input, opts) {
      const fn = (
        bridge.commands as unknown as Record<
          string,
          ((i: unknown, o?: { confirmation?: string }) => Promise<unknown>) | undefined
        >
      )[name as CommandName];
      if (typeof fn !== 'function')
        throw new EngineCallError('UNSUPPORTED', `This version of the desktop app has no command "${name}".`);
      let value: unknown;
      try {
        value = await fn(input, opts?.confirmation ? { confirmation: opts.confirmation } : undefined);
      } catch (e) {
        throw toCallError(e);
      }
      return unwrapResult(value) as never;
    },
    onEvent(listener) {
      return bridge.onEvent(listener);
    },
    ...(hasJobs ? { onJob: (listener: Parameters<typeof jobs.subscribe>[0]) => jobs.subscribe(listener) } : {}),
    onStatus(listener) {
      // In-process: always connected.
      listener('open');
      return () => undefined;
    },
  };
}
