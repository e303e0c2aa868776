/**
 * Issue #17 item 2: validate before confirming. A sensitive command through
 * the host's gateway (what the UI and Telegram call) is checked against its
 * preconditions first; an input that the command would refuse is refused at
 * once, with no confirmation offered. The confirmation sentence names the
 * friend, never their id. Real in-process engine on a throwaway data folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandGateway } from '../../engine/host';
import { ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { findLeaks } from '../../engine/api/human-text';
import type { Engine } from '../../engine/runtime';
import { throwawayEngine } from '../helpers/engine';

let engine: Engine;
let close: () => Promise<void>;
let gateway: CommandGateway;
let aliceId: number;

beforeAll(async () => {
  ({ engine, close } = throwawayEngine(new ManualClock(Date.parse('2026-01-01T00:00:00Z')), 'hv-preflight-'));
  gateway = new CommandGateway(engine, silentLogger);
  aliceId = (await engine.execute('users.add', { name: 'alice' })).id;
});
afterAll(async () => close());

async function refusedWithoutConfirmation(command: string, input: unknown, code: string, message: RegExp) {
  const r = await gateway.call(command, input);
  expect(r.ok, command).toBe(false);
  if (r.ok) return;
  expect(r.error.code, `${command}: ${r.error.message}`).toBe(code);
  expect(r.error.confirmationId).toBeUndefined();
  expect(r.error.message).toMatch(message);
  expect(findLeaks(r.error.message)).toEqual([]);
}

describe('sensitive commands are validated before a confirmation is offered', () => {
  it('a whitelist entry that is not an address', async () => {
    await refusedWithoutConfirmation(
      'whitelist.add',
      { user: 'alice', address: 'not-an-address' },
      'INVALID_INPUT',
      /not a Solana address/,
    );
  });

  it('a global limit out of its bounds', async () => {
    await refusedWithoutConfirmation(
      'risk.setGlobal',
      { key: 'maxPositionPctEquity', value: '-5' },
      'INVALID_INPUT',
      /maxPositionPctEquity/,
    );
    await refusedWithoutConfirmation('risk.setGlobal', { key: 'noSuchLimit', value: '5' }, 'INVALID_INPUT', /Unknown/);
  });

  it('a network switch whose preconditions fail', async () => {
    await refusedWithoutConfirmation(
      'network.set',
      { network: 'mainnet', rpcUrls: [], confirm: true },
      'INVALID_INPUT',
      /Mainnet needs your own RPC/,
    );
  });

  it('a withdrawal the wallet cannot make', async () => {
    await refusedWithoutConfirmation(
      'funds.withdraw',
      { user: 'alice', to: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM', amount: '1', token: 'SOL', confirm: true },
      'NOT_FOUND',
      /no wallet/,
    );
  });

  it('a valid request is offered for confirmation, naming the friend (asked by id)', async () => {
    const r = await gateway.call('controls.resume', { user: aliceId });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('CONFIRMATION_REQUIRED');
    expect(r.error.message).toBe('Resume trading for alice (this also resets their breaker). Confirm to go ahead.');
    const w = await gateway.call('whitelist.add', {
      user: aliceId,
      address: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM',
    });
    expect(!w.ok && w.error.code).toBe('CONFIRMATION_REQUIRED');
    expect(!w.ok && w.error.message).toMatch(/^Allow withdrawals from alice to 9WzD/);
  });
});
