import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keychainAccounts, OsKeychain } from '../../engine/keystore';

const keychain = new OsKeychain();

/** A fresh, not-yet-created data directory path whose keychain entries are removed by cleanup(). */
export function tempDataDir(prefix = 'hv-'): { dir: string; cleanup: () => void } {
  const parent = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(parent, 'data');
  return {
    dir,
    cleanup: () => {
      forgetKeys(dir);
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export function forgetKeys(dir: string): void {
  const a = keychainAccounts(dir);
  for (const acct of [a.primary, a.pending, a.probe]) {
    try {
      keychain.delete(acct);
    } catch {
      // absent already
    }
  }
}

export function keychainEntry(dir: string, which: 'primary' | 'pending'): string | null {
  return keychain.get(keychainAccounts(dir)[which]);
}
