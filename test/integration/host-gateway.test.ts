/**
 * The host's command gateway and failure paths with a stand-in engine: an
 * engine that throws never brings the host down nor leaks its internals, and
 * confirmations are bound, single-use, bounded and independent of key order.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../engine/api';
import { canonicalJson, CommandGateway, Confirmations, startHost, type Host, type HostEngine } from '../../engine/host';
import { ManualClock } from '../../engine/kernel/clock';
import { HarvestError } from '../../engine/kernel/errors';
import { silentLogger } from '../../engine/kernel/logger';
import { connect, http } from './host-support';

type Listener = (e: EngineEvent) => void;

function fakeEngine(
  run: (name: string, input: unknown) => Promise<unknown>,
): HostEngine & { emit(e: unknown): void; calls: string[] } {
  const listeners = new Set<Listener>();
  const calls: string[] = [];
  return {
    clock: new ManualClock(1_000_000),
    calls,
    executeUntyped: async (name, input) => {
      calls.push(name);
      return run(name, input);
    },
    bus: {
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    },
    emit: (e) => {
      for (const l of listeners) l(e as EngineEvent);
    },
  };
}

const hosts: Host[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});

describe('canonicalJson', () => {
  const reorder = (v: unknown, seed: number): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => reorder(x, seed + i));
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!).reverse();
    return Object.fromEntries(rotated.map(([k, x]) => [k, reorder(x, seed + 1)]));
  };

  it('property: the same value in any key order gives the same text, and the text parses back to the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (v, seed) => {
        expect(canonicalJson(reorder(v, seed))).toBe(canonicalJson(v));
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('property: different values give different texts', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), (a, b) => {
        const same = isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
        expect(canonicalJson(a) === canonicalJson(b)).toBe(same);
      }),
    );
  });
});

describe('Confirmations', () => {
  it('are bounded: the oldest pending ones are dropped first', () => {
    const clock = new ManualClock(0);
    const c = new Confirmations(clock);
    const first = c.issue('controls.resume', '{}');
    for (let i = 0; i < 300; i++) c.issue('controls.resume', '{}');
    expect(c.size).toBeLessThanOrEqual(256);
    expect(c.redeem(first, 'controls.resume', '{}')).toMatch(/unknown/u);
  });

  it('expired ones are pruned', () => {
    const clock = new ManualClock(0);
    const c = new Confirmations(clock, 1_000);
    c.issue('controls.resume', '{}');
    clock.advance(1_000);
    c.issue('controls.resume', '{}');
    expect(c.size).toBe(1);
  });
});

describe('CommandGateway', () => {
  it('turns a crash inside a command into INTERNAL without revealing its details', async () => {
    const engine = fakeEngine(async () => {
      throw new TypeError('cannot read secretKey of undefined at /home/op/.harvest');
    });
    const g = new CommandGateway(engine, silentLogger);
    const r = await g.call('users.list', {});
    expect(r).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String) } });
    expect(JSON.stringify(r)).not.toMatch(/secretKey|\/home/u);
  });

  it('passes engine errors written for people through, code and message', async () => {
    const engine = fakeEngine(async () => {
      throw new HarvestError('REFUSED', 'Ana still holds funds; export the wallet first.');
    });
    const r = await new CommandGateway(engine, silentLogger).call('users.list', {});
    expect(r).toEqual({
      ok: false,
      error: { code: 'REFUSED', message: 'Ana still holds funds; export the wallet first.' },
    });
  });

  it('asks nothing of non-sensitive commands and never runs a sensitive one unconfirmed', async () => {
    const engine = fakeEngine(async (name) => ({ ran: name }));
    const g = new CommandGateway(engine, silentLogger);
    expect(await g.call('users.list', {})).toEqual({ ok: true, result: { ran: 'users.list' } });
    const first = await g.call('keys.rotate', {});
    expect(first.ok).toBe(false);
    expect(engine.calls).toEqual(['users.list']);
    const id = !first.ok ? first.error.confirmationId : undefined;
    expect(await g.call('keys.rotate', {}, id)).toEqual({ ok: true, result: { ran: 'keys.rotate' } });
    expect(engine.calls).toEqual(['users.list', 'keys.rotate']);
  });

  it('every command the contract marks sensitive asks for confirmation first', async () => {
    const { commands, commandNames } = await import('../../engine/api');
    const engine = fakeEngine(async () => ({}));
    const g = new CommandGateway(engine, silentLogger);
    const sensitive = commandNames.filter((n) => commands[n].sensitive === true);
    expect(sensitive).toEqual(
      expect.arrayContaining([
        'wallet.export',
        'funds.withdraw',
        'whitelist.add',
        'whitelist.remove',
        'controls.resume',
      ]),
    );
    for (const name of sensitive) {
      // Whatever the input, nothing runs on the first call: a valid one is offered a confirmation, an invalid one refused.
      const r = await g.call(name, {});
      expect(r.ok, name).toBe(false);
      if (!r.ok) expect(['CONFIRMATION_REQUIRED', 'INVALID_INPUT']).toContain(r.error.code);
    }
    expect(engine.calls).toEqual([]);
  });
});

describe('the host with a misbehaving engine', () => {
  it('answers 500 INTERNAL over HTTP and WebSocket, keeps serving, and survives unserialisable events', async () => {
    const engine = fakeEngine(async (name) => {
      if (name === 'users.list') throw new Error('boom: /var/lib/secret');
      return { users: [] };
    });
    const host = await startHost({ engine, port: 0, log: silentLogger, rendererDir: null });
    hosts.push(host);
    const r = await http(`${host.origin}/api/command/users.list`, { token: host.token, body: { input: {} } });
    expect(r.status).toBe(500);
    expect((r.body as { error: { code: string } }).error.code).toBe('INTERNAL');
    expect(r.text).not.toContain('/var/lib/secret');

    const c = await connect(`ws://127.0.0.1:${host.port}/api/ws?token=${host.token}`);
    await c.take((m) => m.type === 'hello');
    const viaWs = await c.call('users.list', {});
    expect(viaWs).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });

    // An event that cannot be serialised is dropped (and logged); the next one arrives.
    engine.emit({ id: 1, ts: 'x', type: 'rpc.degraded', severity: 'warning', userId: null, payload: { n: 1n } });
    engine.emit({
      id: 2,
      ts: 'y',
      type: 'rpc.degraded',
      severity: 'warning',
      userId: null,
      payload: { endpoint: 'a', reason: 'b' },
    });
    const ev = await c.take((m) => m.type === 'event');
    expect(ev).toMatchObject({ event: { id: 2 } });
    expect((await c.call('engine.status', {})).ok).toBe(true);
    c.close();
  });
});
