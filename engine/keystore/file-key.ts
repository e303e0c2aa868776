/**
 * The sandbox-only master key file.
 *
 * A fresh headless machine often has no OS keychain, and the sandbox holds no
 * real money, so `npm start` should still come up there. For that one case the
 * master key may live in a file in the data folder (0600). That is weaker than a
 * keychain, so the mode is fenced in: it is only ever created for a new data
 * folder started on the sandbox, it is announced at every start, it refuses to
 * seal an imported wallet (a real phrase must never sit under a file key) and
 * it refuses any network but the sandbox. `harvest keys adopt` moves the wallets
 * under the keychain (or HARVEST_MASTER_KEY) once one is there, and deletes the file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock } from '../kernel/clock';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { faultPoint } from '../kernel/faults';
import type { Store } from '../store';
import { MASTER_KEY_ENV, envKeyPresent, preflightMasterKey, type MasterKeyContext } from './master-key';
import { MASTER_KEY_ID_META, resealWallets, rotateMasterKey } from './rotation';
import { auditKeyOf, MasterKey } from './seal';

export const FILE_KEY_NAME = 'sandbox-master.key';

export function fileKeyPath(dataDir: string): string {
  return join(dataDir, FILE_KEY_NAME);
}

export const FILE_KEY_ADOPT_HINT =
  'Once an OS keychain is available (a desktop session, or gnome-keyring on Linux) or HARVEST_MASTER_KEY is set, run `harvest keys adopt` to move the wallets under it.';

export const FILE_KEY_WARNING =
  'No OS keychain: this sandbox data folder keeps its master key in a file (' +
  FILE_KEY_NAME +
  ', readable only by you). That is fine for play money only: importing a wallet and switching to devnet or mainnet are refused in this mode. ' +
  FILE_KEY_ADOPT_HINT;

/**
 * Decides, before anything is written, whether this open uses the key file:
 * - a key file exists: yes (it holds the key the data folder was sealed under);
 * - otherwise the keychain or HARVEST_MASTER_KEY is proven as usual, and only if
 *   neither is there, the folder is new and the caller runs the sandbox
 *   (`allowCreate`) is a key file created. Anything else fails as before.
 */
export function preflightWithFileKey(
  ctx: MasterKeyContext,
  dataDir: string,
  dbPath: string,
  allowCreate: boolean,
): boolean {
  if (existsSync(fileKeyPath(dataDir))) return true;
  try {
    preflightMasterKey(ctx);
    return false;
  } catch (e) {
    if (allowCreate && e instanceof HarvestError && e.code === 'KEYCHAIN_UNAVAILABLE' && !existsSync(dbPath))
      return true;
    throw e;
  }
}

/**
 * Fails closed on a key file others can read: the key may already have leaked. Called before the
 * data folder is tightened at start (which would otherwise hide the evidence) and again on read.
 */
export function assertFileKeyPrivate(dataDir: string): void {
  const path = fileKeyPath(dataDir);
  if (!existsSync(path)) return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new HarvestError(
      'REFUSED',
      `${path} is readable by other users (mode ${mode.toString(8)}), so the sandbox master key may have leaked. Run \`chmod 600 ${path}\` if you are sure it did not.`,
    );
  }
}

function readFileKey(path: string): MasterKey {
  assertFileKeyPrivate(dirname(path));
  try {
    return MasterKey.fromHex(readFileSync(path, 'utf8').trim());
  } catch {
    throw new HarvestError('TAMPERED', `${path} does not hold a master key (64 hex characters).`);
  }
}

function createFileKey(path: string): MasterKey {
  const key = MasterKey.random();
  // 'wx': never overwrite a key another process just wrote; fsync before the database refers to it.
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, key.toHex() + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

/**
 * Loads (or creates) the file key, under the owner lock. Returns null when the
 * database has already moved to another key: an adoption committed and then
 * crashed before it deleted the file, so the file is stale and is deleted now;
 * the caller then loads the key the database names from the keychain or the env.
 */
export function loadFileKey(dataDir: string, dbKeyId: string | null): { key: MasterKey; source: 'file' } | null {
  const path = fileKeyPath(dataDir);
  if (!existsSync(path)) {
    if (dbKeyId !== null) {
      throw new HarvestError(
        'MASTER_KEY_MISSING',
        `${path} is gone, and it held the master key of this data folder's wallets. Harvest will not create a new key over existing wallets.`,
      );
    }
    return { key: createFileKey(path), source: 'file' };
  }
  const key = readFileKey(path);
  if (dbKeyId === null || key.id === dbKeyId) return { key, source: 'file' };
  key.wipe();
  unlinkSync(path);
  return null;
}

/** The refusal for anything a file key must not protect. */
export function refusedUnderFileKey(what: string): HarvestError {
  return new HarvestError(
    'REFUSED',
    `${what} is refused while this data folder's master key is a file (sandbox only, no OS keychain). ${FILE_KEY_ADOPT_HINT}`,
  );
}

export interface AdoptResult {
  wallets: number;
  oldKeyId: string;
  newKeyId: string;
  keySource: 'keychain' | 'env';
}

/**
 * Moves every wallet from the file key to the keychain (a fresh key, through the
 * same three crash-safe steps as a rotation) or to the key in HARVEST_MASTER_KEY
 * (one transaction), then deletes the file. A crash before the commit leaves the
 * file key in charge; after it, the next start sees that the database names
 * another key and deletes the stale file (loadFileKey).
 */
export function adoptFileKey(
  store: Store,
  current: MasterKey,
  ctx: MasterKeyContext,
  dataDir: string,
  clock: Clock,
  actor: string,
): { key: MasterKey; result: AdoptResult } {
  let next: MasterKey;
  let keySource: AdoptResult['keySource'];
  let wallets: number;
  if (envKeyPresent(ctx.env)) {
    try {
      next = MasterKey.fromHex(ctx.env[MASTER_KEY_ENV] ?? '');
    } catch {
      throw new HarvestError('INVALID_INPUT', `${MASTER_KEY_ENV} is set but is not 64 hex characters.`);
    }
    keySource = 'env';
    const previousAuditKey = store.audit.currentKey;
    try {
      wallets = store.tx(() => {
        const n = resealWallets(store, current, next);
        store.meta.set(MASTER_KEY_ID_META, next.id);
        // The audit chain is keyed from the master key: it moves with the wallets, in the same transaction.
        store.audit.rekey(auditKeyOf(next));
        audit(store, clock, actor, { wallets: n, oldKeyId: current.id, newKeyId: next.id, keySource });
        return n;
      });
    } catch (e) {
      store.audit.resumeKey(previousAuditKey);
      throw e;
    }
  } else {
    // Proves the keychain answers (or says how to get one) before anything moves.
    preflightMasterKey(ctx);
    const rotated = rotateMasterKey(store, current, ctx, clock, actor);
    next = rotated.key;
    keySource = 'keychain';
    wallets = rotated.result.wallets;
    audit(store, clock, actor, { wallets, oldKeyId: current.id, newKeyId: next.id, keySource });
  }
  faultPoint('adopt:after-commit');
  unlinkSync(fileKeyPath(dataDir));
  return { key: next, result: { wallets, oldKeyId: current.id, newKeyId: next.id, keySource } };
}

function audit(store: Store, clock: Clock, actor: string, details: Record<string, unknown>): void {
  store.audit.append({ actor, action: 'keys.adopted', userId: null, details }, isoTime(clock));
}
