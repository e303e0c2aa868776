import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import type { Engine } from '../../../engine/runtime';
import {
  APP_USER_MODEL_ID,
  createNotifier,
  describeEvent,
  registerAppUserModelId,
  type Notifier,
} from '../../../electron/notifications';
import { tempDataDir } from '../../helpers/datadir';
import { openEngine } from '../../helpers/engine';
import { FakeNotification, resetElectronStub, stub } from './electron-stub';

let tmp: ReturnType<typeof tempDataDir>;
let engine: Engine;
let notifier: Notifier;
let now: number;
const onClick = vi.fn();
let alice: number;
let bob: number;

async function addUser(name: string): Promise<number> {
  const u = (await engine.executeUntyped('users.add', { name })) as { id: number };
  return u.id;
}

function shown(): { title?: string; body?: string; urgency?: string }[] {
  return stub.notifications.filter((n) => n.shown).map((n) => n.options);
}

beforeEach(async () => {
  resetElectronStub();
  onClick.mockReset();
  tmp = tempDataDir('hv-notify-');
  engine = openEngine(tmp.dir, { actor: 'ui', ownerKind: 'engine' });
  alice = await addUser('alice');
  bob = await addUser('bob');
  // Bob turned his notifications off.
  await engine.executeUntyped('settings.set', { user: 'bob', key: 'notifications', value: '{"enabled":false}' });
  now = 1_000_000;
  notifier = createNotifier(engine, { onClick, now: () => now });
});

afterEach(async () => {
  notifier.dispose();
  await engine.close();
  tmp.cleanup();
});

