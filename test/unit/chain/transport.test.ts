import { address, type Address } from '@solana/kit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { RpcDegradedEvent } from '../../../engine/chain';
import { HarvestError } from '../../../engine/kernel/errors';
import { expectHarvestRejection } from '../../helpers/errors';
import { TestClock } from './helpers/clock';
import { FakeRpcServer, RpcErrorReply } from './helpers/fake-rpc';
import { prng, randomAddress, signedTransaction, testClient } from './helpers/fixtures';

const servers: FakeRpcServer[] = [];

async function startServer(clock: TestClock): Promise<FakeRpcServer> {
  const s = await FakeRpcServer.start({ now: () => clock.now() });
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function addresses(n: number, seed = 7): Address[] {
  const rand = prng(seed);
  return Array.from({ length: n }, () => randomAddress(rand));
}

/** In every window of `perMs`, at most `requests` arrivals. */
function expectWithinLimit(arrivals: number[], requests: number, perMs: number): void {
  const t = [...arrivals].sort((a, b) => a - b);
  for (let i = 0; i + requests < t.length; i++) {
    expect((t[i + requests] as number) - (t[i] as number)).toBeGreaterThanOrEqual(perMs);
  }
}

describe('rate limit', () => {
  it('holds the default 100 requests / 10 s under a burst of 250', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    const { client, run } = testClient(clock, { endpoints: [server.url], cacheTtlMs: 0 });
    const t0 = clock.now();
    const results = await run(Promise.all(addresses(250).map((a) => client.rpc.getBalance(a).send())));
    expect(results).toHaveLength(250);
    const arrivals = server.callsOf('getBalance').map((c) => c.at);
    expect(arrivals).toHaveLength(250);
    // The full bucket goes out at once, then 100 more each time a window has passed.
    expect(arrivals.filter((t) => t === t0)).toHaveLength(100);
    expectWithinLimit(arrivals, 100, 10_000);
    expect(Math.max(...arrivals) - t0).toBeGreaterThanOrEqual(20_000);
    expect(Math.max(...arrivals) - t0).toBeLessThan(21_000);
  });

  it('never lets more than the bucket through in any window (property)', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 50, max: 5_000 }),
        fc.integer({ min: 1, max: 40 }),
        async (requests, perMs, burst) => {
          server.resetCalls();
          const { client, run } = testClient(clock, {
            endpoints: [server.url],
            cacheTtlMs: 0,
            rateLimit: { requests, perMs },
          });
          const start = clock.now();
          await run(Promise.all(addresses(burst, burst * 31 + requests).map((a) => client.rpc.getBalance(a).send())));
          const arrivals = server.calls.map((c) => c.at);
          expect(arrivals).toHaveLength(burst);
          expectWithinLimit(arrivals, requests, perMs);
          // ...and it does not hold back more than it has to.
          expect(Math.max(...arrivals) - start).toBe(Math.floor((burst - 1) / requests) * perMs);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('failover', () => {
  it('moves to the second endpoint when the first answers 500, and remembers it for a cooldown', async () => {
    const clock = new TestClock();
    const a = await startServer(clock);
    const b = await startServer(clock);
    a.alwaysFault = { kind: 'status', status: 500 };
    const [w1, w2, w3] = addresses(3);
    b.setAccount(w1 as string, { lamports: 42n, owner: '11111111111111111111111111111111' });
    const events: RpcDegradedEvent[] = [];
    const { client, run } = testClient(clock, {
      endpoints: [a.url, { url: b.url, label: 'backup' }],
      cooldownMs: 30_000,
      onDegraded: (e) => events.push(e),
    });

    const { value } = await run(client.rpc.getBalance(w1 as Address).send());
    expect(value).toBe(42n);
    expect(a.count()).toBe(3); // three attempts, then failover
    expect(b.count()).toBe(1);
    let stats = client.stats();
    expect(stats.failovers).toBe(1);
    expect(stats.retries).toBe(2);
    expect(stats.endpoints[0]).toMatchObject({
      healthy: false,
      requests: 3,
      failures: 3,
      failovers: 1,
      lastError: 'HTTP 500',
    });
    expect(stats.endpoints[1]).toMatchObject({ label: 'backup', healthy: true, requests: 1, successes: 1 });
    expect(stats.endpoints[1]?.byMethod).toEqual({ getBalance: 1 });
    expect(events).toEqual([
      expect.objectContaining({ from: client.endpoints[0], to: 'backup', method: 'getBalance', reason: 'HTTP 500' }),
    ]);

    // While cooling down, the failed endpoint is not tried first.
    await run(client.rpc.getBalance(w2 as Address).send());
    expect(a.count()).toBe(3);
    expect(b.count()).toBe(2);

    // After the cooldown it is preferred again, and recovers.
    a.alwaysFault = null;
    clock.advance(30_000);
    await run(client.rpc.getBalance(w3 as Address).send());
    expect(a.count()).toBe(4);
    stats = client.stats();
    expect(stats.endpoints[0]).toMatchObject({ healthy: true, successes: 1, lastError: null });
    expect(stats.byMethod).toEqual({ getBalance: 6 });
  });

  it("keeps an endpoint preferred when only one wallet's reads fail on it while it serves the others (users isolated)", async () => {
    // One friend's history cannot be read from the primary (a provider timing out on one heavy address, or the
    // soak's broken wallet); every other friend's reads succeed there meanwhile. That failure is the request's,
    // not the endpoint's: the primary must not be put to cooldown, or every friend's reads would move to the
    // fallback (on mainnet often the rate-limited public endpoint) for 30 s each time the one wallet is read.
    const clock = new TestClock();
    const a = await startServer(clock);
    const b = await startServer(clock);
    const [broken, w1, w2, w3, w4] = addresses(5, 11);
    const history = (params: unknown[]): unknown => {
      if (params[0] === broken)
        throw new RpcErrorReply({ code: -32005, message: 'Node is behind by 42 slots (this address only)' });
      return [];
    };
    a.handlers['getSignaturesForAddress'] = history;
    b.handlers['getSignaturesForAddress'] = history;
    const events: RpcDegradedEvent[] = [];
    const { client, run } = testClient(clock, {
      endpoints: [a.url, { url: b.url, label: 'fallback' }],
      cooldownMs: 30_000,
      onDegraded: (e) => events.push(e),
    });

    // The broken wallet's read and two other friends' reads at once, as a cycle's flow scan and orders make them.
    const [failed, ...others] = await run(
      Promise.allSettled([
        client.rpc.getSignaturesForAddress(broken as Address).send(),
        client.rpc.getBalance(w1 as Address).send(),
        client.rpc.getBalance(w2 as Address).send(),
      ]),
    );
    expect(failed.status).toBe('rejected');
    expect(others.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(a.count('getSignaturesForAddress')).toBe(3);
    expect(b.count('getSignaturesForAddress')).toBe(3); // the failing read still tries the fallback
    expect(events.length).toBeGreaterThan(0); // and says so

    // The primary served the others throughout: it stays healthy and first for everyone else.
    expect(client.stats().endpoints[0]).toMatchObject({ healthy: true });
    await run(Promise.all([w3, w4].map((w) => client.rpc.getBalance(w as Address).send())));
    expect(a.count('getBalance')).toBe(4);
    expect(b.count('getBalance')).toBe(0);
  });

  it('still cools down an endpoint that fails a request and answers nothing else meanwhile', async () => {
    const clock = new TestClock();
    const a = await startServer(clock);
    const b = await startServer(clock);
    a.alwaysFault = { kind: 'status', status: 503 };
    const [w1, w2, w3] = addresses(3, 12);
    const { client, run } = testClient(clock, { endpoints: [a.url, b.url], cooldownMs: 30_000 });
    await run(Promise.all([w1, w2].map((w) => client.rpc.getBalance(w as Address).send())));
    expect(client.stats().endpoints[0]).toMatchObject({ healthy: false });
    const before = a.count();
    await run(client.rpc.getBalance(w3 as Address).send());
    expect(a.count()).toBe(before);
  });

  it('fails over on timeouts (a hung endpoint) using the clock', async () => {
    const clock = new TestClock();
    const a = await startServer(clock);
    const b = await startServer(clock);
    a.alwaysFault = { kind: 'hang' };
    const { client, run } = testClient(clock, {
      endpoints: [a.url, b.url],
      requestTimeoutMs: 5_000,
      attemptsPerEndpoint: 2,
    });
    const t0 = clock.now();
    const height = await run(client.getBlockHeight(), 20);
    expect(height).toBe(b.blockHeight);
    expect(a.count()).toBe(2);
    expect(b.count()).toBe(1);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    expect(client.stats().endpoints[0]?.lastError).toBe('timed out after 5000 ms');
  });

  it('fails over on connection errors and on a node that says it is unhealthy', async () => {
    const clock = new TestClock();
    const dead = await startServer(clock);
    const deadUrl = dead.url;
    await dead.close();
    const unhealthy = await startServer(clock);
    unhealthy.alwaysFault = { kind: 'rpcError', code: -32005, message: 'Node is behind by 120 slots' };
    const good = await startServer(clock);
    const events: RpcDegradedEvent[] = [];
    const { client, run } = testClient(clock, {
      endpoints: [deadUrl, unhealthy.url, good.url],
      attemptsPerEndpoint: 2,
      onDegraded: (e) => events.push(e),
    });
    expect(await run(client.getBlockHeight())).toBe(good.blockHeight);
    expect(events.map((e) => [e.from, e.to])).toEqual([
      [client.endpoints[0], client.endpoints[1]],
      [client.endpoints[1], client.endpoints[2]],
    ]);
    expect(events[0]?.reason).toMatch(/ECONNREFUSED/);
    expect(events[1]?.reason).toMatch(/-32005.*Node is behind/);
    expect(client.stats().failovers).toBe(2);
  });

  it('says clearly when every endpoint fails, without leaking URL secrets', async () => {
    const clock = new TestClock();
    const a = await startServer(clock);
    const b = await startServer(clock);
    a.alwaysFault = { kind: 'status', status: 503 };
    b.alwaysFault = { kind: 'status', status: 502 };
    const events: RpcDegradedEvent[] = [];
    const { client, run } = testClient(clock, {
      endpoints: [`${a.url}/SECRETPATH/?api-key=SECRET123`, `${b.url}?api-key=SECRET456`],
      onDegraded: (e) => events.push(e),
    });
    const err = await expectHarvestRejection(run(client.getBlockHeight()), 'RPC_UNAVAILABLE', /Solana RPC unavailable/);
    expect(err.message).toContain(`${client.endpoints[0]}: HTTP 503`);
    expect(err.message).toContain(`${client.endpoints[1]}: HTTP 502`);
    expect(err.message).toContain('getBlockHeight');
    expect(err.message).not.toMatch(/SECRET/);
    expect(client.endpoints.join(' ')).not.toMatch(/SECRET/);
    expect(events.at(-1)?.to).toBeNull();
    expect(a.count() + b.count()).toBe(6);
  });

  it('fails over at once on an endpoint that refuses our credentials (HTTP 401)', async () => {
    const clock = new TestClock();
    const a = await startServer(clock);
    const b = await startServer(clock);
    a.alwaysFault = { kind: 'status', status: 401 };
    const { client, run } = testClient(clock, { endpoints: [a.url, b.url] });
    await run(client.getBlockHeight());
    expect(a.count()).toBe(1);
    expect(client.stats().endpoints[0]?.lastError).toMatch(/HTTP 401.*credentials/);
  });
});

describe('retries', () => {
  it('honours Retry-After on HTTP 429', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    server.fail({ kind: 'status', status: 429, retryAfter: '3' });
    const { client, run } = testClient(clock, { endpoints: [server.url], backoffBaseMs: 100 });
    expect(await run(client.getBlockHeight())).toBe(server.blockHeight);
    const [first, second] = server.calls.map((c) => c.at);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(3_000);
    expect((second as number) - (first as number)).toBeLessThan(3_300);
    expect(client.stats().retries).toBe(1);
    expect(client.stats().failovers).toBe(0);
  });

  it('backs off exponentially with jitter between attempts on 5xx', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    server.fail({ kind: 'status', status: 502 }, { times: 2 });
    const { client, run } = testClient(clock, { endpoints: [server.url], backoffBaseMs: 400, random: () => 0.25 });
    await run(client.getBlockHeight());
    const t = server.calls.map((c) => c.at);
    // base * 2^(n-1), then jitter keeps between half and all of it: 0.5 + 0.25 * 0.5 = 0.625.
    expect((t[1] as number) - (t[0] as number)).toBe(250);
    expect((t[2] as number) - (t[1] as number)).toBe(500);
  });

  it('fails over instead of waiting on a very long Retry-After', async () => {
    const clock = new TestClock();
    const a = await startServer(clock);
    const b = await startServer(clock);
    a.fail({ kind: 'status', status: 429, retryAfter: '120' });
    const { client, run } = testClient(clock, { endpoints: [a.url, b.url], maxRetryAfterMs: 10_000 });
    const t0 = clock.now();
    await run(client.getBlockHeight());
    expect(a.count()).toBe(1);
    expect(b.count()).toBe(1);
    expect(clock.now() - t0).toBeLessThan(1_000);
  });

  it('does not retry a JSON-RPC error about the request itself', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    server.handlers['getBlockHeight'] = () => {
      throw new RpcErrorReply({ code: -32602, message: 'Invalid params: bad commitment' });
    };
    const { client, run } = testClient(clock, { endpoints: [server.url] });
    await expectHarvestRejection(
      run(client.getBlockHeight()),
      'INTERNAL',
      /getBlockHeight failed.*Invalid params: bad commitment/,
    );
    expect(server.count()).toBe(1);
  });

  it('never repeats a request that is not idempotent when its outcome is unknown', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    server.fail({ kind: 'status', status: 500 }, { method: 'requestAirdrop' });
    const { client, run } = testClient(clock, { endpoints: [server.url] });
    const err = await expectHarvestRejection(
      run(client.requestAirdrop(address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM'), 1_000_000_000n)),
      'INTERNAL',
      /outcome unknown/,
    );
    expect(err).toBeInstanceOf(HarvestError);
    expect(server.count('requestAirdrop')).toBe(1);
  });
});

describe('read cache', () => {
  it('serves repeated reads within the TTL from the cache and refetches after it', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    const [w] = addresses(1);
    server.setAccount(w as string, { lamports: 5n, owner: '11111111111111111111111111111111' });
    const { client, run } = testClient(clock, { endpoints: [server.url], cacheTtlMs: 1_000 });

    expect((await run(client.rpc.getBalance(w as Address).send())).value).toBe(5n);
    server.setAccount(w as string, { lamports: 6n, owner: '11111111111111111111111111111111' });
    clock.advance(999);
    expect((await run(client.rpc.getBalance(w as Address).send())).value).toBe(5n);
    expect(server.count('getBalance')).toBe(1);
    clock.advance(1);
    expect((await run(client.rpc.getBalance(w as Address).send())).value).toBe(6n);
    expect(server.count('getBalance')).toBe(2);
    expect(client.stats()).toMatchObject({ cacheHits: 1, cacheMisses: 2 });

    // Different params are different entries.
    await run(client.rpc.getBalance(w as Address, { commitment: 'finalized' }).send());
    expect(server.count('getBalance')).toBe(3);
  });

  it('after clearCache, a read does not share a request sent before it, whose answer is not cached', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    const [w] = addresses(1);
    const owner = '11111111111111111111111111111111';
    server.setAccount(w as string, { lamports: 5n, owner });
    const { client, run } = testClient(clock, { endpoints: [server.url], cacheTtlMs: 60_000 });
    // A read in flight, then a deposit lands and the cache is cleared (as the faucet and sends do).
    const before = run(client.rpc.getBalance(w as Address).send());
    while (client.stats().cacheMisses < 1) await new Promise((r) => setImmediate(r));
    server.setAccount(w as string, { lamports: 6n, owner });
    client.clearCache();
    const after = run(client.rpc.getBalance(w as Address).send());
    expect((await after).value).toBe(6n);
    await before;
    // Two requests went out: the later read did not share the earlier one.
    expect(client.stats()).toMatchObject({ requests: 2, cacheHits: 0, cacheMisses: 2 });
    // Whatever the earlier request saw, only the later answer may be served from the cache now.
    expect((await run(client.rpc.getBalance(w as Address).send())).value).toBe(6n);
    expect(client.stats()).toMatchObject({ requests: 2, cacheHits: 1 });
  });

  it('shares one request among concurrent identical reads', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    const { client, run } = testClient(clock, { endpoints: [server.url] });
    const heights = await run(Promise.all(Array.from({ length: 5 }, () => client.getBlockHeight())));
    expect(new Set(heights)).toEqual(new Set([server.blockHeight]));
    expect(server.count('getBlockHeight')).toBe(1);
  });

  it('never caches sendTransaction, requestAirdrop or simulateTransaction', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    server.handlers['simulateTransaction'] = () => ({
      context: { apiVersion: '2.2.14', slot: server.slot },
      value: { accounts: null, err: null, logs: [], replacementBlockhash: null, returnData: null, unitsConsumed: 150n },
    });
    const { client, run } = testClient(clock, { endpoints: [server.url], cacheTtlMs: 60_000 });
    const { bytes } = await signedTransaction();
    const b64 = Buffer.from(bytes).toString('base64');
    const recipient = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
    for (let i = 0; i < 2; i++) {
      await run(client.rpc.sendTransaction(b64 as never, { encoding: 'base64' }).send());
      await run(client.requestAirdrop(recipient, 1n));
      await run(client.simulateTransaction(bytes));
    }
    expect(server.count('sendTransaction')).toBe(2);
    expect(server.count('requestAirdrop')).toBe(2);
    expect(server.count('simulateTransaction')).toBe(2);
    expect(client.stats().cacheHits).toBe(0);
  });

  it('can be turned off', async () => {
    const clock = new TestClock();
    const server = await startServer(clock);
    const { client, run } = testClient(clock, { endpoints: [server.url], cacheTtlMs: 0 });
    await run(client.getBlockHeight());
    await run(client.getBlockHeight());
    expect(server.count('getBlockHeight')).toBe(2);
  });
});

