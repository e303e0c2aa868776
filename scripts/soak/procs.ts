/**
 * The soak's long-running `harvest` processes: the sandbox (one for the whole
 * run, so the chain outlives every kill) and the engine (`harvest run`, killed
 * and restarted). Started like the integration tests do, until their JSON
 * ready line, but without vitest so the soak runs as a plain script.
 */
import type { ChildProcess } from 'node:child_process';
import { runHarvest, spawnHarvest, type CliResult } from '../../test/helpers/cli';

export interface Running<R> {
  child: ChildProcess;
  ready: R;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail: () => string;
}

/** `harvest --data-dir DIR ARGS` until it prints {"event":"ready",…}; rejects if it exits first. */
export function startHarvest<R>(
  dir: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  onSpawn?: (child: ChildProcess) => void,
): Promise<Running<R>> {
  const child = spawnHarvest(['--data-dir', dir, ...args], env);
  onSpawn?.(child);
  child.stdin!.end();
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Only the tail is kept: a soak's engine logs for a long time.
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`harvest ${args.join(' ')}: no ready line within ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
      if (line) {
        clearTimeout(timer);
        out = '';
        resolve({ child, ready: JSON.parse(line) as R, exited, stderrTail: () => err });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`harvest ${args.join(' ')} exited (${code ?? signal}) before it was ready\n${err}`));
    });
  });
}

export function harvestOnce(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runHarvest(['--data-dir', dir, ...args], { env });
}

export async function stop(p: Running<unknown>, graceMs: number): Promise<'exited' | 'killed'> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return 'exited';
  p.child.kill('SIGTERM');
  const done = await Promise.race([p.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (done) return 'exited';
  p.child.kill('SIGKILL');
  await p.exited;
  return 'killed';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
