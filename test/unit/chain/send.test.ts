import { getBase58Decoder, type Signature } from '@solana/kit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { signatureOfWireTransaction, SYSTEM_PROGRAM_ADDRESS } from '../../../engine/chain';
import { expectHarvestRejection } from '../../helpers/errors';
import { TestClock } from './helpers/clock';
import { FakeRpcServer, RpcErrorReply, type SentTransaction } from './helpers/fake-rpc';
import { prng, randomBytes, signedTransaction, testClient } from './helpers/fixtures';

const servers: FakeRpcServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(opts: { attemptsPerEndpoint?: number } = {}) {
  const clock = new TestClock();
  const server = await FakeRpcServer.start({ now: () => clock.now() });
  servers.push(server);
  const { client, run } = testClient(clock, { endpoints: [server.url], ...opts });
  const { bytes, payer } = await signedTransaction();
  const signature = getBase58Decoder().decode(bytes.subarray(1, 65)) as Signature;
  return { clock, server, client, run, bytes, payer, signature };
}

/** Lands the transaction on the n-th send it receives. */
function landOnSend(
  n: number,
  status: { err?: unknown; confirmationStatus?: 'processed' | 'confirmed' | 'finalized' } = {},
) {
  return (tx: SentTransaction, server: FakeRpcServer) => {
    if (server.sent.length === n) {
      server.statuses.set(tx.signature, {
        slot: server.slot,
        confirmations: 1n,
        err: status.err ?? null,
        confirmationStatus: status.confirmationStatus ?? 'confirmed',
      });
    }
  };
}

const PREFLIGHT_FAILURE = {
  code: -32002,
  message: 'Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1',
  data: {
    accounts: null,
    err: { InstructionError: [0, { Custom: 1 }] },
    innerInstructions: null,
    logs: [
      'Program MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr invoke [1]',
      'Program log: boom',
      'Program failed: custom program error: 0x1',
    ],
    replacementBlockhash: null,
    returnData: null,
    unitsConsumed: 1_234,
  },
};

