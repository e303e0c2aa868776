import { afterEach, beforeEach, expect, test } from 'vitest';
import { Whitelist } from '../../../engine/funds';
import { HarvestError } from '../../../engine/kernel/errors';
import { parseUnits } from '../../../engine/market';
import type { Engine } from '../../../engine/runtime';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';

/** Issue 10, point 8: addresses that can never receive a withdrawal; amounts within u64. Real SQLite. */

let d: ReturnType<typeof tempDataDir>;
let engine: Engine;
let whitelist: Whitelist;

beforeEach(async () => {
  d = tempDataDir('hv-wl-');
  engine = openEngine(d.dir);
  await engine.execute('users.add', { name: 'Ana' });
  await engine.execute('wallet.create', { user: 'Ana' });
  whitelist = new Whitelist(engine.store, engine.bus, engine.clock, 0);
});
afterEach(async () => {
  await engine.close();
  d.cleanup();
});

function refused(address: string): HarvestError {
  try {
    whitelist.add(1, address, '', 'test');
  } catch (e) {
    expect(e).toBeInstanceOf(HarvestError);
    return e as HarvestError;
  }
  throw new Error(`${address} was whitelisted`);
}

test.each([
  ['11111111111111111111111111111111', /System Program/u],
  ['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', /SPL Token program/u],
  ['TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb', /Token-2022 program/u],
  ['ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', /Associated Token Account program/u],
  ['ComputeBudget111111111111111111111111111111', /a program/u],
  ['JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4', /a program/u],
])('%s cannot be whitelisted', (address, what) => {
  const e = refused(address);
  expect(e.code).toBe('INVALID_INPUT');
  expect(e.message).toMatch(what);
  expect(e.message).toContain('funds sent there are lost');
  expect(whitelist.list(1)).toEqual([]);
  expect(engine.store.audit.list({ limit: 100 }).map((r) => r.action)).not.toContain('whitelist.added');
});

test("the wallet's own address cannot be whitelisted (also with blanks around it); an outside address can", () => {
  const own = engine.wallets.info(1)!.address;
  expect(refused(` ${own} `).message).toMatch(/own wallet/u);
  const outside = 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk';
  expect(whitelist.add(1, outside, 'cold', 'test').address).toBe(outside);
  expect(whitelist.list(1).map((e) => e.address)).toEqual([outside]);
});

test('parseUnits: u64 max is the last amount accepted, at any number of decimals', () => {
  const max = 2n ** 64n - 1n;
  for (const decimals of [0, 6, 9]) {
    const text = (n: bigint) => {
      const s = n.toString().padStart(decimals + 1, '0');
      return decimals === 0 ? s : `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
    };
    expect(parseUnits(text(max), decimals)).toBe(max);
    expect(() => parseUnits(text(max + 1n), decimals)).toThrow(/more than any Solana account can hold/u);
  }
  expect(() => parseUnits('1'.repeat(200), 0)).toThrow(HarvestError);
});
