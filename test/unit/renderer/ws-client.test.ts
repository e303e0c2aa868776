import { describe, expect, it } from 'vitest';
import { EngineCallError, type ServerMessage } from '../../../engine/api/client';
import type { EngineEvent } from '../../../engine/api/events';
import { backoffDelay, defaultWsUrl, wsClient, type WebSocketLike } from '../../../renderer/client/ws';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: { type: string; id: number; command: string; input: unknown; confirmation?: string }[] = [];
  closed = false;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.closed = true;
    this.readyState = 3;
  }
  // test helpers
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const client = wsClient('ws://127.0.0.1:7420/api/ws', 'tok en/+', {
    connect: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimer: (fn, ms) => {
      const t = { fn, ms, cancelled: false };
      timers.push(t);
      return t;
    },
    clearTimer: (h) => {
      (h as { cancelled: boolean }).cancelled = true;
    },
    random: () => 0.5,
    minDelayMs: 100,
    maxDelayMs: 1000,
  });
  const fire = () => {
    const t = timers.find((x) => !x.cancelled);
    if (!t) throw new Error('no timer pending');
    t.cancelled = true;
    t.fn();
  };
  return { client, sockets, timers, fire, last: () => sockets[sockets.length - 1]! };
}

describe('wsClient', () => {
  it('puts the token, encoded, in the socket URL', () => {
    const { sockets } = setup();
    expect(sockets[0]!.url).toBe('ws://127.0.0.1:7420/api/ws?token=tok%20en%2F%2B');
  });

  it('queues calls until the socket opens, then matches results by id in any order', async () => {
    const { client, last } = setup();
    const a = client.call('users.list', {});
    const b = client.call('engine.health', {});
    expect(last().sent).toHaveLength(0);
    last().open();
    const [ma, mb] = last().sent;
    expect(ma).toMatchObject({ type: 'call', command: 'users.list', input: {} });
    expect(mb).toMatchObject({ type: 'call', command: 'engine.health' });
    expect(ma!.id).not.toBe(mb!.id);
    // answered out of order
    last().receive({ type: 'result', id: mb!.id, ok: true, result: { trading: true } });
    last().receive({ type: 'result', id: ma!.id, ok: true, result: { users: [] } });
    await expect(a).resolves.toEqual({ users: [] });
    await expect(b).resolves.toEqual({ trading: true });
  });

  it('turns failures into EngineCallError with the code and the confirmation id', async () => {
    const { client, last } = setup();
    last().open();
    const p = client.call('wallet.export', { user: 1, confirm: true });
    const m = last().sent[0]!;
    last().receive({
      type: 'result',
      id: m.id,
      ok: false,
      error: { code: 'CONFIRMATION_REQUIRED', message: 'confirm', confirmationId: 'c-1' },
    });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCallError);
    expect(err).toMatchObject({ code: 'CONFIRMATION_REQUIRED', confirmationId: 'c-1', message: 'confirm' });
  });

  it('sends the confirmation id on the second call', () => {
    const { client, last } = setup();
    last().open();
    void client.call('funds.withdraw', { user: 1, to: 'x', amount: '1', confirm: true }, { confirmation: 'c-9' });
    expect(last().sent[0]).toMatchObject({ command: 'funds.withdraw', confirmation: 'c-9' });
  });

  it('fans events out to every listener and stops after unsubscribe', () => {
    const { client, last } = setup();
    last().open();
    const seen: number[] = [];
    const off = client.onEvent((e) => seen.push(e.id));
    client.onEvent(() => {
      throw new Error('a bad listener');
    });
    const event = {
      id: 7,
      ts: '2026-01-01T00:00:00Z',
      type: 'controls.changed',
      severity: 'warning',
      userId: null,
      payload: { scope: 'global', paused: true, halted: false, reason: null },
    } as EngineEvent;
    last().receive({ type: 'event', event });
    off();
    last().receive({ type: 'event', event: { ...event, id: 8 } });
    expect(seen).toEqual([7]);
  });

  it('ignores results nobody waits for and malformed frames', async () => {
    const { client, last } = setup();
    last().open();
    last().receive({ type: 'result', id: 999, ok: true, result: 1 });
    last().onmessage?.({ data: 'not json' });
    const p = client.call('users.list', {});
    last().receive({ type: 'result', id: last().sent[0]!.id, ok: true, result: 'fine' });
    await expect(p).resolves.toBe('fine');
  });

  it('on a drop: fails calls already sent, keeps unsent ones, reconnects with backoff and reports status', async () => {
    const { client, sockets, timers, fire, last } = setup();
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(s));
    last().open();
    const sent = client.call('orders.submit', { user: 1, side: 'buy', token: 'SOL', amount: '10' });
    last().drop();
    const err = await sent.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DISCONNECTED' });
    expect(client.status).toBe('closed');
    // a call made while disconnected waits for the next connection
    const later = client.call('users.list', {});
    expect(timers.filter((t) => !t.cancelled)).toHaveLength(1);
    expect(timers[0]!.ms).toBe(100);
    fire();
    expect(sockets).toHaveLength(2);
    // the second attempt fails too: the delay doubles
    last().drop();
    expect(timers.filter((t) => !t.cancelled)[0]!.ms).toBe(200);
    fire();
    last().open();
    expect(client.failures).toBe(0);
    const m = last().sent[0]!;
    expect(m.command).toBe('users.list');
    last().receive({ type: 'result', id: m.id, ok: true, result: { users: [] } });
    await expect(later).resolves.toEqual({ users: [] });
    expect(statuses).toEqual(['connecting', 'open', 'closed', 'connecting', 'closed', 'connecting', 'open']);
  });

  it('remembers the server version from hello', () => {
    const { client, last } = setup();
    last().open();
    last().receive({ type: 'hello', version: '1.2.3' });
    expect(client.version).toBe('1.2.3');
  });

  it('close() fails pending calls and never reconnects', async () => {
    const { client, timers, last } = setup();
    last().open();
    const p = client.call('users.list', {});
    client.close();
    await expect(p).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(last().closed).toBe(true);
    expect(timers).toHaveLength(0);
    await expect(client.call('users.list', {})).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });
});

