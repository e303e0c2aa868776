/**
 * The headless host over real HTTP and WebSockets, against an in-process
 * engine (real data directory, real keychain) on the sandbox: token, origin,
 * the confirmation step of sensitive commands, bad input, live events, static
 * files and hostile messages.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent, ServerMessage } from '../../engine/api';
import { CONFIRMATION_TTL_MS, MAX_WS_MESSAGE_BYTES, startHost, type Host } from '../../engine/host';
import type { ManualClock } from '../../engine/kernel/clock';
import { HarvestError } from '../../engine/kernel/errors';
import { silentLogger } from '../../engine/kernel/logger';
import type { Engine } from '../../engine/runtime';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';
import { connect, http, openWs, type Conn, type FailedResult, type ResultMessage } from './host-support';
import { randomSecretKey } from './support';

const VERSION = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

let data: ReturnType<typeof tempDataDir>;
let engine: Engine;
let clock: ManualClock;
let host: Host;
let rendererDir: string;
/** http://127.0.0.1:PORT */
let base: string;
let wsUrl: string;
const open: Conn[] = [];

function cmdUrl(name: string): string {
  return `${base}/api/command/${name}`;
}

function failed(r: ResultMessage): FailedResult['error'] {
  expect(r.ok, JSON.stringify(r)).toBe(false);
  return (r as FailedResult).error;
}

async function ws(url = `${wsUrl}?token=${host.token}`, opts: { origin?: string } = {}): Promise<Conn> {
  const c = await connect(url, opts);
  open.push(c);
  await c.take((m) => m.type === 'hello');
  return c;
}

async function exec<T = unknown>(name: string, input: unknown = {}): Promise<T> {
  return (await engine.executeUntyped(name, input)) as T;
}

async function auditCount(): Promise<number> {
  return (await exec<{ entries: unknown[] }>('audit.list', { limit: 1000 })).entries.length;
}

async function userNames(): Promise<string[]> {
  return (await exec<{ users: { name: string }[] }>('users.list')).users.map((u) => u.name);
}

async function globalControl(): Promise<{ paused: boolean; halted: boolean }> {
  return (await exec<{ global: { paused: boolean; halted: boolean } }>('controls.status')).global;
}

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'hv-renderer-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(
    join(rendererDir, 'index.html'),
    '<!doctype html><title>Harvest UI fixture</title><script type="module" src="/assets/app.js"></script>',
  );
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("fixture");');
  writeFileSync(join(rendererDir, '.env'), 'SECRET=1');

  data = tempDataDir('hv-host-');
  engine = openEngine(data.dir, { ownerKind: 'engine', actor: 'ui' });
  clock = engine.clock as ManualClock;
  await engine.funds();
  host = await startHost({ engine, port: 0, log: silentLogger, rendererDir });
  base = host.origin;
  wsUrl = `${base.replace('http://', 'ws://')}/api/ws`;
});

afterAll(async () => {
  for (const c of open) c.close();
  await host?.close();
  await engine?.close();
  data?.cleanup();
  rmSync(rendererDir, { recursive: true, force: true });
});

