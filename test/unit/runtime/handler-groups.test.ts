/**
 * Issue 12, item 5: a cold light command builds only the light handlers and
 * checks its input against the light part of the contract; every other command
 * loads the other groups on first use. These tests pin that the two halves
 * agree and together serve every command of the contract, so a group another
 * change adds to handlers.ts (or a command added to contract.ts) still runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commandNames } from '../../../engine/api';
import { lightCommands } from '../../../engine/api/contract-light';
import { ManualClock } from '../../../engine/kernel';
import { buildHandlers } from '../../../engine/runtime/handlers';
import { LIGHT_COMMANDS } from '../../../engine/runtime/light-handlers';
import { throwawayEngine } from '../../helpers/engine';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe('handler groups', () => {
  it('serves exactly the light part of the contract with the light handlers', () => {
    expect([...LIGHT_COMMANDS].sort()).toEqual(Object.keys(lightCommands).sort());
  });

  it('has a handler for every command of the contract once the other groups are loaded', () => {
    const t = throwawayEngine(new ManualClock(Date.parse('2026-01-01T00:00:00Z')));
    close = t.close;
    const handlers = buildHandlers(t.engine) as Record<string, unknown>;
    expect(commandNames.filter((name) => typeof handlers[name] !== 'function')).toEqual([]);
  });

  it('answers a light command and then a command of another group on the same engine', async () => {
    const t = throwawayEngine(new ManualClock(Date.parse('2026-01-01T00:00:00Z')));
    close = t.close;
    await t.engine.execute('users.add', { name: 'ana' });
    expect((await t.engine.execute('users.list', {})).users.map((u) => u.name)).toEqual(['ana']);
    // wallet.create lives in the other groups and signs nothing, but needs key derivation (engine.wallets).
    const created = await t.engine.execute('wallet.create', { user: 'ana', words: 12 });
    expect((await t.engine.execute('users.list', {})).users[0]!.address).toBe(created.address);
  });

  it('refuses an unknown command by name, and bad input in words, on the light path too', async () => {
    const t = throwawayEngine(new ManualClock(Date.parse('2026-01-01T00:00:00Z')));
    close = t.close;
    await expect(t.engine.executeUntyped('nope.nothing', {})).rejects.toThrow('Unknown command "nope.nothing"');
    await expect(t.engine.execute('trades.list', { user: 'ana', limit: 0 } as never)).rejects.toThrow(
      'Invalid input for trades.list: limit: must be at least 1',
    );
  });
});
