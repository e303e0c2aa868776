import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HarvestError } from '../kernel/errors';
import type { DataDirLayout } from '../kernel/paths';
import { keychainUnavailable } from '../keystore/keychain';
import { envKeyPresent, type MasterKeyContext } from '../keystore/master-key';
import { looksLikeBackup } from '../keystore/backup';
import { restoreHint, type DatabaseFileState } from '../store';

/** Entries looked at for recovery kits: a data directory holds a handful; a stray huge folder is not searched. */
const MAX_ENTRIES = 500;

/**
 * Recovery material in the data directory: databases kept aside by a restore
 * (harvest.db.before-restore-…) and recovery kits saved there.
 */
export function findBackups(layout: DataDirLayout): string[] {
  let names: string[];
  try {
    names = readdirSync(layout.root).slice(0, MAX_ENTRIES);
  } catch {
    return [];
  }
  const dbName = layout.db.slice(layout.root.length + 1);
  // Harvest's own files are never opened here: closing any descriptor of harvest.lock would drop
  // this process's POSIX lock on it (fcntl locks are per process and file), freeing the directory.
  const own = new Set([layout.db, `${layout.db}-wal`, `${layout.db}-shm`, layout.lock, layout.owner, layout.socket]);
  return names
    .filter((n) => {
      if (n.startsWith(`${dbName}.`) && !n.endsWith('.restore-tmp')) return true;
      const path = join(layout.root, n);
      if (own.has(path)) return false;
      try {
        return statSync(path).isFile() && looksLikeBackup(path);
      } catch {
        return false;
      }
    })
    .sort();
}

/**
 * Refuses to start a new, empty database where one was lost. A database that
 * is missing, empty or never sealed to a key is normal on a first start, but
 * not next to this directory's master key in the OS keychain or to backups:
 * then the old database (with every friend's sealed wallet) was deleted or
 * truncated, and quietly creating a new one would hide that and, on the next
 * backup, overwrite the way back. The operator restores from the recovery kit.
 */
export function assertNothingLost(layout: DataDirLayout, keyCtx: MasterKeyContext, state: DatabaseFileState): void {
  const reasons: string[] = [];
  const { primary, pending } = keyCtx.accounts;
  if (!envKeyPresent(keyCtx.env)) {
    let held: boolean;
    try {
      held = keyCtx.keychain.get(primary) !== null || keyCtx.keychain.get(pending) !== null;
    } catch (e) {
      throw keychainUnavailable(e);
    }
    if (held) reasons.push(`the OS keychain holds this data directory's master key (entry "${primary}")`);
  }
  const backups = findBackups(layout);
  if (backups.length > 0) reasons.push(`there are backups here (${backups.join(', ')})`);
  if (reasons.length === 0) return;
  const what = state === 'missing' ? 'missing' : state === 'empty' ? 'empty' : 'not initialised (no master key id)';
  const keptAside = backups.some((b) => !looksLikeBackup(join(layout.root, b)));
  throw new HarvestError(
    'DATA_DAMAGED',
    `The database ${layout.db} is ${what}, but ${reasons.join(' and ')}. ` +
      "Harvest will not start a new, empty database in place of the one that held your friends' wallets. " +
      `Restore it from your recovery kit with \`${restoreHint(layout.root)}\`` +
      (keptAside ? ', or move a kept-aside database back to harvest.db while Harvest is stopped' : '') +
      '. ' +
      (reasons.length === 1 && backups.length === 0
        ? `Only if this data directory never held a wallet: delete the keychain entry "${primary}" and start again.`
        : ''),
  );
}
