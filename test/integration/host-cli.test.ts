/**
 * `harvest serve` as a person runs it: a real child process that prints a
 * ready URL, answers the API only with its token, takes CLI commands through
 * its control channel and stops cleanly on SIGTERM.
 */
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { http } from './host-support';
import { describeRun, hv, jsonUserError, ok, spawnHv, useDataDirs } from './support';

const newDir = useDataDirs();
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Ready {
  event: 'ready';
  url: string;
  origin: string;
  port: number;
  network: string | null;
  dataDir: string;
}

/** Starts `harvest serve` and waits for its ready line. */
function serve(
  dir: string,
  args: string[],
): Promise<{ child: ChildProcess; ready: Ready; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawnHv(dir, ['serve', '--json', ...args]);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line in 60 s\nstdout=${stdout}\nstderr=${stderr}`)),
      60_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve({ child, ready: JSON.parse(stdout.slice(0, nl)) as Ready, stderr: () => stderr, exited });
      } catch (e) {
        reject(new Error(`not a ready line: ${stdout}\n${String(e)}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`harvest serve exited (${code}) before ready\nstdout=${stdout}\nstderr=${stderr}`));
    });
  });
}

describe('harvest serve', () => {
  it('prints a ready URL with its token; the API answers only with it; CLI commands reach it; SIGTERM stops it', async () => {
    const dir = newDir();
    const { child, ready, stderr, exited } = await serve(dir, ['--port', '0', '--cycle-seconds', '1']);
    expect(ready.event).toBe('ready');
    expect(ready.network).toBe('sandbox');
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})$/u.exec(ready.url);
    expect(m, ready.url).not.toBeNull();
    const [, port, token] = m!;
    expect(Number(port)).toBe(ready.port);
    expect(ready.port).toBeGreaterThan(0);

    const without = await http(`${ready.origin}/api/health`);
    expect(without.status).toBe(401);
    expect(without.text).not.toContain('version');
    const wrong = await http(`${ready.origin}/api/health`, {
      token: token!.replace(/^./u, (c) => (c === '0' ? '1' : '0')),
    });
    expect(wrong.status).toBe(401);
    const withToken = await http<{ ok: boolean; version: string }>(`${ready.origin}/api/health`, { token: token! });
    expect(withToken.status).toBe(200);
    expect(withToken.body).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/u) });

    // The served engine owns the data directory: a CLI command goes through it, and the UI sees the result.
    ok(await hv(dir, ['user', 'add', 'bo', '--json']));
    const users = await http<{ ok: true; result: { users: { name: string }[] } }>(
      `${ready.origin}/api/command/users.list`,
      {
        token: token!,
        body: { input: {} },
      },
    );
    expect(users.body.result.users.map((u) => u.name)).toEqual(['bo']);
    // The trading loop runs.
    await expect
      .poll(
        async () =>
          (
            await http<{ result: { trading: boolean; lastCycle: unknown } }>(
              `${ready.origin}/api/command/engine.health`,
              { token: token!, body: { input: {} } },
            )
          ).body.result,
        {
          timeout: 20_000,
        },
      )
      .toMatchObject({ trading: true, lastCycle: expect.objectContaining({ cycle: expect.any(Number) }) });
    // Nothing built in this checkout's dist/renderer is assumed; the UI root always answers.
    expect((await http(`${ready.origin}/`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited, stderr()).toBe(0);
    await expect(http(`${ready.origin}/api/health`, { token: token! })).rejects.toThrow();
    // The data directory is free again.
    expect(ok<{ owner: unknown }>(await hv(dir, ['status', '--json'])).owner).toBeDefined();
  });

  it('refuses a non-loopback address without --allow-remote, before touching anything', async () => {
    const dir = newDir();
    const r = await hv(dir, ['serve', '--json', '--host', '0.0.0.0', '--port', '0']);
    const err = jsonUserError(r, 'REFUSED', /--allow-remote/u);
    expect(err.message).toMatch(/0\.0\.0\.0/u);
    expect(existsSync(dir), describeRun(r)).toBe(false);
  });

  it('with --allow-remote it listens beyond loopback and prints a warning', async () => {
    const dir = newDir();
    const { child, ready, stderr, exited } = await serve(dir, [
      '--host',
      '0.0.0.0',
      '--allow-remote',
      '--port',
      '0',
      '--no-trading',
    ]);
    await expect.poll(stderr).toMatch(/WARNING: .*reachable from other machines/u);
    const token = new URL(ready.url).searchParams.get('token')!;
    expect((await http(`http://127.0.0.1:${ready.port}/api/health`, { token })).status).toBe(200);
    expect((await http(`http://127.0.0.1:${ready.port}/api/health`)).status).toBe(401);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
