/**
 * Balance reads over real HTTP against the sandbox (issue #3, items 1 and 6):
 * the call budget of a refresh for N users, exact amounts, failover when an
 * endpoint answers 500, and an expired blockhash that never lands.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getSignatureFromTransaction,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type KeyPairSigner,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChainClient } from '../../engine/chain';
import { systemClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { KNOWN_TOKENS } from '../../engine/market';
import { SLOT_MS, BLOCKHASH_VALID_BLOCKS } from '../../engine/sandbox/ledger';
import { openEngine } from '../helpers/engine';
import { tempDataDir } from '../helpers/datadir';
import {
  addUser,
  calls,
  driveClock,
  eventsOf,
  LAMPORTS_PER_SOL,
  openFundsWorld,
  PAST_CACHE_MS,
  PYUSD,
  SPL,
  SPL_SPECS,
  USDC,
  WBTC,
  WETH,
  type FundsWorld,
} from './funds-support';

/** M: the SPL tokens the engine knows (everything in KNOWN_TOKENS but native SOL). */
const M = KNOWN_TOKENS.filter((t) => t.tokenProgram !== null).length;
const MAX_USERS = 250;
const budget = (n: number): number => Math.ceil((n * (1 + M)) / 100);

/** Users funded by the faucet, by index, spread over chunk boundaries (20 users = 100 accounts per call). */
const FUNDED = [0, 19, 20, 99, 100, 101, 249];
function grant(i: number): { lamports: bigint; tokens: Map<string, bigint> } {
  const k = BigInt(i);
  return {
    lamports: LAMPORTS_PER_SOL + 7n * k + 1n,
    tokens: new Map([
      [USDC.mint, 1_000_000n * (k + 1n) + 3n],
      // Token-2022.
      [PYUSD.mint, 123_456_789_012n + k],
      [WETH.mint, 1n + k],
      // Above 2^53: a float anywhere on the way would round it.
      [WBTC.mint, 9_007_199_254_740_993n + k],
    ]),
  };
}

describe('balance refresh for many users, against the sandbox over HTTP', () => {
  let w: FundsWorld;
  let users: { id: number; address: Address }[];

  beforeAll(async () => {
    w = await openFundsWorld();
    users = Array.from({ length: MAX_USERS }, (_, i) => addUser(w.engine, `user-${i}`));
    for (const i of FUNDED) {
      const g = grant(i);
      await w.sandbox.fund(users[i]!.address, {
        lamports: g.lamports,
        tokens: [...g.tokens].map(([mint, amount]) => ({ mint, amount })),
      });
    }
  }, 60_000);

  afterAll(async () => {
    await w?.close();
  });

  const expected = (i: number): { lamports: bigint; tokens: Map<string, bigint> } =>
    FUNDED.includes(i) ? grant(i) : { lamports: 0n, tokens: new Map() };

  it('costs exactly ceil(N·(1+M)/100) getMultipleAccounts and nothing else, for any N (property)', async () => {
    expect(M).toBe(SPL.length);
    expect(M).toBeGreaterThanOrEqual(3);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MAX_USERS }), async (n) => {
        // Past the read cache: every refresh must really go to the node.
        w.clock.advance(PAST_CACHE_MS);
        w.sandbox.rpc.resetCallCounts();
        const ids = users.slice(0, n).map((u) => u.id);
        const out = await w.funds.balances.refresh(ids);
        expect(w.sandbox.rpc.callCounts()).toEqual({ getMultipleAccounts: budget(n) });
        expect(w.funds.net.chain.endpoints).toHaveLength(1);
        expect(out.map((b) => b.userId)).toEqual(ids);
        out.forEach((b, i) => {
          const e = expected(i);
          expect(b.address).toBe(users[i]!.address);
          expect(b.lamports).toBe(e.lamports);
          expect(b.tokens.map((t) => t.token.symbol)).toEqual(SPL.map((t) => t.symbol));
          for (const t of b.tokens)
            expect(t.amount, `${t.token.symbol} of user ${i}`).toBe(e.tokens.get(t.token.mint) ?? 0n);
        });
      }),
      // Chunk boundaries first: 20 users fill one call exactly, 21 need two.
      { numRuns: 6, examples: [[1], [20], [21], [MAX_USERS]] },
    );
  });

  it('reads exactly what the faucet gave (bigint, SOL, Token and Token-2022) and records it', async () => {
    w.clock.advance(PAST_CACHE_MS);
    const out = await w.funds.balances.refresh();
    expect(out).toHaveLength(MAX_USERS);
    for (const i of FUNDED) {
      const b = out[i]!;
      const g = grant(i);
      expect(b.lamports).toBe(g.lamports);
      for (const t of SPL) expect(b.tokens.find((x) => x.token.mint === t.mint)!.amount).toBe(g.tokens.get(t.mint));
      // What the engine recorded is what it read.
      const rows = w.engine.store.holdings.balances(users[i]!.address, 'sandbox');
      expect(new Map(rows.map((r) => [r.mint, r.amount]))).toEqual(new Map([['SOL', g.lamports], ...g.tokens]));
    }
    // Through the API, amounts are exact decimal strings.
    const api = await w.engine.execute('wallet.balances', { user: 'user-249' });
    const g = grant(249);
    expect(api.balances).toHaveLength(1);
    expect(api.balances[0]!.lamports).toBe(g.lamports.toString());
    expect(api.balances[0]!.tokens.find((t) => t.symbol === 'WBTC')).toMatchObject({
      amount: '9007199254741242',
      uiAmount: '90071992.54741242',
    });
    expect(api.balances[0]!.tokens.find((t) => t.symbol === 'PYUSD')!.amount).toBe(
      g.tokens.get(PYUSD.mint)!.toString(),
    );
  });
});

