import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { needsConfirmation } from '../../../engine/api';
import { CommandGateway } from '../../../engine/host/gateway';
import { HarvestError } from '../../../engine/kernel/errors';
import { silentLogger } from '../../../engine/kernel/logger';
import type { Engine } from '../../../engine/runtime';
import { USER_SETTING_KEYS, unknownSettingKey } from '../../../engine/users';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';

/**
 * Issue 10, point 3: settings are strict (an unknown key is refused with the
 * known ones, at any depth, whatever its name) and going live needs a
 * confirmation on every path. Real engine, real SQLite file, real keychain.
 */

let d: ReturnType<typeof tempDataDir>;
let engine: Engine;

beforeEach(async () => {
  d = tempDataDir('hv-settings-');
  engine = openEngine(d.dir);
  await engine.execute('users.add', { name: 'Ana' });
});
afterEach(async () => {
  await engine.close();
  d.cleanup();
});

async function refusal(p: Promise<unknown>): Promise<HarvestError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(HarvestError);
    return e as HarvestError;
  }
  throw new Error('expected a refusal, the call went through');
}

const stored = () => engine.store.settings.get(1)!;

describe('unknown setting keys are refused with the known ones', () => {
  test.each([
    'maxOrderUSD',
    '__proto__',
    'constructor',
    'toString',
    'prototype',
    'hasOwnProperty',
    'notifications.sound',
  ])('settings.set %s', async (key) => {
    const before = stored();
    const e = await refusal(engine.execute('settings.set', { user: 'Ana', key, value: '5' }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain(`Unknown setting "${key}"`);
    // The list of known keys, so the operator can see maxOrderUsd next to their maxOrderUSD.
    for (const k of USER_SETTING_KEYS) expect(e.message).toContain(k);
    expect(stored()).toEqual(before);
  });

  test('unknown keys inside a section are refused, naming the section and its keys', async () => {
    const before = stored();
    let e = await refusal(
      engine.execute('settings.set', {
        user: 'Ana',
        key: 'notifications',
        value: '{"enabled":true,"sound":"ding"}',
      }),
    );
    expect(e.message).toBe(
      'Unknown setting "notifications.sound". Known under notifications: enabled, minSeverity, muted.',
    );
    e = await refusal(
      engine.execute('settings.set', { user: 'Ana', key: 'tradingCaps', value: '{"perTransaction":{},"weekly":{}}' }),
    );
    expect(e.message).toMatch(/"tradingCaps\.weekly".*perTransaction, daily/u);
    e = await refusal(engine.execute('settings.set', { user: 'Ana', key: 'strategy', value: '{"id":"trend","x":1}' }));
    expect(e.message).toMatch(/"strategy\.x"/u);
    expect(stored()).toEqual(before);
  });

  test('prototype keys are refused at any depth, also inside free-form records, and pollute nothing', async () => {
    const before = stored();
    const values: [string, string][] = [
      ['notifications', '{"__proto__":{"polluted":true}}'],
      ['withdrawalDailyCaps', '{"__proto__":"5"}'],
      ['withdrawalDailyCaps', '{"constructor":"5"}'],
      ['tradingCaps', '{"perTransaction":{"__proto__":{"polluted":"1"}},"daily":{}}'],
      ['strategy', '{"params":{"constructor":{"prototype":{"polluted":true}}}}'],
    ];
    for (const [key, value] of values) {
      const e = await refusal(engine.execute('settings.set', { user: 'Ana', key, value }));
      expect(e.code, `${key} ${value}`).toBe('INVALID_INPUT');
      expect(e.message).toMatch(/__proto__|constructor|prototype/u);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(stored()).toEqual(before);
  });

  test('risk keys are own keys only: risk.__proto__.toString cannot write to Object.prototype', async () => {
    const before = stored();
    for (const key of ['risk.__proto__.toString', 'risk.constructor', 'risk.toString', 'risk.maxOrderUSD']) {
      const e = await refusal(engine.execute('settings.set', { user: 'Ana', key, value: '1' }));
      expect(e.code, key).toBe('INVALID_INPUT');
      expect(e.message, key).toMatch(/Unknown risk setting/u);
    }
    expect(typeof Object.prototype.toString).toBe('function');
    expect(stored()).toEqual(before);
  });

  test('strategy parameters are strict as well (strategy.set)', async () => {
    const e = await refusal(engine.execute('strategy.set', { user: 'Ana', strategy: 'trend', params: { fastt: 5 } }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/fastt/u);
  });

  test('known keys still save, and junk an older build stored is dropped, not kept or refused', async () => {
    const row = stored();
    engine.store.settings.update(
      1,
      row.version,
      { ...(row.settings as object), maxOrderUSD: 1 },
      '2026-01-01T00:00:00Z',
    );
    const out = await engine.execute('settings.set', { user: 'Ana', key: 'slippageBps', value: '75' });
    expect(out.settings['slippageBps']).toBe(75);
    expect(out.settings).not.toHaveProperty('maxOrderUSD');
    expect(stored().settings).not.toHaveProperty('maxOrderUSD');
    const risk = await engine.execute('settings.set', { user: 'Ana', key: 'risk.maxOrderUsd', value: '250' });
    expect(risk.settings['maxOrderUsd']).toBe(250);
  });

  test('unknownSettingKey walks the schema: every default key is known, anything else is found', () => {
    expect(unknownSettingKey(engine.store.settings.get(1)!.settings)).toBeNull();
    expect(unknownSettingKey({ risk: { preset: 'custom', lossStreak: { losses: 1, hours: 2 } } })).toMatchObject({
      path: 'risk.lossStreak.hours',
    });
    expect(unknownSettingKey(JSON.parse('{"mode":"paper","__proto__":{}}'))).toEqual({ path: '__proto__', known: [] });
  });
});

describe('going live needs a confirmation on every path', () => {
  const mode = async () => (await engine.execute('settings.get', { user: 'Ana' })).settings['mode'];

  test('the engine refuses paper → live without confirm (settings.set and strategy.set), on any spelling', async () => {
    for (const value of ['live', '"live"', ' live']) {
      const e = await refusal(engine.execute('settings.set', { user: 'Ana', key: 'mode', value: value.trim() }));
      expect(e.code).toBe('CONFIRMATION_REQUIRED');
      expect(e.message).toMatch(/"Ana" to live mode.*confirm/u);
    }
    const e = await refusal(engine.execute('strategy.set', { user: 'Ana', strategy: 'trend', mode: 'live' }));
    expect(e.code).toBe('CONFIRMATION_REQUIRED');
    expect(
      await refusal(engine.execute('strategy.set', { user: 'Ana', strategy: 'trend', mode: 'live', confirm: false })),
    ).toMatchObject({ code: 'CONFIRMATION_REQUIRED' });
    expect(await mode()).toBe('paper');
    expect(engine.store.audit.list({ limit: 100 }).map((r) => r.action)).not.toContain('settings.changed');
  });

  test('with confirm it goes live; live → live and back to paper need none', async () => {
    await engine.execute('settings.set', { user: 'Ana', key: 'mode', value: 'live', confirm: true });
    expect(await mode()).toBe('live');
    await engine.execute('strategy.set', { user: 'Ana', strategy: 'trend', mode: 'live' });
    await engine.execute('settings.set', { user: 'Ana', key: 'mode', value: 'paper' });
    expect(await mode()).toBe('paper');
    await engine.execute('strategy.set', { user: 'Ana', strategy: 'dca', mode: 'live', confirm: true });
    expect(await mode()).toBe('live');
  });

  test('the host asks (single-use confirmation bound to the input) before a live switch, and only then', async () => {
    const gw = new CommandGateway(engine, silentLogger);
    const input = { user: 'Ana', key: 'mode', value: 'live', confirm: true };
    const first = await gw.call('settings.set', input);
    expect(first).toMatchObject({ ok: false, error: { code: 'CONFIRMATION_REQUIRED' } });
    const id = first.ok ? '' : (first.error.confirmationId ?? '');
    expect(id).toMatch(/^[0-9a-f]{32}$/u);
    if (!first.ok) expect(first.error.message).toMatch(/Switch Ana to live mode/u);
    expect(await mode()).toBe('paper');
    // Bound to the input: the id does not confirm another user's or another value's change.
    expect(await gw.call('settings.set', { ...input, user: 1 }, id)).toMatchObject({
      ok: false,
      error: { code: 'CONFIRMATION_REQUIRED' },
    });
    const again = await gw.call('settings.set', input);
    const id2 = again.ok ? '' : (again.error.confirmationId ?? '');
    expect(await gw.call('settings.set', input, id2)).toMatchObject({
      ok: true,
      result: { settings: { mode: 'live' } },
    });
    // A plain setting change is not asked about.
    expect(await gw.call('settings.set', { user: 'Ana', key: 'slippageBps', value: '70' })).toMatchObject({ ok: true });
  });

  test('needsConfirmation: sensitive commands always, settings only when they ask for live', () => {
    expect(needsConfirmation('settings.set', { user: 'A', key: 'mode', value: 'live' })).toBe(true);
    expect(needsConfirmation('settings.set', { user: 'A', key: 'mode', value: '"live"' })).toBe(true);
    expect(needsConfirmation('settings.set', { user: 'A', key: ' mode ', value: 'live' })).toBe(true);
    expect(needsConfirmation('settings.set', { user: 'A', key: 'mode', value: 'paper' })).toBe(false);
    expect(needsConfirmation('settings.set', { user: 'A', key: 'quoteAsset', value: 'live' })).toBe(false);
    expect(needsConfirmation('strategy.set', { user: 'A', strategy: 'trend', mode: 'live' })).toBe(true);
    expect(needsConfirmation('strategy.set', { user: 'A', strategy: 'trend' })).toBe(false);
    expect(needsConfirmation('funds.withdraw', {})).toBe(true);
    expect(needsConfirmation('users.list', {})).toBe(false);
  });
});
