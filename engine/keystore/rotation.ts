import type { Clock } from '../kernel/clock';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { faultPoint } from '../kernel/faults';
import type { Store } from '../store';
import type { MasterKeyContext } from './master-key';
import { MASTER_KEY_ENV, envKeyPresent } from './master-key';
import { auditKeyOf, MasterKey, open, seal, walletAad } from './seal';

export const MASTER_KEY_ID_META = 'master_key_id';

export interface RotationResult {
  wallets: number;
  oldKeyId: string;
  newKeyId: string;
}

/**
 * Re-seals every wallet under a new master key, in three steps so that a
 * crash at any point leaves the keychain holding a key that opens every wallet:
 *
 *  1. the new key goes to the keychain's *pending* slot (the old key stays primary);
 *  2. one SQLite transaction re-seals every wallet, re-keys the audit chain and records the new key id;
 *  3. the new key becomes primary and the pending slot is cleared.
 *
 * At start-up `loadMasterKey` finishes an interrupted rotation: if the
 * database recorded the pending key it is promoted, otherwise it is dropped.
 */
export function rotateMasterKey(
  store: Store,
  current: MasterKey,
  ctx: MasterKeyContext,
  clock: Clock,
  actor: string,
  onProgress?: (done: number, total: number) => void,
): { key: MasterKey; result: RotationResult } {
  if (envKeyPresent(ctx.env)) {
    throw new HarvestError(
      'UNSUPPORTED',
      `The master key comes from ${MASTER_KEY_ENV}, which Harvest cannot update. To rotate, unset it and use the OS keychain (import it first with a backup restore), or keep the current key.`,
    );
  }
  const next = MasterKey.random();
  ctx.keychain.set(ctx.accounts.pending, next.toHex());
  faultPoint('rotate:after-pending');

  const previousAuditKey = store.audit.currentKey;
  let count = 0;
  try {
    store.tx(() => {
      count = resealWallets(store, current, next, onProgress);
      store.meta.set(MASTER_KEY_ID_META, next.id);
      // The audit chain moves to the new key in the same transaction: it verifies under whichever key the database records.
      store.audit.rekey(auditKeyOf(next));
      store.audit.append(
        {
          actor,
          action: 'keys.rotated',
          userId: null,
          details: { wallets: count, oldKeyId: current.id, newKeyId: next.id },
        },
        isoTime(clock),
      );
    });
  } catch (e) {
    store.audit.resumeKey(previousAuditKey);
    throw e;
  }
  faultPoint('rotate:after-commit');

  ctx.keychain.set(ctx.accounts.primary, next.toHex());
  faultPoint('rotate:after-primary');
  ctx.keychain.delete(ctx.accounts.pending);
  return { key: next, result: { wallets: count, oldKeyId: current.id, newKeyId: next.id } };
}

/**
 * Re-seals every wallet from `current` to `next`. Must run inside a store
 * transaction that also records `next` as the database's key id, so the
 * database is never half under one key and half under the other.
 */
export function resealWallets(
  store: Store,
  current: MasterKey,
  next: MasterKey,
  onProgress?: (done: number, total: number) => void,
): number {
  const wallets = store.wallets.all();
  wallets.forEach((w, i) => {
    const aad = walletAad(w.userId, w.address);
    const plain = open(current, w.sealed, aad, `The wallet secret of user ${w.userId}`);
    try {
      store.wallets.reseal(w.id, seal(next, plain, aad));
    } finally {
      plain.fill(0);
    }
    onProgress?.(i + 1, wallets.length);
    if (i === Math.floor(wallets.length / 2)) faultPoint('rotate:mid-transaction');
  });
  return wallets.length;
}
