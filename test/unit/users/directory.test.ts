import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { HarvestError } from '../../../engine/kernel/errors';
import type { Engine } from '../../../engine/runtime';
import { nameKey } from '../../../engine/store';
import { defaultUserSettings } from '../../../engine/users';
import { mixedScripts } from '../../../engine/users/confusables';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { EXPECTED_TABLES } from '../../helpers/schema';
import { expectHarvestError, expectHarvestRejection } from '../../helpers/errors';

const NOW = '2026-01-01T00:00:00.000Z';

function tables(engine: Engine): string[] {
  return (
    engine.store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { name: string }[]
  ).map((r) => r.name);
}

function count(engine: Engine, table: string, where = '1 = 1', ...params: unknown[]): number {
  return (engine.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`).get(...params) as { n: number })
    .n;
}

function auditActions(engine: Engine): string[] {
  return engine.store.audit
    .list({ limit: 1000 })
    .map((r) => r.action)
    .reverse();
}

function addPosition(engine: Engine, userId: number, status: 'open' | 'closed'): void {
  engine.store.db
    .prepare(
      "INSERT INTO positions (user_id, mint, status, quantity, opened_at, closed_at) VALUES (?, 'So11111111111111111111111111111111111111112', ?, '1000', ?, NULL)",
    )
    .run(userId, status, NOW);
}

describe('user directory', () => {
  let d: ReturnType<typeof tempDataDir>;
  let engine: Engine;
  beforeEach(() => {
    d = tempDataDir();
    engine = openEngine(d.dir);
  });
  afterEach(async () => {
    await engine.close();
    d.cleanup();
  });

  test('add, list, rename and remove', async () => {
    const ana = await engine.execute('users.add', { name: 'Ana' });
    const bo = await engine.execute('users.add', { name: '  Bo  ' });
    expect(ana).toEqual({ id: 1, name: 'Ana', createdAt: NOW });
    expect(bo).toEqual({ id: 2, name: 'Bo', createdAt: NOW });

    const list = await engine.execute('users.list', {});
    expect(list.users).toEqual([
      { id: 1, name: 'Ana', createdAt: NOW, address: null },
      { id: 2, name: 'Bo', createdAt: NOW, address: null },
    ]);

    expect(await engine.execute('users.rename', { user: 'ana', name: 'Ana María' })).toEqual({
      id: 1,
      name: 'Ana María',
      createdAt: NOW,
    });
    expect(engine.users.resolve('ANA MARÍA').id).toBe(1);
    expectHarvestError(() => engine.users.resolve('Ana'), 'NOT_FOUND', /No user called "Ana"/);

    const removed = await engine.execute('users.remove', { user: 2 });
    expect(removed).toEqual({ removed: { id: 2, name: 'Bo', createdAt: NOW }, forced: false });
    expect((await engine.execute('users.list', {})).users.map((u) => u.name)).toEqual(['Ana María']);
    expect(auditActions(engine)).toEqual([
      'datadir.initialised',
      'user.added',
      'user.added',
      'user.renamed',
      'user.removed',
    ]);
    const renamed = engine.store.audit.list({ userId: 1 })[0]!;
    expect(renamed.details).toEqual({ from: 'Ana', to: 'Ana María' });
  });

  test('users resolve by name (any case) or by id, as a number or a digit string', () => {
    const u = engine.users.add('Carla', 'test');
    expect(engine.users.resolve('carla').id).toBe(u.id);
    expect(engine.users.resolve(u.id).name).toBe('Carla');
    expect(engine.users.resolve(` ${u.id} `).name).toBe('Carla');
    expectHarvestError(() => engine.users.resolve(99), 'NOT_FOUND');
    expectHarvestError(() => engine.users.resolve('nobody'), 'NOT_FOUND');
  });

  test('names are unique ignoring case and Unicode composition', async () => {
    await engine.execute('users.add', { name: 'Zoë' });
    for (const clash of ['zoë', 'ZOË', 'Zoe\u0308', ' zoë ']) {
      const e = await expectHarvestRejection(
        engine.execute('users.add', { name: clash }),
        'CONFLICT',
        /already exists/,
      );
      expect(e.message).toContain('ignoring case');
    }
    expect(engine.users.list()).toHaveLength(1);
    // Lower-casing can decompose: "H̱" lower-cases to h + U+0331, which is "ẖ" only after normalisation.
    await engine.execute('users.add', { name: '\u1e96' });
    await expectHarvestRejection(engine.execute('users.add', { name: 'H\u0331' }), 'CONFLICT');
    expect(engine.users.resolve('H\u0331').name).toBe('\u1e96');
    await engine.execute('users.remove', { user: '\u1e96' });
    // "Zoe" (no diaeresis) is a different name.
    await engine.execute('users.add', { name: 'Zoe' });
    expect(engine.users.list().map((u) => u.name)).toEqual(['Zoë', 'Zoe']);
  });

  test('rename refuses another user’s name but allows changing the case of one’s own', async () => {
    await engine.execute('users.add', { name: 'Dan' });
    await engine.execute('users.add', { name: 'Eve' });
    await expectHarvestRejection(engine.execute('users.rename', { user: 'Eve', name: 'DAN' }), 'CONFLICT');
    expect(engine.users.resolve(2).name).toBe('Eve');
    expect((await engine.execute('users.rename', { user: 'Dan', name: 'DAN' })).name).toBe('DAN');
    expect(engine.users.resolve(1).name).toBe('DAN');
    await expectHarvestRejection(engine.execute('users.rename', { user: 'nobody', name: 'X' }), 'NOT_FOUND');
  });

  test.each([
    ['empty', '', /cannot be empty/],
    ['blank', '   \t ', /cannot be empty/],
    ['a NUL byte', 'a\u0000b', /control or invisible/],
    ['a newline', 'first\nsecond', /control or invisible/],
    ['an escape sequence', '\u001b[31mred', /control or invisible/],
    ['DEL', 'a\u007fb', /control or invisible/],
    ['a zero-width space', 'a\u200bb', /control or invisible/],
    ['a right-to-left override', 'abc\u202edef', /control or invisible/],
    ['a line separator', 'a\u2028b', /control or invisible/],
    ['65 characters', 'x'.repeat(65), /at most 64/],
    ['digits only', '12345', /only digits/],
    ['digits with spaces around', ' 42 ', /only digits/],
  ])('a name with %s is refused', async (_label, name, message) => {
    await expectHarvestRejection(engine.execute('users.add', { name }), 'INVALID_INPUT', message);
    expect(engine.users.list()).toHaveLength(0);
    const u = engine.users.add('Valid', 'test');
    await expectHarvestRejection(engine.execute('users.rename', { user: u.id, name }), 'INVALID_INPUT', message);
    expect(engine.users.resolve(u.id).name).toBe('Valid');
  });

  test('names at the edges of the rules are accepted', async () => {
    for (const name of ['x'.repeat(64), 'a1', '1a', 'R2-D2', '🌾 Harvest 🌾', '名前', "O'Brien", '-1']) {
      expect((await engine.execute('users.add', { name })).name).toBe(name);
    }
  });

  test.each([
    "Robert'); DROP TABLE users;--",
    "' OR 1=1 --",
    '"; DELETE FROM wallets; --',
    "x'; UPDATE users SET name='pwned' WHERE '1'='1",
    '%_\\',
  ])('SQL-looking name %j is stored verbatim and harms nothing', async (name) => {
    const other = await engine.execute('users.add', { name: 'Bystander' });
    await engine.execute('wallet.create', { user: other.id });
    const u = await engine.execute('users.add', { name });
    expect(u.name).toBe(name);
    expect(engine.users.resolve(name).id).toBe(u.id);
    expect(engine.store.db.prepare('SELECT name FROM users WHERE id = ?').get(u.id)).toEqual({ name });
    expect((await engine.execute('users.list', {})).users.map((x) => x.name)).toEqual(['Bystander', name]);
    expect(tables(engine)).toEqual(EXPECTED_TABLES);
    expect(count(engine, 'wallets')).toBe(1);
    await engine.execute('wallet.create', { user: name });
    expect(count(engine, 'wallets')).toBe(2);
    await engine.execute('users.rename', { user: name, name: `${name} 2` });
    expect(engine.users.resolve(u.id).name).toBe(`${name} 2`);
    expect(engine.users.resolve(other.id).name).toBe('Bystander');
    expect(engine.store.audit.verify().ok).toBe(true);
  });

  test('every new user gets a settings row with the defaults', async () => {
    const u = await engine.execute('users.add', { name: 'Fay' });
    const s = engine.store.settings.get(u.id);
    expect(s).toEqual({
      userId: u.id,
      version: 1,
      updatedAt: NOW,
      settings: defaultUserSettings(),
    });
    // The defaults that matter most, spelled out: a new friend starts on paper, in USDC, above 0.01 SOL.
    expect(s!.settings).toMatchObject({ mode: 'paper', quoteAsset: 'USDC', minTradingBalanceLamports: '10000000' });
    expect(count(engine, 'user_settings')).toBe(1);
  });

  test('a failed add (duplicate) leaves no partial rows behind', async () => {
    await engine.execute('users.add', { name: 'Gus' });
    const before = [count(engine, 'users'), count(engine, 'user_settings'), count(engine, 'audit_log')];
    await expectHarvestRejection(engine.execute('users.add', { name: 'GUS' }), 'CONFLICT');
    expect([count(engine, 'users'), count(engine, 'user_settings'), count(engine, 'audit_log')]).toEqual(before);
  });

  describe('remove', () => {
    test('a user without funds or positions is removed with wallet, settings and positions', async () => {
      const keep = await engine.execute('users.add', { name: 'Keeper' });
      const keepWallet = await engine.execute('wallet.create', { user: keep.id });
      const u = await engine.execute('users.add', { name: 'Hal' });
      const w = await engine.execute('wallet.create', { user: u.id });
      addPosition(engine, u.id, 'closed');
      addPosition(engine, keep.id, 'open');
      // A zero balance is not "funds".
      engine.store.holdings.upsertBalance('sandbox', w.address, 'SOL', 0n, NOW);

      const r = await engine.execute('users.remove', { user: 'hal' });
      expect(r.forced).toBe(false);
      expect(count(engine, 'users', 'id = ?', u.id)).toBe(0);
      expect(count(engine, 'wallets', 'user_id = ?', u.id)).toBe(0);
      expect(count(engine, 'user_settings', 'user_id = ?', u.id)).toBe(0);
      expect(count(engine, 'positions', 'user_id = ?', u.id)).toBe(0);
      // The other user is untouched.
      expect(engine.wallets.info(keep.id)?.address).toBe(keepWallet.address);
      expect(engine.store.settings.get(keep.id)).not.toBeNull();
      expect(count(engine, 'positions', 'user_id = ?', keep.id)).toBe(1);
      const audit = engine.store.audit.list({ userId: u.id, limit: 1 })[0]!;
      expect(audit.action).toBe('user.removed');
      expect(audit.details).toEqual({ name: 'Hal', address: w.address, forced: false });
    });

    test('refused while the wallet holds funds; --force is refused until the wallet is exported', async () => {
      const u = await engine.execute('users.add', { name: 'Ivy' });
      const w = await engine.execute('wallet.create', { user: u.id });
      engine.store.holdings.upsertBalance('sandbox', w.address, 'SOL', 5_000_000n, NOW);
      engine.store.holdings.upsertBalance(
        'sandbox',
        w.address,
        'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
        0n,
        NOW,
      );
      const auditBefore = count(engine, 'audit_log');

      await expectHarvestRejection(engine.execute('users.remove', { user: u.id }), 'REFUSED', /5000000 of SOL/);
      await expectHarvestRejection(
        engine.execute('users.remove', { user: u.id, force: true }),
        'REFUSED',
        /only allowed after the wallet has been exported/,
      );
      expect(count(engine, 'users', 'id = ?', u.id)).toBe(1);
      expect(count(engine, 'wallets', 'user_id = ?', u.id)).toBe(1);
      expect(count(engine, 'audit_log')).toBe(auditBefore);

      await engine.execute('wallet.export', { user: u.id, confirm: true });
      // Exported but not forced: still refused.
      await expectHarvestRejection(engine.execute('users.remove', { user: u.id }), 'REFUSED');
      const r = await engine.execute('users.remove', { user: u.id, force: true });
      expect(r.forced).toBe(true);
      expect(count(engine, 'users', 'id = ?', u.id)).toBe(0);
      expect(count(engine, 'wallets', 'user_id = ?', u.id)).toBe(0);
      expect(count(engine, 'user_settings', 'user_id = ?', u.id)).toBe(0);
      expect(engine.store.audit.list({ userId: u.id, limit: 1 })[0]!.details).toMatchObject({ forced: true });
      expect(engine.store.audit.verify().ok).toBe(true);
    });

    test('refused with open positions, even without a wallet; closed positions do not block', async () => {
      const u = await engine.execute('users.add', { name: 'Jo' });
      addPosition(engine, u.id, 'open');
      addPosition(engine, u.id, 'open');
      await expectHarvestRejection(engine.execute('users.remove', { user: 'Jo' }), 'REFUSED', /2 open position/);
      // No wallet means nothing was exported, so force cannot apply.
      await expectHarvestRejection(engine.execute('users.remove', { user: 'Jo', force: true }), 'REFUSED', /exported/);
      engine.store.db.prepare("UPDATE positions SET status = 'closed' WHERE user_id = ?").run(u.id);
      expect((await engine.execute('users.remove', { user: 'Jo' })).forced).toBe(false);
      expect(count(engine, 'positions')).toBe(0);
    });

    test('open positions plus an exported wallet can be forced', async () => {
      const u = await engine.execute('users.add', { name: 'Kim' });
      await engine.execute('wallet.create', { user: u.id, words: 24 });
      addPosition(engine, u.id, 'open');
      await engine.execute('wallet.export', { user: 'Kim', confirm: true });
      expect((await engine.execute('users.remove', { user: 'Kim', force: true })).forced).toBe(true);
      expect(count(engine, 'positions')).toBe(0);
    });

    test('removing an unknown user is NOT_FOUND', async () => {
      await expectHarvestRejection(engine.execute('users.remove', { user: 'ghost' }), 'NOT_FOUND');
      await expectHarvestRejection(engine.execute('users.remove', { user: 404 }), 'NOT_FOUND');
    });

    test('a freed name can be reused, and the new user gets a new id', async () => {
      const a = await engine.execute('users.add', { name: 'Lou' });
      await engine.execute('users.remove', { user: 'Lou' });
      const b = await engine.execute('users.add', { name: 'LOU' });
      expect(b.id).not.toBe(a.id);
      expect(engine.store.settings.get(b.id)?.version).toBe(1);
    });
  });
});

describe('property: arbitrary names', () => {
  let d: ReturnType<typeof tempDataDir>;
  let engine: Engine;
  beforeAll(() => {
    d = tempDataDir();
    engine = openEngine(d.dir);
  });
  afterAll(async () => {
    await engine.close();
    d.cleanup();
  });

  const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
  const nameArb = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 64 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    fc.constantFrom("Robert'); DROP TABLE users;--", "' OR 1=1 --", '"; DELETE FROM wallets; --', '\\x00', '$1', '?'),
  );

  test('a printable name round-trips exactly (after NFC + trim); an unprintable one is refused and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(nameArb, fc.constantFrom('', ' ', '\t', '\u3000'), async (raw, pad) => {
        const input = `${pad}${raw}${pad}`;
        const expected = input.normalize('NFC').trim();
        const valid =
          expected.length >= 1 &&
          expected.length <= 64 &&
          !INVISIBLE.test(expected) &&
          !/^\d+$/u.test(expected) &&
          !mixedScripts(expected); // a disguise (test/unit/users/confusable-names.test.ts)
        const usersBefore = count(engine, 'users');
        const auditBefore = count(engine, 'audit_log');
        if (!valid) {
          await expectHarvestRejection(engine.execute('users.add', { name: input }), 'INVALID_INPUT');
          expect(count(engine, 'users')).toBe(usersBefore);
          expect(count(engine, 'audit_log')).toBe(auditBefore);
          return;
        }
        const u = await engine.execute('users.add', { name: input });
        try {
          expect(u.name).toBe(expected);
          expect(engine.store.users.byId(u.id)?.name).toBe(expected);
          const listed = (await engine.execute('users.list', {})).users.filter((x) => x.id === u.id);
          expect(listed.map((x) => x.name)).toEqual([expected]);
          expect(engine.users.resolve(expected).id).toBe(u.id);
          // Another spelling that differs only in case and composition finds the same user.
          const upper = expected.toUpperCase();
          if (upper.toLowerCase().normalize('NFC') === expected.toLowerCase().normalize('NFC')) {
            expect(engine.users.resolve(upper).id).toBe(u.id);
            await expectHarvestRejection(engine.execute('users.add', { name: upper }), 'CONFLICT');
          }
          expect(engine.store.db.prepare('SELECT name_key FROM users WHERE id = ?').get(u.id)).toEqual({
            name_key: nameKey(expected),
          });
          expect(engine.store.settings.get(u.id)?.version).toBe(1);
          expect(tables(engine)).toEqual(EXPECTED_TABLES);
        } finally {
          const r = await engine.execute('users.remove', { user: u.id });
          expect(r.removed.name).toBe(expected);
        }
        expect(count(engine, 'users')).toBe(usersBefore);
        expect(count(engine, 'user_settings')).toBe(usersBefore);
      }),
      { numRuns: 150 },
    );
    expect(engine.store.audit.verify().ok).toBe(true);
  });

  test('inserting any control or invisible character anywhere in a valid name is refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 }).filter((s) => /[a-z]/iu.test(s)),
        fc.constantFrom(
          '\u0000',
          '\u0007',
          '\n',
          '\r',
          '\u001b',
          '\u007f',
          '\u0085',
          '\u200b',
          '\u200d',
          '\u2028',
          '\u2029',
          '\u202e',
          '\ufeff',
        ),
        fc.nat(),
        async (base, bad, rawPos) => {
          const core = base.trim();
          fc.pre(core.length > 0);
          const pos = 1 + (rawPos % Math.max(1, core.length - 1));
          const name = core.slice(0, pos) + bad + core.slice(pos);
          fc.pre(name.trim() === name); // the character is inside, not trimmed away
          const before = count(engine, 'users');
          const e = await expectHarvestRejection(engine.execute('users.add', { name }), 'INVALID_INPUT');
          expect(e).toBeInstanceOf(HarvestError);
          expect(count(engine, 'users')).toBe(before);
        },
      ),
      { numRuns: 100 },
    );
  });
});
