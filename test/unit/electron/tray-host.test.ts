/**
 * Issue 18 item 2: whether this desktop has a tray host. On Linux the answer comes from
 * the session bus (is org.kde.StatusNotifierWatcher owned?); where it cannot be asked,
 * the answer is no, so closing the window asks instead of hiding it with no way back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { onPath } from '../../setup/requirements';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);
import {
  parseNameHasOwner,
  STATUS_NOTIFIER_WATCHER,
  statusNotifierWatcherRunning,
  trayHostAvailable,
  type RunProgram,
} from '../../../electron/tray-host';

/** A runner that answers like dbus-send / gdbus would, or is missing. */
function runner(answers: Record<string, string | null>): RunProgram & { calls: string[][] } {
  const calls: string[][] = [];
  const run = (file: string, args: string[]): Promise<string | null> => {
    calls.push([file, ...args]);
    return Promise.resolve(answers[file] ?? null);
  };
  return Object.assign(run, { calls });
}

describe('tray host detection', () => {
  it('macOS and Windows always have one; the bus is not asked', async () => {
    const run = runner({});
    expect(await trayHostAvailable({ platform: 'darwin', env: {}, run })).toBe(true);
    expect(await trayHostAvailable({ platform: 'win32', env: {}, run })).toBe(true);
    expect(run.calls).toEqual([]);
  });

  it('Linux: asks the session bus whether a StatusNotifierWatcher owns its name', async () => {
    const yes = runner({ 'dbus-send': 'method return time=1 sender=org.freedesktop.DBus\n   boolean true\n' });
    expect(await trayHostAvailable({ platform: 'linux', env: {}, run: yes })).toBe(true);
    expect(yes.calls[0]).toContain(`string:${STATUS_NOTIFIER_WATCHER}`);
    const no = runner({ 'dbus-send': '   boolean false\n' });
    expect(await trayHostAvailable({ platform: 'linux', env: {}, run: no })).toBe(false);
    // No dbus-send: gdbus answers instead.
    const gdbus = runner({ gdbus: '(true,)\n' });
    expect(await statusNotifierWatcherRunning(gdbus)).toBe(true);
    expect(gdbus.calls.map((c) => c[0])).toEqual(['dbus-send', 'gdbus']);
  });

  it('no way to ask the bus: no tray host (asking on close is harmless, hiding with no way back is not)', async () => {
    expect(await trayHostAvailable({ platform: 'linux', env: {}, run: runner({}) })).toBe(false);
    expect(await trayHostAvailable({ platform: 'linux', env: {}, run: runner({ 'dbus-send': 'garbage' }) })).toBe(
      false,
    );
  });

  it('HARVEST_TRAY overrides the detection either way', async () => {
    expect(await trayHostAvailable({ platform: 'linux', env: { HARVEST_TRAY: '1' }, run: runner({}) })).toBe(true);
    expect(await trayHostAvailable({ platform: 'darwin', env: { HARVEST_TRAY: '0' }, run: runner({}) })).toBe(false);
  });

  it('parses both tools’ answers', () => {
    expect(parseNameHasOwner('   boolean true')).toBe(true);
    expect(parseNameHasOwner('   boolean false')).toBe(false);
    expect(parseNameHasOwner('(true,)')).toBe(true);
    expect(parseNameHasOwner('(false,)')).toBe(false);
    expect(parseNameHasOwner('Error org.freedesktop.DBus.Error.ServiceUnknown')).toBeNull();
  });
});

/** A real private session bus, when dbus-daemon is installed: the real tools, the real question. */
// dbus-send has no --version and exits 1 on --help, so look for the tools on PATH instead of running them.
const hasDbus = onPath('dbus-daemon') !== null && onPath('dbus-send') !== null;

describe.skipIf(!hasDbus)('against a real session bus', () => {
  let daemon: ChildProcess;
  let address = '';
  beforeAll(async () => {
    daemon = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    address = await new Promise<string>((resolve) =>
      daemon.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
    );
  });
  afterAll(() => {
    daemon.kill();
  });

  it('a bus without a StatusNotifierWatcher (vanilla GNOME): no tray host', async () => {
    const { execFile } = await import('node:child_process');
    const run: RunProgram = (file, args) =>
      new Promise((resolve) =>
        execFile(file, args, { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: address } }, (err, out) =>
          resolve(err ? null : out),
        ),
      );
    expect(await statusNotifierWatcherRunning(run)).toBe(false);
    expect(await trayHostAvailable({ platform: 'linux', env: {}, run })).toBe(false);
  });
});
