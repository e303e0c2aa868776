import Database from 'better-sqlite3';
import * as bip39 from 'bip39';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  keypairFromMnemonic,
  keypairFromSecretKey,
  keypairFromSeed,
  secretKeyBytes,
  SOLANA_DERIVATION_PATH,
  toBase58,
} from '../../../engine/keystore';
import type { Engine } from '../../../engine/runtime';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { expectHarvestError, expectHarvestRejection } from '../../helpers/errors';

const NOW = '2026-01-01T00:00:00.000Z';
const ABANDON_ABOUT = `${'abandon '.repeat(11)}about`;
const ABANDON_ABOUT_PHANTOM = 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk';
const LEGAL_WINNER = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

/** A deterministic secret key for import tests. */
function secretKeyOf(fill: number): { address: string; base58: string; json: string } {
  const kp = keypairFromSeed(new Uint8Array(32).fill(fill));
  const sk = secretKeyBytes(kp);
  return { address: kp.address, base58: toBase58(sk), json: JSON.stringify(Array.from(sk)) };
}

interface RawWalletRow {
  id: number;
  user_id: number;
  address: string;
  ciphertext: Buffer;
  nonce: Buffer;
  tag: Buffer;
  key_id: string;
  exported_at: string | null;
}

describe('wallet vault', () => {
  let d: ReturnType<typeof tempDataDir>;
  let engine: Engine;
  /** A second connection to the database file, as someone with file access would have. */
  let raw: Database.Database | null;

  const attacker = (): Database.Database => (raw ??= new Database(engine.layout.db));
  const rawWallet = (userId: number): RawWalletRow =>
    attacker().prepare('SELECT * FROM wallets WHERE user_id = ?').get(userId) as RawWalletRow;
  const auditCount = (): number =>
    (engine.store.db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n;
  const addUser = async (name: string): Promise<number> => (await engine.execute('users.add', { name })).id;

  beforeEach(() => {
    d = tempDataDir();
    engine = openEngine(d.dir);
    raw = null;
  });
  afterEach(async () => {
    raw?.close();
    await engine.close();
    d.cleanup();
  });

  describe('create', () => {
    test.each([12, 24] as const)('%i words: a valid phrase that derives the stored address', async (words) => {
      const id = await addUser('Ana');
      const out = await engine.execute('wallet.create', { user: 'Ana', words });
      expect(out.userId).toBe(id);
      expect(out.mnemonic.split(' ')).toHaveLength(words);
      expect(bip39.validateMnemonic(out.mnemonic)).toBe(true);
      expect(keypairFromMnemonic(out.mnemonic).address).toBe(out.address);
      const info = engine.wallets.info(id);
      expect(info).toEqual({
        userId: id,
        address: out.address,
        origin: 'created',
        kind: 'mnemonic',
        createdAt: NOW,
        exportedAt: null,
      });
      expect(engine.wallets.keypair(id).address).toBe(out.address);
      // The phrase is stored only sealed.
      const row = rawWallet(id);
      expect(row.address).toBe(out.address);
      expect(row.key_id).toBe(engine.key.id);
      expect(row.ciphertext.includes(Buffer.from(out.mnemonic))).toBe(false);
      const audit = engine.store.audit.list({ userId: id, limit: 1 })[0]!;
      expect(audit.action).toBe('wallet.created');
      expect(audit.details).toEqual({ address: out.address, kind: 'mnemonic', words });
    });

    test('the default is 12 words, and every create gives a different wallet', async () => {
      await addUser('A');
      await addUser('B');
      const a = await engine.execute('wallet.create', { user: 'A' });
      const b = await engine.execute('wallet.create', { user: 'B' });
      expect(a.mnemonic.split(' ')).toHaveLength(12);
      expect(a.address).not.toBe(b.address);
      expect(a.mnemonic).not.toBe(b.mnemonic);
    });

    test('for an unknown user it is NOT_FOUND and nothing is written', async () => {
      await expectHarvestRejection(engine.execute('wallet.create', { user: 'ghost' }), 'NOT_FOUND');
      expectHarvestError(() => engine.wallets.create(42, 12, 'test'), 'NOT_FOUND');
      expect(engine.store.wallets.count()).toBe(0);
    });
  });

  describe('import', () => {
    test('a mnemonic keeps its public key (Phantom address) and exports as it was', async () => {
      const id = await addUser('Bo');
      const out = await engine.execute('wallet.import', { user: 'Bo', mnemonic: `  ${ABANDON_ABOUT.toUpperCase()} ` });
      expect(out).toEqual({ userId: id, address: ABANDON_ABOUT_PHANTOM });
      expect(engine.wallets.info(id)).toMatchObject({ origin: 'imported', kind: 'mnemonic' });
      expect(engine.wallets.keypair(id).address).toBe(ABANDON_ABOUT_PHANTOM);
      const exp = await engine.execute('wallet.export', { user: 'Bo', confirm: true });
      expect(exp).toEqual({
        kind: 'mnemonic',
        address: ABANDON_ABOUT_PHANTOM,
        mnemonic: ABANDON_ABOUT,
        passphrase: '',
        derivationPath: SOLANA_DERIVATION_PATH,
      });
      const audit = engine.store.audit.list({ userId: id, limit: 2 });
      expect(audit.map((a) => a.action)).toEqual(['wallet.exported', 'wallet.imported']);
      expect(audit[1]!.details).toEqual({
        address: ABANDON_ABOUT_PHANTOM,
        kind: 'mnemonic',
        format: 'mnemonic',
        withPassphrase: false,
      });
    });

    test('a BIP39 passphrase gives a different address, kept through export', async () => {
      await addUser('Plain');
      await addUser('Salted');
      const plain = await engine.execute('wallet.import', { user: 'Plain', mnemonic: LEGAL_WINNER });
      const salted = await engine.execute('wallet.import', {
        user: 'Salted',
        mnemonic: LEGAL_WINNER,
        passphrase: 'TREZOR',
      });
      expect(plain.address).toBe(keypairFromMnemonic(LEGAL_WINNER).address);
      expect(salted.address).toBe(keypairFromMnemonic(LEGAL_WINNER, 'TREZOR').address);
      expect(salted.address).not.toBe(plain.address);
      const exp = await engine.execute('wallet.export', { user: 'Salted', confirm: true });
      expect(exp).toMatchObject({
        kind: 'mnemonic',
        mnemonic: LEGAL_WINNER,
        passphrase: 'TREZOR',
        address: salted.address,
      });
      if (exp.kind !== 'mnemonic') throw new Error('expected a mnemonic export');
      expect(keypairFromMnemonic(exp.mnemonic, exp.passphrase, exp.derivationPath).address).toBe(salted.address);
      expect(engine.wallets.keypair(salted.userId).address).toBe(salted.address);
      const audit = engine.store.audit
        .list({ userId: salted.userId, limit: 5 })
        .find((a) => a.action === 'wallet.imported')!;
      expect(audit.details).toMatchObject({ withPassphrase: true });
      expect(JSON.stringify(audit.details)).not.toContain('TREZOR');
    });

    test('an invalid mnemonic is refused and nothing is written', async () => {
      await addUser('Cy');
      await expectHarvestRejection(
        engine.execute('wallet.import', { user: 'Cy', mnemonic: Array(12).fill('abandon').join(' ') }),
        'INVALID_INPUT',
        /checksum/,
      );
      await expectHarvestRejection(
        engine.execute('wallet.import', { user: 'Cy', mnemonic: 'abandon about' }),
        'INVALID_INPUT',
        /12 or 24 words/,
      );
      expect(engine.store.wallets.count()).toBe(0);
    });

    test.each(['base58', 'json'] as const)(
      'a %s secret key imports, and exports as both forms that re-import to it',
      async (form) => {
        const key = secretKeyOf(form === 'base58' ? 3 : 4);
        const id = await addUser('Di');
        const out = await engine.execute('wallet.import', {
          user: id,
          secretKey: form === 'base58' ? key.base58 : ` ${key.json}\n`,
        });
        expect(out.address).toBe(key.address);
        expect(engine.wallets.info(id)).toMatchObject({ origin: 'imported', kind: 'secret_key' });
        expect(engine.store.audit.list({ userId: id, limit: 1 })[0]!.details).toEqual({
          address: key.address,
          kind: 'secret_key',
          format: form,
        });

        const exp = await engine.execute('wallet.export', { user: id, confirm: true });
        expect(exp).toEqual({
          kind: 'secret_key',
          address: key.address,
          secretKeyBase58: key.base58,
          secretKeyJson: key.json,
        });
        if (exp.kind !== 'secret_key') throw new Error('expected a secret key export');
        expect(keypairFromSecretKey(exp.secretKeyBase58).address).toBe(key.address);
        expect(keypairFromSecretKey(exp.secretKeyJson).address).toBe(key.address);
        expect(engine.wallets.keypair(id).address).toBe(key.address);

        // The other form of the export re-imports to the same address in another data directory.
        const d2 = tempDataDir();
        const e2 = openEngine(d2.dir);
        try {
          const u = await e2.execute('users.add', { name: 'Di' });
          const again = await e2.execute('wallet.import', {
            user: u.id,
            secretKey: form === 'base58' ? exp.secretKeyJson : exp.secretKeyBase58,
          });
          expect(again.address).toBe(key.address);
        } finally {
          await e2.close();
          d2.cleanup();
        }
      },
    );

    test('a secret key with a mismatched public half is refused', async () => {
      const id = await addUser('Ed');
      const a = secretKeyBytes(keypairFromSeed(new Uint8Array(32).fill(5)));
      a.set(keypairFromSeed(new Uint8Array(32).fill(6)).publicKey, 32);
      await expectHarvestRejection(
        engine.execute('wallet.import', { user: id, secretKey: toBase58(a) }),
        'INVALID_INPUT',
        /does not match/,
      );
      expect(engine.wallets.info(id)).toBeNull();
    });

    test('a mnemonic wallet exported and re-imported elsewhere has the same address', async () => {
      await addUser('Flo');
      const created = await engine.execute('wallet.create', { user: 'Flo', words: 24 });
      const exp = await engine.execute('wallet.export', { user: 'Flo', confirm: true });
      expect(exp).toMatchObject({
        kind: 'mnemonic',
        mnemonic: created.mnemonic,
        passphrase: '',
        address: created.address,
      });
      const d2 = tempDataDir();
      const e2 = openEngine(d2.dir);
      try {
        await e2.execute('users.add', { name: 'Flo' });
        if (exp.kind !== 'mnemonic') throw new Error('expected a mnemonic export');
        expect((await e2.execute('wallet.import', { user: 'Flo', mnemonic: exp.mnemonic })).address).toBe(
          created.address,
        );
      } finally {
        await e2.close();
        d2.cleanup();
      }
    });
  });

  describe('one wallet per user, one user per wallet', () => {
    test('a second create or import for the same user is CONFLICT and keeps the first wallet', async () => {
      const id = await addUser('Gil');
      const first = await engine.execute('wallet.create', { user: id });
      const before = rawWallet(id);
      const audits = auditCount();
      await expectHarvestRejection(engine.execute('wallet.create', { user: id }), 'CONFLICT', /already has a wallet/);
      await expectHarvestRejection(
        engine.execute('wallet.import', { user: id, mnemonic: ABANDON_ABOUT }),
        'CONFLICT',
        /already has a wallet.*exactly one/,
      );
      await expectHarvestRejection(
        engine.execute('wallet.import', { user: id, secretKey: secretKeyOf(9).base58 }),
        'CONFLICT',
        /already has a wallet/,
      );
      expect(rawWallet(id)).toEqual(before);
      expect(engine.wallets.keypair(id).address).toBe(first.address);
      expect(auditCount()).toBe(audits);
    });

    test('the same address for a second user is CONFLICT, naming the owner', async () => {
      const a = await addUser('Hu');
      const b = await addUser('Ida');
      await engine.execute('wallet.import', { user: a, mnemonic: ABANDON_ABOUT });
      await expectHarvestRejection(
        engine.execute('wallet.import', { user: b, mnemonic: ABANDON_ABOUT }),
        'CONFLICT',
        new RegExp(`${ABANDON_ABOUT_PHANTOM} already belongs to another user \\(id ${a}\\)`),
      );
      // The same key in another form is the same address.
      const key = secretKeyOf(11);
      const c = await addUser('Jan');
      await engine.execute('wallet.import', { user: c, secretKey: key.json });
      await expectHarvestRejection(
        engine.execute('wallet.import', { user: b, secretKey: key.base58 }),
        'CONFLICT',
        /already belongs/,
      );
      expect(engine.wallets.info(b)).toBeNull();
      expect(engine.store.wallets.count()).toBe(2);
    });
  });

  describe('export', () => {
    test('without confirm:true it is INVALID_INPUT, audits nothing and marks nothing', async () => {
      const id = await addUser('Kai');
      await engine.execute('wallet.create', { user: id });
      const audits = auditCount();
      for (const input of [
        { user: id, confirm: false },
        { user: id },
        { user: id, confirm: 'yes' },
        { user: id, confirm: 1 },
        { user: id, confirm: 'true' },
        { user: id, confirm: null },
      ]) {
        await expectHarvestRejection(engine.execute('wallet.export', input), 'INVALID_INPUT', /confirm/);
      }
      expect(auditCount()).toBe(audits);
      expect(engine.wallets.info(id)?.exportedAt).toBeNull();
      expect(rawWallet(id).exported_at).toBeNull();
    });

    test('is audited and sets exportedAt to the clock time', async () => {
      const id = await addUser('Lee');
      const w = await engine.execute('wallet.create', { user: id });
      const audits = auditCount();
      await engine.execute('wallet.export', { user: 'lee', confirm: true });
      expect(auditCount()).toBe(audits + 1);
      const a = engine.store.audit.list({ limit: 1 })[0]!;
      expect(a).toMatchObject({
        action: 'wallet.exported',
        userId: id,
        actor: 'cli',
        ts: NOW,
        details: { address: w.address, kind: 'mnemonic' },
      });
      expect(JSON.stringify(a)).not.toContain(w.mnemonic);
      expect(engine.wallets.info(id)?.exportedAt).toBe(NOW);
      // A second export is audited again.
      await engine.execute('wallet.export', { user: id, confirm: true });
      expect(auditCount()).toBe(audits + 2);
      expect(engine.store.audit.verify().ok).toBe(true);
    });

    test('a user without a wallet is NOT_FOUND and nothing is audited', async () => {
      await addUser('Mo');
      const audits = auditCount();
      await expectHarvestRejection(
        engine.execute('wallet.export', { user: 'Mo', confirm: true }),
        'NOT_FOUND',
        /no wallet yet/,
      );
      expect(auditCount()).toBe(audits);
    });
  });

  test('wallets persist across close and reopen of the engine', async () => {
    const a = await addUser('Nia');
    const b = await addUser('Oz');
    const created = await engine.execute('wallet.create', { user: a });
    const key = secretKeyOf(21);
    await engine.execute('wallet.import', { user: b, secretKey: key.base58 });
    const keyId = engine.key.id;
    await engine.close();

    engine = openEngine(d.dir);
    expect(engine.key.id).toBe(keyId);
    expect((await engine.execute('wallet.show', { user: a })).wallet?.address).toBe(created.address);
    expect(await engine.execute('wallet.export', { user: a, confirm: true })).toEqual({
      kind: 'mnemonic',
      address: created.address,
      mnemonic: created.mnemonic,
      passphrase: '',
      derivationPath: SOLANA_DERIVATION_PATH,
    });
    expect(await engine.execute('wallet.export', { user: b, confirm: true })).toMatchObject({
      kind: 'secret_key',
      address: key.address,
      secretKeyBase58: key.base58,
    });
    expect(engine.store.audit.verify().ok).toBe(true);
  });

  test('operations on one user touch only that user’s wallet', async () => {
    const a = await addUser('Pam');
    const b = await addUser('Quin');
    const wa = await engine.execute('wallet.create', { user: a });
    const wb = await engine.execute('wallet.import', { user: b, mnemonic: ABANDON_ABOUT });
    const rowB = rawWallet(b);

    expect((await engine.execute('wallet.export', { user: a, confirm: true })).address).toBe(wa.address);
    expect(engine.wallets.keypair(a).address).toBe(wa.address);
    expect(engine.wallets.keypair(b).address).toBe(wb.address);
    expect(rawWallet(b)).toEqual(rowB);
    expect(engine.wallets.info(b)?.exportedAt).toBeNull();

    const c = await addUser('Ray');
    await engine.execute('wallet.create', { user: c });
    await engine.execute('users.remove', { user: c });
    expect(rawWallet(b)).toEqual(rowB);
    expect(engine.wallets.info(a)?.address).toBe(wa.address);
    const show = await engine.execute('wallet.show', { user: b });
    expect(show.wallet?.address).toBe(ABANDON_ABOUT_PHANTOM);
    expect(show.user.id).toBe(b);
  });

  describe('tampering with the database file', () => {
    test('a modified ciphertext is TAMPERED on export, which then audits and marks nothing', async () => {
      const id = await addUser('Sam');
      await engine.execute('wallet.create', { user: id });
      const row = rawWallet(id);
      const ct = Buffer.from(row.ciphertext);
      ct[Math.floor(ct.length / 2)] = ct[Math.floor(ct.length / 2)]! ^ 0x20;
      attacker().prepare('UPDATE wallets SET ciphertext = ? WHERE user_id = ?').run(ct, id);
      const audits = auditCount();
      await expectHarvestRejection(
        engine.execute('wallet.export', { user: id, confirm: true }),
        'TAMPERED',
        /integrity check/,
      );
      expectHarvestError(() => engine.wallets.keypair(id), 'TAMPERED');
      expect(auditCount()).toBe(audits);
      expect(engine.wallets.info(id)?.exportedAt).toBeNull();
    });

    test.each(['nonce', 'tag'] as const)('a modified %s is TAMPERED', async (col) => {
      const id = await addUser('Tia');
      await engine.execute('wallet.create', { user: id });
      const b = Buffer.from(rawWallet(id)[col]);
      b[0] = b[0]! ^ 0x01;
      attacker().prepare(`UPDATE wallets SET ${col} = ? WHERE user_id = ?`).run(b, id);
      await expectHarvestRejection(engine.execute('wallet.export', { user: id, confirm: true }), 'TAMPERED');
    });

    test('sealed secrets swapped between two users are TAMPERED for both', async () => {
      const a = await addUser('Uma');
      const b = await addUser('Vic');
      await engine.execute('wallet.create', { user: a });
      await engine.execute('wallet.import', { user: b, secretKey: secretKeyOf(31).base58 });
      const ra = rawWallet(a);
      const rb = rawWallet(b);
      const put = attacker().prepare('UPDATE wallets SET ciphertext = ?, nonce = ?, tag = ? WHERE user_id = ?');
      attacker().transaction(() => {
        put.run(rb.ciphertext, rb.nonce, rb.tag, a);
        put.run(ra.ciphertext, ra.nonce, ra.tag, b);
      })();
      await expectHarvestRejection(engine.execute('wallet.export', { user: a, confirm: true }), 'TAMPERED');
      await expectHarvestRejection(engine.execute('wallet.export', { user: b, confirm: true }), 'TAMPERED');
      expectHarvestError(() => engine.wallets.keypair(a), 'TAMPERED');
      expectHarvestError(() => engine.wallets.keypair(b), 'TAMPERED');
    });

    test('a wallet row moved to another user (user_id rewritten) is TAMPERED', async () => {
      const a = await addUser('Wes');
      const b = await addUser('Xia');
      await engine.execute('wallet.create', { user: a });
      attacker().prepare('UPDATE wallets SET user_id = ? WHERE user_id = ?').run(b, a);
      await expectHarvestRejection(engine.execute('wallet.export', { user: b, confirm: true }), 'TAMPERED');
      await expectHarvestRejection(engine.execute('wallet.export', { user: a, confirm: true }), 'NOT_FOUND');
    });

    test('a rewritten address is TAMPERED (the address is bound to the ciphertext)', async () => {
      const id = await addUser('Yul');
      await engine.execute('wallet.create', { user: id });
      attacker().prepare('UPDATE wallets SET address = ? WHERE user_id = ?').run(secretKeyOf(41).address, id);
      await expectHarvestRejection(engine.execute('wallet.export', { user: id, confirm: true }), 'TAMPERED');
      expectHarvestError(() => engine.wallets.keypair(id), 'TAMPERED');
    });

    test('a row claiming another master key id is MASTER_KEY_MISMATCH', async () => {
      const id = await addUser('Zed');
      await engine.execute('wallet.create', { user: id });
      attacker().prepare('UPDATE wallets SET key_id = ? WHERE user_id = ?').run('0'.repeat(32), id);
      await expectHarvestRejection(engine.execute('wallet.export', { user: id, confirm: true }), 'MASTER_KEY_MISMATCH');
    });
  });

  test('after a key rotation every wallet still exports the same secret under the new key', async () => {
    const a = await addUser('Rot');
    const b = await addUser('Tor');
    const wa = await engine.execute('wallet.create', { user: a });
    const key = secretKeyOf(51);
    await engine.execute('wallet.import', { user: b, secretKey: key.json });
    const oldRow = rawWallet(a);
    const oldKeyId = engine.key.id;
    const r = await engine.execute('keys.rotate', {});
    expect(r).toEqual({ wallets: 2, oldKeyId, newKeyId: engine.key.id });
    expect(r.newKeyId).not.toBe(oldKeyId);
    const newRow = rawWallet(a);
    expect(newRow.key_id).toBe(r.newKeyId);
    expect(newRow.ciphertext.equals(oldRow.ciphertext)).toBe(false);
    expect(newRow.nonce.equals(oldRow.nonce)).toBe(false);
    expect(await engine.execute('wallet.export', { user: a, confirm: true })).toMatchObject({ mnemonic: wa.mnemonic });
    expect(await engine.execute('wallet.export', { user: b, confirm: true })).toMatchObject({
      secretKeyBase58: key.base58,
    });
    // And after a reopen, the keychain holds the new key.
    await engine.close();
    engine = openEngine(d.dir);
    expect(engine.key.id).toBe(r.newKeyId);
    expect(engine.wallets.keypair(a).address).toBe(wa.address);
  });
});
