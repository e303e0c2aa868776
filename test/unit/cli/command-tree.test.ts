/**
 * Issue 12, item 5: a command builds only its own top-level subtree of the
 * command tree (engine/cli/main.ts). What a person sees must not change: help,
 * global options before the command, aliases and the "did you mean" of a typo
 * read as with the whole tree. In-process: main() with its own io.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { main, topCommandOf } from '../../../engine/cli/main';
import { tempDataDir } from '../../helpers/datadir';

const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex'), HARVEST_LOG_LEVEL: 'silent' };
const dir = tempDataDir('hv-cmd-tree-');
afterAll(() => dir.cleanup());

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    secrets: { next: () => Promise.reject(new Error('no secrets here')) },
    env,
  });
  return { code, out, err };
}

describe('the command tree built per command', () => {
  it('finds the command word after global options and their values', () => {
    expect(topCommandOf(['--data-dir', '/x', '--json', 'user', 'list'])).toBe('user');
    expect(topCommandOf(['--network', 'sandbox', '--rpc', 'http://r', '-v', 'status'])).toBe('status');
    expect(topCommandOf(['--data-dir=/x', 'positions', 'ann'])).toBe('positions');
    expect(topCommandOf(['--help'])).toBeUndefined();
    expect(topCommandOf(['--', 'status'])).toBeUndefined();
  });

  it('runs a command with global options before it', async () => {
    const r = await cli('--data-dir', dir.dir, '--json', 'user', 'list');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(r.out)).toEqual({ users: [] });
  });

  it("shows a command's own help, and the whole list of commands at the top", async () => {
    const own = await cli('status', '--help');
    expect(own.code).toBe(0);
    expect(own.out).toMatch(/Usage: harvest status/u);
    const top = await cli('--help');
    for (const name of ['status', 'user', 'positions', 'serve', 'wallet', 'audit', 'backtest'])
      expect(top.out).toMatch(new RegExp(`^\\s+${name}\\b`, 'mu'));
    const viaHelp = await cli('help', 'user');
    expect(viaHelp.out).toMatch(/Usage: harvest user/u);
  });

  it('answers an alias and a typo as the whole tree does', async () => {
    const alias = await cli('optimize', '--help');
    expect(alias.out).toMatch(/Usage: harvest optimi[sz]e/u);
    const typo = await cli('--data-dir', dir.dir, 'stauts');
    expect(typo.code).toBe(1);
    expect(typo.err).toMatch(/unknown command 'stauts'[\s\S]*status/u);
  });
});
