/**
 * Issue 10, points 3 and 8 through the real `harvest` command (run
 * `npm run build:cli` first): amounts beyond u64 and unknown settings are user
 * errors (exit 1, one clear line), and going live asks for --confirm.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDataDir } from '../helpers/datadir';
import { hv, jsonUserError, ok, userError } from './support';

let dir: string;

beforeAll(async () => {
  const t = tempDataDir('hv-edges-');
  dir = t.dir;
  ok(await hv(dir, ['--json', 'user', 'add', 'Ana']));
  ok(await hv(dir, ['--json', 'wallet', 'create', 'Ana']));
  ok(await hv(dir, ['--json', 'user', 'add', 'Bo']));
  return () => t.cleanup();
});

describe('amounts beyond u64 are a user error, before any network is asked', () => {
  test.each([
    ['faucet SOL', ['faucet', 'Ana', '--sol', '18446744074']],
    ['faucet SOL, one lamport over', ['faucet', 'Ana', '--sol', '18446744073.709551616']],
    ['faucet token', ['faucet', 'Ana', '--token', 'USDC', '--amount', '18446744073709.551616']],
    ['buy (USDC, 6 decimals)', ['order', 'Ana', 'buy', 'SOL', '18446744073709.551616']],
    ['sell (SOL, 9 decimals)', ['order', 'Ana', 'sell', 'SOL', '99999999999999999999999999']],
  ])('%s', async (_what, args) => {
    const e = jsonUserError(
      await hv(dir, ['--json', ...args]),
      'INVALID_INPUT',
      /more than any Solana account can hold/u,
    );
    expect(e.message).toMatch(/at most 18446744073\.709551615|at most 18446744073709\.551615/u);
  });
});

describe('settings on the command line', () => {
  test('an unknown key is refused with the known ones, and nothing is stored', async () => {
    const before = ok<{ version: number }>(await hv(dir, ['--json', 'settings', 'Ana']));
    for (const key of ['maxOrderUSD', '__proto__', 'constructor']) {
      const line = userError(await hv(dir, ['settings', 'Ana', 'set', key, '5']), /Unknown setting/u);
      expect(line).toContain('Known: mode, quoteAsset');
      expect(line).toContain('maxOrderUsd');
    }
    expect(ok<{ version: number }>(await hv(dir, ['--json', 'settings', 'Ana'])).version).toBe(before.version);
  });

  test('going live needs --confirm (settings and strategy); with it, the friend is live', async () => {
    userError(await hv(dir, ['settings', 'Ana', 'set', 'mode', 'live']), /live mode.*Run it again with --confirm\.$/u);
    userError(await hv(dir, ['strategy', 'set', 'Ana', 'trend', '--live']), /Run it again with --confirm/u);
    const get = async () =>
      ok<{ settings: { mode: string } }>(await hv(dir, ['--json', 'settings', 'Ana'])).settings.mode;
    expect(await get()).toBe('paper');
    ok(await hv(dir, ['--json', 'settings', 'Ana', 'set', 'mode', 'live', '--confirm']));
    expect(await get()).toBe('live');
    ok(await hv(dir, ['--json', 'strategy', 'set', 'Bo', 'trend', '--live', '--confirm']));
  });
});
