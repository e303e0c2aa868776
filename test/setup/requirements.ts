/**
 * System parts some test files need, and what happens when one is missing.
 *
 * `npm test` must pass on a fresh machine. A test that needs the OS keychain
 * or Chromium cannot run where the Debian package providing it is not
 * installed; such files are left out of the run and ONE summary line names the
 * packages to install. In strict mode (HARVEST_TEST_STRICT=1, set by .ci/run)
 * a missing part fails the run instead: CI must never pass by skipping.
 *
 * Read by vitest.config.ts (which files to leave out) and by
 * test/setup/keychain.ts (which starts a private keychain where it can).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const STRICT_ENV = 'HARVEST_TEST_STRICT';
/** Set by vitest.config.ts for test/setup/keychain.ts: 'start' when the run must start its own keychain. */
export const KEYCHAIN_DECISION_ENV = 'HARVEST_TEST_KEYCHAIN';

export interface Requirement {
  name: string;
  /** The Debian package(s) that provide it. */
  debian: string;
  /** Test files (globs, relative to the repository) that cannot run without it. */
  files: string[];
}

/** Every test file that opens an engine on a data directory (which seals wallets under the keychain's master key). */
export const KEYCHAIN: Requirement = {
  name: 'an OS keychain (Secret Service)',
  debian: 'gnome-keyring dbus',
  files: [
    'test/e2e/**',
    'test/integration/**',
    'test/property/api-input.test.ts',
    'test/unit/electron/ipc.test.ts',
    'test/unit/electron/notifications.test.ts',
    'test/unit/electron/shell.test.ts',
    'test/unit/electron/tray.test.ts',
    'test/unit/keystore/signing-policy.test.ts',
    'test/unit/keystore/wallets.test.ts',
    'test/unit/store/migrations.test.ts',
    'test/unit/users/directory.test.ts',
  ],
};

export const CHROMIUM_PATH = process.env['HARVEST_E2E_CHROMIUM'] ?? '/usr/bin/chromium';

export const CHROMIUM: Requirement = {
  name: `Chromium (${CHROMIUM_PATH})`,
  debian: 'chromium',
  files: ['test/e2e/**'],
};

/** The first executable called `name` on PATH, or null. */
export function onPath(name: string, path = process.env['PATH'] ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a Secret Service answers in this environment: a write, read and delete
 * of a probe entry, in a child process so that nothing in this process keeps a
 * D-Bus connection to a bus the test run may replace.
 */
export function secretServiceAnswers(env: NodeJS.ProcessEnv, cwd: string): boolean {
  if (!env['DBUS_SESSION_BUS_ADDRESS']) return false;
  const probe = `
    const { Entry } = require('@napi-rs/keyring');
    const e = new Entry('Harvest-test-probe', 'probe:' + process.pid, { linux: { store: 'secret-service' } });
    e.setPassword('ok');
    const back = e.getPassword();
    e.deletePassword();
    process.exit(back === 'ok' ? 0 : 1);`;
  const r = spawnSync(process.execPath, ['-e', probe], { cwd, env, stdio: 'ignore', timeout: 15_000 });
  return r.status === 0;
}

/** Whether this machine can start a private keychain (test/setup/keychain.ts). */
export function canStartKeychain(path = process.env['PATH']): boolean {
  return onPath('dbus-daemon', path) !== null && onPath('gnome-keyring-daemon', path) !== null;
}

export interface Availability {
  missing: Requirement[];
  /** True when the keychain must be started by the test run (none answers, but one can be started). */
  startKeychain: boolean;
}

export function checkRequirements(env: NodeJS.ProcessEnv, cwd: string): Availability {
  const missing: Requirement[] = [];
  let startKeychain = false;
  if (!secretServiceAnswers(env, cwd)) {
    if (canStartKeychain(env['PATH'])) startKeychain = true;
    else missing.push(KEYCHAIN);
  }
  if (!executable(CHROMIUM_PATH)) missing.push(CHROMIUM);
  return { missing, startKeychain };
}

/** The one line a run with missing parts prints (and, in strict mode, fails with). */
export function summaryLine(missing: Requirement[]): string {
  const names = missing.map((m) => m.name).join(' and ');
  const packages = [...new Set(missing.flatMap((m) => m.debian.split(' ')))].join(' ');
  return `Skipped the tests that need ${names}: install with \`sudo apt-get install ${packages}\` (Debian/Ubuntu).`;
}

export function strict(env: NodeJS.ProcessEnv): boolean {
  return env[STRICT_ENV] === '1';
}
