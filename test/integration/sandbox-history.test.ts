/**
 * The sandbox RPC's wallet history, in Solana's shapes: getSignaturesForAddress
 * (newest first, limit / before / until, commitment) and getTransaction of an
 * airdrop, read raw over HTTP and through the engine's chain client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { address, createNoopSigner, type Address, type Signature } from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { afterEach, describe, expect, it } from 'vitest';
import { createChainClient } from '../../engine/chain';
import { ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { SandboxLedger, SLOT_MS } from '../../engine/sandbox/ledger';
import { PlayKey } from '../../engine/sandbox/play-keys';
import { startRpcServer } from '../../engine/sandbox/rpc-server';
import { sendAs } from '../../engine/sandbox/tx-build';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function world(dir: string | null, clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))) {
  const ledger = SandboxLedger.open({ dir, clock });
  const server = await startRpcServer(ledger, { log: silentLogger });
  let open = true;
  const close = async () => {
    if (!open) return;
    open = false;
    await server.close();
    ledger.close();
  };
  cleanups.push(close);
  return { ledger, server, clock, close };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(url: string, method: string, params: unknown[]): Promise<any> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return r.json();
}

/** An airdrop to a sender, then `n` transfers from it to a fresh recipient, one slot apart. */
function history(w: Awaited<ReturnType<typeof world>>, n: number) {
  const sender = PlayKey.generate();
  const to = address(PlayKey.generate().address);
  const airdrop = w.ledger.airdrop(sender.address, 10_000_000_000n);
  const sent: string[] = [];
  for (let i = 0; i < n; i++) {
    w.clock.advance(SLOT_MS);
    sent.push(
      sendAs(w.ledger, sender, [
        getTransferSolInstruction({
          source: createNoopSigner(sender.address),
          destination: to,
          amount: BigInt(1_000_000 + i),
        }),
      ]),
    );
  }
  return { sender, to, airdrop, sent };
}

describe('getSignaturesForAddress', () => {
  it('lists newest first with Solana’s fields, pages with before/until, honours limit and commitment', async () => {
    const w = await world(null);
    const h = history(w, 4);
    const confirmed = { commitment: 'confirmed' };
    const all = (await call(w.server.url, 'getSignaturesForAddress', [h.to, confirmed])).result;
    expect(all.map((r: { signature: string }) => r.signature)).toEqual([...h.sent].reverse());
    expect(Object.keys(all[0]).sort()).toEqual(['blockTime', 'confirmationStatus', 'err', 'memo', 'signature', 'slot']);
    expect(all[0]).toMatchObject({ err: null, memo: null, confirmationStatus: 'confirmed' });
    expect(typeof all[0].slot).toBe('number');
    expect(all[0].slot).toBeGreaterThan(all[3].slot);

    const page = (cfg: Record<string, unknown>) =>
      call(w.server.url, 'getSignaturesForAddress', [h.to, { ...confirmed, ...cfg }]).then((r) =>
        (r.result as { signature: string }[]).map((x) => x.signature),
      );
    expect(await page({ limit: 2 })).toEqual([h.sent[3], h.sent[2]]);
    expect(await page({ limit: 2, before: h.sent[2] })).toEqual([h.sent[1], h.sent[0]]);
    expect(await page({ until: h.sent[1] })).toEqual([h.sent[3], h.sent[2]]);
    expect(await page({ before: h.sent[3], until: h.sent[0] })).toEqual([h.sent[2], h.sent[1]]);
    // The sender's history includes its airdrop.
    const senderSigs = (await call(w.server.url, 'getSignaturesForAddress', [h.sender.address, confirmed])).result;
    expect(senderSigs.at(-1).signature).toBe(h.airdrop);

    const bad = await call(w.server.url, 'getSignaturesForAddress', [h.to, { limit: 1001 }]);
    expect(bad.error.code).toBe(-32602);
    const processed = await call(w.server.url, 'getSignaturesForAddress', [h.to, { commitment: 'processed' }]);
    expect(processed.error.code).toBe(-32602);

    // Default (finalized): nothing this young yet; 32 slots later, everything.
    expect((await call(w.server.url, 'getSignaturesForAddress', [h.to])).result).toEqual([]);
    w.clock.advance(40 * SLOT_MS);
    const finalized = (await call(w.server.url, 'getSignaturesForAddress', [h.to])).result;
    expect(finalized).toHaveLength(4);
    expect(finalized[0].confirmationStatus).toBe('finalized');
  });

  it('an airdrop is served by getTransaction (json) with its balance change', async () => {
    const w = await world(null);
    const h = history(w, 0);
    const r = (await call(w.server.url, 'getTransaction', [h.airdrop, { encoding: 'json', commitment: 'confirmed' }]))
      .result;
    expect(r.transaction.signatures).toEqual([h.airdrop]);
    expect(r.transaction.message.accountKeys).toEqual([h.sender.address]);
    expect(r.meta.postBalances[0] - r.meta.preBalances[0]).toBe(10_000_000_000);
    const b64 = await call(w.server.url, 'getTransaction', [
      h.airdrop,
      { encoding: 'base64', commitment: 'confirmed' },
    ]);
    expect(b64.result).toBeNull();
  });

  it('the chain client pages through a long history; a ledger saved before the index is indexed on open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-history-'));
    cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const w1 = await world(dir, clock);
    const h = history(w1, 5);
    w1.ledger.save();
    await w1.close();
    // As a ledger from before the index existed.
    const db = new Database(join(dir, 'ledger.db'));
    db.exec('DROP TABLE address_signatures');
    db.close();
    const w2 = await world(dir, clock);
    const chain = createChainClient({ endpoints: [w2.server.url], clock });
    const got = await chain.getSignaturesForAddress(h.to as Address, { limit: 2 });
    expect(got.map((s) => s.signature)).toEqual([h.sent[4], h.sent[3]]);
    const older = await chain.getSignaturesForAddress(h.to as Address, {
      limit: 1000,
      before: got[1]!.signature,
      until: h.sent[0] as Signature,
    });
    expect(older.map((s) => s.signature)).toEqual([h.sent[2], h.sent[1]]);
    expect(typeof older[0]!.slot).toBe('bigint');
  });
});
