/**
 * What the browser end-to-end tests share: the built app is there, a `harvest serve`
 * child answering on a free port, Chromium launched headless, and both stopped again.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT, runHarvest, spawnHarvest } from './cli';

export const CHROMIUM = process.env['HARVEST_E2E_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e');

/** Fails with the fix when the CLI or the UI bundle is not built, or Chromium is missing; makes the artifacts folder. */
export function assertE2eReady(): void {
  for (const f of [join(REPO_ROOT, 'dist', 'renderer', 'index.html'), join(REPO_ROOT, 'dist', 'cli')])
    if (!existsSync(f))
      throw new Error(`${f} is missing: run \`npm run build:cli\` and \`npm run build:renderer\` first.`);
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (apt-get install chromium).`);
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** `harvest serve --json` on a free port; resolves with the child and the access URL of its ready line. */
export async function startServe(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  cycleSeconds: number,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnHarvest(
    ['--data-dir', dataDir, 'serve', '--json', '--port', '0', '--cycle-seconds', String(cycleSeconds)],
    env,
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ready line in 60 s: ${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"ready"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  });
  return { child, url };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** SIGTERM, then SIGKILL after 15 s: a serve that will not stop must not outlive the test. */
export async function stopServe(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** The environment of a browser test's `harvest` processes: a fresh master key, quiet logs, plus `extra`. */
export function e2eEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HARVEST_MASTER_KEY: randomBytes(32).toString('hex'),
    HARVEST_FAULT: undefined,
    HARVEST_DATA_DIR: undefined,
    HARVEST_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Runs `harvest --data-dir DIR ...args` and resolves with its stdout; a non-zero exit throws with its stderr. */
export async function harvestOn(dataDir: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  const r = await runHarvest(['--data-dir', dataDir, ...args], { env, input: '\n' });
  if (r.code !== 0) throw new Error(`harvest ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