describe('failover and expiry, over HTTP', () => {
  let w: FundsWorld;
  let failing: Server;
  let failingUrl: string;
  let failingHits = 0;

  beforeAll(async () => {
    w = await openFundsWorld();
    failing = await listen((req, res) => {
      failingHits++;
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error');
    });
    failingUrl = urlOf(failing);
  }, 60_000);

  afterAll(async () => {
    await new Promise((r) => failing?.close(r));
    await w?.close();
  });

  it('reads balances through the next endpoint when the first answers 500, and emits rpc.degraded', async () => {
    const t = tempDataDir('hv-failover-');
    // Real time here: the transport backs off between retries on the clock.
    const engine = openEngine(t.dir, {
      clock: systemClock,
      network: { name: 'devnet', rpcUrls: [failingUrl, w.sandbox.rpcUrl] },
    });
    try {
      const ana = addUser(engine, 'ana');
      await w.sandbox.fund(ana.address, {
        lamports: 3n * LAMPORTS_PER_SOL + 5n,
        tokens: [{ mint: PYUSD.mint, amount: 42n }],
      });
      const f = await engine.funds();
      expect(f.net.name).toBe('devnet');
      expect(f.net.chain.endpoints).toEqual([failingUrl, w.sandbox.rpcUrl]);
      const hitsBefore = failingHits;
      const gmaBefore = calls(w.sandbox, 'getMultipleAccounts');

      const [b] = await f.balances.refresh();
      expect(b!.lamports).toBe(3n * LAMPORTS_PER_SOL + 5n);
      expect(b!.tokens.find((x) => x.token.symbol === 'PYUSD')!.amount).toBe(42n);
      expect(failingHits - hitsBefore, 'the failing endpoint was tried first').toBeGreaterThanOrEqual(1);
      expect(calls(w.sandbox, 'getMultipleAccounts') - gmaBefore).toBe(budget(1));

      const degraded = eventsOf(engine, 'rpc.degraded');
      expect(degraded.length).toBeGreaterThanOrEqual(1);
      expect(degraded[0]!.userId).toBeNull();
      expect(degraded[0]!.payload['endpoint']).toBe(failingUrl);
      expect(degraded[0]!.payload['reason']).toMatch(/getMultipleAccounts/);
      expect(degraded[0]!.payload['reason']).toContain(`now using ${w.sandbox.rpcUrl}`);
      expect(f.net.chain.stats().failovers).toBeGreaterThanOrEqual(1);
    } finally {
      await engine.close();
      t.cleanup();
    }
  });

  /** A SOL transfer from a fresh funded key, signed now, with the blockhash current now. */
  async function signedTransfer(): Promise<{
    payer: KeyPairSigner;
    to: Address;
    wire: Uint8Array;
    lastValid: bigint;
    signature: string;
  }> {
    const payer = await generateKeyPairSigner();
    const to = (await generateKeyPairSigner()).address;
    await w.sandbox.fund(payer.address, { lamports: LAMPORTS_PER_SOL, tokens: [] });
    w.clock.advance(PAST_CACHE_MS);
    const bh = await w.funds.net.chain.getLatestBlockhash();
    const signed = await signTransactionMessageWithSigners(
      pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(payer, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(bh, m),
        (m) =>
          appendTransactionMessageInstructions(
            [getTransferSolInstruction({ source: payer, destination: to, amount: 1_000_000n })],
            m,
          ),
      ),
    );
    return {
      payer,
      to,
      wire: new Uint8Array(getTransactionEncoder().encode(signed)),
      lastValid: bh.lastValidBlockHeight,
      signature: getSignatureFromTransaction(signed),
    };
  }

  async function assertNothingLanded(tx: { payer: KeyPairSigner; to: Address; signature: string }): Promise<void> {
    w.clock.advance(PAST_CACHE_MS);
    const [statuses, balances] = await Promise.all([
      w.funds.net.chain.getSignatureStatuses([tx.signature as never]),
      w.funds.net.chain.getBalances([tx.payer.address, tx.to], SPL_SPECS),
    ]);
    expect(statuses).toEqual([null]);
    expect(balances[0]!.lamports, 'the payer paid nothing, not even a fee').toBe(LAMPORTS_PER_SOL);
    expect(balances[1]!.lamports).toBe(0n);
  }

  /** Moves the sandbox chain past the transaction's last valid block height. */
  function expire(): void {
    w.clock.advance(Number(BLOCKHASH_VALID_BLOCKS + 2n) * SLOT_MS);
  }

  it('a transaction whose blockhash expired before sending is never reported as landed, and nothing lands', async () => {
    const tx = await signedTransfer();
    expire();
    const sendsBefore = calls(w.sandbox, 'sendTransaction');
    const outcome = await driveClock(
      w.clock,
      w.funds.net.chain.sendAndConfirm(tx.wire, tx.lastValid, { pollIntervalMs: 1_000 }),
      1_200,
    );
    expect(calls(w.sandbox, 'sendTransaction') - sendsBefore, 'it was offered to the node').toBeGreaterThanOrEqual(1);
    // Preflight says "Blockhash not found" and the chain is past its last valid height: expired, never success.
    expect(outcome.status).toBe('expired');
    await assertNothingLanded(tx);
  });

  it('a transaction the node accepts but never lands is followed, resent, then reported expired once past its last valid block height', async () => {
    // A node that says "accepted" to sendTransaction but drops it (lost before the leader); everything else passes through.
    let swallowed = 0;
    const lossy = await listen(async (req, res) => {
      const body = await readBody(req);
      const payload = JSON.parse(body) as { id: unknown; method: string; params: [string, unknown] };
      if (payload.method === 'sendTransaction') {
        swallowed++;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jsonrpc: '2.0', id: payload.id, result: tx.signature }));
        return;
      }
      const upstream = await fetch(w.sandbox.rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    const tx = await signedTransfer();
    try {
      const chain = createChainClient({
        endpoints: [urlOf(lossy)],
        clock: w.clock,
        logger: silentLogger,
        rateLimit: { requests: 10_000, perMs: 1_000 },
      });
      const startHeight = await chain.getBlockHeight();
      expect(tx.lastValid - startHeight).toBeLessThanOrEqual(BLOCKHASH_VALID_BLOCKS);
      const outcome = await driveClock(
        w.clock,
        chain.sendAndConfirm(tx.wire, tx.lastValid, { pollIntervalMs: 1_000, maxWaitMs: 600_000 }),
        1_200,
      );
      expect(outcome).toEqual({ status: 'expired', signature: tx.signature });
      // Sent once, then resent (same bytes) on the polls while the blockhash was still valid.
      expect(swallowed).toBeGreaterThan(2);
      // It was not given up on early: the chain really is past the last valid height now.
      w.clock.advance(PAST_CACHE_MS);
      expect(await w.funds.net.chain.getBlockHeight()).toBeGreaterThan(tx.lastValid);
      await assertNothingLanded(tx);
    } finally {
      await new Promise((r) => lossy.close(r));
    }
  });
});

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>): Promise<Server> {
  const server = createServer((req, res) => {
    void Promise.resolve(handler(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.on('data', (d: Buffer) => (s += d.toString()));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}
