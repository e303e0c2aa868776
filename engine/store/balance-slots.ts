import type { MetaRepo } from './meta-repo';

/**
 * Which chain slot the balances behind a figure were read at, kept in the meta table (no schema
 * change). A cash flow's block time is whole seconds, so "did the first equity snapshot already
 * include this flow?" cannot be told by time when both fall in the same second; the slot can: a
 * flow landed at or before the slot the snapshot's balances were read at is inside it.
 */
const readKey = (network: string, wallet: string): string => `balances.readSlot:${network}:${wallet}`;
const firstKey = (userId: number, network: string): string => `equity.firstSnapshotSlot:${userId}:${network}`;

export interface BalanceRead {
  slot: bigint;
  /** The wallet's SOL then: orders a transaction of that very slot (its balance before or after it). */
  lamports: bigint;
}

/** Records the slot and SOL of the newest balance read of a wallet (called as the balances are stored). */
export function recordBalanceReadSlot(
  meta: MetaRepo,
  userId: number,
  network: string,
  wallet: string,
  slot: bigint,
  lamports: bigint,
): void {
  meta.setForFriend(userId, readKey(network, wallet), `${slot}:${lamports}`);
}

/** At a user's first equity snapshot: pins the slot its balances were read at (if known). */
export function pinFirstSnapshotSlot(meta: MetaRepo, userId: number, network: string, wallet: string): void {
  const slot = meta.get(readKey(network, wallet));
  if (slot !== null && meta.get(firstKey(userId, network)) === null)
    meta.setForFriend(userId, firstKey(userId, network), slot);
}

/** The balance read behind the user's first equity snapshot; null when unknown. */
export function firstSnapshotSlot(meta: MetaRepo, userId: number, network: string): BalanceRead | null {
  const v = meta.get(firstKey(userId, network));
  const m = v === null ? null : /^(\d+):(\d+)$/u.exec(v);
  return m ? { slot: BigInt(m[1]!), lamports: BigInt(m[2]!) } : null;
}
