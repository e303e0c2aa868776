import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keychainAccounts, MasterKey, OsKeychain } from '../../engine/keystore';
import { forgetKeys, keychainEntry } from '../helpers/datadir';
import {
  expectSameWallets,
  exportAll,
  hv,
  jsonUserError,
  keychainKeyId,
  NO_KEYCHAIN_ENV,
  ok,
  useDataDirs,
  userError,
  type WalletExport,
} from './support';

interface Status {
  keySource: 'keychain' | 'env';
  keyId: string;
  users: number;
  wallets: number;
}

const keychain = new OsKeychain();

describe('the master key', { timeout: 300_000 }, () => {
  const freshDir = useDataDirs();

  it('fails closed with no keychain and no HARVEST_MASTER_KEY: says how to fix it and creates nothing', async () => {
    const dir = freshDir();
    for (const args of [
      ['--json', 'user', 'add', 'amy'],
      ['--json', 'run'],
    ]) {
      const r = await hv(dir, args, { env: NO_KEYCHAIN_ENV });
      const err = jsonUserError(r, 'KEYCHAIN_UNAVAILABLE');
      expect(err.message).toMatch(/keychain/i);
      expect(err.message).toContain('HARVEST_MASTER_KEY');
      expect(err.message).toMatch(/64 hex/);
      expect(existsSync(dir), `${args.join(' ')} must not create the data directory`).toBe(false);
    }
    userError(
      await hv(dir, ['status'], { env: NO_KEYCHAIN_ENV }),
      /^harvest: No master key: .*keychain.*HARVEST_MASTER_KEY/,
    );
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(dirname(dir))).toBe(true);
    expect(keychainEntry(dir, 'primary')).toBeNull();
  });

  it('HARVEST_MASTER_KEY replaces the keychain; a malformed or different key is refused', async () => {
    const dir = freshDir();
    const hex = randomBytes(32).toString('hex');
    const env = { ...NO_KEYCHAIN_ENV, HARVEST_MASTER_KEY: hex };
    const status = ok<Status>(await hv(dir, ['--json', 'init'], { env }));
    expect(status).toMatchObject({ keySource: 'env', keyId: MasterKey.fromHex(hex).id });
    ok(await hv(dir, ['--json', 'user', 'add', 'amy'], { env }));
    const w = ok<{ address: string; mnemonic: string }>(await hv(dir, ['--json', 'wallet', 'create', 'amy'], { env }));
    const human = await hv(dir, ['status'], { env });
    expect(human.stdout).toContain('HARVEST_MASTER_KEY');
    // Upper-case hex is the same key; with a working keychain the variable still wins and the keychain is left alone.
    const upper = await hv(dir, ['--json', 'wallet', 'export', 'amy', '--confirm'], {
      env: { HARVEST_MASTER_KEY: hex.toUpperCase() },
    });
    expect(ok<WalletExport>(upper)).toMatchObject({ mnemonic: w.mnemonic, address: w.address });
    expect(keychainEntry(dir, 'primary')).toBeNull();

    for (const bad of [hex.slice(0, 63), `${hex.slice(0, 62)}zz`]) {
      jsonUserError(
        await hv(dir, ['--json', 'status'], { env: { ...NO_KEYCHAIN_ENV, HARVEST_MASTER_KEY: bad } }),
        'INVALID_INPUT',
        /HARVEST_MASTER_KEY is set but is not 64 hex characters/,
      );
    }
    const other = randomBytes(32).toString('hex');
    jsonUserError(
      await hv(dir, ['--json', 'wallet', 'export', 'amy', '--confirm'], {
        env: { ...NO_KEYCHAIN_ENV, HARVEST_MASTER_KEY: other },
      }),
      'MASTER_KEY_MISMATCH',
      /different master key/,
    );
    // Without the variable, the keychain has no key for a sealed directory: refused, and no key is made up.
    jsonUserError(await hv(dir, ['--json', 'status']), 'MASTER_KEY_MISSING');
    expect(keychainEntry(dir, 'primary')).toBeNull();
    // Rotation needs a key store Harvest can write.
    jsonUserError(await hv(dir, ['--json', 'keys', 'rotate'], { env }), 'UNSUPPORTED', /HARVEST_MASTER_KEY/);
    expect(ok<Status>(await hv(dir, ['--json', 'status'], { env })).keyId).toBe(status.keyId);
  });

  it('a data directory whose keychain entry is gone fails closed and never gets a new key', async () => {
    const dir = freshDir();
    ok(await hv(dir, ['--json', 'user', 'add', 'bea']));
    ok(await hv(dir, ['--json', 'wallet', 'create', 'bea']));
    const before = await exportAll(dir, ['bea']);
    const saved = keychainEntry(dir, 'primary')!;
    expect(saved).toMatch(/^[0-9a-f]{64}$/);

    forgetKeys(dir);
    expect(keychainEntry(dir, 'primary')).toBeNull();
    for (const args of [
      ['--json', 'wallet', 'export', 'bea', '--confirm'],
      ['--json', 'user', 'add', 'cy'],
    ]) {
      const err = jsonUserError(await hv(dir, args), 'MASTER_KEY_MISSING', /not in the OS keychain/);
      expect(err.message).toContain('backup restore');
      expect(keychainEntry(dir, 'primary'), 'no new key may be created over existing wallets').toBeNull();
      expect(keychainEntry(dir, 'pending')).toBeNull();
    }
    // The wrong key in its place is refused too.
    keychain.set(keychainAccounts(dir).primary, randomBytes(32).toString('hex'));
    jsonUserError(await hv(dir, ['--json', 'status']), 'MASTER_KEY_MISMATCH');

    // Putting the right key back brings everything back, unchanged (and nothing was added meanwhile).
    keychain.set(keychainAccounts(dir).primary, saved);
    expectSameWallets(await exportAll(dir, ['bea']), before);
    expect(ok<Status>(await hv(dir, ['--json', 'status']))).toMatchObject({ users: 1, wallets: 1 });
  });

  it('each data directory has its own keychain entry and key; a symlinked path is the same directory', async () => {
    const a = freshDir();
    const b = freshDir();
    const sa = ok<Status>(await hv(a, ['--json', 'init']));
    const sb = ok<Status>(await hv(b, ['--json', 'init']));
    expect(keychainAccounts(a).primary).not.toBe(keychainAccounts(b).primary);
    expect(keychainEntry(a, 'primary')).not.toBeNull();
    expect(keychainEntry(b, 'primary')).not.toBeNull();
    expect(keychainEntry(a, 'primary')).not.toBe(keychainEntry(b, 'primary'));
    expect(sa.keyId).not.toBe(sb.keyId);
    expect(keychainKeyId(a, 'primary')).toBe(sa.keyId);
    expect(keychainKeyId(b, 'primary')).toBe(sb.keyId);

    // B's key in A's slot does not open A.
    keychain.set(keychainAccounts(a).primary, keychainEntry(b, 'primary')!);
    jsonUserError(await hv(a, ['--json', 'status']), 'MASTER_KEY_MISMATCH');
    forgetKeys(a);

    // The same directory reached through a symlink uses the same entry (B is still fine).
    const links = join(dirname(b), 'links');
    mkdirSync(links);
    symlinkSync(b, join(links, 'b'));
    const viaLink = ok<Status>(await hv(join(links, 'b'), ['--json', 'status']));
    expect(viaLink.keyId).toBe(sb.keyId);
  });
});
