import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeRun,
  hv,
  jsonUserError,
  ok,
  startEngine,
  useDataDirs,
  userError,
  type RunningEngine,
  type WalletExport,
} from './support';

interface Status {
  dataDir: string;
  keyId: string;
  users: number;
  owner: { kind: 'engine' | 'cli'; pid: number; startedAt: string };
}

describe('`harvest run` owns the data directory', { timeout: 300_000 }, () => {
  const freshDir = useDataDirs();
  const running: RunningEngine[] = [];
  afterEach(() => {
    for (const e of running.splice(0))
      if (e.child.exitCode === null && e.child.signalCode === null) e.child.kill('SIGKILL');
  });
  async function start(dir: string): Promise<RunningEngine> {
    const e = await startEngine(dir);
    running.push(e);
    return e;
  }

  it('answers CLI commands while it runs, refuses a second engine, and a SIGKILL leaves no stale lock', async () => {
    const dir = freshDir();
    const engine = await start(dir);
    const root = realpathSync(dir);
    expect(engine.ready).toMatchObject({
      event: 'ready',
      dataDir: root,
      pid: engine.child.pid,
      socket: join(root, 'harvest.sock'),
    });
    expect(engine.stdout().trim().split('\n')).toHaveLength(1);

    // The control socket and the directory are private to this OS user.
    const sock = lstatSync(join(root, 'harvest.sock'));
    expect(sock.isSocket()).toBe(true);
    expect(sock.mode & 0o777).toBe(0o600);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(root, 'owner.json'), 'utf8'))).toMatchObject({
      pid: engine.child.pid,
      kind: 'engine',
      socket: join(root, 'harvest.sock'),
    });

    // Commands are answered by the running engine, not by a process of their own.
    const added = ok<{ id: number; name: string }>(await hv(dir, ['--json', 'user', 'add', 'alice']));
    expect(added.name).toBe('alice');
    const list = ok<{ users: Array<{ name: string }> }>(await hv(dir, ['--json', 'user', 'list']));
    expect(list.users.map((u) => u.name)).toEqual(['alice']);
    const status = ok<Status>(await hv(dir, ['--json', 'status']));
    expect(status.owner).toMatchObject({ kind: 'engine', pid: engine.child.pid });
    const human = await hv(dir, ['status']);
    expect(human.stdout).toContain(`running engine (pid ${engine.child.pid}`);
    // Errors come back through the channel as the same one-line user errors.
    jsonUserError(await hv(dir, ['--json', 'user', 'add', 'ALICE']), 'CONFLICT', /already exists/);
    const created = ok<{ address: string; mnemonic: string }>(await hv(dir, ['--json', 'wallet', 'create', 'alice']));
    const exported = ok<WalletExport>(await hv(dir, ['--json', 'wallet', 'export', 'alice', '--confirm']));
    expect(exported).toMatchObject({ kind: 'mnemonic', mnemonic: created.mnemonic, address: created.address });

    // A backup can be taken through the engine; a restore needs the directory free.
    const kit = join(dir, '..', 'kit.hvb');
    ok(await hv(dir, ['--json', 'backup', 'create', kit], { input: 'a long enough passphrase\n' }));
    expect(statSync(kit).mode & 0o777).toBe(0o600);
    jsonUserError(
      await hv(dir, ['--json', 'backup', 'restore', kit, '--force'], { input: 'a long enough passphrase\n' }),
      'DATA_DIR_BUSY',
      /stop it before restoring/,
    );

    // A second engine on the same directory is refused.
    const second = await hv(dir, ['run']);
    userError(second, new RegExp(`already running on .*\\(pid ${engine.child.pid}\\)`));
    expect(engine.child.exitCode).toBeNull();

    // Kill the engine without any chance to clean up: the OS drops its lock.
    engine.child.kill('SIGKILL');
    expect(await engine.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(existsSync(join(root, 'owner.json')), 'a SIGKILLed engine cannot remove owner.json').toBe(true);

    const after = ok<{ users: Array<{ name: string; address: string | null }> }>(
      await hv(dir, ['--json', 'user', 'list']),
    );
    expect(after.users).toEqual([expect.objectContaining({ name: 'alice', address: created.address })]);
    const took = ok<Status>(await hv(dir, ['--json', 'status']));
    expect(took.owner.kind).toBe('cli');
    expect(took.owner.pid).not.toBe(engine.child.pid);
    expect(took.keyId).toBe(status.keyId);
    expect(readFileSync(join(root, 'logs', 'harvest.log'), 'utf8')).toContain('took over the data directory');
    ok(await hv(dir, ['--json', 'audit', 'verify']));
  });

  it('stops cleanly on SIGTERM: exit 0, socket and owner record removed, the next command runs on its own', async () => {
    const dir = freshDir();
    const engine = await start(dir);
    ok(await hv(dir, ['--json', 'user', 'add', 'bob']));
    engine.child.kill('SIGTERM');
    const exit = await engine.exited;
    expect(exit, `stderr: ${engine.stderr()}`).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dir, 'owner.json'))).toBe(false);
    expect(existsSync(join(dir, 'harvest.sock'))).toBe(false);

    const status = ok<Status>(await hv(dir, ['--json', 'status']));
    expect(status).toMatchObject({ users: 1, owner: { kind: 'cli' } });
    expect(status.owner.pid).not.toBe(engine.child.pid);

    // And it can be started again on the same directory.
    const again = await start(dir);
    const viaEngine = ok<Status>(await hv(dir, ['--json', 'status']));
    expect(viaEngine.owner).toMatchObject({ kind: 'engine', pid: again.child.pid });
    again.child.kill('SIGINT');
    const r = await again.exited;
    expect(r, describeRun({ code: r.code, signal: r.signal, stdout: again.stdout(), stderr: again.stderr() })).toEqual({
      code: 0,
      signal: null,
    });
  });
});
