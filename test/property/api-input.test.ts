import fc from 'fast-check';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commandNames, commands, type CommandInput, type CommandName } from '../../engine/api';
import { HarvestError } from '../../engine/kernel/errors';
import type { Engine } from '../../engine/runtime';
import { tempDataDir } from '../helpers/datadir';
import { EXPECTED_TABLES } from '../helpers/schema';
import { openEngine } from '../helpers/engine';

/**
 * For every command in the API contract: inputs that fail its zod schema are
 * refused with INVALID_INPUT before any handler runs, and change nothing.
 */

/** Every table: bad input must change none of them. */
const SNAPSHOT_TABLES = EXPECTED_TABLES;

function snapshot(engine: Engine): string {
  const out: Record<string, unknown[]> = {};
  for (const t of SNAPSHOT_TABLES) {
    out[t] = (engine.store.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all() as Record<string, unknown>[]).map(
      (r) =>
        Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? `hex:${v.toString('hex')}` : v])),
    );
  }
  return JSON.stringify(out);
}

/** A valid input for each command (a new command without one is a type error here). */
function validInputs(backupFile: string): { [K in CommandName]: CommandInput<K> } {
  return {
    'engine.status': {},
    'backtest.run': { strategy: 'trend', tokens: ['SOL'], from: '2021-01-01', to: '2021-01-15', save: false },
    'backtest.list': {},
    'backtest.optimise': { strategy: 'trend', tokens: ['SOL'], from: '2021-01-01', to: '2021-03-01', samples: 10 },
    'backtest.show': { id: 1 },
    'backtest.export': { id: 1, format: 'csv', what: 'trades' },
    'backtest.start': { strategy: 'trend', tokens: ['SOL'], from: '2021-01-01', to: '2021-01-15', save: false },
    'backtest.optimiseStart': { strategy: 'trend', tokens: ['SOL'], from: '2021-01-01', to: '2021-03-01', samples: 4 },
    'backtest.job': { job: 1 },
    'backtest.cancel': { job: 1 },
    'users.add': { name: 'Newcomer' },
    'users.list': {},
    'users.rename': { user: 'Ana', name: 'Ana B' },
    'users.remove': { user: 'Bo', force: false },
    'wallet.create': { user: 'Cy', words: 12 },
    'wallet.import': { user: 'Cy', mnemonic: `${'abandon '.repeat(11)}about`, passphrase: '' },
    'wallet.export': { user: 'Ana', confirm: true },
    'wallet.show': { user: 'Ana' },
    'network.status': {},
    'network.set': { network: 'devnet', rpcUrls: ['https://rpc.example.com'], confirm: true },
    'wallet.balances': { user: 'Ana' },
    'wallet.deposit': { user: 'Ana' },
    'funds.faucet': { user: 'Ana', sol: '1.5', token: 'USDC', amount: '100' },
    'funds.withdraw': {
      user: 'Ana',
      to: 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk',
      amount: '0.1',
      token: 'SOL',
      confirm: true,
    },
    'withdrawals.list': { user: 'Ana', limit: 10 },
    'whitelist.list': { user: 'Ana' },
    'whitelist.add': { user: 'Ana', address: 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk', label: 'cold wallet' },
    'whitelist.remove': { user: 'Ana', address: 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk' },
    'settings.get': { user: 'Ana' },
    'settings.set': { user: 'Ana', key: 'mode', value: 'live', expectedVersion: 1 },
    'strategy.list': {},
    'strategy.set': {
      user: 'Ana',
      strategy: 'trend',
      params: {},
      tokens: ['SOL'],
      mode: 'paper',
      enabled: true,
      expectedVersion: 1,
    },
    'orders.submit': {
      user: 'Ana',
      side: 'buy',
      token: 'SOL',
      amount: '10',
      slippageBps: 50,
      clientId: 'c1',
      context: 'manual',
    },
    'orders.list': { user: 'Ana', limit: 10 },
    'positions.list': { user: 'Ana', status: 'open' },
    'positions.close': { user: 'Ana', positionId: 1 },
    'positions.closeAll': { user: 'Ana', confirm: true },
    'trades.list': { user: 'Ana', limit: 10 },
    'controls.status': {},
    'controls.pause': { user: 'Ana', reason: 'testing' },
    'controls.resume': { user: 'Ana' },
    'controls.halt': { reason: 'testing' },
    'breaker.status': {},
    'breaker.resume': {},
    'events.list': { user: 'Ana', limit: 10, afterId: 0 },
    'engine.health': {},
    'market.candles': { token: 'SOL', timeframe: '1m', limit: 10 },
    'settings.jupiterKey': { key: 'abcdefgh12345' },
    'keys.rotate': {},
    'keys.adopt': {},
    'backup.create': { file: backupFile, passphrase: 'a long enough passphrase' },
    'audit.verify': {},
    'audit.list': { user: 'Ana', limit: 10, beforeId: 5 },
    'risk.preset': { user: 'Ana', preset: 'conservative', expectedVersion: 1 },
    'risk.limits': { user: 'Ana' },
    'risk.global': {},
    'risk.setGlobal': { key: 'maxOrderUsd', value: '100' },
    'stats.user': { user: 'Ana' },
    'stats.equityCurve': { user: 'Ana', limit: 10, since: '2026-01-01T00:00:00Z' },
    'stats.leaderboard': { by: 'pnl', anonymous: true },
    'ledger.reconcile': { user: 'Ana' },
    'ledger.ack': { user: 'Ana' },
    'export.csv': { kind: 'trades', user: 'Ana', from: '2026-01-01', to: '2026-02-01' },
    'sandbox.send': { user: 'Ana', amount: '1.5', token: 'USDC' },
    'copy.follow': { user: 'Ana', leader: 'Bo', sizing: 'fixed', fixedUsd: 10, copySells: true },
    'copy.unfollow': { user: 'Ana', leader: 'Bo' },
    'copy.list': {},
    'copy.trades': { limit: 10 },
    'sandbox.whale': { action: 'status' },
    'tokens.list': {},
    'tokens.show': { token: 'SOL' },
    'tokens.add': { mint: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263', sizeUsd: 100 },
    'tokens.allow': { mint: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263', singleSourcePrice: true },
    'sandbox.tokenCreate': { symbol: 'TEST', priceUsd: 1, liquidityUsd: 100_000 },
    'sandbox.tokens': {},
    'paper.account': { user: 'Ana' },
    'paper.reset': { user: 'Ana', capital: { USDC: '1000' }, confirm: true },
    'paper.topUp': { user: 'Ana', amounts: { SOL: '2' } },
    'prices.status': {},
    'telegram.status': {},
    'telegram.token': { token: '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1' },
    'telegram.apiRoot': { url: 'http://127.0.0.1:8081' },
    'telegram.link': { user: 'Ana' },
    'telegram.unlink': { user: 'Ana' },
    'telegram.friend': { user: 'Ana' },
    'telegram.permissions': { user: 'Ana', permissions: ['view', 'trade'] },
    'telegram.alerts': { user: 'Ana', minSeverity: 'warning', summaryHour: 8 },
    'telegram.totp': { user: 'Ana', enable: false },
    'telegram.test': {},
    'prices.singleSource': { mint: 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263', allow: true },
    'strategy.status': { user: 'Ana' },
    'orders.place': {
      user: 'Ana',
      kind: 'limit',
      side: 'buy',
      token: 'WETH',
      amount: '10',
      price: 1,
      expiresInSec: 3600,
    },
    'orders.open': { user: 'Ana' },
    'orders.cancel': { user: 'Ana', orderId: 1 },
    'positions.setExits': { user: 'Ana', token: 'WETH', stopLoss: null },
    'strategy.decisions': { user: 'Ana', from: '2026-01-01', to: '2026-02-01', limit: 10 },
  };
}

const fails = (name: CommandName, input: unknown): boolean => !commands[name].input.safeParse(input).success;

/** Values of the wrong type for almost any field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, NaN, Infinity, '', '   ', [], {}, [1], { user: 1 }, 12n),
  fc.anything({ maxDepth: 2 }),
);

/** Garbage built three ways: arbitrary values, a valid input with a field broken, missing or added. */
function garbage(name: CommandName, valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const extraKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !keys.includes(k));
  const arbitrary = fc
    .anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true })
    .filter((x) => x !== null && x !== undefined);
  const withExtra = fc.tuple(extraKey, wrongValue).map(([k, v]) => ({ ...valid, [k]: v }));
  const parts = [arbitrary, withExtra];
  if (keys.length > 0) {
    const key = fc.constantFrom(...keys);
    parts.push(fc.tuple(key, wrongValue).map(([k, v]) => ({ ...valid, [k]: v })));
    parts.push(key.map((k) => Object.fromEntries(Object.entries(valid).filter(([kk]) => kk !== k))));
    parts.push(fc.subarray(keys).map((ks) => Object.fromEntries(ks.map((k) => [k, valid[k]]))));
  }
  return fc.oneof(...parts).filter((x) => fails(name, x));
}

describe('API input validation', () => {
  let d: ReturnType<typeof tempDataDir>;
  let engine: Engine;
  let valid: ReturnType<typeof validInputs>;
  let backupFile: string;

  beforeAll(async () => {
    d = tempDataDir();
    engine = openEngine(d.dir);
    // Some state that a command let through by mistake would change.
    await engine.execute('users.add', { name: 'Ana' });
    await engine.execute('users.add', { name: 'Bo' });
    await engine.execute('users.add', { name: 'Cy' });
    await engine.execute('wallet.create', { user: 'Ana' });
    await engine.execute('wallet.import', {
      user: 'Bo',
      mnemonic: 'legal winner thank year wave sausage worth useful legal winner thank yellow',
    });
    engine.store.holdings.upsertBalance(
      'sandbox',
      engine.wallets.info(1)!.address,
      'SOL',
      1n,
      '2026-01-01T00:00:00.000Z',
    );
    backupFile = join(dirname(d.dir), 'backup.hvb');
    valid = validInputs(backupFile);
  });
  afterAll(async () => {
    await engine.close();
    d.cleanup();
  });

  test('the contract has the commands this test knows valid inputs for', () => {
    expect([...commandNames].sort()).toEqual(Object.keys(valid).sort());
    for (const name of commandNames) {
      expect(commands[name].input.safeParse(valid[name]).success, name).toBe(true);
    }
  });

  for (const name of commandNames) {
    test(`${name}: any input that fails the schema is INVALID_INPUT and changes nothing`, async () => {
      const before = snapshot(engine);
      const keyId = engine.key.id;
      await fc.assert(
        fc.asyncProperty(garbage(name, valid[name] as Record<string, unknown>), async (input) => {
          let thrown: unknown = null;
          try {
            await engine.execute(name, input);
          } catch (e) {
            thrown = e;
          }
          expect(thrown, `accepted ${fc.stringify(input)}`).toBeInstanceOf(HarvestError);
          const e = thrown as HarvestError;
          expect(e.code).toBe('INVALID_INPUT');
          expect(e.message.startsWith(`Invalid input for ${name}: `)).toBe(true);
          expect(e.message.length).toBeGreaterThan(`Invalid input for ${name}: `.length);
          expect(snapshot(engine)).toBe(before);
        }),
        { numRuns: 120 },
      );
      expect(engine.key.id).toBe(keyId);
      expect(existsSync(backupFile)).toBe(false);
      expect(readdirSync(dirname(backupFile)).filter((f) => f.startsWith('backup.hvb'))).toEqual([]);
    });
  }

  test('specific refusals name the field and the problem', async () => {
    const cases: [CommandName, unknown, RegExp][] = [
      ['users.add', {}, /name/],
      ['users.add', { name: 42 }, /name/],
      ['users.add', { name: 'X', admin: true }, /admin/],
      ['users.rename', { user: 0, name: 'X' }, /user/],
      ['users.rename', { user: 1.5, name: 'X' }, /user/],
      ['users.rename', { user: '   ', name: 'X' }, /Name a user/],
      ['users.remove', { user: 'Ana', force: 'yes' }, /force/],
      ['wallet.create', { user: 'Cy', words: 18 }, /words/],
      ['wallet.import', { user: 'Cy', mnemonic: '' }, /./],
      ['wallet.import', { user: 'Cy', mnemonic: 'x', secretKey: 'y' }, /./],
      ['wallet.export', { user: 'Ana', confirm: false }, /confirm it explicitly/],
      ['audit.list', { limit: 0 }, /limit/],
      ['audit.list', { limit: 1001 }, /limit/],
      ['audit.list', { beforeId: -1 }, /beforeId/],
      ['engine.status', { verbose: true }, /verbose/],
      ['keys.rotate', { force: true }, /force/],
      ['backup.create', { file: '', passphrase: 'a long enough passphrase' }, /file/],
    ];
    const before = snapshot(engine);
    for (const [name, input, message] of cases) {
      let thrown: unknown = null;
      try {
        await engine.execute(name, input);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `${name} ${JSON.stringify(input)}`).toBeInstanceOf(HarvestError);
      expect((thrown as HarvestError).code).toBe('INVALID_INPUT');
      expect((thrown as HarvestError).message).toMatch(message);
    }
    expect(snapshot(engine)).toBe(before);
  });

  test('a missing input (undefined or null) is read as an empty object', async () => {
    // Commands without parameters run; commands with required ones are refused.
    expect((await engine.execute('engine.status', undefined)).users).toBe(3);
    expect((await engine.execute('users.list', null)).users).toHaveLength(3);
    const before = snapshot(engine);
    for (const name of ['users.add', 'users.rename', 'wallet.export', 'backup.create'] as const) {
      let thrown: unknown = null;
      try {
        await engine.execute(name, null);
      } catch (e) {
        thrown = e;
      }
      expect((thrown as HarvestError).code, name).toBe('INVALID_INPUT');
    }
    expect(snapshot(engine)).toBe(before);
  });
});