describe('sendAndConfirm', () => {
  it('sends with preflight at confirmed commitment and reports confirmation', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.onSend = landOnSend(1);
    const outcome = await run(client.sendAndConfirm(bytes, server.blockHeight + 150n));
    expect(outcome).toEqual({ status: 'confirmed', signature, slot: server.slot, err: null, commitment: 'confirmed' });
    expect(signatureOfWireTransaction(bytes)).toBe(signature);
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]?.config).toEqual({
      encoding: 'base64',
      skipPreflight: false,
      preflightCommitment: 'confirmed',
    });
    expect(server.sent[0]?.base64).toBe(Buffer.from(bytes).toString('base64'));
    expect(server.callsOf('getSignatureStatuses')[0]?.params[1]).toEqual({ searchTransactionHistory: true });
  });

  it('drops cached reads once a transaction lands, so balances read right after are fresh', async () => {
    const { server, client, run, bytes, payer } = await setup();
    server.setAccount(payer, { lamports: 10_000n, owner: SYSTEM_PROGRAM_ADDRESS });
    server.onSend = (tx, s) => {
      landOnSend(1)(tx, s);
      s.setAccount(payer, { lamports: 5_000n, owner: SYSTEM_PROGRAM_ADDRESS });
    };
    expect((await run(client.getBalances([payer], [])))[0]?.lamports).toBe(10_000n);
    await run(client.sendAndConfirm(bytes, server.blockHeight + 150n));
    expect((await run(client.getBalances([payer], [])))[0]?.lamports).toBe(5_000n);
  });

  it('keeps the blockhash and the recent priority fees it read just before (a landing cannot make them wrong)', async () => {
    const { server, client, run, bytes, payer } = await setup();
    server.setAccount(payer, { lamports: 10_000n, owner: SYSTEM_PROGRAM_ADDRESS });
    server.onSend = landOnSend(1);
    const hash = await run(client.getLatestBlockhash());
    await run(client.getRecentPrioritizationFees([payer]));
    await run(client.getBalances([payer], []));
    await run(client.sendAndConfirm(bytes, server.blockHeight + 150n));
    expect(await run(client.getLatestBlockhash())).toEqual(hash);
    await run(client.getRecentPrioritizationFees([payer]));
    await run(client.getBalances([payer], []));
    expect(server.count('getLatestBlockhash')).toBe(1);
    expect(server.count('getRecentPrioritizationFees')).toBe(1);
    // The balances are read again: they are what the transaction changed.
    expect(server.count('getMultipleAccounts')).toBe(2);
  });

  it('accepts base64 and resends the same signed bytes, skipping preflight, every ~2 s until it lands', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.onSend = landOnSend(4, { confirmationStatus: 'finalized' });
    const outcome = await run(client.sendAndConfirm(Buffer.from(bytes).toString('base64'), server.blockHeight + 150n));
    expect(outcome).toMatchObject({ status: 'confirmed', signature, commitment: 'finalized' });
    expect(server.sent).toHaveLength(4);
    expect(new Set(server.sent.map((s) => s.base64))).toEqual(new Set([Buffer.from(bytes).toString('base64')]));
    expect(server.sent.slice(1).map((s) => s.config)).toEqual(
      Array(3).fill({ encoding: 'base64', skipPreflight: true }),
    );
    const sendTimes = server.callsOf('sendTransaction').map((c) => c.at);
    for (let i = 1; i < sendTimes.length; i++)
      expect((sendTimes[i] as number) - (sendTimes[i - 1] as number)).toBe(2_000);
  });

  it('reports expiry — never success — once block height passes lastValidBlockHeight with no status', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.blockHeightStep = 1n;
    const lastValid = server.blockHeight + 3n;
    const outcome = await run(client.sendAndConfirm(bytes, lastValid));
    expect(outcome).toEqual({ status: 'expired', signature });
    // Heights read: h, h+1, h+2, h+3 (= lastValid), h+4 (past: first sighting), h+5 (past again: expired).
    expect(server.count('getBlockHeight')).toBe(6);
    // Each poll reads the height before the status.
    expect(server.calls.filter((c) => c.method !== 'sendTransaction').map((c) => c.method)).toEqual(
      Array(6).fill(['getBlockHeight', 'getSignatureStatuses']).flat(),
    );
    // The first send plus one resend after each poll that still had a live blockhash; none after.
    expect(server.sent).toHaveLength(5);
  });

  it('looks once more before calling it expired, in case the node was lagging', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.blockHeightStep = 1n;
    const lastValid = server.blockHeight + 1n;
    let polls = 0;
    server.handlers['getSignatureStatuses'] = () => {
      polls++;
      // Poll 3 is the first with the height past lastValid; the status shows up only on the next one.
      const late =
        polls >= 4
          ? { slot: 9n, confirmations: 3n, err: null, confirmationStatus: 'confirmed', status: { Ok: null } }
          : null;
      return { context: { slot: server.slot }, value: [late] };
    };
    const outcome = await run(client.sendAndConfirm(bytes, lastValid));
    expect(outcome).toEqual({ status: 'confirmed', signature, slot: 9n, err: null, commitment: 'confirmed' });
  });

  it('does not call a transaction that only reached "processed" confirmed, nor expired', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.blockHeightStep = 1n;
    server.onSend = landOnSend(1, { confirmationStatus: 'processed' });
    let polls = 0;
    const statusHandler = (params: unknown[]) => {
      polls++;
      const status = server.statuses.get((params[0] as string[])[0] as string);
      if (status && polls >= 10) status.confirmationStatus = 'confirmed';
      return {
        context: { slot: server.slot },
        value: [status ? { ...status, status: { Ok: null } } : null],
      };
    };
    server.handlers['getSignatureStatuses'] = statusHandler;
    const outcome = await run(client.sendAndConfirm(bytes, server.blockHeight + 2n));
    expect(outcome).toMatchObject({ status: 'confirmed', signature });
    expect(polls).toBe(10);
  });

  it('gives up as "outcome unknown" (an error, not a result) when nothing final happens in time', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.onSend = landOnSend(1, { confirmationStatus: 'processed' });
    const err = await expectHarvestRejection(
      run(client.sendAndConfirm(bytes, server.blockHeight + 150n, { maxWaitMs: 30_000 })),
      'OUTCOME_UNKNOWN',
      /no final outcome.*last status: processed.*outcome is unknown/,
    );
    expect(err.message).toContain(signature);
  });

  it('reports a transaction that landed with an error as failed', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.onSend = landOnSend(2, { err: { InstructionError: [0, { Custom: 6001 }] } });
    const outcome = await run(client.sendAndConfirm(bytes, server.blockHeight + 150n));
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') throw new Error('unreachable');
    expect(outcome.signature).toBe(signature);
    expect(outcome.slot).toBe(server.slot);
    expect(JSON.stringify(outcome.err, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))).toBe(
      JSON.stringify({ InstructionError: [0, { Custom: 6001 }] }),
    );
  });

  it('reports a preflight failure as rejected with the node’s reason and logs, without polling', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.onSend = () => {
      throw new RpcErrorReply(PREFLIGHT_FAILURE);
    };
    const outcome = await run(client.sendAndConfirm(bytes, server.blockHeight + 150n));
    expect(outcome).toMatchObject({
      status: 'rejected',
      signature,
      reason: PREFLIGHT_FAILURE.message,
      logs: PREFLIGHT_FAILURE.data.logs,
    });
    expect(server.count('sendTransaction')).toBe(1);
    expect(server.count('getBlockHeight')).toBe(0);
  });

  it('follows a transaction refused as already processed instead of calling it rejected', async () => {
    const { server, client, run, bytes, signature } = await setup();
    server.statuses.set(signature, { slot: 77n, confirmations: null, err: null, confirmationStatus: 'finalized' });
    server.onSend = () => {
      throw new RpcErrorReply({
        code: -32002,
        message: 'Transaction simulation failed: This transaction has already been processed',
        data: { accounts: null, err: 'AlreadyProcessed', logs: [], unitsConsumed: 0 },
      });
    };
    const outcome = await run(client.sendAndConfirm(bytes, server.blockHeight + 150n));
    expect(outcome).toEqual({ status: 'confirmed', signature, slot: 77n, err: null, commitment: 'finalized' });
  });

  it('keeps following the signature when the first send is lost in transit', async () => {
    const { server, client, run, bytes } = await setup({ attemptsPerEndpoint: 1 });
    server.fail({ kind: 'status', status: 503 }, { method: 'sendTransaction' });
    server.onSend = landOnSend(1);
    const outcome = await run(client.sendAndConfirm(bytes, server.blockHeight + 150n));
    expect(outcome.status).toBe('confirmed');
    expect(server.count('sendTransaction')).toBe(2);
  });

  it('throws "outcome unknown" when the RPC stays unreachable while following', async () => {
    const { server, client, run, bytes, signature } = await setup({ attemptsPerEndpoint: 1 });
    server.onSend = () => {
      server.alwaysFault = { kind: 'status', status: 500 };
    };
    const err = await expectHarvestRejection(
      run(client.sendAndConfirm(bytes, server.blockHeight + 150n)),
      'OUTCOME_UNKNOWN',
      /Lost track/,
    );
    expect(err.message).toContain(signature);
    expect(err.message).toMatch(/outcome is unknown/);
  });

  it('refuses bytes that are not a signed transaction', async () => {
    const { client, server } = await setup();
    await expectHarvestRejection(
      client.sendAndConfirm(new Uint8Array([1, 2, 3]), 10n),
      'INVALID_INPUT',
      /Not a signed Solana transaction/,
    );
    await expectHarvestRejection(client.sendAndConfirm('***', 10n), 'INVALID_INPUT', /base64/);
    await expectHarvestRejection(
      client.sendAndConfirm(new Uint8Array(), 10 as unknown as bigint),
      'INVALID_INPUT',
      /lastValidBlockHeight/,
    );
    expect(server.count()).toBe(0);
  });
});

