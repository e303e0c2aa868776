import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetKeys, keychainEntry } from '../helpers/datadir';
import {
  expectSameWallets,
  exportAll,
  hv,
  jsonUserError,
  keychainKeyId,
  ok,
  randomMnemonic,
  randomSecretKey,
  useDataDirs,
  userError,
} from './support';

const PASS = 'correct horse battery staple';

interface Restored {
  dataDir: string;
  users: number;
  wallets: number;
  keyId: string;
  backupCreatedAt: string;
  keptAside: string | null;
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('backup and restore (the recovery kit)', { timeout: 300_000 }, () => {
  const freshDir = useDataDirs();

  it('restores every wallet onto a machine that lost its data directory and keychain; a wrong passphrase changes nothing', async () => {
    const dir = freshDir();
    const mnemonic = randomMnemonic(24);
    const sk = randomSecretKey();
    for (const n of ['ann', 'ben', 'cat', 'dan']) ok(await hv(dir, ['--json', 'user', 'add', n]));
    ok(await hv(dir, ['--json', 'wallet', 'create', 'ann']));
    ok(
      await hv(dir, ['--json', 'wallet', 'import', 'ben', '--mnemonic-stdin', '--bip39-passphrase'], {
        input: `${mnemonic}\nsalt\n`,
      }),
    );
    ok(await hv(dir, ['--json', 'wallet', 'import', 'cat', '--secret-key-stdin'], { input: sk.base58 }));
    const names = ['ann', 'ben', 'cat'];
    const originals = await exportAll(dir, names);
    const keyId = keychainKeyId(dir, 'primary')!;

    const kit = join(dirname(dir), 'recovery.hvb');
    jsonUserError(
      await hv(dir, ['--json', 'backup', 'create', kit], { input: 'too short\n' }),
      'INVALID_INPUT',
      /at least 12/,
    );
    expect(existsSync(kit)).toBe(false);
    const created = ok<{ file: string; bytes: number }>(
      await hv(dir, ['--json', 'backup', 'create', kit], { input: `${PASS}\n` }),
    );
    expect(created.file).toBe(kit);
    expect(statSync(kit).mode & 0o777).toBe(0o600);
    expect(statSync(kit).size).toBe(created.bytes);
    const raw = readFileSync(kit);
    for (const secret of [mnemonic, sk.base58, ...[...originals.values()].map((e) => JSON.stringify(e))]) {
      expect(raw.includes(Buffer.from(secret))).toBe(false);
    }

    // A wrong passphrase onto a fresh directory: refused, nothing created, keychain untouched.
    const target = freshDir();
    const wrong = await hv(target, ['--json', 'backup', 'restore', kit], { input: 'correct horse battery stable\n' });
    jsonUserError(wrong, 'WRONG_PASSPHRASE', /passphrase is wrong/);
    expect(existsSync(target)).toBe(false);
    expect(keychainEntry(target, 'primary')).toBeNull();

    // The machine is lost: data directory and keychain entry gone. Restore onto the same path.
    forgetKeys(dir);
    rmSync(dir, { recursive: true, force: true });
    const restored = ok<Restored>(await hv(dir, ['--json', 'backup', 'restore', kit], { input: `${PASS}\n` }));
    expect(restored).toMatchObject({ users: 4, wallets: 3, keyId, keptAside: null });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(keychainKeyId(dir, 'primary')).toBe(keyId);
    expect(keychainEntry(dir, 'pending')).toBeNull();

    expectSameWallets(await exportAll(dir, names), originals);
    const audit = ok<{ entries: Array<{ action: string; details: Record<string, unknown> }> }>(
      await hv(dir, ['--json', 'audit', 'list', '--limit', '1000']),
    );
    const actions = audit.entries.map((e) => e.action);
    expect(actions.filter((a) => a === 'backup.created')).toHaveLength(1);
    const rest = audit.entries.filter((e) => e.action === 'backup.restored');
    expect(rest).toHaveLength(1);
    expect(rest[0]!.details).toMatchObject({ keyId, users: 4, wallets: 3, backupCreatedAt: restored.backupCreatedAt });
    // Newest first: the restore is recorded after everything the backup held.
    expect(actions.indexOf('backup.restored')).toBeLessThan(actions.indexOf('backup.created'));
    expect(ok<{ ok: boolean }>(await hv(dir, ['--json', 'audit', 'verify'])).ok).toBe(true);

    // The restored directory is fully usable, down to rotating its key.
    expect(ok(await hv(dir, ['--json', 'keys', 'rotate']))).toMatchObject({ oldKeyId: keyId, wallets: 3 });
    expectSameWallets(await exportAll(dir, ['ben']), new Map([['ben', originals.get('ben')!]]));
  });

  it('refuses to restore over a directory that has users unless forced, and keeps the old database aside', async () => {
    const source = freshDir();
    ok(await hv(source, ['--json', 'user', 'add', 'src']));
    ok(await hv(source, ['--json', 'wallet', 'create', 'src']));
    const kit = join(dirname(source), 'kit.hvb');
    ok(await hv(source, ['--json', 'backup', 'create', kit], { input: `${PASS}\n` }));
    const original = await exportAll(source, ['src']);

    const busy = freshDir();
    ok(await hv(busy, ['--json', 'user', 'add', 'resident']));
    const busyKey = keychainEntry(busy, 'primary');
    const dbHash = sha(join(busy, 'harvest.db'));

    jsonUserError(await hv(busy, ['--json', 'backup', 'restore', kit], { input: `${PASS}\n` }), 'REFUSED', /--force/);
    // A wrong passphrase, even forced, touches nothing.
    userError(
      await hv(busy, ['backup', 'restore', kit, '--force'], { input: 'not the passphrase\n' }),
      /passphrase is wrong/,
    );
    expect(keychainEntry(busy, 'primary')).toBe(busyKey);
    expect(sha(join(busy, 'harvest.db'))).toBe(dbHash);

    const forced = ok<Restored>(
      await hv(busy, ['--json', 'backup', 'restore', kit, '--force'], { input: `${PASS}\n` }),
    );
    expect(forced.keptAside).toEqual(expect.stringContaining('harvest.db.before-restore-'));
    expect(existsSync(forced.keptAside!)).toBe(true);
    expect(keychainEntry(busy, 'primary')).toBe(keychainEntry(source, 'primary'));
    const now = ok<{ users: Array<{ name: string }> }>(await hv(busy, ['--json', 'user', 'list']));
    expect(now.users.map((u) => u.name)).toEqual(['src']);
    expectSameWallets(await exportAll(busy, ['src']), original);
  });
});
