/**
 * `harvest copy ...` (issue 16) as the CLI parses it, in-process (main() with
 * its own io): the sizing flags, conflicts refused with words to act on, and
 * follows listed and ended through the same API contract.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../engine/cli/main';
import { Engine } from '../../../engine/runtime';
import { silentLogger } from '../../../engine/kernel/logger';
import { tempDataDir } from '../../helpers/datadir';
import { randomSecretKey } from '../../integration/support';

const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex'), HARVEST_LOG_LEVEL: 'silent' };
let dir: { dir: string; cleanup: () => void };
let leaderAddress = '';

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--data-dir', dir.dir, ...args], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    secrets: { next: () => Promise.reject(new Error('no secrets here')) },
    env,
  });
  return { code, out, err };
}

beforeAll(() => {
  dir = tempDataDir('hv-copy-cli-');
  const engine = Engine.open({ dataDir: dir.dir, env, logger: silentLogger });
  for (const name of ['lea', 'fay']) {
    const u = engine.users.add(name, 'test');
    const w = engine.wallets.import(u.id, { secretKey: randomSecretKey().base58 }, 'test');
    if (name === 'lea') leaderAddress = w.address;
  }
  return engine.close();
});

afterAll(() => dir?.cleanup());

describe('harvest copy', () => {
  it('follows a friend with a fixed size, a cap, a token list and no sells', async () => {
    const r = await cli(
      'copy',
      'follow',
      'fay',
      'lea',
      '--fixed-usd',
      '25',
      '--max-usd',
      '40',
      '--no-sells',
      '--allow',
      'SOL,weth',
    );
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/fay follows lea .*\$25 per trade, at most \$40; only SOL, WETH; buys only/u);
    const list = JSON.parse((await cli('--json', 'copy', 'list', 'fay')).out) as { follows: Record<string, unknown>[] };
    expect(list.follows).toEqual([
      expect.objectContaining({
        leader: leaderAddress,
        leaderName: 'lea',
        sizing: 'fixed',
        fixedUsd: 25,
        maxUsd: 40,
        tokensMode: 'allow',
        tokens: ['SOL', 'WETH'],
        copySells: false,
        maxAgeSec: 120,
      }),
    ]);
  });

  it('following again changes the settings (proportional, an address as the leader)', async () => {
    expect((await cli('copy', 'follow', 'fay', leaderAddress, '--proportional', '--max-age', '30')).code).toBe(0);
    const [f] = (JSON.parse((await cli('--json', 'copy', 'list')).out) as { follows: Record<string, unknown>[] })
      .follows;
    expect(f).toMatchObject({
      sizing: 'proportional',
      fixedUsd: null,
      copySells: true,
      maxAgeSec: 30,
      tokensMode: 'all',
    });
  });

  it('refuses no sizing, two sizings, an unknown leader and an unknown token, changing nothing', async () => {
    const none = await cli('copy', 'follow', 'fay', 'lea');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/--fixed-usd N, --proportional or --multiplier X/u);
    expect((await cli('copy', 'follow', 'fay', 'lea', '--fixed-usd', '5', '--proportional')).code).toBe(1);
    const who = await cli('copy', 'follow', 'fay', 'zed', '--proportional');
    expect(who).toMatchObject({ code: 1 });
    expect(who.err).toMatch(/neither a friend's name nor a Solana address/u);
    expect((await cli('copy', 'follow', 'fay', 'lea', '--proportional', '--deny', 'DOGE')).err).toMatch(
      /Unknown token "DOGE"/u,
    );
    const [f] = (JSON.parse((await cli('--json', 'copy', 'list')).out) as { follows: Record<string, unknown>[] })
      .follows;
    expect(f).toMatchObject({ sizing: 'proportional', maxAgeSec: 30 });
  });

  it('unfollows; the trades list is empty and says so', async () => {
    expect((await cli('copy', 'unfollow', 'fay', 'lea')).out).toMatch(/Stopped following/u);
    expect((await cli('copy', 'list')).out).toMatch(/Nobody follows anyone yet/u);
    expect((await cli('copy', 'trades', 'fay')).out).toMatch(/No leader trades seen yet/u);
  });
});
