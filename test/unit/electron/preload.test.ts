import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import { commandNames } from '../../../engine/api/contract';
import type { EngineEvent } from '../../../engine/api/events';
import { commandChannel, EVENT_CHANNEL, JOB_CHANNEL } from '../../../electron/channels';
import { ipcClient } from '../../../renderer/client/ipc';
import type { HarvestBridge } from '../../../renderer/ipc-types';
import { electronModule, fakeIpcRenderer, resetElectronStub, stub } from './electron-stub';

// Evaluating the preload exposes the bridge, as in a fresh renderer.
import '../../../electron/preload';
const exposedAtLoad = [...stub.exposed.entries()];

/** The bridge the preload exposed when it was evaluated. */
function loadPreload(): Promise<HarvestBridge> {
  expect(exposedAtLoad.map(([k]) => k)).toEqual(['harvest']);
  return Promise.resolve(exposedAtLoad[0]![1] as HarvestBridge);
}

/** Every function reachable from a value, with its path. */
function functionsIn(value: unknown, path = 'harvest', seen = new Set<unknown>()): string[] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return [];
  seen.add(value);
  const out = typeof value === 'function' ? [path] : [];
  for (const k of Reflect.ownKeys(value as object)) {
    out.push(...functionsIn((value as Record<PropertyKey, unknown>)[k], `${path}.${String(k)}`, seen));
  }
  return out;
}

function objectsIn(value: unknown, seen = new Set<unknown>()): unknown[] {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return [];
  seen.add(value);
  const out: unknown[] = [value];
  for (const k of Reflect.ownKeys(value as object))
    out.push(...objectsIn((value as Record<PropertyKey, unknown>)[k], seen));
  return out;
}

beforeEach(() => resetElectronStub());

describe('preload', () => {
  it('exposes window.harvest with exactly one function per command plus onEvent and onJob, and nothing else', async () => {
    const bridge = await loadPreload();
    expect(Object.keys(bridge).sort()).toEqual(['commands', 'onEvent', 'onJob']);
    expect(Object.keys(bridge.commands).sort()).toEqual([...commandNames].sort());
    expect(functionsIn(bridge).sort()).toEqual(
      ['harvest.onEvent', 'harvest.onJob', ...commandNames.map((n) => `harvest.commands.${n}`)].sort(),
    );
    expect(Object.isFrozen(bridge.commands)).toBe(true);
  });

  it('leaks no part of Electron into the page', async () => {
    const bridge = await loadPreload();
    const reachable = objectsIn(bridge);
    for (const leaked of [electronModule.ipcRenderer, electronModule.contextBridge, electronModule]) {
      expect(reachable).not.toContain(leaked);
    }
    // A command function invokes its own channel and no other, whatever the page passes.
    await bridge.commands['users.add']({ name: 'alice' });
    await (bridge.commands['users.list'] as unknown as (...a: unknown[]) => Promise<unknown>)(
      {},
      undefined,
      'harvest:cmd:wallet.export',
    );
    expect(stub.invokes.map((i) => i.channel)).toEqual([commandChannel('users.add'), commandChannel('users.list')]);
  });

  it('each command invokes harvest:cmd:<name> with the input and options', async () => {
    const bridge = await loadPreload();
    for (const name of commandNames) {
      await (bridge.commands[name] as (i: unknown, o?: unknown) => Promise<unknown>)(
        { probe: name },
        { confirmation: 'c1' },
      );
    }
    expect(stub.invokes).toEqual(
      commandNames.map((n) => ({ channel: commandChannel(n), args: [{ probe: n }, { confirmation: 'c1' }] })),
    );
  });

  it('onEvent delivers only the engine event (not the IPC event) until unsubscribed', async () => {
    const bridge = await loadPreload();
    const got: unknown[] = [];
    const off = bridge.onEvent((e) => got.push(e));
    const event: EngineEvent = {
      id: 1,
      ts: '2026-01-01T00:00:00.000Z',
      type: 'rpc.degraded',
      severity: 'warning',
      userId: null,
      payload: { endpoint: 'x', reason: 'y' },
    };
    const ipcEvent = { sender: fakeIpcRenderer, ports: [] };
    fakeIpcRenderer.emit(EVENT_CHANNEL, ipcEvent, event);
    expect(got).toEqual([event]);
    off();
    fakeIpcRenderer.emit(EVENT_CHANNEL, ipcEvent, event);
    expect(got).toHaveLength(1);
    expect(fakeIpcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
    expect(() => bridge.onEvent('not a function' as never)).toThrow(TypeError);
  });

  it('onJob delivers only the update until unsubscribed; the IPC client validates it and replays the latest', async () => {
    const bridge = await loadPreload();
    const raw: unknown[] = [];
    const off = bridge.onJob!((u) => raw.push(u));
    const client = ipcClient(bridge);
    const ipcEvent = { sender: fakeIpcRenderer, ports: [] };
    const update = { job: 3, kind: 'optimise', state: 'running', progress: 0.4, error: null };
    fakeIpcRenderer.emit(JOB_CHANNEL, ipcEvent, update);
    fakeIpcRenderer.emit(JOB_CHANNEL, ipcEvent, { ...update, progress: 'lots' });
    fakeIpcRenderer.emit(JOB_CHANNEL, ipcEvent, { ...update, state: 'done', progress: 1 });
    expect(raw).toEqual([update, { ...update, progress: 'lots' }, { ...update, state: 'done', progress: 1 }]);
    off();
    // The client subscribed when it was made: a screen subscribing now learns the job's latest (valid) state.
    const seen: unknown[] = [];
    client.onJob!((u) => seen.push(u));
    expect(seen).toEqual([{ ...update, state: 'done', progress: 1 }]);
    fakeIpcRenderer.emit(JOB_CHANNEL, ipcEvent, { ...update, job: 4 });
    expect(seen).toEqual([
      { ...update, state: 'done', progress: 1 },
      { ...update, job: 4 },
    ]);
    expect(raw).toHaveLength(3);
    expect(() => bridge.onJob!('not a function' as never)).toThrow(TypeError);
  });
});
