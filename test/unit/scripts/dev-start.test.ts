/**
 * Issue 18 item 4: a development run (npm start, with Electron or the browser fallback)
 * is safe by default: the sandbox, and a data folder apart from the installed app's,
 * unless --network / --data-dir say otherwise; --no-sandbox only where Chromium's
 * sandbox cannot start, and said why.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
type Launch = {
  network: string;
  dataDir: string;
  explicit: { network: boolean; dataDir: boolean };
  rest: string[];
};
const defaults = (await import(join(root, 'scripts', 'dev-defaults.mjs'))) as {
  devLaunch(args: string[], o?: { env?: NodeJS.ProcessEnv; platform?: string; home?: string }): Launch;
  installedDataDir(env: NodeJS.ProcessEnv, platform: string, home: string): string;
  devDataDir(env: NodeJS.ProcessEnv, platform: string, home: string): string;
  suidSandboxProblem(o: {
    platform?: string;
    electronDist?: string;
    uid?: number;
    read?: (p: string) => string;
    stat?: (p: string) => { uid: number; mode: number };
    exists?: (p: string) => boolean;
  }): string | null;
};
const dev = (await import(join(root, 'build', 'electron-dev.mjs'))) as {
  devRun(
    args: string[],
    o: { env: NodeJS.ProcessEnv; sandboxProblem: string | null },
  ): { args: string[]; env: NodeJS.ProcessEnv; notes: string[] };
};

const home = '/home/ada';

describe('development defaults', () => {
  it('the sandbox and a development data folder beside, never equal to, the installed one', () => {
    for (const platform of ['linux', 'darwin', 'win32']) {
      const env = platform === 'win32' ? { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' } : {};
      const l = defaults.devLaunch([], { env, platform, home });
      expect(l.network).toBe('sandbox');
      expect(l.dataDir).not.toBe(defaults.installedDataDir(env, platform, home));
      expect(l.dataDir).toBe(defaults.devDataDir(env, platform, home));
      expect(l.dataDir).toMatch(/Harvest-dev$/u);
      expect(l.explicit).toEqual({ network: false, dataDir: false });
    }
    expect(defaults.devLaunch([], { env: {}, platform: 'linux', home }).dataDir).toBe('/home/ada/.config/Harvest-dev');
  });

  it('--network and --data-dir (or HARVEST_DATA_DIR) choose otherwise and are taken out of the rest', () => {
    const l = defaults.devLaunch(['--network', 'devnet', '--data-dir=/tmp/x', '--port', '8080'], {
      env: {},
      platform: 'linux',
      home,
    });
    expect(l).toEqual({
      network: 'devnet',
      dataDir: resolve('/tmp/x'),
      explicit: { network: true, dataDir: true },
      rest: ['--port', '8080'],
    });
    const e = defaults.devLaunch([], { env: { HARVEST_DATA_DIR: '/srv/h' }, platform: 'linux', home });
    expect(e.dataDir).toBe(resolve('/srv/h'));
    expect(e.explicit.dataDir).toBe(true);
  });

  it('the Electron dev run passes them to the main process, and electron-vite gets only the rest', () => {
    const r = dev.devRun(['--watch'], { env: { HOME: home }, sandboxProblem: null });
    expect(r.env['HARVEST_NETWORK']).toBe('sandbox');
    expect(r.env['HARVEST_DATA_DIR']).toMatch(/Harvest-dev$/u);
    expect(r.args).toEqual(['--watch']);
    expect(r.notes.join('\n')).toMatch(/network sandbox \(the default/u);
    expect(r.notes.join('\n')).not.toMatch(/no-sandbox/u);
  });

  it('adds --no-sandbox (electron-vite --noSandbox) only where the sandbox cannot start, and says why', () => {
    const why = 'AppArmor restricts unprivileged user namespaces (Ubuntu 23.10 and later), and …';
    const r = dev.devRun([], { env: {}, sandboxProblem: why });
    expect(r.args).toEqual(['--noSandbox']);
    expect(r.notes.join('\n')).toContain(why);
    expect(r.notes.join('\n')).toMatch(/development only/u);
  });
});

describe("Chromium's sandbox on Linux", () => {
  const procs = (values: Record<string, string>) => (p: string) => {
    const v = values[p];
    if (v === undefined) throw new Error('ENOENT');
    return `${v}\n`;
  };
  const APPARMOR = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns';
  const helper = { exists: () => true, stat: () => ({ uid: 1000, mode: 0o100755 }) };

  it('Ubuntu 23.10+ (AppArmor restricts user namespaces) with npm’s unprivileged helper: unusable, and why', () => {
    const p = defaults.suidSandboxProblem({
      platform: 'linux',
      electronDist: '/x/electron/dist',
      uid: 1000,
      read: procs({ [APPARMOR]: '1' }),
      ...helper,
    });
    expect(p).toMatch(/AppArmor/u);
    expect(p).toContain('/x/electron/dist/chrome-sandbox');
  });

  it('a root-owned setuid helper, or user namespaces allowed: usable; other OSes: never a problem', () => {
    expect(
      defaults.suidSandboxProblem({
        platform: 'linux',
        electronDist: '/x',
        uid: 1000,
        read: procs({ [APPARMOR]: '1' }),
        exists: () => true,
        stat: () => ({ uid: 0, mode: 0o104755 }),
      }),
    ).toBeNull();
    expect(
      defaults.suidSandboxProblem({
        platform: 'linux',
        electronDist: '/x',
        uid: 1000,
        read: procs({ [APPARMOR]: '0' }),
        ...helper,
      }),
    ).toBeNull();
    expect(defaults.suidSandboxProblem({ platform: 'darwin', uid: 0 })).toBeNull();
    expect(
      defaults.suidSandboxProblem({
        platform: 'linux',
        uid: 1000,
        read: procs({ '/proc/sys/kernel/unprivileged_userns_clone': '0' }),
        exists: () => false,
      }),
    ).toMatch(/switched off/u);
    expect(defaults.suidSandboxProblem({ platform: 'linux', uid: 0 })).toMatch(/root/u);
  });
});
