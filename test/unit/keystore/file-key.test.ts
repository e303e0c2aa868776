/**
 * Issue 12 item 1: the sandbox-only master key file of a machine without a
 * keychain: when it is created (a new sandbox folder, nothing else), what it
 * refuses (wallet import, devnet/mainnet, rotation), and `keys adopt`, which
 * moves the wallets under the keychain or HARVEST_MASTER_KEY and deletes the
 * file, surviving a kill right after its commit.
 *
 * Uses in-memory keychains, not the OS one: a machine without a keychain is
 * exactly the case under test.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileKeyPath, MasterKey, type Keychain } from '../../../engine/keystore';
import type { Engine } from '../../../engine/runtime';
import { runHarvest } from '../../helpers/cli';
import { openEngine } from '../../helpers/engine';
import { expectHarvestError } from '../../helpers/errors';

/** A Secret Service that does not answer, as on a headless machine. */
const noKeychain: Keychain = {
  get: () => {
    throw new Error('org.freedesktop.DBus.Error.ServiceUnknown');
  },
  set: () => {
    throw new Error('org.freedesktop.DBus.Error.ServiceUnknown');
  },
  delete: () => undefined,
};

function memoryKeychain(): Keychain & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (a) => entries.get(a) ?? null,
    set: (a, v) => void entries.set(a, v),
    delete: (a) => void entries.delete(a),
  };
}

const SECRET_KEY = (): string => {
  // Any valid secret key would do; the point is that it is refused before it is parsed into anything.
  return '4'.repeat(88);
};

let parent = '';
let dir = '';
let engine: Engine | null = null;

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'hv-filekey-'));
  dir = join(parent, 'data');
});
afterEach(async () => {
  await engine?.close();
  engine = null;
  rmSync(parent, { recursive: true, force: true });
});

function open(opts: Parameters<typeof openEngine>[1] = {}): Engine {
  engine = openEngine(dir, { keychain: noKeychain, env: {}, ...opts });
  return engine;
}

async function close(): Promise<void> {
  await engine?.close();
  engine = null;
}

/** A file-key folder with one created wallet; returns its exported phrase. */
async function seeded(): Promise<string> {
  const e = open({ sandboxFileKey: true });
  await e.execute('users.add', { name: 'Ana' });
  const created = await e.execute('wallet.create', { user: 'Ana' });
  await close();
  return created.mnemonic;
}

async function exportedPhrase(e: Engine): Promise<string> {
  const out = await e.execute('wallet.export', { user: 'Ana', confirm: true });
  if (out.kind !== 'mnemonic') throw new Error('expected a mnemonic wallet');
  return out.mnemonic;
}

describe('sandbox key file: when it is used', () => {
  it('is never created unless the caller runs the sandbox: no keychain still fails closed, writing nothing', () => {
    expectHarvestError(() => open(), 'KEYCHAIN_UNAVAILABLE');
    expect(existsSync(dir)).toBe(false);
    expectHarvestError(() => open({ sandboxFileKey: true, network: { name: 'devnet' } }), 'KEYCHAIN_UNAVAILABLE');
    expect(existsSync(dir)).toBe(false);
  });

  it('is never created over an existing database sealed under the keychain', async () => {
    const kc = memoryKeychain();
    open({ keychain: kc });
    await close();
    expectHarvestError(() => open({ sandboxFileKey: true }), 'KEYCHAIN_UNAVAILABLE');
    expect(existsSync(fileKeyPath(dir))).toBe(false);
  });

  it('a new sandbox folder without a keychain starts under a 0600 key file, and later opens use it', async () => {
    const e = open({ sandboxFileKey: true });
    expect(e.keySource).toBe('file');
    expect(statSync(fileKeyPath(dir)).mode & 0o777).toBe(0o600);
    const status = await e.execute('engine.status', {});
    expect(status.keySource).toBe('file');
    const keyId = status.keyId;
    await close();
    // A one-shot CLI command (no sandboxFileKey) opens the same folder with the same key.
    const again = open();
    expect(again.keySource).toBe('file');
    expect((await again.execute('engine.status', {})).keyId).toBe(keyId);
  });

  it('a key file others can read is refused (the key may have leaked)', async () => {
    await seeded();
    chmodSync(fileKeyPath(dir), 0o644);
    expectHarvestError(() => open(), 'REFUSED', /chmod 600/u);
  });
});

