/**
 * Issue 9's same-second flow: block times are whole seconds, so a flow in the very second of the
 * friend's first equity snapshot cannot be ordered against it by time. The slot (and, within one
 * slot, the wallet's SOL the snapshot's balance read saw) decides.
 */
import type { Address } from '@solana/kit';
import { describe, expect, it } from 'vitest';
import type { TransactionDetails } from '../../../engine/chain';
import { flowAfterMeasured } from '../../../engine/funds/flows/scanner';
import { isoTime, ManualClock } from '../../../engine/kernel/clock';
import { openDatabase, pinFirstSnapshotSlot, recordBalanceReadSlot, Store } from '../../../engine/store';

const WALLET = '11111111111111111111111111111112' as Address;
const T0 = Date.parse('2026-01-01T00:00:00.400Z');

function setup(read: { slot: bigint; lamports: bigint } | null) {
  const clock = new ManualClock(T0);
  const store = new Store(openDatabase(':memory:', { nowIso: isoTime(clock) }));
  const u = store.users.insert('wes', isoTime(clock));
  if (read) recordBalanceReadSlot(store.meta, u.id, 'sandbox', WALLET, read.slot, read.lamports);
  pinFirstSnapshotSlot(store.meta, u.id, 'sandbox', WALLET);
  const ts = new Date(T0).toISOString();
  store.risk.insertSnapshot({
    userId: u.id,
    network: 'sandbox',
    ts,
    equity: 1n,
    deposits: 0n,
    withdrawals: 0n,
    highWater: 1n,
  });
  return { store, userId: u.id };
}

const tx = (pre: bigint, post: bigint): TransactionDetails =>
  ({
    signature: 'x',
    slot: 10n,
    blockTime: BigInt(Math.floor(T0 / 1000)),
    version: 0,
    accountKeys: [WALLET],
    meta: { preBalances: [pre], postBalances: [post] },
  }) as unknown as TransactionDetails;

// The flow's block time: the snapshot's second, floored (before the snapshot's milliseconds).
const whenMs = Math.floor(T0 / 1000) * 1000;

describe('a flow in the very second of the first equity snapshot', () => {
  it('is after the snapshot when it landed in a later slot than the balances were read at', () => {
    const { store, userId } = setup({ slot: 9n, lamports: 100n });
    const flow = { whenMs, slot: 10n, tx: tx(100n, 40n), wallet: WALLET };
    expect(flowAfterMeasured(store, userId, 'sandbox', T0, flow)).toBe(true);
  });

  it('is inside the snapshot when it landed in an earlier slot', () => {
    const { store, userId } = setup({ slot: 11n, lamports: 40n });
    expect(
      flowAfterMeasured(store, userId, 'sandbox', T0, { whenMs, slot: 10n, tx: tx(100n, 40n), wallet: WALLET }),
    ).toBe(false);
  });

  it('in the same slot: after when the read saw the SOL from before it, inside when it saw the SOL after', () => {
    const before = setup({ slot: 10n, lamports: 100n });
    expect(
      flowAfterMeasured(before.store, before.userId, 'sandbox', T0, {
        whenMs,
        slot: 10n,
        tx: tx(100n, 40n),
        wallet: WALLET,
      }),
    ).toBe(true);
    const after = setup({ slot: 10n, lamports: 40n });
    expect(
      flowAfterMeasured(after.store, after.userId, 'sandbox', T0, {
        whenMs,
        slot: 10n,
        tx: tx(100n, 40n),
        wallet: WALLET,
      }),
    ).toBe(false);
  });

  it('without a pinned read, time decides (a flow in the snapshot second counts as inside)', () => {
    const { store, userId } = setup(null);
    expect(
      flowAfterMeasured(store, userId, 'sandbox', T0, { whenMs, slot: 10n, tx: tx(100n, 40n), wallet: WALLET }),
    ).toBe(false);
  });
});
