import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM, checkRequirements, KEYCHAIN, strict, summaryLine } from '../../setup/requirements';

const dirs: string[] = [];
function binDir(names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'hv-req-'));
  dirs.push(dir);
  for (const n of names) {
    writeFileSync(join(dir, n), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, n), 0o755);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('test-run system requirements', () => {
  it('no Secret Service and no gnome-keyring: the keychain tests are left out, naming the package', () => {
    const env = { PATH: binDir([]) };
    const { missing, startKeychain } = checkRequirements(env, process.cwd());
    expect(startKeychain).toBe(false);
    expect(missing).toContain(KEYCHAIN);
    const line = summaryLine(missing);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('apt-get install gnome-keyring dbus');
  });

  it('no Secret Service but gnome-keyring and dbus installed: the run starts its own keychain', () => {
    const env = { PATH: binDir(['dbus-daemon', 'gnome-keyring-daemon']), DBUS_SESSION_BUS_ADDRESS: '' };
    const { missing, startKeychain } = checkRequirements(env, process.cwd());
    expect(startKeychain).toBe(true);
    expect(missing).not.toContain(KEYCHAIN);
  });

  it('a bus address where no Secret Service answers counts as no keychain', () => {
    const env = { PATH: binDir(['dbus-daemon']), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    expect(checkRequirements(env, process.cwd()).missing).toContain(KEYCHAIN);
  });

  it('both missing: one line naming both packages once', () => {
    const line = summaryLine([KEYCHAIN, CHROMIUM]);
    expect(line).toMatch(/apt-get install gnome-keyring dbus chromium`/u);
    expect(line.split('\n')).toHaveLength(1);
  });

  it('strict mode is HARVEST_TEST_STRICT=1 only', () => {
    expect(strict({ HARVEST_TEST_STRICT: '1' })).toBe(true);
    expect(strict({ HARVEST_TEST_STRICT: '0' })).toBe(false);
    expect(strict({})).toBe(false);
  });
});
