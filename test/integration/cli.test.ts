import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keychainEntry } from '../helpers/datadir';
import {
  describeRun,
  hv,
  jsonUserError,
  keychainKeyId,
  ok,
  oneJson,
  randomMnemonic,
  randomSecretKey,
  solanaAddressFromMnemonic,
  useDataDirs,
  userError,
  type WalletExport,
} from './support';

interface Status {
  dataDir: string;
  schemaVersion: number;
  keySource: 'keychain' | 'env';
  keyId: string;
  users: number;
  wallets: number;
  owner: { kind: string; pid: number; startedAt: string };
}
interface UserOut {
  id: number;
  name: string;
  createdAt: string;
}
interface ListOut {
  users: Array<UserOut & { address: string | null }>;
}

/** Every file under dir, concatenated (to look for plaintext secrets). */
function allBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) parts.push(readFileSync(join(e.parentPath, e.name)));
  }
  return Buffer.concat(parts);
}

describe('harvest CLI', { timeout: 300_000 }, () => {
  const freshDir = useDataDirs();

  it('init creates a private data directory with a keychain key; status reports it; init is idempotent', async () => {
    const dir = freshDir();
    expect(existsSync(dir)).toBe(false);
    const first = ok<Status>(await hv(dir, ['--json', 'init']));
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(first).toMatchObject({ keySource: 'keychain', users: 0, wallets: 0, owner: { kind: 'cli' } });
    expect(first.owner.pid).not.toBe(process.pid);
    expect(first.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(keychainKeyId(dir, 'primary')).toBe(first.keyId);
    expect(keychainEntry(dir, 'pending')).toBeNull();

    const again = ok<Status>(await hv(dir, ['--json', 'init']));
    expect(again.keyId).toBe(first.keyId);
    expect(again.dataDir).toBe(first.dataDir);

    const human = await hv(dir, ['status']);
    expect(human.code, describeRun(human)).toBe(0);
    expect(human.stdout).toContain('OS keychain');
    expect(human.stdout).toContain(first.keyId);
    expect(human.stderr).toBe('');
  });

  it('adds, lists, renames and removes users; user errors exit 1 with one line', async () => {
    const dir = freshDir();
    const alice = ok<UserOut>(await hv(dir, ['--json', 'user', 'add', 'Alice']));
    const bob = ok<UserOut>(await hv(dir, ['--json', 'user', 'add', 'Bob']));
    expect(alice.name).toBe('Alice');
    expect(bob.id).toBeGreaterThan(alice.id);

    // Names are unique ignoring case.
    jsonUserError(await hv(dir, ['--json', 'user', 'add', 'alice']), 'CONFLICT', /already exists/);
    userError(await hv(dir, ['user', 'add', 'ALICE']), /^harvest: .*already exists/);
    // Digits alone are ids, so they cannot be names.
    jsonUserError(await hv(dir, ['--json', 'user', 'add', '42']), 'INVALID_INPUT', /digits/);

    const renamed = ok<UserOut>(await hv(dir, ['--json', 'user', 'rename', 'alice', 'Carol']));
    expect(renamed).toMatchObject({ id: alice.id, name: 'Carol' });
    jsonUserError(await hv(dir, ['--json', 'user', 'rename', 'Bob', 'carol']), 'CONFLICT', /already exists/);

    const removed = ok<{ removed: UserOut; forced: boolean }>(
      await hv(dir, ['--json', 'user', 'remove', String(alice.id)]),
    );
    expect(removed).toMatchObject({ removed: { id: alice.id, name: 'Carol' }, forced: false });
    jsonUserError(await hv(dir, ['--json', 'user', 'remove', 'Carol']), 'NOT_FOUND', /No user called "Carol"/);

    const list = ok<ListOut>(await hv(dir, ['--json', 'user', 'list']));
    expect(list.users.map((u) => [u.id, u.name, u.address])).toEqual([[bob.id, 'Bob', null]]);

    const human = await hv(dir, ['user', 'list']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Bob\s+\(no wallet\)/);
    expect(human.stdout).not.toContain('Carol');

    const audit = ok<{ entries: Array<{ action: string; userId: number | null }> }>(
      await hv(dir, ['--json', 'audit', 'list']),
    );
    expect(audit.entries.map((e) => e.action).reverse()).toEqual([
      'datadir.initialised',
      'user.added',
      'user.added',
      'user.renamed',
      'user.removed',
    ]);
  });

  it('creates, imports, shows and exports wallets; one wallet per user; export needs --confirm', async () => {
    const dir = freshDir();
    for (const n of ['ann', 'ben', 'cat', 'dan']) ok(await hv(dir, ['--json', 'user', 'add', n]));

    const created = ok<{ userId: number; address: string; mnemonic: string }>(
      await hv(dir, ['--json', 'wallet', 'create', 'ann', '--words', '24']),
    );
    expect(created.mnemonic.split(' ')).toHaveLength(24);
    expect(solanaAddressFromMnemonic(created.mnemonic)).toBe(created.address);

    const mnemonic = randomMnemonic(12);
    const withPass = ok<{ address: string }>(
      await hv(dir, ['--json', 'wallet', 'import', 'ben', '--mnemonic-stdin', '--bip39-passphrase'], {
        // Sloppy spacing and case are normalised.
        input: `  ${mnemonic.toUpperCase().split(' ').join('   ')}  \nTREZOR pass\n`,
      }),
    );
    expect(withPass.address).toBe(solanaAddressFromMnemonic(mnemonic, 'TREZOR pass'));

    const sk = randomSecretKey();
    const human = await hv(dir, ['wallet', 'import', 'cat', '--secret-key-stdin'], { input: `${sk.base58}\n` });
    expect(human.code, describeRun(human)).toBe(0);
    expect(human.stdout).toBe(`Wallet imported: ${sk.address}\n`);
    const skJson = randomSecretKey();
    expect(
      ok<{ address: string }>(
        await hv(dir, ['--json', 'wallet', 'import', 'dan', '--secret-key-stdin'], { input: skJson.json }),
      ).address,
    ).toBe(skJson.address);

    // One wallet per user, whichever way the second one comes.
    jsonUserError(await hv(dir, ['--json', 'wallet', 'create', 'ann']), 'CONFLICT', /already has a wallet/);
    userError(
      await hv(dir, ['wallet', 'import', 'cat', '--mnemonic-stdin'], { input: `${randomMnemonic()}\n` }),
      /already has a wallet/,
    );
    // A phrase with a bad checksum is refused (and its words are not echoed).
    const badPhrase = await hv(dir, ['--json', 'wallet', 'import', 'ann', '--mnemonic-stdin'], {
      input: `${'zoo '.repeat(11)}zoo\n`,
    });
    jsonUserError(badPhrase, 'INVALID_INPUT', /not valid BIP39/);
    expect(badPhrase.stderr).not.toContain('zoo');

    // Export needs --confirm and then shows nothing secret.
    const unconfirmed = await hv(dir, ['--json', 'wallet', 'export', 'ann']);
    jsonUserError(unconfirmed, 'CONFIRMATION_REQUIRED', /--confirm/);
    expect(unconfirmed.stdout + unconfirmed.stderr).not.toContain(created.mnemonic.split(' ').slice(0, 3).join(' '));
    jsonUserError(await hv(dir, ['--json', 'wallet', 'export', 'nobody', '--confirm']), 'NOT_FOUND');

    const showBefore = ok<{ wallet: { exportedAt: string | null } }>(
      await hv(dir, ['--json', 'wallet', 'show', 'ann']),
    );
    expect(showBefore.wallet.exportedAt).toBeNull();

    const exAnn = ok<WalletExport>(await hv(dir, ['--json', 'wallet', 'export', 'ann', '--confirm']));
    expect(exAnn).toEqual({
      kind: 'mnemonic',
      address: created.address,
      mnemonic: created.mnemonic,
      passphrase: '',
      derivationPath: "m/44'/501'/0'/0'",
    });
    const exBen = ok<WalletExport>(await hv(dir, ['--json', 'wallet', 'export', 'ben', '--confirm']));
    expect(exBen).toMatchObject({ kind: 'mnemonic', mnemonic, passphrase: 'TREZOR pass', address: withPass.address });
    const exCat = await hv(dir, ['wallet', 'export', 'cat', '--confirm']);
    expect(exCat.code).toBe(0);
    expect(exCat.stdout).toContain(sk.base58);
    expect(exCat.stdout).toContain(sk.json);

    const show = ok<{ user: UserOut; wallet: Record<string, unknown>; balances: unknown[] }>(
      await hv(dir, ['--json', 'wallet', 'show', 'ann']),
    );
    expect(show.user.name).toBe('ann');
    expect(show.wallet).toMatchObject({ address: created.address, origin: 'created', kind: 'mnemonic' });
    expect(show.wallet['exportedAt']).toEqual(expect.any(String));
    expect(show.balances).toEqual([]);
    const showDan = await hv(dir, ['wallet', 'show', 'dan']);
    expect(showDan.stdout).toContain(`dan: ${skJson.address} (imported, secret key)`);

    const list = ok<ListOut>(await hv(dir, ['--json', 'user', 'list']));
    expect(Object.fromEntries(list.users.map((u) => [u.name, u.address]))).toEqual({
      ann: created.address,
      ben: withPass.address,
      cat: sk.address,
      dan: skJson.address,
    });

    const audit = ok<{ entries: Array<{ action: string; details: Record<string, unknown> }> }>(
      await hv(dir, ['--json', 'audit', 'list', '--limit', '1000']),
    );
    const actions = audit.entries.map((e) => e.action);
    expect(actions.filter((a) => a === 'wallet.exported')).toHaveLength(3);
    expect(actions.filter((a) => a === 'wallet.imported')).toHaveLength(3);
    expect(actions.filter((a) => a === 'wallet.created')).toHaveLength(1);

    // No secret in plaintext anywhere in the data directory (database, WAL, logs) or the audit log.
    const everything = allBytes(dir);
    const auditText = JSON.stringify(audit);
    for (const secret of [created.mnemonic, mnemonic, 'TREZOR pass', sk.base58, sk.json, skJson.base58, skJson.json]) {
      expect(everything.includes(Buffer.from(secret)), `plaintext secret on disk: ${secret.slice(0, 12)}…`).toBe(false);
      expect(auditText).not.toContain(secret);
    }
  });

  it('never takes a secret from argv', async () => {
    const dir = freshDir();
    ok(await hv(dir, ['--json', 'user', 'add', 'zed']));
    const mnemonic = randomMnemonic();
    const sk = randomSecretKey();
    const attempts: string[][] = [
      ['wallet', 'import', 'zed', '--mnemonic', mnemonic],
      ['wallet', 'import', 'zed', `--mnemonic=${mnemonic}`],
      ['wallet', 'import', 'zed', '--secret-key', sk.base58],
      ['wallet', 'import', 'zed', '--mnemonic-stdin', mnemonic],
    ];
    for (const args of attempts) {
      // With a secret waiting on stdin too: it must not be used either.
      const r = await hv(dir, ['--json', ...args], { input: `${mnemonic}\n` });
      const err = jsonUserError(r, 'INVALID_INPUT', /^error: (unknown option|too many arguments)/);
      expect(err.message).not.toContain(mnemonic.split(' ')[1]!);
      expect(r.stdout + r.stderr).not.toContain(sk.base58);
    }
    const backupFile = join(dir, '..', 'kit.hvb');
    userError(
      await hv(dir, ['backup', 'create', backupFile, '--passphrase', 'a long enough passphrase']),
      /unknown option/,
    );
    expect(existsSync(backupFile)).toBe(false);

    const show = ok<{ wallet: unknown }>(await hv(dir, ['--json', 'wallet', 'show', 'zed']));
    expect(show.wallet).toBeNull();
    // Nothing on stdin where a secret is expected is an error, not an empty secret.
    jsonUserError(
      await hv(dir, ['--json', 'wallet', 'import', 'zed', '--mnemonic-stdin']),
      'INVALID_INPUT',
      /standard input/,
    );
    jsonUserError(
      await hv(dir, ['--json', 'wallet', 'import', 'zed']),
      'INVALID_INPUT',
      /--mnemonic-stdin or --secret-key-stdin/,
    );
  });

  it('handles an SQL-injection string as an ordinary user name', async () => {
    const dir = freshDir();
    const evil = "Robert'); DROP TABLE users;--";
    const quote = "x' OR '1'='1";
    ok(await hv(dir, ['--json', 'user', 'add', 'plain']));
    const u = ok<UserOut>(await hv(dir, ['--json', 'user', 'add', evil]));
    expect(u.name).toBe(evil);
    const w = ok<{ address: string; userId: number }>(await hv(dir, ['--json', 'wallet', 'create', evil]));
    expect(w.userId).toBe(u.id);
    // A classic always-true clause does not match some other user.
    jsonUserError(await hv(dir, ['--json', 'wallet', 'show', quote]), 'NOT_FOUND');
    const renamed = ok<UserOut>(await hv(dir, ['--json', 'user', 'rename', evil, quote]));
    expect(renamed).toMatchObject({ id: u.id, name: quote });
    const list = ok<ListOut>(await hv(dir, ['--json', 'user', 'list']));
    expect(list.users.map((x) => [x.name, x.address])).toEqual([
      ['plain', null],
      [quote, w.address],
    ]);
    const show = ok<{ user: UserOut }>(await hv(dir, ['--json', 'wallet', 'show', quote]));
    expect(show.user.id).toBe(u.id);
    const verify = await hv(dir, ['--json', 'audit', 'verify']);
    expect(oneJson(verify)).toMatchObject({ ok: true });
  });
});
