/**
 * The race behind the browser test's rejected order (issue 12): two balance
 * refreshes that overlap must be recorded in the order they started, so a read
 * taken before a deposit never overwrites the read that saw it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainClient } from '../../../engine/chain';
import { BalanceSync } from '../../../engine/funds';
import type { Keychain } from '../../../engine/keystore';
import { tokenBySymbol } from '../../../engine/market';
import type { Engine } from '../../../engine/runtime';
import { openEngine } from '../../helpers/engine';

const entries = new Map<string, string>();
const memoryKeychain: Keychain = {
  get: (a) => entries.get(a) ?? null,
  set: (a, v) => void entries.set(a, v),
  delete: (a) => void entries.delete(a),
};

let parent = '';
let engine: Engine | null = null;
afterEach(async () => {
  await engine?.close();
  rmSync(parent, { recursive: true, force: true });
});

describe('balance refreshes', () => {
  it('an earlier, slower read is recorded before a later one, never after it', async () => {
    parent = mkdtempSync(join(tmpdir(), 'hv-bal-'));
    engine = openEngine(join(parent, 'data'), { keychain: memoryKeychain, env: {} });
    await engine.execute('users.add', { name: 'Ana' });
    const { address } = await engine.execute('wallet.create', { user: 'Ana' });
    const usdc = tokenBySymbol('USDC')!.mint;

    // The first read is held until the test releases it; it saw the wallet before a 1,000 USDC deposit.
    let release: () => void = () => undefined;
    const reads: string[] = [];
    const chain = {
      getBalances: async () => {
        const n = reads.length;
        reads.push(`read ${n}`);
        if (n === 0) await new Promise<void>((r) => (release = r));
        return [{ lamports: 10_000_000_000n, tokens: new Map([[usdc, n === 0 ? 0n : 1_000_000_000n]]) }];
      },
    } as unknown as ChainClient;
    const sync = new BalanceSync(engine.store, chain, 'sandbox', engine.bus, engine.clock, engine.log);

    const loop = sync.refresh(); // the trading loop's refresh, started before the deposit
    const faucet = sync.refresh(); // the faucet's refresh, started after it
    await new Promise((r) => setImmediate(r));
    // The later refresh waits for the earlier one instead of reading beside it.
    expect(reads).toEqual(['read 0']);
    release();
    await Promise.all([loop, faucet]);
    expect(reads).toEqual(['read 0', 'read 1']);
    const held = engine.store.holdings.balances(address, 'sandbox').find((b) => b.mint === usdc);
    expect(held?.amount).toBe(1_000_000_000n);
  });

  it('a failed refresh does not block the next one', async () => {
    parent = mkdtempSync(join(tmpdir(), 'hv-bal-'));
    engine = openEngine(join(parent, 'data'), { keychain: memoryKeychain, env: {} });
    await engine.execute('users.add', { name: 'Ana' });
    await engine.execute('wallet.create', { user: 'Ana' });
    let calls = 0;
    const chain = {
      getBalances: async () => {
        if (calls++ === 0) throw new Error('rpc down');
        return [{ lamports: 1n, tokens: new Map() }];
      },
    } as unknown as ChainClient;
    const sync = new BalanceSync(engine.store, chain, 'sandbox', engine.bus, engine.clock, engine.log);
    await expect(sync.refresh()).rejects.toThrow('rpc down');
    await expect(sync.refresh()).resolves.toHaveLength(1);
  });
});
