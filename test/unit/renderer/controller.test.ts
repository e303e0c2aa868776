import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineCallError, type EngineClient } from '../../../engine/api/client';
import type { EngineEvent } from '../../../engine/api/events';
import { appStore, Controller, initialState, parseEquityCurve, parseEquityFlows } from '../../../renderer/state/store';

type Call = { name: string; input: unknown; confirmation?: string };

/** A scripted engine: answers by command name; records every call. */
function fakeClient(answer: (c: Call) => unknown) {
  const calls: Call[] = [];
  const listeners = new Set<(e: EngineEvent) => void>();
  const client: EngineClient = {
    call: (async (name: string, input: unknown, opts?: { confirmation?: string }) => {
      const c: Call = { name, input, ...(opts?.confirmation ? { confirmation: opts.confirmation } : {}) };
      calls.push(c);
      const r = answer(c);
      if (r instanceof Error) throw r;
      return r;
    }) as EngineClient['call'],
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  return { client, calls, emit: (e: EngineEvent) => listeners.forEach((l) => l(e)) };
}

afterEach(() => {
  appStore.setState(initialState(), true);
  vi.useRealTimers();
});

describe('Controller.run: the confirmation step of sensitive commands', () => {
  const sensitiveEngine = (c: Call) =>
    c.confirmation === 'c-1'
      ? { removed: '9xQ' }
      : new EngineCallError('CONFIRMATION_REQUIRED', 'Stop allowing withdrawals: confirm to go ahead.', 'c-1');

  it('shows the dialog with the engine message, then repeats the call with the id', async () => {
    const { client, calls } = fakeClient(sensitiveEngine);
    const ctl = new Controller(client);
    const p = ctl.run('whitelist.remove', { user: 1, address: '9xQ' }, { confirm: { title: 'Remove?', body: 'b' } });
    await vi.waitFor(() => expect(appStore.getState().confirm).not.toBeNull());
    expect(appStore.getState().confirm).toMatchObject({
      title: 'Remove?',
      engineMessage: 'Stop allowing withdrawals: confirm to go ahead.',
    });
    expect(calls).toHaveLength(1);
    ctl.resolveConfirm(true);
    await expect(p).resolves.toEqual({ ok: true, value: { removed: '9xQ' } });
    expect(calls.map((c) => c.confirmation)).toEqual([undefined, 'c-1']);
    expect(calls[1]!.input).toEqual(calls[0]!.input);
    expect(appStore.getState().confirm).toBeNull();
  });

  it('sends nothing more when the operator cancels', async () => {
    const { client, calls } = fakeClient(sensitiveEngine);
    const ctl = new Controller(client);
    const p = ctl.run('whitelist.remove', { user: 1, address: '9xQ' });
    await vi.waitFor(() => expect(appStore.getState().confirm).not.toBeNull());
    ctl.resolveConfirm(false);
    const r = await p;
    expect(r).toMatchObject({ ok: false, cancelled: true });
    expect(calls).toHaveLength(1);
  });

  it('asks before sending a guarded but non-sensitive command (halt)', async () => {
    const { client, calls } = fakeClient(() => ({ paused: true, halted: true, reason: null }));
    const ctl = new Controller(client);
    const p = ctl.run('controls.halt', {}, { confirm: { title: 'Halt?', body: 'b', danger: true } });
    await vi.waitFor(() => expect(appStore.getState().confirm?.title).toBe('Halt?'));
    expect(calls).toHaveLength(0);
    ctl.resolveConfirm(true);
    await expect(p).resolves.toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
  });

  it("treats the desktop app's native Cancel as a cancel, not a failure", async () => {
    const { client, calls } = fakeClient(() => new EngineCallError('CANCELLED', 'Cancelled: nothing was changed.'));
    const ctl = new Controller(client);
    appStore.setState({ toasts: [] });
    const r = await ctl.run('wallet.export', { user: 1, confirm: true });
    expect(r).toMatchObject({ ok: false, cancelled: true });
    expect(calls).toHaveLength(1);
    expect(appStore.getState().toasts).toEqual([]);
    expect(appStore.getState().confirm).toBeNull();
  });

  it('reports a refusal as a toast unless silent', async () => {
    const { client } = fakeClient(() => new EngineCallError('INVALID_INPUT', 'A name cannot be empty.'));
    const ctl = new Controller(client);
    const r = await ctl.run('users.add', { name: '' });
    expect(r).toMatchObject({ ok: false, cancelled: false, error: { code: 'INVALID_INPUT' } });
    expect(appStore.getState().toasts.at(-1)).toMatchObject({ kind: 'error', body: 'A name cannot be empty.' });
    const before = appStore.getState().toasts.length;
    await ctl.run('users.add', { name: '' }, { silent: true });
    expect(appStore.getState().toasts.length).toBe(before);
  });
});

describe('Controller: live events', () => {
  it('adds events to the feed, applies controls at once and refreshes the affected slices', async () => {
    vi.useFakeTimers();
    const { client, calls, emit } = fakeClient((c) => {
      if (c.name === 'positions.list') return { positions: [] };
      if (c.name === 'trades.list') return { trades: [] };
      return null;
    });
    const ctl = new Controller(client);
    ctl.start();
    appStore.setState({ controls: { global: { paused: false, halted: false, reason: null }, users: [] } });
    emit({
      id: 10,
      ts: '2026-01-01T00:00:00Z',
      type: 'controls.changed',
      severity: 'warning',
      userId: null,
      payload: { scope: 'global', paused: true, halted: true, reason: 'r' },
    });
    expect(appStore.getState().controls!.global.halted).toBe(true);
    emit({
      id: 11,
      ts: '2026-01-01T00:00:01Z',
      type: 'position.closed',
      severity: 'info',
      userId: 3,
      payload: { positionId: 1, mint: 'm', realizedPnl: '5', quoteMint: 'q' },
    });
    expect(appStore.getState().events.map((e) => e.id)).toEqual([11, 10]);
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(250);
    const names = calls.map((c) => `${c.name}:${JSON.stringify(c.input)}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'positions.list:{"user":3,"status":"all"}',
        'trades.list:{"user":3,"limit":200}',
        'controls.status:{}',
      ]),
    );
    ctl.stop();
  });

  it('toasts warnings and critical events, not info', () => {
    const { client, emit } = fakeClient(() => null);
    const ctl = new Controller(client);
    ctl.start();
    appStore.setState({ users: [{ id: 2, name: 'Ben', createdAt: '', address: null }], toasts: [] });
    emit({ id: 1, ts: '', type: 'trade.executed', severity: 'info', userId: 2, payload: {} as never });
    emit({
      id: 2,
      ts: '',
      type: 'breaker.tripped',
      severity: 'critical',
      userId: 2,
      payload: { failures: 3, reason: 'breaker: 3 consecutive failed orders' },
    });
    expect(appStore.getState().toasts).toEqual([
      expect.objectContaining({
        kind: 'error',
        title: 'Breaker tripped · Ben',
        body: 'breaker: 3 consecutive failed orders',
      }),
    ]);
    ctl.stop();
  });
});

describe('parseEquityCurve', () => {
  it('reads stats.equityCurve points into strictly increasing chart times', () => {
    const pts = parseEquityCurve({
      userId: 1,
      points: [
        { ts: '2026-01-01T00:01:00Z', equityUsd: 101 },
        { ts: '2026-01-01T00:00:00Z', equityUsd: 100 },
        { ts: '2026-01-01T00:00:00.500Z', equityUsd: 100.5 },
        { ts: 'garbage', equityUsd: 1 },
      ],
    });
    expect(pts).toEqual([
      { time: 1767225600, value: 100 },
      { time: 1767225660, value: 101 },
    ]);
  });
});

describe('parseEquityFlows', () => {
  it('reads the flows of stats.equityCurve as chart markers, and the points keep their PnL net of them', () => {
    const out = {
      userId: 1,
      points: [
        { ts: '2026-01-01T00:00:00Z', equityUsd: 100, pnlUsd: 0 },
        { ts: '2026-01-01T00:02:00Z', equityUsd: 600, pnlUsd: 0 },
      ],
      flows: [
        { ts: '2026-01-01T00:01:00Z', kind: 'deposit', amountUsd: 500, equityUsd: 100 },
        { ts: 'bad', kind: 'deposit', amountUsd: 1, equityUsd: null },
        { ts: '2026-01-01T00:01:30Z', kind: 'gift', amountUsd: 1, equityUsd: null },
      ],
    };
    expect(parseEquityFlows(out)).toEqual([{ time: 1767225660, kind: 'deposit', amountUsd: 500 }]);
    expect(parseEquityCurve(out).map((p) => p.pnl)).toEqual([0, 0]);
    expect(parseEquityFlows({ points: [] })).toEqual([]);
  });
});