describe('ws helpers', () => {
  it('derives the socket URL from the page', () => {
    expect(defaultWsUrl({ protocol: 'http:', host: '127.0.0.1:7420' })).toBe('ws://127.0.0.1:7420/api/ws');
    expect(defaultWsUrl({ protocol: 'https:', host: 'box.lan' })).toBe('wss://box.lan/api/ws');
  });

  it('backs off exponentially with a cap and jitter', () => {
    expect(backoffDelay(1, 500, 10_000, () => 0.5)).toBe(500);
    expect(backoffDelay(3, 500, 10_000, () => 0.5)).toBe(2000);
    expect(backoffDelay(20, 500, 10_000, () => 0.5)).toBe(10_000);
    expect(backoffDelay(1, 500, 10_000, () => 0)).toBe(400);
    expect(backoffDelay(1, 500, 10_000, () => 1)).toBe(600);
  });
});

describe('wsClient job pushes', () => {
  const update = (job: number, progress: number, state = 'running') => ({
    job,
    kind: 'run',
    state,
    progress,
    error: null,
  });

  it('delivers valid {type:"job"} pushes to onJob listeners, replays the latest per job, and drops malformed ones', () => {
    const { client, last } = setup();
    last().open();
    const early: unknown[] = [];
    client.onJob!((u) => early.push(u));
    last().receive({ type: 'job', update: update(1, 0.2) } as ServerMessage);
    last().receive({ type: 'job', update: update(1, 0.4) } as ServerMessage);
    last().receive({ type: 'job', update: update(2, 1, 'done') } as ServerMessage);
    // Not a job update: wrong state, progress out of range, missing fields, extra fields.
    for (const bad of [
      update(3, 0.5, 'exploded'),
      update(3, 7),
      { job: 3 },
      { ...update(3, 0.5), run: { report: {} } },
      null,
    ])
      last().receive({ type: 'job', update: bad } as unknown as ServerMessage);
    expect(early).toEqual([update(1, 0.2), update(1, 0.4), update(2, 1, 'done')]);
    // A listener that subscribes later learns each recent job's latest state at once.
    const late: unknown[] = [];
    const off = client.onJob!((u) => late.push(u));
    expect(late).toEqual([update(1, 0.4), update(2, 1, 'done')]);
    off();
    last().receive({ type: 'job', update: update(1, 0.6) } as ServerMessage);
    expect(late).toHaveLength(2);
    expect(early).toHaveLength(4);
  });

  it('a job push is not an engine event', () => {
    const { client, last } = setup();
    last().open();
    const events: unknown[] = [];
    client.onEvent((e) => events.push(e));
    last().receive({ type: 'job', update: update(1, 0.2) } as ServerMessage);
    expect(events).toEqual([]);
  });
});
