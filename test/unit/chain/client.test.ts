import { address, type Signature } from '@solana/kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_PROGRAM_ADDRESS, TOKEN_PROGRAM_ADDRESS } from '../../../engine/chain';
import { expectHarvestRejection } from '../../helpers/errors';
import { TestClock } from './helpers/clock';
import { FakeRpcServer } from './helpers/fake-rpc';
import { signedTransaction, testClient, tokenAccountData, type TestClient } from './helpers/fixtures';

const WALLET = address('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
const USDC = address('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v');
const ATA = address('FGETo8T8wMcN2wCjav8VK6eh3dLk63evNDPxzLSJra8B');
const POOL = address('58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2');
const LOOKED_UP = address('JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4');
const SIG = '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW' as Signature;

let clock: TestClock;
let server: FakeRpcServer;
let client: TestClient;
let run: <T>(p: Promise<T>) => Promise<T>;

beforeEach(async () => {
  clock = new TestClock();
  server = await FakeRpcServer.start({ now: () => clock.now() });
  ({ client, run } = testClient(clock, { endpoints: [server.url] }));
});
afterEach(async () => {
  await server.close();
});

describe('getTransaction', () => {
  it('returns balances and fee exactly, with account keys in balance order (v0 + lookup tables)', async () => {
    server.transactions.set(SIG, {
      blockTime: 1_735_000_000n,
      meta: {
        computeUnitsConsumed: 41_234n,
        err: null,
        fee: 5_000n,
        innerInstructions: [],
        loadedAddresses: { readonly: [LOOKED_UP], writable: [POOL] },
        logMessages: ['Program log: swap'],
        postBalances: [18_446_744_073_709_000_000n, 2_039_280n, 1n, 1n, 7n],
        postTokenBalances: [
          {
            accountIndex: 1,
            mint: USDC,
            owner: WALLET,
            programId: TOKEN_PROGRAM_ADDRESS,
            uiTokenAmount: {
              amount: '18446744073709551615',
              decimals: 6,
              uiAmount: 18446744073709.55,
              uiAmountString: '18446744073709.551615',
            },
          },
        ],
        preBalances: [18_446_744_073_709_005_000n, 2_039_280n, 1n, 1n, 7n],
        preTokenBalances: [],
        rewards: [],
        status: { Ok: null },
      },
      slot: 301_000_000n,
      transaction: {
        message: {
          accountKeys: [WALLET, ATA, SYSTEM_PROGRAM_ADDRESS],
          addressTableLookups: [{ accountKey: POOL, readonlyIndexes: [1], writableIndexes: [0] }],
          header: { numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 1, numRequiredSignatures: 1 },
          instructions: [{ accounts: [0, 1], data: '3Bxs4h24hBtQy9rw', programIdIndex: 2, stackHeight: null }],
          recentBlockhash: server.blockhash,
        },
        signatures: [SIG],
      },
      version: 0,
    });
    const tx = await run(client.getTransaction(SIG));
    expect(tx).toEqual({
      signature: SIG,
      slot: 301_000_000n,
      blockTime: 1_735_000_000n,
      version: 0,
      accountKeys: [WALLET, ATA, SYSTEM_PROGRAM_ADDRESS, POOL, LOOKED_UP],
      meta: {
        err: null,
        fee: 5_000n,
        preBalances: [18_446_744_073_709_005_000n, 2_039_280n, 1n, 1n, 7n],
        postBalances: [18_446_744_073_709_000_000n, 2_039_280n, 1n, 1n, 7n],
        preTokenBalances: [],
        postTokenBalances: [
          {
            accountIndex: 1,
            account: ATA,
            mint: USDC,
            owner: WALLET,
            programId: TOKEN_PROGRAM_ADDRESS,
            amount: 18446744073709551615n,
            decimals: 6,
          },
        ],
        logMessages: ['Program log: swap'],
        computeUnitsConsumed: 41_234n,
      },
    });
    expect(server.callsOf('getTransaction')[0]?.params[1]).toEqual({
      encoding: 'json',
      maxSupportedTransactionVersion: 0,
      commitment: 'confirmed',
    });
  });

  it('returns null for an unknown signature and refuses a malformed one', async () => {
    expect(await run(client.getTransaction(SIG))).toBeNull();
    await expectHarvestRejection(client.getTransaction('abc' as Signature), 'INVALID_INPUT', /signature/);
  });
});

describe('reads', () => {
  it('getLatestBlockhash, getBlockHeight, rent, fees', async () => {
    expect(await run(client.getLatestBlockhash())).toEqual({
      blockhash: server.blockhash,
      lastValidBlockHeight: server.blockHeight + 150n,
      slot: server.slot,
    });
    expect(await run(client.getBlockHeight())).toBe(server.blockHeight);
    expect(await run(client.getMinimumBalanceForRentExemption(165))).toBe(2_039_280n);
    await expectHarvestRejection(client.getMinimumBalanceForRentExemption(1.5), 'INVALID_INPUT', /whole number/);
    const { bytes } = await signedTransaction();
    expect(await run(client.getFeeForMessage(bytes.subarray(65)))).toBe(5_000n);
    expect(await run(client.getRecentPrioritizationFees([WALLET]))).toEqual([
      { slot: server.slot - 1n, prioritizationFee: 0n },
      { slot: server.slot, prioritizationFee: 12_345n },
    ]);
    expect(server.callsOf('getRecentPrioritizationFees')[0]?.params).toEqual([[WALLET]]);
  });

  it('getAccountInfo returns exact lamports and raw data, or null', async () => {
    const data = tokenAccountData(USDC, WALLET, 123n);
    server.setAccount(ATA, { lamports: 2_039_280n, owner: TOKEN_PROGRAM_ADDRESS, data });
    expect(await run(client.getAccountInfo(ATA))).toEqual({
      address: ATA,
      lamports: 2_039_280n,
      owner: TOKEN_PROGRAM_ADDRESS,
      executable: false,
      data,
    });
    expect(await run(client.getAccountInfo(WALLET))).toBeNull();
  });
});

describe('simulateTransaction', () => {
  it('asks for post-state accounts in base64 and decodes them', async () => {
    const data = tokenAccountData(USDC, WALLET, 999n);
    server.handlers['simulateTransaction'] = (params) => {
      const config = params[1] as { accounts?: { addresses: string[] } };
      return {
        context: { apiVersion: '2.2.14', slot: server.slot },
        value: {
          accounts: config.accounts?.addresses.map((a) =>
            a === ATA ? server.accountJson({ lamports: 2_039_280n, owner: TOKEN_PROGRAM_ADDRESS, data }) : null,
          ),
          err: null,
          fee: 5_000n,
          innerInstructions: null,
          loadedAccountsDataSize: 1_024,
          logs: ['Program log: ok'],
          replacementBlockhash: null,
          returnData: { data: [Buffer.from([1, 2, 3]).toString('base64'), 'base64'], programId: TOKEN_PROGRAM_ADDRESS },
          unitsConsumed: 2_345n,
        },
      };
    };
    const { bytes } = await signedTransaction();
    const sim = await run(client.simulateTransaction(bytes, { accounts: [ATA, WALLET] }));
    expect(sim).toEqual({
      err: null,
      logs: ['Program log: ok'],
      unitsConsumed: 2_345n,
      accounts: [{ address: ATA, lamports: 2_039_280n, owner: TOKEN_PROGRAM_ADDRESS, executable: false, data }, null],
      returnData: { programId: TOKEN_PROGRAM_ADDRESS, data: new Uint8Array([1, 2, 3]) },
      replacementBlockhash: null,
      slot: server.slot,
    });
    expect(server.callsOf('simulateTransaction')[0]?.params[1]).toEqual({
      encoding: 'base64',
      commitment: 'confirmed',
      sigVerify: false,
      replaceRecentBlockhash: false,
      accounts: { addresses: [ATA, WALLET], encoding: 'base64' },
    });
    await expectHarvestRejection(
      client.simulateTransaction(bytes, { sigVerify: true, replaceRecentBlockhash: true }),
      'INVALID_INPUT',
      /cannot both/,
    );
  });
});

describe('requestAirdrop', () => {
  it('passes lamports as an exact integer', async () => {
    const sig = await run(client.requestAirdrop(WALLET, 5_000_000_000n));
    expect(sig).toBe(SIG);
    expect(server.callsOf('requestAirdrop')[0]?.params.slice(0, 2)).toEqual([WALLET, 5_000_000_000]);
    await expectHarvestRejection(client.requestAirdrop(WALLET, 0n), 'INVALID_INPUT', /positive/);
  });
});