describe('startHost', () => {
  it('prints a ready-to-open loopback URL with a 256-bit hex token', () => {
    expect(host.token).toMatch(/^[0-9a-f]{64}$/u);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.warnings).toEqual([]);
  });

  it('draws a new token at every start', async () => {
    const other = await startHost({ engine, port: 0, log: silentLogger, rendererDir: null });
    try {
      expect(other.token).not.toBe(host.token);
      // Each host honours only its own token.
      expect((await http(`${other.origin}/api/health`, { token: host.token })).status).toBe(401);
      expect((await http(`${other.origin}/api/health`, { token: other.token })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('the access token', () => {
  const sameLengthWrong = (): string => (host.token[0] === 'a' ? 'b' : 'a') + host.token.slice(1);

  it('GET /api/health: missing or wrong token is 401 with no data; the right one answers', async () => {
    for (const token of [null, sameLengthWrong(), 'short', host.token + '0', host.token.toUpperCase()]) {
      const r = await http(`${base}/api/health`, { token });
      expect(r.status, String(token)).toBe(401);
      expect(r.body).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
      expect(r.text).not.toContain(VERSION);
    }
    // Only the Authorization header counts over HTTP (a token in the URL ends up in histories and logs).
    expect((await http(`${base}/api/health?token=${host.token}`)).status).toBe(401);
    // Not a Bearer token.
    expect((await http(`${base}/api/health`, { headers: { authorization: `Basic ${host.token}` } })).status).toBe(401);

    const ok = await http(`${base}/api/health`, { token: host.token });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, version: VERSION });
  });

  it('commands without the right token are 401, return nothing and change nothing', async () => {
    await exec('users.add', { name: 'secret-sam' });
    const before = await auditCount();
    for (const token of [null, sameLengthWrong()]) {
      const list = await http(cmdUrl('users.list'), { token, body: { input: {} } });
      expect(list.status).toBe(401);
      expect(list.text).not.toContain('secret-sam');
      const add = await http(cmdUrl('users.add'), { token, body: { input: { name: 'intruder' } } });
      expect(add.status).toBe(401);
      expect((add.body as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      // Unknown endpoints look the same as known ones to a caller without the token.
      expect((await http(`${base}/api/whatever`, { token })).status).toBe(401);
      expect((await http(cmdUrl('no.such.command'), { token, body: {} })).status).toBe(401);
    }
    expect(await userNames()).not.toContain('intruder');
    expect(await auditCount()).toBe(before);
  });

  it('the WebSocket upgrade without the right token is refused with 401 and sends nothing', async () => {
    for (const url of [
      wsUrl,
      `${wsUrl}?token=`,
      `${wsUrl}?token=${sameLengthWrong()}`,
      `${wsUrl}?token=${host.token}&token=${host.token}`,
    ]) {
      const r = await openWs(url);
      expect(r.ok, url).toBe(false);
      if (!r.ok) {
        expect(r.status).toBe(401);
        expect(r.body).not.toContain(VERSION);
      }
    }
    // And with it, the host says hello.
    const r = await openWs(`${wsUrl}?token=${host.token}`);
    expect(r.ok).toBe(true);
    if (r.ok) {
      open.push(r.conn);
      expect(await r.conn.take((m) => m.type === 'hello')).toEqual({ type: 'hello', version: VERSION });
    }
  });

  it('a wrong token never gets live events: refused sockets receive nothing while events flow', async () => {
    const refused = await openWs(`${wsUrl}?token=${sameLengthWrong()}`);
    expect(refused.ok).toBe(false);
    const good = await ws();
    await exec('controls.pause', { reason: 'token test' });
    const ev = await good.take((m) => m.type === 'event' && m.event.type === 'controls.changed');
    expect(ev).toMatchObject({ type: 'event', event: { type: 'controls.changed', payload: { paused: true } } });
    await exec('controls.resume', {});
  });
});

describe('a client with the token', () => {
  it('runs commands over HTTP and over the WebSocket, and receives live events', async () => {
    const a = await ws();
    const b = await ws();

    const added = await http<{ ok: true; result: { id: number; name: string } }>(cmdUrl('users.add'), {
      token: host.token,
      body: { input: { name: 'ana' } },
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ ok: true, result: { name: 'ana' } });
    const anaId = added.body.result.id;

    const key = randomSecretKey();
    const imported = await a.call('wallet.import', { user: 'ana', secretKey: key.base58 });
    expect(imported).toMatchObject({ type: 'result', ok: true, result: { userId: anaId, address: key.address } });

    const funded = await a.call('funds.faucet', { user: 'ana', sol: '2', token: 'USDC', amount: '100' });
    expect(funded, JSON.stringify(funded)).toMatchObject({
      ok: true,
      result: { balances: { userId: anaId, active: true, lamports: '2000000000' } },
    });

    // The balance crossing the minimum is an event, pushed to every connected client.
    for (const c of [a, b]) {
      const ev = await c.take(
        (m): m is Extract<ServerMessage, { type: 'event' }> => m.type === 'event' && m.event.type === 'user.activated',
      );
      const event = ev.event as EngineEvent<'user.activated'>;
      expect(event.userId).toBe(anaId);
      expect(event.payload.balanceLamports).toBe('2000000000');
      expect(event.id).toBeGreaterThan(0);
    }

    // Events from anywhere in the engine (here: the CLI side, straight on the engine) arrive too.
    await exec('controls.pause', { user: 'ana', reason: 'live' });
    const paused = await b.take((m) => m.type === 'event' && m.event.type === 'controls.changed');
    expect(paused).toMatchObject({ event: { userId: anaId, payload: { paused: true, reason: 'live' } } });

    // Non-sensitive commands run in one step, and answer with the contract's output.
    const listed = await b.call('users.list', {});
    expect(listed).toMatchObject({
      ok: true,
      result: { users: expect.arrayContaining([expect.objectContaining({ name: 'ana', address: key.address })]) },
    });
  });

  it('accepts POSTs and WebSockets from its own origin (127.0.0.1 and localhost)', async () => {
    for (const origin of [base, base.replace('127.0.0.1', 'localhost')]) {
      const r = await http(cmdUrl('controls.status'), { token: host.token, origin, body: { input: {} } });
      expect(r.status, origin).toBe(200);
      const c = await ws(undefined, { origin });
      expect((await c.call('engine.health', {})).ok).toBe(true);
    }
  });
});

describe('the Origin check', () => {
  const foreign = (): string[] => [
    'http://evil.example',
    'null',
    'http://127.0.0.1:1',
    `https://127.0.0.1:${host.port}`,
    `http://127.0.0.1.evil.example:${host.port}`,
    `http://192.168.0.1:${host.port}`,
  ];

  it('a POST from another origin is 403 and changes nothing, even with the token', async () => {
    const before = await auditCount();
    for (const origin of foreign()) {
      const r = await http(cmdUrl('users.add'), { token: host.token, origin, body: { input: { name: 'csrf' } } });
      expect(r.status, origin).toBe(403);
      expect((r.body as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      expect(r.text).not.toContain('"result"');
    }
    expect(await userNames()).not.toContain('csrf');
    expect(await auditCount()).toBe(before);
  });

  it('a WebSocket from another origin is refused with 403, even with the token', async () => {
    for (const origin of foreign()) {
      const r = await openWs(`${wsUrl}?token=${host.token}`, { origin });
      expect(r.ok, origin).toBe(false);
      if (!r.ok) expect(r.status).toBe(403);
    }
  });

  it('requests addressed to another host name (DNS rebinding) get 403, even for static files', async () => {
    const status = (path: string, hostHeader: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: host.port,
            path,
            headers: { host: hostHeader, authorization: `Bearer ${host.token}` },
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const rebound = await status('/api/health', `attacker.example:${host.port}`);
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain(VERSION);
    expect((await status('/', `attacker.example:${host.port}`)).status).toBe(403);
    expect((await status('/api/health', `localhost:${host.port}`)).status).toBe(200);
  });
});

describe('sensitive commands take a second, confirming call', () => {
  async function post(
    name: string,
    input: unknown,
    confirmation?: string,
  ): Promise<{
    status: number;
    body: { ok: boolean; error?: { code: string; confirmationId?: string; message: string } };
  }> {
    return http(cmdUrl(name), {
      token: host.token,
      body: { input, ...(confirmation !== undefined ? { confirmation } : {}) },
    });
  }

  async function confirmationFor(name: string, input: unknown): Promise<string> {
    const r = await post(name, input);
    expect(r.status, JSON.stringify(r.body)).toBe(409);
    expect(r.body.error?.code).toBe('CONFIRMATION_REQUIRED');
    expect(r.body.error?.confirmationId).toMatch(/^[0-9a-f]{32}$/u);
    return r.body.error!.confirmationId!;
  }

  it('the first call runs nothing and returns a confirmation id; the second runs it; the id is single-use', async () => {
    await exec('controls.pause', { reason: 'maintenance' });
    const id = await confirmationFor('controls.resume', {});
    expect((await globalControl()).paused, 'asking for a confirmation must not resume').toBe(true);

    const done = await post('controls.resume', {}, id);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ ok: true, result: { paused: false, halted: false } });
    expect((await globalControl()).paused).toBe(false);

    // Reused: refused (with a fresh id to confirm anew), and nothing runs.
    await exec('controls.pause', { reason: 'again' });
    const reused = await post('controls.resume', {}, id);
    expect(reused.status).toBe(409);
    expect(reused.body.error?.code).toBe('CONFIRMATION_REQUIRED');
    expect(reused.body.error?.message).toMatch(/already used/u);
    expect(reused.body.error?.confirmationId).not.toBe(id);
    expect((await globalControl()).paused).toBe(true);
    await exec('controls.resume', {});
  });

  it('resume after a halt needs the confirmation too', async () => {
    await exec('controls.halt', { reason: 'panic' });
    const c = await ws();
    const first = await c.call('controls.resume', {});
    const err = failed(first);
    expect(err.code).toBe('CONFIRMATION_REQUIRED');
    expect((await globalControl()).halted).toBe(true);
    const second = await c.call('controls.resume', {}, err.confirmationId);
    expect(second).toMatchObject({ ok: true, result: { halted: false } });
    expect((await globalControl()).halted).toBe(false);
  });

  it('a confirmation for one input does not run another (and is spent by trying)', async () => {
    await exec('controls.pause', { reason: 'all' });
    await exec('controls.pause', { user: 'ana', reason: 'ana' });
    const forEveryone = await confirmationFor('controls.resume', {});
    const other = await post('controls.resume', { user: 'ana' }, forEveryone);
    expect(other.status).toBe(409);
    expect(other.body.error?.message).toMatch(/different request/u);
    const status = await exec<{ global: { paused: boolean }; users: { name: string; paused: boolean }[] }>(
      'controls.status',
    );
    expect(status.global.paused).toBe(true);
    expect(status.users.find((u) => u.name === 'ana')?.paused).toBe(true);
    // Spent: not even the original request runs with it now.
    expect((await post('controls.resume', {}, forEveryone)).status).toBe(409);
    expect((await globalControl()).paused).toBe(true);

    // Nor does it carry over to another command with the same input.
    const resumeAna = await confirmationFor('controls.resume', { user: 'ana' });
    const crossed = await post(
      'whitelist.remove',
      { user: 'ana', address: '11111111111111111111111111111111' },
      resumeAna,
    );
    expect(crossed.status).toBe(409);
    expect(crossed.body.error?.code).toBe('CONFIRMATION_REQUIRED');

    // Equal inputs match however they are spelled (defaults and key order do not matter).
    // (An unknown user is refused before any confirmation is offered: see confirm-preflight.test.ts.)
    await exec('users.add', { name: 'spare-friend' });
    const all = await confirmationFor('users.remove', { user: 'spare-friend', force: false });
    const same = await post('users.remove', { user: 'spare-friend' }, all);
    expect(same.body.ok, 'the confirmation matched, so the command ran').toBe(true);

    await exec('controls.resume', { user: 'ana' });
    await exec('controls.resume', {});
  });

  it('expires after two minutes on the engine clock', async () => {
    await exec('controls.pause', { reason: 'expiry' });
    const stale = await confirmationFor('controls.resume', {});
    clock.advance(CONFIRMATION_TTL_MS);
    const late = await post('controls.resume', {}, stale);
    expect(late.status).toBe(409);
    expect(late.body.error?.message).toMatch(/expired/u);
    expect((await globalControl()).paused).toBe(true);

    const fresh = await confirmationFor('controls.resume', {});
    clock.advance(CONFIRMATION_TTL_MS - 1);
    const inTime = await post('controls.resume', {}, fresh);
    expect(inTime.status).toBe(200);
    expect((await globalControl()).paused).toBe(false);
  });

  it('a wallet export reveals nothing until confirmed', async () => {
    await exec('users.add', { name: 'exp' });
    const key = randomSecretKey();
    await exec('wallet.import', { user: 'exp', secretKey: key.base58 });
    const c = await ws();
    const first = await c.call('wallet.export', { user: 'exp', confirm: true });
    expect(JSON.stringify(first)).not.toContain(key.base58);
    const id = failed(first).confirmationId;
    expect(id).toBeTruthy();
    const second = await c.call('wallet.export', { user: 'exp', confirm: true }, id);
    expect(second).toMatchObject({ ok: true, result: { kind: 'secret_key', secretKeyBase58: key.base58 } });
  });

  it('bad input to a sensitive command is INVALID_INPUT, with no confirmation offered', async () => {
    const r = await post('funds.withdraw', { user: 'ana', to: 'x', amount: 'lots', confirm: true });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('INVALID_INPUT');
    expect(r.body.error?.confirmationId).toBeUndefined();
    expect(host.gateway.confirmations.size).toBeLessThan(256);
  });

  it('a confirmation must be a string', async () => {
    const r = await http(cmdUrl('controls.resume'), { token: host.token, body: { input: {}, confirmation: 42 } });
    expect(r.status).toBe(400);
  });
});

describe('bad requests', () => {
  it('bad input is 400 INVALID_INPUT with a message a person can act on, and changes nothing', async () => {
    const names = await userNames();
    const audit = await auditCount();
    const cases: unknown[] = [{ name: 5 }, { name: 'x', extra: true }, [], 'ana', null];
    for (const input of cases) {
      const r = await http<{ ok: false; error: { code: string; message: string } }>(cmdUrl('users.add'), {
        token: host.token,
        body: { input },
      });
      expect(r.status, JSON.stringify(input)).toBe(400);
      expect(r.body.error.code).toBe('INVALID_INPUT');
      expect(r.body.error.message).toMatch(/users\.add/u);
    }
    const order = await http<{ error: { message: string } }>(cmdUrl('orders.submit'), {
      token: host.token,
      body: { input: { user: 'ana', side: 'buy', token: 'SOL', amount: '-1' } },
    });
    expect(order.status).toBe(400);
    expect(order.body.error.message).toMatch(/amount/u);
    expect(await userNames()).toEqual(names);
    expect(await auditCount()).toBe(audit);
  });

  it('malformed bodies are 400/413/415, unknown commands 404; nothing changes', async () => {
    const audit = await auditCount();
    const t = host.token;
    const codeOf = (r: { body: unknown }): string => (r.body as { error: { code: string } }).error.code;
    const notJson = await http(cmdUrl('users.add'), {
      token: t,
      rawBody: '{"input":',
      headers: { 'content-type': 'application/json' },
    });
    expect([notJson.status, codeOf(notJson)]).toEqual([400, 'INVALID_INPUT']);
    const array = await http(cmdUrl('users.add'), { token: t, body: [{ name: 'arr' }] });
    expect([array.status, codeOf(array)]).toEqual([400, 'INVALID_INPUT']);
    const unknownKey = await http(cmdUrl('users.add'), { token: t, body: { name: 'flat' } });
    expect([unknownKey.status, codeOf(unknownKey)]).toEqual([400, 'INVALID_INPUT']);
    const form = await http(cmdUrl('users.add'), {
      token: t,
      rawBody: 'input=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([form.status, codeOf(form)]).toEqual([415, 'INVALID_INPUT']);
    const huge = await http(cmdUrl('users.add'), { token: t, body: { input: { name: 'x'.repeat(2 * 1024 * 1024) } } });
    expect([huge.status, codeOf(huge)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const proto = await http(cmdUrl('users.add'), {
      token: t,
      rawBody: '{"input":{"name":"p"},"__proto__":{"x":1}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(proto.status).toBe(400);
    for (const name of ['no.such', '__proto__', 'constructor', 'toString']) {
      const r = await http(cmdUrl(name), { token: t, body: { input: {} } });
      expect([r.status, codeOf(r)], name).toEqual([404, 'NOT_FOUND']);
    }
    expect((await http(cmdUrl('users.list'), { token: t, method: 'GET' })).status).toBe(404);
    expect(await userNames()).not.toContain('arr');
    expect(await auditCount()).toBe(audit);
  });

  it('engine refusals keep their code and a sensible status', async () => {
    const t = host.token;
    const missing = await http<{ error: { code: string } }>(cmdUrl('wallet.show'), {
      token: t,
      body: { input: { user: 'nobody' } },
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const dup = await http<{ error: { code: string } }>(cmdUrl('users.add'), {
      token: t,
      body: { input: { name: 'ana' } },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CONFLICT');
  });
});

describe('hostile WebSocket messages', () => {
  it('every malformed message gets an INVALID_INPUT reply (with its id when it had one) and the socket stays usable', async () => {
    const c = await ws();
    const send = async (text: string): Promise<FailedResult['error'] & { id: number }> => {
      c.ws.send(text);
      const r = await c.result();
      return { ...failed(r), id: r.id };
    };
    expect(await send('not json')).toMatchObject({ code: 'INVALID_INPUT', id: -1 });
    expect(await send('[]')).toMatchObject({ code: 'INVALID_INPUT', id: -1 });
    expect(await send('null')).toMatchObject({ code: 'INVALID_INPUT', id: -1 });
    expect(await send(JSON.stringify({ type: 'call', id: 7, command: 5 }))).toMatchObject({
      code: 'INVALID_INPUT',
      id: 7,
    });
    expect(await send(JSON.stringify({ type: 'hello', id: 8 }))).toMatchObject({ code: 'INVALID_INPUT', id: 8 });
    expect(await send(JSON.stringify({ type: 'call', id: 9, command: 'nope', input: {} }))).toMatchObject({
      code: 'NOT_FOUND',
      id: 9,
    });
    expect(
      await send(JSON.stringify({ type: 'call', id: 10, command: 'users.add', input: { name: 1 } })),
    ).toMatchObject({ code: 'INVALID_INPUT', id: 10 });
    c.ws.send(Buffer.from([0, 1, 2]), { binary: true });
    expect(failed(await c.result()).code).toBe('INVALID_INPUT');
    expect((await c.call('controls.status', {})).ok).toBe(true);
  });

  it('an oversized message closes that socket (1009); the host carries on', async () => {
    const c = await ws();
    c.ws.send('x'.repeat(MAX_WS_MESSAGE_BYTES + 1));
    await expect(c.take(() => false, 10_000)).rejects.toThrow(/closed \(1009\)/u);
    const d = await ws();
    expect((await d.call('engine.status', {})).ok).toBe(true);
  });

  it('property: garbage never crashes the host and always gets an error reply', async () => {
    const c = await ws();
    const commandLike = fc.oneof(
      fc.string(),
      fc.constantFrom('users.add.', 'USERS.ADD', ' users.add', '__proto__', 'hasOwnProperty', ''),
    );
    const garbage = fc.oneof(
      // Arbitrary text (mostly not JSON).
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      // JSON that is not a call.
      fc
        .jsonValue({ maxDepth: 3 })
        .filter(
          (v) => typeof v !== 'object' || v === null || Array.isArray(v) || (v as { type?: unknown }).type !== 'call',
        )
        .map((v) => JSON.stringify(v)),
      // Call-shaped, with a broken field.
      fc
        .record({
          type: fc.oneof(fc.constant('call'), fc.jsonValue()),
          id: fc.oneof(fc.integer({ min: -5, max: 1_000 }), fc.double(), fc.string(), fc.constant(null)),
          command: fc.oneof(commandLike, fc.jsonValue()),
          input: fc.jsonValue({ maxDepth: 2 }),
          confirmation: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)),
        })
        .filter(
          (m) =>
            !(
              m.type === 'call' &&
              Number.isSafeInteger(m.id) &&
              (m.id as number) >= 0 &&
              typeof m.command === 'string' &&
              /^[a-z]+\.[a-zA-Z]+$/u.test(m.command)
            ),
        )
        .map((m) => JSON.stringify(m)),
      // Unknown commands, well-formed otherwise.
      fc
        .record({ id: fc.nat(), command: commandLike, input: fc.jsonValue({ maxDepth: 2 }) })
        .map((m) => JSON.stringify({ type: 'call', ...m })),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (text) => {
        c.ws.send(text);
        const r = await c.result(5_000);
        const err = failed(r);
        expect(['INVALID_INPUT', 'NOT_FOUND']).toContain(err.code);
        expect(typeof err.message).toBe('string');
        expect(err.message.length).toBeGreaterThan(0);
        expect(c.closed).toBeNull();
      }),
      { numRuns: 300 },
    );
    // Still alive, and still correct.
    expect((await c.call('users.list', {})).ok).toBe(true);
    expect((await http(`${base}/api/health`, { token: host.token })).status).toBe(200);
  });

  it('a flood of calls on one socket is bounded, and every call is answered', async () => {
    const c = await ws();
    const n = 100;
    for (let i = 0; i < n; i++)
      c.ws.send(JSON.stringify({ type: 'call', id: 10_000 + i, command: 'engine.health', input: {} }));
    const results: ResultMessage[] = [];
    for (let i = 0; i < n; i++) results.push(await c.result());
    expect(new Set(results.map((r) => r.id)).size).toBe(n);
    for (const r of results) if (!r.ok) expect(r.error.code).toBe('TOO_MANY_REQUESTS');
    expect(results.some((r) => r.ok)).toBe(true);
  });
});

describe('static renderer files', () => {
  it('are served without a token, with a strict CSP and security headers', async () => {
    const index = await http(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.text).toContain('Harvest UI fixture');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`);
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');

    const js = await http(`${base}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/u);
    // Client-side routes get the app; missing files and dotfiles do not.
    expect((await http(`${base}/users/ana/wallet`)).text).toContain('Harvest UI fixture');
    expect((await http(`${base}/assets/missing.js`)).status).toBe(404);
    expect((await http(`${base}/.env`)).text).not.toContain('SECRET');
    expect((await http(`${base}/assets/../../etc/passwd`)).text).not.toContain('root:');
  });

  it('without a built renderer, a page says how to build it and the API still works', async () => {
    const bare = await startHost({ engine, port: 0, log: silentLogger, rendererDir: join(rendererDir, 'not-there') });
    try {
      expect(bare.rendererBuilt).toBe(false);
      const page = await http(`${bare.origin}/`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('npm run build:renderer');
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect((await http(`${bare.origin}/api/health`, { token: bare.token })).status).toBe(200);
      expect((await http(`${bare.origin}/api/health`)).status).toBe(401);
    } finally {
      await bare.close();
    }
  });
});

describe('binding', () => {
  it('refuses a non-loopback address without allowRemote, before listening', async () => {
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const err = await startHost({ engine, host: h, port: 0, log: silentLogger }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, h).toBeInstanceOf(HarvestError);
      expect((err as HarvestError).code).toBe('REFUSED');
      expect((err as HarvestError).message).toMatch(/allow-remote/u);
    }
  });

  it('binds a non-loopback address with allowRemote, with a warning, and still checks origin and token', async () => {
    const remote = await startHost({
      engine,
      host: '0.0.0.0',
      port: 0,
      allowRemote: true,
      log: silentLogger,
      rendererDir: null,
    });
    try {
      expect(remote.warnings.join(' ')).toMatch(/reachable from other machines/u);
      const url = `http://127.0.0.1:${remote.port}`;
      expect((await http(`${url}/api/health`)).status).toBe(401);
      expect((await http(`${url}/api/health`, { token: remote.token })).status).toBe(200);
      const evil = await http(`${url}/api/command/users.list`, {
        token: remote.token,
        origin: 'http://evil.example',
        body: { input: {} },
      });
      expect(evil.status).toBe(403);
    } finally {
      await remote.close();
    }
  });

  it('loopback addresses need no flag', async () => {
    for (const h of ['127.0.0.1', 'localhost']) {
      const h2 = await startHost({ engine, host: h, port: 0, log: silentLogger, rendererDir: null });
      try {
        expect(h2.warnings).toEqual([]);
        expect((await http(`${h2.origin}/api/health`, { token: h2.token })).status).toBe(200);
      } finally {
        await h2.close();
      }
    }
  });

  it('closing stops answering and disconnects sockets', async () => {
    const h2 = await startHost({ engine, port: 0, log: silentLogger, rendererDir: null });
    const c = await connect(`ws://127.0.0.1:${h2.port}/api/ws?token=${h2.token}`);
    await c.take((m) => m.type === 'hello');
    await h2.close();
    await expect(c.take(() => false, 5_000)).rejects.toThrow(/closed/u);
    await expect(http(`${h2.origin}/api/health`, { token: h2.token })).rejects.toThrow();
  });
});