describe('notifications', () => {
  it('a tripped breaker (critical) notifies, naming the user', () => {
    engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'three failed swaps' });
    expect(shown()).toEqual([
      {
        title: 'Breaker tripped — alice',
        body: 'Trading paused after 3 failed orders: three failed swaps',
        urgency: 'critical',
      },
    ]);
  });

  it('info events do not notify', () => {
    engine.bus.emit('wallet.funded', alice, { mint: 'SOL', amount: '1000', signatures: ['s'] });
    engine.bus.emit('user.activated', alice, { balanceLamports: '1', minimumLamports: '1' });
    expect(stub.notifications).toHaveLength(0);
  });

  it('respects a user whose notifications are off, but engine-wide alerts always notify', () => {
    engine.bus.emit('breaker.tripped', bob, { failures: 3, reason: 'x' });
    engine.bus.emit('exit.stuck', bob, {
      positionId: 1,
      mint: 'So11111111111111111111111111111111111111112',
      reason: 'no route',
    });
    expect(stub.notifications).toHaveLength(0);
    engine.bus.emit('rpc.degraded', null, { endpoint: 'https://rpc.example', reason: 'timeouts' });
    expect(shown()).toEqual([
      { title: 'RPC endpoint degraded', body: 'https://rpc.example: timeouts', urgency: 'normal' },
    ]);
  });

  it('follows a settings change at once', async () => {
    await engine.executeUntyped('settings.set', { user: 'alice', key: 'notifications', value: '{"enabled":false}' });
    engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'x' });
    expect(stub.notifications).toHaveLength(0);
    await engine.executeUntyped('settings.set', { user: 'bob', key: 'notifications', value: '{"enabled":true}' });
    engine.bus.emit('breaker.tripped', bob, { failures: 3, reason: 'x' });
    expect(shown().map((n) => n.title)).toEqual(['Breaker tripped — bob']);
  });

  it("follows a user's minimum severity and muted event types", async () => {
    const set = (user: string, value: object) =>
      engine.executeUntyped('settings.set', { user, key: 'notifications', value: JSON.stringify(value) });
    await set('alice', { enabled: true, minSeverity: 'critical', muted: [] });
    engine.bus.emit('order.failed', alice, { intentId: 1, status: 'failed', reason: 'x' }); // warning
    expect(stub.notifications).toHaveLength(0);
    engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'x' }); // critical
    expect(shown()).toHaveLength(1);

    await set('alice', { enabled: true, minSeverity: 'info', muted: ['wallet.funded'] });
    engine.bus.emit('wallet.funded', alice, { mint: 'SOL', amount: '1', signatures: [] }); // info, muted
    expect(shown()).toHaveLength(1);
    engine.bus.emit('trade.executed', alice, {
      intentId: 1,
      tradeId: 1,
      side: 'buy',
      context: 'manual',
      baseMint: 'SOL',
      quoteMint: 'USDC',
      baseAmount: '1',
      quoteAmount: '1',
      price: 1,
      venue: 'paper',
      signature: null,
    }); // info, asked for
    expect(shown()).toHaveLength(2);
  });

  it('a halt from anywhere notifies (controls.changed is a warning)', () => {
    engine.controls.halt('incident', 'cli');
    expect(shown()).toEqual([{ title: 'Trading halted', body: 'incident', urgency: 'normal' }]);
  });

  it('drops a repeat of the same alert within a minute and says so on the next one', () => {
    engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'first' });
    now += 10_000;
    engine.bus.emit('breaker.tripped', alice, { failures: 4, reason: 'again' });
    expect(shown()).toHaveLength(1);
    now += 60_000;
    engine.bus.emit('breaker.tripped', alice, { failures: 5, reason: 'later' });
    expect(shown()).toHaveLength(2);
    expect(shown()[1]!.body).toContain('+1 more alert held back');
  });

  it('caps warnings per minute but never drops a critical alert for it', () => {
    for (let i = 0; i < 8; i++) {
      engine.bus.emit('strategy.error', alice, { strategy: `s${i}`, token: 'SOL', message: 'boom' });
      engine.bus.emit('rpc.degraded', null, { endpoint: `https://rpc${i}`, reason: 'slow' }); // same key: deduped
    }
    // 1 rpc.degraded + strategy.error for alice once (same key) = 2 so far; use distinct keys to hit the cap.
    const warningsBefore = shown().length;
    const users = [];
    for (let i = 0; i < 6; i++) users.push(engine.store.users.insert(`u${i}`, '2026-01-01T00:00:00.000Z').id);
    for (const u of users) engine.bus.emit('order.failed', u, { intentId: 1, status: 'failed', reason: 'x' });
    expect(shown().length).toBe(5); // the per-minute cap
    expect(warningsBefore).toBe(2);
    engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'critical goes through' });
    expect(shown()).toHaveLength(6);
    expect(shown()[5]!.urgency).toBe('critical');
    now += 61_000;
    engine.bus.emit('order.failed', users[5]!, { intentId: 2, status: 'failed', reason: 'y' });
    expect(shown()).toHaveLength(7);
  });

  it('clicking a notification calls onClick with the event', () => {
    const e = engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'x' });
    stub.notifications[0]!.emit('click');
    expect(onClick).toHaveBeenCalledWith(e);
  });

  it('shows nothing where the OS has no notifications, and nothing after dispose', () => {
    FakeNotification.supported = false;
    engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'x' });
    expect(stub.notifications).toHaveLength(0);
    FakeNotification.supported = true;
    notifier.dispose();
    engine.bus.emit('breaker.tripped', alice, { failures: 3, reason: 'x' });
    expect(stub.notifications).toHaveLength(0);
  });

  it('has a readable text for every warning-and-above event type', () => {
    const base = { id: 1, ts: 't', userId: 1 };
    const texts = [
      describeEvent(
        {
          ...base,
          type: 'risk.drawdownPaused',
          severity: 'critical',
          payload: { highWaterUsd: 100, equityUsd: 80, drawdownPct: 20, limitPct: 15, reason: 'r' },
        },
        'alice',
      ),
      describeEvent(
        {
          ...base,
          type: 'risk.dailyLossHit',
          severity: 'warning',
          payload: {
            day: 'd',
            dayStartEquityUsd: 100,
            equityUsd: 90,
            lossUsd: 10,
            lossPct: 10,
            limit: '5%',
            resumesAt: 'tomorrow',
          },
        },
        'alice',
      ),
      describeEvent(
        {
          ...base,
          type: 'user.deactivated',
          severity: 'warning',
          payload: { balanceLamports: '1', minimumLamports: '2' },
        },
        'alice',
      ),
      describeEvent(
        { ...base, type: 'withdrawal.failed', severity: 'warning', payload: { withdrawalId: 1, reason: 'expired' } },
        'alice',
      ),
      describeEvent(
        {
          ...base,
          type: 'whitelist.changed',
          severity: 'warning',
          payload: { action: 'added', address: 'Addr', usableAt: null },
        },
        'alice',
      ),
    ];
    expect(texts.map((t) => t.title)).toEqual([
      'Drawdown limit — alice',
      'Daily loss limit — alice',
      'Trading stopped — alice',
      'Withdrawal failed — alice',
      'Withdrawal whitelist changed — alice',
    ]);
    for (const t of texts) expect(t.body).not.toMatch(/undefined|\[object/u);
  });
});

describe('Windows toast identity', () => {
  const builder = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', '..', '..', 'build', 'electron-builder.json'), 'utf8'),
  ) as { appId: string };

  it("the AppUserModelId is the installer's appId (what NSIS writes on the Start-menu shortcut)", () => {
    expect(APP_USER_MODEL_ID).toBe(builder.appId);
    stub.platform = 'win32';
    expect(registerAppUserModelId('win32')).toBe(true);
    expect(stub.appUserModelId).toBe(builder.appId);
  });

  it('on Windows a toast is delivered only under that id, as in Electron; elsewhere nothing is set', async () => {
    stub.platform = 'win32';
    // Electron's default id matches no shortcut: shown, but never delivered.
    await engine.executeUntyped('controls.halt', { reason: 'incident' });
    expect(stub.notifications.at(-1)!.shown).toBe(true);
    expect(stub.notifications.at(-1)!.delivered).toBe(false);
    registerAppUserModelId('win32');
    now += 120_000;
    await engine.executeUntyped('controls.resume', {});
    await engine.executeUntyped('controls.halt', { reason: 'again' });
    expect(stub.notifications.at(-1)!.delivered).toBe(true);
    resetElectronStub();
    expect(registerAppUserModelId('linux')).toBe(false);
    expect(registerAppUserModelId('darwin')).toBe(false);
    expect(stub.appUserModelId).toBeNull();
  });
});
