/**
 * A mnemonic wallet's signing key is derived once (at create or import) and
 * sealed beside the phrase, so unlocking it to sign never runs the phrase's
 * PBKDF2 again; a wallet sealed before that (the phrase alone) still signs,
 * and gets its seed sealed on that first unlock.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import * as derivation from '../../../engine/keystore/derivation';
import { open, seal, walletAad } from '../../../engine/keystore';
import type { Engine } from '../../../engine/runtime';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';

vi.mock('../../../engine/keystore/derivation', async (importOriginal) => {
  const real = await importOriginal<typeof derivation>();
  return { ...real, keypairFromMnemonic: vi.fn(real.keypairFromMnemonic) };
});
const fromMnemonic = vi.mocked(derivation.keypairFromMnemonic);
const ABANDON_ABOUT = `${'abandon '.repeat(11)}about`;
const ABANDON_ABOUT_PHANTOM = 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk';

describe('the signing seed sealed beside the phrase', () => {
  let d: ReturnType<typeof tempDataDir>;
  let engine: Engine;
  beforeEach(() => {
    d = tempDataDir();
    engine = openEngine(d.dir);
    fromMnemonic.mockClear();
  });
  afterEach(async () => {
    await engine.close();
    d.cleanup();
  });

  const payloadOf = (userId: number): Record<string, unknown> => {
    const w = engine.store.wallets.byUser(userId)!;
    return JSON.parse(open(engine.key, w.sealed, walletAad(userId, w.address), 'test').toString('utf8')) as Record<
      string,
      unknown
    >;
  };

  test('created and imported wallets unlock for signing without deriving from the phrase', async () => {
    const ana = (await engine.execute('users.add', { name: 'Ana' })).id;
    const bo = (await engine.execute('users.add', { name: 'Bo' })).id;
    const created = await engine.execute('wallet.create', { user: 'Ana', words: 12 });
    await engine.execute('wallet.import', { user: 'Bo', mnemonic: ABANDON_ABOUT, passphrase: '' });
    expect(fromMnemonic).toHaveBeenCalledTimes(2); // once each, at create and at import
    fromMnemonic.mockClear();
    for (let i = 0; i < 5; i++) {
      expect(engine.wallets.keypair(ana).address).toBe(created.address);
      expect(engine.wallets.keypair(bo).address).toBe(ABANDON_ABOUT_PHANTOM);
    }
    expect(fromMnemonic).not.toHaveBeenCalled();
    // The phrase is still what is exported (the seed is never shown).
    expect(payloadOf(bo)['mnemonic']).toBe(ABANDON_ABOUT);
    const out = await engine.execute('wallet.export', { user: 'Bo', confirm: true });
    expect(out).toMatchObject({ kind: 'mnemonic', mnemonic: ABANDON_ABOUT });
    expect(JSON.stringify(out)).not.toContain(String(payloadOf(bo)['signingSeed']));
  });

  test('a wallet sealed with the phrase alone still signs, and derives only on its first unlock', async () => {
    const bo = (await engine.execute('users.add', { name: 'Bo' })).id;
    await engine.execute('wallet.import', { user: 'Bo', mnemonic: ABANDON_ABOUT, passphrase: '' });
    // Re-seal it as an older engine did: the phrase, passphrase and path, no seed.
    const w = engine.store.wallets.byUser(bo)!;
    const { signingSeed: _seed, ...old } = payloadOf(bo);
    engine.store.wallets.reseal(
      w.id,
      seal(engine.key, Buffer.from(JSON.stringify(old), 'utf8'), walletAad(bo, w.address)),
    );
    expect(payloadOf(bo)['signingSeed']).toBeUndefined();
    fromMnemonic.mockClear();

    expect(engine.wallets.keypair(bo).address).toBe(ABANDON_ABOUT_PHANTOM);
    expect(fromMnemonic).toHaveBeenCalledTimes(1);
    expect(payloadOf(bo)['signingSeed']).toMatch(/^[0-9a-f]{64}$/u);
    expect(payloadOf(bo)['mnemonic']).toBe(ABANDON_ABOUT);
    expect(engine.wallets.keypair(bo).address).toBe(ABANDON_ABOUT_PHANTOM);
    expect(fromMnemonic).toHaveBeenCalledTimes(1);
  });
});
