/**
 * The paper account through the API on the in-process sandbox (issue #9,
 * item 3): reset to a starting capital, balances labelled apart from the
 * on-chain wallet, a paper fill that leaves the chain alone, and a switch to
 * live whose response says where the open paper position stays.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Engine } from '../../engine/runtime';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';
import { permissiveRisk } from '../helpers/risk';

let dir: { dir: string; cleanup: () => void };
let engine: Engine;

beforeAll(async () => {
  dir = tempDataDir('hv-paper-int-');
  engine = openEngine(dir.dir);
  await engine.execute('users.add', { name: 'Pam' });
  await engine.execute('wallet.create', { user: 'Pam', words: 12 });
  await engine.execute('funds.faucet', { user: 'Pam', sol: '2' });
  await permissiveRisk(engine, 'Pam');
}, 120_000);

afterAll(async () => {
  await engine?.close();
  dir?.cleanup();
});

const onChainSol = async (): Promise<string> =>
  (await engine.execute('wallet.balances', { user: 'Pam' })).balances[0]!.sol;

describe('the paper account through the API', () => {
  test('reset to a capital; balances say which is which; a paper fill moves only the paper book', async () => {
    const before = await engine.execute('paper.account', { user: 'Pam' });
    expect(before).toMatchObject({
      account: 'Paper account',
      current: true,
      open: false,
      startingCapital: { USDC: '1000' },
    });

    const r = await engine.execute('paper.reset', { user: 'Pam', capital: { USDC: '500' }, confirm: true });
    expect(r.depositedUsd).toBeCloseTo(500, 2);
    expect(r.message).toContain('paper deposit');
    expect((await engine.execute('settings.get', { user: 'Pam' })).settings['paperStartingCapital']).toEqual({
      USDC: '500',
    });

    const b = await engine.execute('wallet.balances', { user: 'Pam' });
    expect(b.balances[0]).toMatchObject({ account: 'On-chain wallet', sol: '2' });
    expect(b.paper).toEqual([
      expect.objectContaining({
        account: 'Paper account',
        open: true,
        tokens: [expect.objectContaining({ symbol: 'USDC', uiAmount: '500' })],
      }),
    ]);

    const o = await engine.execute('orders.submit', { user: 'Pam', side: 'buy', token: 'WETH', amount: '50' });
    expect(o).toMatchObject({ status: 'confirmed', signature: null });
    expect(await onChainSol()).toBe('2');
    const paper = await engine.execute('paper.account', { user: 'Pam' });
    expect(paper.tokens.find((t) => t.symbol === 'USDC')!.uiAmount).toBe('450');
    expect(paper.openPositions).toBe(1);
    const stats = await engine.execute('stats.user', { user: 'Pam' });
    expect(stats).toMatchObject({ mode: 'paper', account: 'Paper account', tradeCount: 1 });
  });

  test('switching to live says where the open paper position stays; both accounts keep their figures', async () => {
    const s = await engine.execute('settings.set', { user: 'Pam', key: 'mode', value: 'live', confirm: true });
    expect(s.notice).toMatch(/1 open paper position\(s\) stay in the paper account/u);

    expect(await engine.execute('stats.user', { user: 'Pam' })).toMatchObject({
      mode: 'live',
      account: 'On-chain wallet',
      tradeCount: 0,
    });
    expect(await engine.execute('stats.user', { user: 'Pam', mode: 'paper' })).toMatchObject({
      mode: 'paper',
      tradeCount: 1,
      openPositions: 1,
    });

    // The paper position is not sold with the wallet's funds while Pam trades live.
    const [pos] = (await engine.execute('positions.list', { user: 'Pam', status: 'open' })).positions;
    expect(pos).toMatchObject({ account: 'paper', symbol: 'WETH' });
    const close = await engine.execute('positions.close', { user: 'Pam', positionId: pos!.id });
    expect(close).toMatchObject({ status: 'rejected', code: 'NO_POSITION' });
    expect(close.message).toContain('paper account');
    expect(await onChainSol()).toBe('2');

    // Back to paper: a reset is refused while that position is open.
    const back = await engine.execute('strategy.set', {
      user: 'Pam',
      strategy: 'trend',
      mode: 'paper',
      enabled: false,
    });
    expect(back.notice).toMatch(/Now trading the paper account/u);
    await expect(
      engine.execute('paper.reset', { user: 'Pam', capital: { USDC: '100' }, confirm: true }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