describe('getSignatureStatuses', () => {
  it('batches at most 256 signatures per request and keeps the order (property)', async () => {
    const clock = new TestClock();
    const server = await FakeRpcServer.start({ now: () => clock.now() });
    servers.push(server);
    const base58 = getBase58Decoder();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1_000 }), fc.integer(), async (n, seed) => {
        server.resetCalls();
        server.statuses.clear();
        const rand = prng(seed);
        const signatures = Array.from({ length: n }, () => base58.decode(randomBytes(rand, 64)) as Signature);
        const known = new Set<string>();
        signatures.forEach((s, i) => {
          if (rand() < 0.5) {
            known.add(s);
            server.statuses.set(s, {
              slot: BigInt(i),
              confirmations: null,
              err: null,
              confirmationStatus: 'finalized',
            });
          }
        });
        const { client, run } = testClient(clock, { endpoints: [server.url] });
        const statuses = await run(client.getSignatureStatuses(signatures));
        expect(server.count('getSignatureStatuses')).toBe(Math.ceil(n / 256));
        for (const call of server.calls) {
          expect((call.params[0] as string[]).length).toBeLessThanOrEqual(256);
          expect(call.params[1]).toEqual({ searchTransactionHistory: true });
        }
        expect(statuses).toHaveLength(n);
        statuses.forEach((st, i) => {
          if (known.has(signatures[i] as string)) {
            expect(st).toEqual({ slot: BigInt(i), confirmations: null, err: null, confirmationStatus: 'finalized' });
          } else {
            expect(st).toBeNull();
          }
        });
      }),
      { numRuns: 30 },
    );
  });
});
