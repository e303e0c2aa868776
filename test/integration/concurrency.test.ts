import { describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli';
import {
  describeRun,
  hv,
  jsonUserError,
  keychainKeyId,
  ok,
  randomMnemonic,
  solanaAddressFromMnemonic,
  solanaKeyFromMnemonic,
  useDataDirs,
  type WalletExport,
} from './support';

interface UserOut {
  id: number;
  name: string;
}

/** Exactly one of the results succeeded; returns [winner, loser]. */
function oneWinner(results: CliResult[]): [CliResult, CliResult[]] {
  const winners = results.filter((r) => r.code === 0);
  expect(winners, results.map(describeRun).join('\n======\n')).toHaveLength(1);
  return [winners[0]!, results.filter((r) => r !== winners[0])];
}

describe('several harvest processes on one data directory', { timeout: 300_000 }, () => {
  const freshDir = useDataDirs();

  it('two simultaneous `wallet create` for one user: exactly one wallet, the other is told it already has one', async () => {
    const dir = freshDir();
    ok(await hv(dir, ['--json', 'user', 'add', 'sam']));
    const racers = await Promise.all([1, 2].map(() => hv(dir, ['--json', 'wallet', 'create', 'sam'])));
    const [winner, [loser]] = oneWinner(racers);
    const created = ok<{ address: string; mnemonic: string }>(winner);
    jsonUserError(loser!, 'CONFLICT', /already has a wallet/);
    expect(loser!.stdout + loser!.stderr).not.toContain(created.mnemonic);

    const show = ok<{ wallet: { address: string; origin: string } | null }>(
      await hv(dir, ['--json', 'wallet', 'show', 'sam']),
    );
    expect(show.wallet).toMatchObject({ address: created.address, origin: 'created' });
    // The stored wallet is the one whose phrase was shown to the operator.
    const exported = ok<WalletExport>(await hv(dir, ['--json', 'wallet', 'export', 'sam', '--confirm']));
    expect(exported).toMatchObject({ kind: 'mnemonic', mnemonic: created.mnemonic, address: created.address });
    const status = ok<{ users: number; wallets: number }>(await hv(dir, ['--json', 'status']));
    expect(status).toMatchObject({ users: 1, wallets: 1 });
  });

  it('two users importing the same recovery phrase at once: one wallet, the other refused; other formats of that key too', async () => {
    const dir = freshDir();
    ok(await hv(dir, ['--json', 'user', 'add', 'pat']));
    ok(await hv(dir, ['--json', 'user', 'add', 'kim']));
    const mnemonic = randomMnemonic();
    const address = solanaAddressFromMnemonic(mnemonic);
    const racers = await Promise.all(
      ['pat', 'kim'].map((u) =>
        hv(dir, ['--json', 'wallet', 'import', u, '--mnemonic-stdin'], { input: `${mnemonic}\n` }),
      ),
    );
    const [winner, [loser]] = oneWinner(racers);
    expect(ok<{ address: string }>(winner).address).toBe(address);
    jsonUserError(loser!, 'CONFLICT', /already belongs to another user/);

    const list = ok<{ users: Array<{ name: string; address: string | null }> }>(
      await hv(dir, ['--json', 'user', 'list']),
    );
    expect(list.users.filter((u) => u.address === address)).toHaveLength(1);
    expect(list.users.filter((u) => u.address === null)).toHaveLength(1);
    const owner = list.users.find((u) => u.address === address)!.name;
    const other = owner === 'pat' ? 'kim' : 'pat';

    // The same key imported as a secret key (as a wallet app would show it) is the same wallet: refused too.
    const asSecretKey = solanaKeyFromMnemonic(mnemonic);
    expect(asSecretKey.address).toBe(address);
    jsonUserError(
      await hv(dir, ['--json', 'wallet', 'import', other, '--secret-key-stdin'], { input: asSecretKey.json }),
      'CONFLICT',
      /already belongs to another user/,
    );
    const show = ok<{ wallet: unknown }>(await hv(dir, ['--json', 'wallet', 'show', other]));
    expect(show.wallet).toBeNull();
  });

  it('many processes at once on a fresh directory: one master key, six simultaneous `user add` all served, a duplicate once', async () => {
    const dir = freshDir();
    // No init: the first start (directory, master key, schema) is raced as well.
    const names = ['u1', 'u2', 'u3', 'u4', 'dup', 'DUP'];
    const results = await Promise.all(names.map((n) => hv(dir, ['--json', 'user', 'add', n])));
    const failed = results.filter((r) => r.code !== 0);
    expect(failed, failed.map(describeRun).join('\n')).toHaveLength(1);
    jsonUserError(failed[0]!, 'CONFLICT', /already exists/);
    const added = results.filter((r) => r.code === 0).map((r) => ok<UserOut>(r));
    expect(new Set(added.map((u) => u.id)).size).toBe(5);
    const list = ok<{ users: UserOut[] }>(await hv(dir, ['--json', 'user', 'list']));
    expect(list.users.map((u) => u.name.toLowerCase()).sort()).toEqual(['dup', 'u1', 'u2', 'u3', 'u4']);
    const status = ok<{ keyId: string }>(await hv(dir, ['--json', 'status']));
    expect(keychainKeyId(dir, 'primary')).toBe(status.keyId);
    const audit = ok<{ entries: Array<{ action: string }> }>(await hv(dir, ['--json', 'audit', 'list']));
    expect(audit.entries.filter((e) => e.action === 'datadir.initialised')).toHaveLength(1);
    ok(await hv(dir, ['--json', 'audit', 'verify']));
  });
});
