import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import Database from 'better-sqlite3';
import { isoTime, systemClock, type Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { OwnerLock } from '../kernel/owner-lock';
import { dataDirLayout } from '../kernel/paths';
import {
  envKeyPresent,
  keychainAccounts,
  keychainUnavailable,
  MASTER_KEY_ENV,
  MASTER_KEY_ID_META,
  auditKeyOf,
  open as openSealed,
  openBackup,
  OsKeychain,
  walletAad,
  type Keychain,
} from '../keystore';
import { inspectDatabaseFile, isDatabaseDamage, openDatabase, Store, type DatabaseFileState } from '../store';

export interface RestoreOptions {
  file: string;
  passphrase: string;
  dataDir: string;
  /** Replace a data directory that already has users (it is kept aside, not deleted). */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  keychain?: Keychain;
  clock?: Clock;
  actor?: string;
}

export interface RestoreResult {
  dataDir: string;
  users: number;
  wallets: number;
  keyId: string;
  backupCreatedAt: string;
  keptAside: string | null;
}

/**
 * Restores a recovery kit onto this machine: the database into the data
 * directory and the master key into the OS keychain. The backup is fully
 * decrypted and checked before anything is touched, so a wrong passphrase
 * changes nothing. Needs the data directory to be free (no engine running).
 */
export function restoreBackup(opts: RestoreOptions): RestoreResult {
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? systemClock;
  const keychain = opts.keychain ?? new OsKeychain();
  let raw: Buffer;
  try {
    raw = readFileSync(opts.file);
  } catch (e) {
    throw new HarvestError('NOT_FOUND', `Cannot read the backup file ${opts.file}: ${(e as Error).message}`);
  }
  const contents = openBackup(raw, opts.passphrase);

  // Prove every wallet opens with the key from the backup before installing anything.
  // An in-memory copy: checking the backup never writes a file.
  // The image is a WAL-mode file (header bytes 18-19 = 2), which SQLite cannot open in
  // memory ("unable to open database file"); the probe reads a copy marked rollback-journal.
  const image = Buffer.from(contents.db);
  if (image.length > 19 && image[18] === 2 && image[19] === 2) image.fill(1, 18, 20);
  const probe = new Store(new Database(image));
  let wallets = 0;
  let users = 0;
  try {
    for (const w of probe.wallets.all()) {
      openSealed(
        contents.masterKey,
        w.sealed,
        walletAad(w.userId, w.address),
        `The wallet of user ${w.userId} in the backup`,
      ).fill(0);
      wallets++;
    }
    users = probe.users.list().length;
  } finally {
    probe.close();
  }

  const layout = dataDirLayout(opts.dataDir);
  const accounts = keychainAccounts(layout.root);
  if (envKeyPresent(env)) {
    if ((env[MASTER_KEY_ENV] ?? '').toLowerCase() !== contents.masterKey.toHex()) {
      throw new HarvestError(
        'MASTER_KEY_MISMATCH',
        `${MASTER_KEY_ENV} is set to a different key than the one in this backup. Unset it to restore into the OS keychain.`,
      );
    }
  }
  mkdirSync(layout.root, { recursive: true, mode: 0o700 });
  const lock = OwnerLock.tryAcquire(layout, { pid: process.pid, kind: 'cli', socket: null, startedAt: isoTime(clock) });
  if (!lock) {
    throw new HarvestError('DATA_DIR_BUSY', `Harvest is running on ${layout.root}; stop it before restoring a backup.`);
  }
  try {
    let keptAside: string | null = null;
    // A damaged or empty database is what a restore repairs: it is kept aside like any other.
    let damaged = false;
    let state: DatabaseFileState;
    try {
      state = inspectDatabaseFile(layout.db, layout.root);
    } catch (e) {
      if (!(e instanceof HarvestError && e.code === 'DATA_DAMAGED')) throw e;
      damaged = true;
      state = 'present';
    }
    if (state !== 'missing') {
      let inUse = damaged;
      if (!damaged && state === 'present') {
        try {
          const existing = new Store(openDatabase(layout.db, { readonly: true, nowIso: isoTime(clock) }));
          try {
            inUse = existing.users.list().length > 0 || existing.wallets.count() > 0;
          } finally {
            existing.close();
          }
        } catch (e) {
          if (!isDatabaseDamage(e)) throw e;
          damaged = inUse = true;
        }
      }
      if (inUse && !opts.force) {
        throw new HarvestError(
          'REFUSED',
          damaged
            ? `${layout.db} is damaged. Pass --force to restore over it (the damaged file is kept aside, not deleted).`
            : `${layout.root} already holds users. Restore into an empty data directory, or pass --force to replace it (the current database is kept aside, not deleted).`,
        );
      }
      keptAside = `${layout.db}.before-restore-${clock.now()}`;
    }

    // Stage the database next to its final place, durable before the key moves.
    const staged = `${layout.db}.restore-tmp`;
    const fd = openSync(staged, 'w', 0o600);
    try {
      writeSync(fd, contents.db);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }

    if (!envKeyPresent(env)) {
      try {
        // A replaced data directory's wallets stay openable: its key moves aside with its database.
        const previous = keychain.get(accounts.primary);
        if (previous !== null && previous !== contents.masterKey.toHex() && keptAside) {
          keychain.set(`${accounts.primary}:before-restore-${clock.now()}`, previous);
        }
        keychain.set(accounts.primary, contents.masterKey.toHex());
        keychain.delete(accounts.pending);
        if (keychain.get(accounts.primary) !== contents.masterKey.toHex())
          throw new Error('the keychain did not keep the key');
      } catch (e) {
        rmSync(staged, { force: true });
        throw keychainUnavailable(e);
      }
    }

    if (keptAside) {
      if (damaged) {
        // Not opened (that could make it worse); its journal files go aside with it.
        for (const ext of ['-wal', '-shm'])
          if (existsSync(`${layout.db}${ext}`)) renameSync(`${layout.db}${ext}`, `${keptAside}${ext}`);
      } else if (state === 'present') {
        const old = new Store(openDatabase(layout.db, { nowIso: isoTime(clock) }));
        old.db.pragma('wal_checkpoint(TRUNCATE)');
        old.close();
      }
      renameSync(layout.db, keptAside);
    }
    rmSync(`${layout.db}-wal`, { force: true });
    rmSync(`${layout.db}-shm`, { force: true });
    renameSync(staged, layout.db);

    const store = new Store(openDatabase(layout.db, { nowIso: isoTime(clock) }));
    try {
      // The restored chain is keyed under the backup's master key (a release-1 backup is keyed now).
      store.audit.useKey(auditKeyOf(contents.masterKey), isoTime(clock), opts.actor ?? 'cli');
      store.tx(() => {
        store.meta.set(MASTER_KEY_ID_META, contents.masterKey.id);
        store.audit.append(
          {
            actor: opts.actor ?? 'cli',
            action: 'backup.restored',
            userId: null,
            details: { backupCreatedAt: contents.createdAt, keyId: contents.masterKey.id, users, wallets, keptAside },
          },
          isoTime(clock),
        );
      });
    } finally {
      store.close();
    }
    return {
      dataDir: layout.root,
      users,
      wallets,
      keyId: contents.masterKey.id,
      backupCreatedAt: contents.createdAt,
      keptAside,
    };
  } finally {
    contents.masterKey.wipe();
    lock.release();
  }
}
