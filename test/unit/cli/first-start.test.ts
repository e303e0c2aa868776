/**
 * Issue 12, items 1 and 4, as a newcomer meets them: `harvest --network sandbox
 * serve` (what `npm start` runs without Electron) on a machine with no OS
 * keychain comes up under the sandbox key file, says so, prints human lines
 * (no JSON) and ends its start-up output with the address to open; cycle
 * summaries follow. The real command in a child process.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnHarvest } from '../../helpers/cli';

let parent = '';
afterEach(() => {
  if (parent) rmSync(parent, { recursive: true, force: true });
});

describe('first start on a machine without a keychain', () => {
  it('serve on the sandbox starts under a key file, warns once, prints the address last and then cycle summaries', async () => {
    parent = mkdtempSync(join(tmpdir(), 'hv-first-'));
    const dir = join(parent, 'data');
    const child = spawnHarvest(
      ['--data-dir', dir, '--network', 'sandbox', 'serve', '--port', '0', '--cycle-seconds', '1'],
      {
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
        HARVEST_MASTER_KEY: undefined,
        HARVEST_LOG_LEVEL: undefined,
        HARVEST_FAULT: undefined,
      },
    );
    child.stdin!.end();
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const until = async (what: string, cond: () => boolean, ms = 90_000): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!cond()) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(
            `${what} never came (exit ${child.exitCode})\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await until('the address', () =>
        /Open Harvest: +http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+\n\n$/u.test(stdout),
      );
      // The address is the last thing on stdout and every warning came before it.
      const lines = stdout.trim().split('\n');
      expect(lines.at(-1)).toMatch(/^ {4}Open Harvest: {2}http/u);
      expect(stderr).toMatch(/WARNING: No OS keychain: .*key in a file.*harvest keys adopt/su);
      expect(stderr.match(/No OS keychain/gu)).toHaveLength(1);
      const key = join(dir, 'sandbox-master.key');
      expect(existsSync(key)).toBe(true);
      expect(statSync(key).mode & 0o777).toBe(0o600);
      // Cycle summaries come after the ready lines, as human text.
      await until('a cycle summary', () => /\d\d:\d\d:\d\d {2}cycle \d+: /u.test(stderr), 60_000);
      for (const l of [...stdout.split('\n'), ...stderr.split('\n')]) expect(l.startsWith('{'), l).toBe(false);
      // The full JSON is in the log file.
      expect(existsSync(join(dir, 'logs', 'harvest.log'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 180_000);
});