describe('configuration', () => {
  it('refuses unusable endpoint settings', async () => {
    const { createChainClient } = await import('../../../engine/chain');
    const clock = new TestClock();
    expect(() => createChainClient({ endpoints: [], clock })).toThrow(/At least one Solana RPC endpoint/);
    expect(() => createChainClient({ endpoints: ['ftp://example.com'], clock })).toThrow(/must be http/);
    expect(() => createChainClient({ endpoints: ['not a url'], clock })).toThrow(/not a valid URL/);
    expect(() =>
      createChainClient({ endpoints: ['http://127.0.0.1:1'], clock, rateLimit: { requests: 0, perMs: 1000 } }),
    ).toThrow(/Invalid rate limit/);
  });

  it('labels endpoints by origin only, and keeps labels unique', async () => {
    const { createChainClient } = await import('../../../engine/chain');
    const client = createChainClient({
      endpoints: [
        'https://rpc.example.com/KEY1',
        'https://rpc.example.com/KEY2',
        { url: 'https://x.example.org', label: 'mine' },
      ],
      clock: new TestClock(),
    });
    expect(client.endpoints).toEqual(['https://rpc.example.com', 'https://rpc.example.com#2', 'mine']);
  });
});

describe('on the system clock', () => {
  it('retries and answers in real time too', async () => {
    const { createChainClient } = await import('../../../engine/chain');
    const { systemClock } = await import('../../../engine/kernel/clock');
    const server = await FakeRpcServer.start({ now: () => systemClock.now() });
    servers.push(server);
    server.fail({ kind: 'status', status: 500 });
    server.fail({ kind: 'destroy' });
    const client = createChainClient({ endpoints: [server.url], clock: systemClock, backoffBaseMs: 5 });
    expect(await client.getBlockHeight()).toBe(server.blockHeight);
    expect(server.count()).toBe(3);
    expect(client.stats()).toMatchObject({ retries: 2, inFlight: 0 });
  });
});