describe('sandbox key file: what it refuses', () => {
  it('created wallets work; imports, rotation and devnet/mainnet are refused with the fix', async () => {
    const phrase = await seeded();
    const e = open();
    expect(await exportedPhrase(e)).toBe(phrase);
    await e.execute('users.add', { name: 'Bo' });
    const imported = await e.execute('wallet.import', { user: 'Bo', secretKey: SECRET_KEY() }).catch((x) => x);
    expect(imported).toMatchObject({ code: 'REFUSED' });
    expect(String(imported.message)).toMatch(/harvest keys adopt/u);
    expect(e.store.wallets.count()).toBe(1);
    for (const network of ['devnet', 'mainnet'] as const) {
      const r = await e
        .execute('network.set', { network, rpcUrls: ['https://rpc.example'], confirm: true })
        .catch((x) => x);
      expect(r).toMatchObject({ code: 'REFUSED' });
      expect(String(r.message)).toMatch(/keychain.*harvest keys adopt/su);
    }
    expect(await e.execute('keys.rotate', {}).catch((x) => x)).toMatchObject({ code: 'REFUSED' });
    await close();
    // A --network flag cannot get round it either.
    const viaFlag = open({ network: { name: 'devnet' } });
    await expect(viaFlag.funds()).rejects.toMatchObject({ code: 'REFUSED' });
  });
});

describe('keys adopt', () => {
  it('moves the wallets under the keychain and deletes the file', async () => {
    const phrase = await seeded();
    const kc = memoryKeychain();
    const e = open({ keychain: kc });
    const oldId = e.key.id;
    const r = await e.execute('keys.adopt', {});
    expect(r).toMatchObject({ wallets: 1, oldKeyId: oldId, keySource: 'keychain' });
    expect(r.newKeyId).not.toBe(oldId);
    expect(e.keySource).toBe('keychain');
    expect(existsSync(fileKeyPath(dir))).toBe(false);
    expect(await exportedPhrase(e)).toBe(phrase);
    // Imports are allowed now.
    await e.execute('users.add', { name: 'Bo' });
    await expect(e.execute('keys.adopt', {})).rejects.toMatchObject({ code: 'REFUSED' });
    await close();
    const back = open({ keychain: kc });
    expect(back.keySource).toBe('keychain');
    expect(back.key.id).toBe(r.newKeyId);
    expect(await exportedPhrase(back)).toBe(phrase);
    expect(back.store.audit.list({ limit: 50 }).some((a) => a.action === 'keys.adopted')).toBe(true);
  });

  it('moves the wallets under HARVEST_MASTER_KEY', async () => {
    const phrase = await seeded();
    const env = { HARVEST_MASTER_KEY: MasterKey.random().toHex() };
    const e = open({ env });
    const r = await e.execute('keys.adopt', {});
    expect(r.keySource).toBe('env');
    expect(existsSync(fileKeyPath(dir))).toBe(false);
    await close();
    const back = open({ env });
    expect(back.keySource).toBe('env');
    expect(await exportedPhrase(back)).toBe(phrase);
  });

  it('with still no keychain: says how to get one and changes nothing', async () => {
    const phrase = await seeded();
    const e = open();
    await expect(e.execute('keys.adopt', {})).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE' });
    expect(e.keySource).toBe('file');
    expect(existsSync(fileKeyPath(dir))).toBe(true);
    expect(await exportedPhrase(e)).toBe(phrase);
  });

  it('killed right after its commit: the next start deletes the stale file and opens under the new key', async () => {
    const phrase = await seeded();
    const env = { HARVEST_MASTER_KEY: MasterKey.random().toHex() };
    const r = await runHarvest(['--data-dir', dir, 'keys', 'adopt'], {
      env: { ...env, HARVEST_FAULT: 'adopt:after-commit', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' },
    });
    expect(r.signal, r.stderr).toBe('SIGKILL');
    expect(existsSync(fileKeyPath(dir))).toBe(true);
    const back = open({ env });
    expect(back.keySource).toBe('env');
    expect(existsSync(fileKeyPath(dir))).toBe(false);
    expect(await exportedPhrase(back)).toBe(phrase);
  }, 60_000);
});
