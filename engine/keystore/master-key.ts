import { randomBytes } from 'node:crypto';
import { HarvestError } from '../kernel/errors';
import { dataDirId } from '../kernel/paths';
import { keychainUnavailable, type Keychain } from './keychain';
import { MasterKey } from './seal';

export const MASTER_KEY_ENV = 'HARVEST_MASTER_KEY';

/** 'file': the sandbox-only key file of a machine without a keychain (file-key.ts). */
export type MasterKeySourceKind = 'keychain' | 'env' | 'file';

export interface KeychainAccounts {
  /** The key that opens the data directory. */
  primary: string;
  /** A key being rotated in; present only between the two phases of a rotation. */
  pending: string;
  probe: string;
}

/** The account name derives from the data directory, so two data dirs never share a key. */
export function keychainAccounts(dataDir: string): KeychainAccounts {
  const id = dataDirId(dataDir);
  return { primary: `master-key:${id}`, pending: `master-key-next:${id}`, probe: `probe:${id}` };
}

export interface MasterKeyContext {
  env: NodeJS.ProcessEnv;
  keychain: Keychain;
  accounts: KeychainAccounts;
}

export function envKeyPresent(env: NodeJS.ProcessEnv): boolean {
  return (env[MASTER_KEY_ENV] ?? '') !== '';
}

function envKey(env: NodeJS.ProcessEnv): MasterKey {
  try {
    return MasterKey.fromHex(env[MASTER_KEY_ENV] ?? '');
  } catch {
    throw new HarvestError(
      'INVALID_INPUT',
      `${MASTER_KEY_ENV} is set but is not 64 hex characters. Fix the value, or unset it to use the OS keychain.`,
    );
  }
}

/**
 * Proves a master key can be had before anything is written to the data
 * directory. An unavailable Secret Service can answer "no such entry" to
 * reads, so availability is proven with a write to a probe entry.
 */
export function preflightMasterKey(ctx: MasterKeyContext): MasterKeySourceKind {
  if (envKeyPresent(ctx.env)) {
    envKey(ctx.env);
    return 'env';
  }
  try {
    if (ctx.keychain.get(ctx.accounts.primary) !== null) return 'keychain';
    // A probe entry of this process's own: processes starting on a fresh directory at
    // the same time (before any holds the lock) must not delete each other's probe.
    const probe = `${ctx.accounts.probe}:${randomBytes(6).toString('hex')}`;
    ctx.keychain.set(probe, 'ok');
    const back = ctx.keychain.get(probe);
    ctx.keychain.delete(probe);
    if (back !== 'ok') throw new Error('the keychain did not return what was stored');
    return 'keychain';
  } catch (e) {
    throw keychainUnavailable(e);
  }
}

/**
 * Loads (or, for a fresh data directory, creates) the master key. Must run
 * while holding the data directory's owner lock. `dbKeyId` is the key id the
 * database records, or null for a database that has never been sealed to.
 *
 * Also finishes a key rotation that a crash interrupted: the database tells
 * which key it was committed under, and the keychain is brought in line.
 */
export function loadMasterKey(
  ctx: MasterKeyContext,
  dbKeyId: string | null,
): { key: MasterKey; source: MasterKeySourceKind } {
  if (envKeyPresent(ctx.env)) {
    const key = envKey(ctx.env);
    assertMatches(key, dbKeyId, `the key in ${MASTER_KEY_ENV}`);
    return { key, source: 'env' };
  }
  const { primary, pending } = ctx.accounts;
  try {
    let stored = ctx.keychain.get(primary);
    const next = ctx.keychain.get(pending);
    if (next !== null) {
      const nextKey = MasterKey.fromHex(next);
      if (dbKeyId !== null && nextKey.id === dbKeyId) {
        ctx.keychain.set(primary, next);
        stored = next;
      }
      ctx.keychain.delete(pending);
    }
    if (stored === null) {
      if (dbKeyId !== null) {
        throw new HarvestError(
          'MASTER_KEY_MISSING',
          `The master key for this data directory is not in the OS keychain, so its wallets cannot be opened. Restore it with \`harvest backup restore FILE\` (your recovery kit), or set ${MASTER_KEY_ENV} if you keep the key yourself. Harvest will not create a new key over existing wallets.`,
        );
      }
      const fresh = MasterKey.random();
      ctx.keychain.set(primary, fresh.toHex());
      stored = ctx.keychain.get(primary);
      if (stored !== fresh.toHex()) throw new Error('the keychain did not keep the new master key');
    }
    const key = MasterKey.fromHex(stored);
    assertMatches(key, dbKeyId, 'the key in the OS keychain');
    return { key, source: 'keychain' };
  } catch (e) {
    if (e instanceof HarvestError) throw e;
    throw keychainUnavailable(e);
  }
}

function assertMatches(key: MasterKey, dbKeyId: string | null, what: string): void {
  if (dbKeyId !== null && key.id !== dbKeyId) {
    throw new HarvestError(
      'MASTER_KEY_MISMATCH',
      `This data directory was sealed under a different master key than ${what}. Nothing was opened. Restore the matching key with \`harvest backup restore FILE\`, or point --data-dir at the right directory.`,
    );
  }
}
