/**
 * The sandbox JSON-RPC server over real HTTP, driven by @solana/kit's own client (with its
 * default transport, bigint parsing included) and by raw fetch for exact response shapes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  address,
  appendTransactionMessageInstructions,
  compileTransactionMessage,
  createSolanaRpc,
  createTransactionMessage,
  devnet,
  generateKeyPairSigner,
  getBase58Decoder,
  getBase64Decoder,
  getBase64EncodedWireTransaction,
  getCompiledTransactionMessageEncoder,
  getSignatureFromTransaction,
  isSolanaError,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM,
  SOLANA_ERROR__JSON_RPC__INVALID_PARAMS,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
  SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND,
  type Address,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
  type Signature,
} from '@solana/kit';
import { getSetComputeUnitLimitInstruction, getSetComputeUnitPriceInstruction } from '@solana-program/compute-budget';
import { getCreateAccountInstruction, getTransferSolInstruction } from '@solana-program/system';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenInstructionAsync,
  getInitializeMint2Instruction,
  getMintSize,
  getMintToInstruction,
  getTransferInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { BLOCKHASH_VALID_BLOCKS, SandboxLedger, SLOT_MS, TOKEN_2022_PROGRAM } from '../../engine/sandbox/ledger';
import { SANDBOX_API_VERSION, startRpcServer, type RpcServer } from '../../engine/sandbox/rpc-server';

const START_MS = 1_700_000_000_000;
const SOL = 1_000_000_000n;

/** The sandbox is a test cluster: requestAirdrop is part of its API, as on devnet. */
const sandboxRpc = (url: string) => createSolanaRpc(devnet(url));
type Rpc = ReturnType<typeof sandboxRpc>;

interface Sandbox {
  clock: ManualClock;
  ledger: SandboxLedger;
  server: RpcServer;
  rpc: Rpc;
  url: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function sandbox(opts: { dir?: string; clock?: ManualClock } = {}): Promise<Sandbox> {
  const clock = opts.clock ?? new ManualClock(START_MS);
  const ledger = SandboxLedger.open({ dir: opts.dir ?? null, clock });
  const server = await startRpcServer(ledger, { log: silentLogger });
  let open = true;
  const stop = async () => {
    if (!open) return;
    open = false;
    await server.close();
    ledger.close();
  };
  cleanups.push(stop);
  return { clock, ledger, server, rpc: sandboxRpc(server.url), url: server.url };
}

/** Closes a sandbox early (e.g. to reopen its data directory). */
async function shutdown(s: Sandbox): Promise<void> {
  await s.server.close();
  s.ledger.close();
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'harvest-sandbox-rpc-'));
  cleanups.unshift(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Raw JSON as the server wrote it; the tests poke into it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface RawResponse {
  jsonrpc: string;
  id: unknown;
  result?: Json;
  error?: { code: number; message: string; data?: Json };
}

/** POSTs a body and returns the raw text and its plain JSON.parse. */
async function post(url: string, body: unknown): Promise<{ status: number; text: string; json: Json }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

async function call(url: string, method: string, params?: unknown[]): Promise<RawResponse> {
  const { status, json } = await post(url, { jsonrpc: '2.0', id: 1, method, params });
  expect(status).toBe(200);
  return json as RawResponse;
}

async function funded(s: Sandbox, sol = 10n): Promise<KeyPairSigner> {
  const signer = await generateKeyPairSigner();
  await s.rpc.requestAirdrop(signer.address, lamports(sol * SOL)).send();
  return signer;
}

function computeUnitPrice(microLamports: bigint): Instruction {
  return getSetComputeUnitPriceInstruction({ microLamports });
}

function computeUnitLimit(units: number): Instruction {
  return getSetComputeUnitLimitInstruction({ units });
}

interface Built {
  wire: ReturnType<typeof getBase64EncodedWireTransaction>;
  signature: Signature;
  messageBase64: string;
}

async function build(
  s: Sandbox,
  payer: KeyPairSigner,
  instructions: Instruction[],
  lifetime?: { blockhash: Blockhash; lastValidBlockHeight: bigint },
  version: 0 | 'legacy' = 0,
): Promise<Built> {
  const blockhash = lifetime ?? (await s.rpc.getLatestBlockhash().send()).value;
  const message = pipe(
    createTransactionMessage({ version }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const tx = await signTransactionMessageWithSigners(message);
  const messageBytes = getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(message));
  return {
    wire: getBase64EncodedWireTransaction(tx),
    signature: getSignatureFromTransaction(tx),
    messageBase64: getBase64Decoder().decode(messageBytes),
  };
}

async function sendIxs(s: Sandbox, payer: KeyPairSigner, instructions: Instruction[]): Promise<Signature> {
  const { wire } = await build(s, payer, instructions);
  return s.rpc.sendTransaction(wire, { encoding: 'base64' }).send();
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail');
}

describe('sandbox RPC server', () => {
  it('listens on 127.0.0.1 with a random port and answers GET /health', async () => {
    const s = await sandbox();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(s.url).port)).toBeGreaterThan(0);
    const health = await fetch(`${s.url}/health`);
    expect(await health.text()).toBe('ok');
  });

  it('airdrops, then reports the balance with a context slot and apiVersion', async () => {
    const s = await sandbox();
    const alice = await generateKeyPairSigner();
    const sig = await s.rpc.requestAirdrop(alice.address, lamports(2n * SOL)).send();
    expect(typeof sig).toBe('string');
    // The same airdrop again is a new transaction, not "AlreadyProcessed".
    const again = await s.rpc.requestAirdrop(alice.address, lamports(2n * SOL)).send();
    expect(again).not.toBe(sig);

    const balance = await s.rpc.getBalance(alice.address).send();
    expect(balance.value).toBe(4n * SOL);
    expect(balance.context.slot).toBe(s.ledger.currentSlot());

    const raw = await call(s.url, 'getBalance', [alice.address]);
    expect(raw).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {
        context: { slot: Number(s.ledger.currentSlot()), apiVersion: SANDBOX_API_VERSION },
        value: 4_000_000_000,
      },
    });
    const unknown = await s.rpc.getBalance((await generateKeyPairSigner()).address).send();
    expect(unknown.value).toBe(0n);

    const statuses = await s.rpc.getSignatureStatuses([sig]).send();
    expect(statuses.value[0]).toMatchObject({ err: null, confirmationStatus: 'confirmed', status: { Ok: null } });
  });

  it('keeps u64 values exact beyond 2^53 in both directions', async () => {
    const s = await sandbox();
    const whale = await generateKeyPairSigner();
    const big = 2n ** 60n + 1n;
    // LiteSVM's airdrop pool holds less than 1M SOL, so put the balance in place directly.
    s.ledger.setAccount({
      address: whale.address,
      lamports: big,
      owner: address('11111111111111111111111111111111'),
      data: new Uint8Array(),
      executable: false,
    });
    expect((await s.rpc.getBalance(whale.address).send()).value).toBe(big);
    const { text } = await post(s.url, { jsonrpc: '2.0', id: 7, method: 'getBalance', params: [whale.address] });
    expect(text).toContain(`"value":${big}`);

    // Requests: kit refuses to send integers above 2^53 (its integer-overflow guard), so send raw.
    // 2^64 and 2^64 - 1 are the same JS number; the server still tells them apart.
    const over = await post(
      s.url,
      `{"jsonrpc":"2.0","id":1,"method":"requestAirdrop","params":["${whale.address}",18446744073709551616]}`,
    );
    expect(over.json.error).toEqual({
      code: -32602,
      message: expect.stringContaining('unsigned 64-bit integer, got 18446744073709551616'),
    });
    const max = await post(
      s.url,
      `{"jsonrpc":"2.0","id":1,"method":"getMinimumBalanceForRentExemption","params":[18446744073709551615, {"commitment":"confirmed"}]}`,
    );
    expect(max.text).toContain('"result":18446744073709551615'); // LiteSVM saturates
    const slot = await post(
      s.url,
      `{"jsonrpc":"2.0","id":1,"method":"getSlot","params":[{"minContextSlot":18446744073709551615}]}`,
    );
    expect(slot.json.error.code).toBe(-32016);

    // rentEpoch is u64::MAX on the wire, as a plain number.
    const info = await post(s.url, {
      jsonrpc: '2.0',
      id: 8,
      method: 'getAccountInfo',
      params: [whale.address, { encoding: 'base64' }],
    });
    expect(info.text).toContain('"rentEpoch":18446744073709551615');
    const viaKit = await s.rpc.getAccountInfo(whale.address, { encoding: 'base64' }).send();
    expect(viaKit.value).toEqual({
      data: ['', 'base64'],
      executable: false,
      lamports: big,
      owner: '11111111111111111111111111111111',
      rentEpoch: 18_446_744_073_709_551_615n,
      space: 0n,
    });
    // Without an encoding, getAccountInfo uses Solana's legacy bare base-58 string.
    const legacy = await call(s.url, 'getAccountInfo', [whale.address]);
    expect(legacy.result.value.data).toBe('');
    expect((await call(s.url, 'getAccountInfo', [(await generateKeyPairSigner()).address])).result.value).toBeNull();
  });

  it('lands a kit-built SOL transfer and shows it in getSignatureStatuses and getTransaction', async () => {
    const s = await sandbox();
    const alice = await funded(s, 5n);
    const bob = await generateKeyPairSigner();
    const before = s.ledger.currentSlot();
    const ixs = [
      computeUnitLimit(10_000),
      computeUnitPrice(250_000n),
      getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(123_456_789n) }),
    ];
    const built = await build(s, alice, ixs);
    // getFeeForMessage agrees with what the ledger charges: 5000 + ceil(250000 * 10000 / 1e6).
    const feeQuote = await s.rpc.getFeeForMessage(built.messageBase64 as never).send();
    expect(feeQuote.value).toBe(7_500n);
    const sig = await s.rpc
      .sendTransaction(built.wire, { encoding: 'base64', preflightCommitment: 'confirmed' })
      .send();
    expect(sig).toBe(built.signature);

    const statuses = await s.rpc.getSignatureStatuses([sig, built.signature]).send();
    expect(statuses.value[0]).toEqual({
      slot: before,
      confirmations: 0n,
      err: null,
      status: { Ok: null },
      confirmationStatus: 'confirmed',
    });

    const tx = await s.rpc
      .getTransaction(sig, { encoding: 'json', maxSupportedTransactionVersion: 0, commitment: 'confirmed' })
      .send();
    expect(tx).not.toBeNull();
    expect(tx!.slot).toBe(before);
    expect(tx!.blockTime).toBe(BigInt(START_MS / 1000));
    expect(tx!.version).toBe(0);
    const meta = tx!.meta!;
    expect(meta.err).toBeNull();
    expect(meta.status).toEqual({ Ok: null });
    expect(meta.fee).toBe(7_500n);
    const keys = tx!.transaction.message.accountKeys;
    expect(keys[0]).toBe(alice.address);
    const bobIndex = keys.indexOf(bob.address);
    expect(meta.preBalances[0]! - meta.postBalances[0]!).toBe(123_456_789n + 7_500n);
    expect(meta.postBalances[bobIndex]! - meta.preBalances[bobIndex]!).toBe(123_456_789n);
    expect(meta.preTokenBalances).toEqual([]);
    expect(meta.postTokenBalances).toEqual([]);
    expect(meta.logMessages).toContain('Program 11111111111111111111111111111111 success');
    expect(meta.computeUnitsConsumed).toBeGreaterThan(0n);
    expect(meta.rewards).toEqual([]);
    expect(meta.innerInstructions).toEqual([]);
    expect(tx!.transaction.signatures).toEqual([sig]);
    expect(tx!.transaction.message.header).toEqual({
      numRequiredSignatures: 1,
      numReadonlySignedAccounts: 0,
      numReadonlyUnsignedAccounts: 2,
    });
    expect((await s.rpc.getBalance(bob.address).send()).value).toBe(123_456_789n);

    // Exact raw shape of the json encoding.
    const raw = await call(s.url, 'getTransaction', [
      sig,
      { encoding: 'json', maxSupportedTransactionVersion: 0, commitment: 'confirmed' },
    ]);
    expect(Object.keys(raw.result).sort()).toEqual(['blockTime', 'meta', 'slot', 'transaction', 'version']);
    expect(raw.result.meta.loadedAddresses).toEqual({ writable: [], readonly: [] });
    expect(raw.result.transaction.message.addressTableLookups).toEqual([]);
    expect(raw.result.transaction.message.instructions[2]).toMatchObject({ accounts: [0, 1], stackHeight: null });
    expect(Object.keys(raw.result.meta).sort()).toEqual(
      [
        'computeUnitsConsumed',
        'err',
        'fee',
        'innerInstructions',
        'loadedAddresses',
        'logMessages',
        'postBalances',
        'postTokenBalances',
        'preBalances',
        'preTokenBalances',
        'rewards',
        'status',
      ].sort(),
    );

    // base64 returns exactly the bytes that were sent.
    const b64 = await s.rpc.getTransaction(sig, { encoding: 'base64', maxSupportedTransactionVersion: 0 }).send();
    expect(b64!.transaction).toEqual([built.wire, 'base64']);
    // A v0 transaction needs maxSupportedTransactionVersion, as on mainnet.
    const noVersion = await call(s.url, 'getTransaction', [sig, { encoding: 'json', commitment: 'confirmed' }]);
    expect(noVersion.error?.code).toBe(-32015);
    // Not yet finalized (and finalized is the server's default commitment).
    expect(
      await s.rpc
        .getTransaction(sig, { encoding: 'json', commitment: 'finalized', maxSupportedTransactionVersion: 0 })
        .send(),
    ).toBeNull();
    expect((await call(s.url, 'getTransaction', [sig, { maxSupportedTransactionVersion: 0 }])).result).toBeNull();

    // Confirmations follow the clock; at 32 slots the transaction is finalized.
    s.clock.advance(5 * SLOT_MS);
    expect((await s.rpc.getSignatureStatuses([sig]).send()).value[0]).toMatchObject({ confirmations: 5n });
    s.clock.advance(27 * SLOT_MS);
    expect((await s.rpc.getSignatureStatuses([sig]).send()).value[0]).toMatchObject({
      slot: before,
      confirmations: null,
      confirmationStatus: 'finalized',
    });
    expect(
      await s.rpc
        .getTransaction(sig, { encoding: 'json', commitment: 'finalized', maxSupportedTransactionVersion: 0 })
        .send(),
    ).not.toBeNull();
    // Beyond the status cache only searchTransactionHistory finds it.
    s.clock.advance(400 * SLOT_MS);
    expect((await s.rpc.getSignatureStatuses([sig]).send()).value).toEqual([null]);
    expect((await s.rpc.getSignatureStatuses([sig], { searchTransactionHistory: true }).send()).value[0]).toMatchObject(
      {
        slot: before,
        confirmationStatus: 'finalized',
      },
    );

    // The priority fee shows up in getRecentPrioritizationFees for that slot.
    const fees = await s.rpc.getRecentPrioritizationFees([alice.address]).send();
    expect(fees.length).toBe(150);
    const current = s.ledger.currentSlot();
    expect(fees.at(-1)!.slot).toBe(current);
  });

  it('reports recent prioritization fees per slot', async () => {
    const s = await sandbox();
    const alice = await funded(s);
    const bob = await generateKeyPairSigner();
    await sendIxs(s, alice, [
      computeUnitPrice(1_000n),
      getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(SOL) }),
    ]);
    const slot = s.ledger.currentSlot();
    const all = await s.rpc.getRecentPrioritizationFees().send();
    expect(all.find((f) => f.slot === slot)).toEqual({ slot, prioritizationFee: 1_000n });
    expect(all.find((f) => f.slot === slot - 1n)).toEqual({ slot: slot - 1n, prioritizationFee: 0n });
    const raw = await call(s.url, 'getRecentPrioritizationFees', [[bob.address]]);
    expect(raw.result.at(-1)).toEqual({ slot: Number(slot), prioritizationFee: 1000 });
  });

  it('simulates with accounts, replaceRecentBlockhash and sigVerify', async () => {
    const s = await sandbox();
    const alice = await funded(s, 3n);
    const bob = await generateKeyPairSigner();
    const built = await build(s, alice, [
      getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(SOL) }),
    ]);
    const sim = await s.rpc
      .simulateTransaction(built.wire, {
        encoding: 'base64',
        replaceRecentBlockhash: true,
        accounts: { addresses: [bob.address], encoding: 'base64' },
      })
      .send();
    expect(sim.value.err).toBeNull();
    expect(sim.value.accounts[0]).toMatchObject({
      lamports: SOL,
      owner: '11111111111111111111111111111111',
      space: 0n,
    });
    expect(sim.value.replacementBlockhash?.blockhash).toBe((await s.rpc.getLatestBlockhash().send()).value.blockhash);
    expect(sim.value.unitsConsumed).toBeGreaterThan(0n);
    expect(sim.value.fee).toBe(5_000n);
    expect(sim.value.logs).toContain('Program 11111111111111111111111111111111 success');
    expect(sim.value.preBalances).toEqual([3n * SOL, 0n, 1n]);
    expect(sim.value.postBalances).toEqual([2n * SOL - 5_000n, SOL, 1n]);
    // Nothing changed.
    expect((await s.rpc.getBalance(bob.address).send()).value).toBe(0n);

    const raw = await call(s.url, 'simulateTransaction', [built.wire, { encoding: 'base64', sigVerify: true }]);
    expect(raw.result.value.err).toBeNull();
    expect(raw.result.value.accounts).toBeNull();
    expect(raw.result.value.replacementBlockhash).toBeNull();
    expect(Object.keys(raw.result.value).sort()).toEqual(
      [
        'accounts',
        'err',
        'fee',
        'innerInstructions',
        'loadedAccountsDataSize',
        'loadedAddresses',
        'logs',
        'postBalances',
        'postTokenBalances',
        'preBalances',
        'preTokenBalances',
        'replacementBlockhash',
        'returnData',
        'unitsConsumed',
      ].sort(),
    );

    const conflict = await call(s.url, 'simulateTransaction', [
      built.wire,
      { encoding: 'base64', sigVerify: true, replaceRecentBlockhash: true },
    ]);
    expect(conflict.error).toEqual({ code: -32602, message: 'sigVerify may not be used with replaceRecentBlockhash' });

    // A tampered signature fails sigVerify with -32003.
    const bytes = Buffer.from(built.wire, 'base64');
    bytes[5] = bytes[5]! ^ 0xff;
    const tampered = await call(s.url, 'simulateTransaction', [
      bytes.toString('base64'),
      { encoding: 'base64', sigVerify: true },
    ]);
    expect(tampered.error?.code).toBe(-32003);
    const send = await call(s.url, 'sendTransaction', [
      bytes.toString('base64'),
      { encoding: 'base64', skipPreflight: true },
    ]);
    expect(send.error).toEqual({ code: -32003, message: 'Transaction signature verification failure' });

    // Default encoding is base58.
    const base58Wire = getBase58Decoder().decode(Buffer.from(built.wire, 'base64'));
    const viaBase58 = await call(s.url, 'simulateTransaction', [base58Wire]);
    expect(viaBase58.result.value.err).toBeNull();
  });

  it('runs an SPL token flow: mint, ATAs, mintTo and transfer, with token balances', async () => {
    const s = await sandbox();
    const alice = await funded(s);
    const bob = await generateKeyPairSigner();
    const mint = await generateKeyPairSigner();
    const rent = await s.rpc.getMinimumBalanceForRentExemption(BigInt(getMintSize())).send();
    expect(rent).toBe(s.ledger.minimumBalanceForRentExemption(82n));
    const [aliceAta] = await findAssociatedTokenPda({
      mint: mint.address,
      owner: alice.address,
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    });
    const [bobAta] = await findAssociatedTokenPda({
      mint: mint.address,
      owner: bob.address,
      tokenProgram: TOKEN_PROGRAM_ADDRESS,
    });

    await sendIxs(s, alice, [
      getCreateAccountInstruction({
        payer: alice,
        newAccount: mint,
        lamports: rent,
        space: getMintSize(),
        programAddress: TOKEN_PROGRAM_ADDRESS,
      }),
      getInitializeMint2Instruction({ mint: mint.address, decimals: 6, mintAuthority: alice.address }),
      await getCreateAssociatedTokenInstructionAsync({ payer: alice, owner: alice.address, mint: mint.address }),
      await getCreateAssociatedTokenInstructionAsync({ payer: alice, owner: bob.address, mint: mint.address }),
      getMintToInstruction({ mint: mint.address, token: aliceAta, mintAuthority: alice, amount: 5_000_000n }),
    ]);
    const sig = await sendIxs(s, alice, [
      getTransferInstruction({ source: aliceAta, destination: bobAta, authority: alice, amount: 1_250_000n }),
    ]);

    const tx = await s.rpc.getTransaction(sig, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send();
    const keys = tx!.transaction.message.accountKeys;
    const ai = keys.indexOf(aliceAta);
    const bi = keys.indexOf(bobAta);
    const balance = (
      index: number,
      owner: Address,
      amount: string,
      uiAmount: number | null,
      uiAmountString: string,
    ) => ({
      accountIndex: index,
      mint: mint.address,
      owner,
      programId: TOKEN_PROGRAM_ADDRESS,
      uiTokenAmount: { amount, decimals: 6, uiAmount, uiAmountString },
    });
    const sortByIndex = <T extends { accountIndex: number }>(xs: readonly T[]) =>
      [...xs].sort((x, y) => x.accountIndex - y.accountIndex);
    expect(sortByIndex(tx!.meta!.preTokenBalances!)).toEqual(
      sortByIndex([balance(ai, alice.address, '5000000', 5, '5'), balance(bi, bob.address, '0', null, '0')]),
    );
    expect(sortByIndex(tx!.meta!.postTokenBalances!)).toEqual(
      sortByIndex([
        balance(ai, alice.address, '3750000', 3.75, '3.75'),
        balance(bi, bob.address, '1250000', 1.25, '1.25'),
      ]),
    );
    // uiAmount is written as a float, like serde_json does.
    const raw = await post(s.url, {
      jsonrpc: '2.0',
      id: 1,
      method: 'getTransaction',
      params: [sig, { maxSupportedTransactionVersion: 0, commitment: 'confirmed' }],
    });
    expect(raw.text).toContain('"uiAmount":5.0');

    // getTokenAccountsByOwner: jsonParsed, mint filter.
    const parsed = await s.rpc
      .getTokenAccountsByOwner(bob.address, { mint: mint.address }, { encoding: 'jsonParsed' })
      .send();
    expect(parsed.value).toHaveLength(1);
    expect(parsed.value[0]!.pubkey).toBe(bobAta);
    expect(parsed.value[0]!.account.owner).toBe(TOKEN_PROGRAM_ADDRESS);
    expect(parsed.value[0]!.account.data).toEqual({
      parsed: {
        info: {
          isNative: false,
          mint: mint.address,
          owner: bob.address,
          state: 'initialized',
          tokenAmount: { amount: '1250000', decimals: 6, uiAmount: 1.25, uiAmountString: '1.25' },
        },
        type: 'account',
      },
      program: 'spl-token',
      space: 165n,
    });
    // base64, programId filter.
    const b64 = await s.rpc
      .getTokenAccountsByOwner(alice.address, { programId: TOKEN_PROGRAM_ADDRESS }, { encoding: 'base64' })
      .send();
    expect(b64.value.map((a) => a.pubkey)).toEqual([aliceAta]);
    expect(Buffer.from(b64.value[0]!.account.data[0], 'base64')).toHaveLength(165);
    // Other token program: nothing.
    expect(
      (await s.rpc.getTokenAccountsByOwner(alice.address, { programId: TOKEN_2022_PROGRAM }).send()).value,
    ).toEqual([]);
    // Solana's default (base-58) refuses 165-byte accounts.
    const legacy = await call(s.url, 'getTokenAccountsByOwner', [alice.address, { mint: mint.address }]);
    expect(legacy.error).toEqual({
      code: -32600,
      message: 'Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.',
    });
    const badMint = await call(s.url, 'getTokenAccountsByOwner', [alice.address, { mint: bob.address }]);
    expect(badMint.error).toEqual({ code: -32602, message: 'Invalid param: could not find mint' });

    const balanceRpc = await s.rpc.getTokenAccountBalance(aliceAta).send();
    expect(balanceRpc.value).toEqual({ amount: '3750000', decimals: 6, uiAmount: 3.75, uiAmountString: '3.75' });
    const supply = await s.rpc.getTokenSupply(mint.address).send();
    expect(supply.value.amount).toBe('5000000');

    // The mint, jsonParsed through getMultipleAccounts.
    const accounts = await s.rpc.getMultipleAccounts([mint.address, bob.address], { encoding: 'jsonParsed' }).send();
    expect(accounts.value[0]!.data).toEqual({
      parsed: {
        info: {
          decimals: 6,
          freezeAuthority: null,
          isInitialized: true,
          mintAuthority: alice.address,
          supply: '5000000',
        },
        type: 'mint',
      },
      program: 'spl-token',
      space: 82n,
    });
    expect(accounts.value[1]).toBeNull();
  });

  it('parses Token-2022 accounts and their extensions', async () => {
    const s = await sandbox();
    const alice = await funded(s);
    const mint = await generateKeyPairSigner();
    const rent = await s.rpc.getMinimumBalanceForRentExemption(82n).send();
    const [ata] = await findAssociatedTokenPda({
      mint: mint.address,
      owner: alice.address,
      tokenProgram: TOKEN_2022_PROGRAM,
    });
    await sendIxs(s, alice, [
      getCreateAccountInstruction({
        payer: alice,
        newAccount: mint,
        lamports: rent,
        space: 82,
        programAddress: TOKEN_2022_PROGRAM,
      }),
      getInitializeMint2Instruction(
        { mint: mint.address, decimals: 9, mintAuthority: alice.address },
        { programAddress: TOKEN_2022_PROGRAM },
      ),
      await getCreateAssociatedTokenInstructionAsync({
        payer: alice,
        owner: alice.address,
        mint: mint.address,
        tokenProgram: TOKEN_2022_PROGRAM,
      }),
      getMintToInstruction(
        { mint: mint.address, token: ata, mintAuthority: alice, amount: 1_500_000_000n },
        { programAddress: TOKEN_2022_PROGRAM },
      ),
    ]);
    const res = await s.rpc
      .getTokenAccountsByOwner(alice.address, { programId: TOKEN_2022_PROGRAM }, { encoding: 'jsonParsed' })
      .send();
    expect(res.value).toHaveLength(1);
    expect(res.value[0]!.pubkey).toBe(ata);
    expect(res.value[0]!.account.data.program).toBe('spl-token-2022');
    expect(res.value[0]!.account.data.parsed.info).toMatchObject({
      extensions: [{ extension: 'immutableOwner' }],
      mint: mint.address,
      owner: alice.address,
      tokenAmount: { amount: '1500000000', decimals: 9, uiAmount: 1.5, uiAmountString: '1.5' },
    });
    // The mint filter finds the program from the mint.
    const byMint = await s.rpc
      .getTokenAccountsByOwner(alice.address, { mint: mint.address }, { encoding: 'base64' })
      .send();
    expect(byMint.value.map((a) => a.pubkey)).toEqual([ata]);
  });

  it('lands a failing transaction with skipPreflight (error + fee), refuses it with preflight', async () => {
    const s = await sandbox();
    const alice = await funded(s, 1n);
    const bob = await generateKeyPairSigner();
    const tooMuch = [
      getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(50n * SOL) }),
    ];

    const refused = await build(s, alice, tooMuch);
    const e = await caught(s.rpc.sendTransaction(refused.wire, { encoding: 'base64' }).send());
    expect(isSolanaError(e, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)).toBe(true);
    const cause = (e as Error).cause;
    expect(isSolanaError(cause, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM)).toBe(true);
    const raw = await call(s.url, 'sendTransaction', [refused.wire, { encoding: 'base64' }]);
    expect(raw.error).toMatchObject({
      code: -32002,
      message: 'Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1',
      data: { err: { InstructionError: [0, { Custom: 1 }] }, accounts: null },
    });
    expect(raw.error!.data.logs).toContain(
      'Program 11111111111111111111111111111111 failed: custom program error: 0x1',
    );
    expect((await s.rpc.getSignatureStatuses([refused.signature]).send()).value).toEqual([null]);
    expect((await s.rpc.getBalance(alice.address).send()).value).toBe(SOL);

    const failing = await build(s, alice, tooMuch);
    const sig = await s.rpc
      .sendTransaction(failing.wire, { encoding: 'base64', skipPreflight: true, maxRetries: 0n })
      .send();
    // kit parses every integer inside a transaction error as a bigint.
    const status = (await s.rpc.getSignatureStatuses([sig]).send()).value[0];
    expect(status).toMatchObject({
      err: { InstructionError: [0n, { Custom: 1n }] },
      status: { Err: { InstructionError: [0n, { Custom: 1n }] } },
      confirmationStatus: 'confirmed',
    });
    const rawStatus = await call(s.url, 'getSignatureStatuses', [[sig]]);
    expect(rawStatus.result.value[0].status).toEqual({ Err: { InstructionError: [0, { Custom: 1 }] } });
    const tx = await s.rpc.getTransaction(sig, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send();
    expect(tx!.meta!.err).toEqual({ InstructionError: [0n, { Custom: 1n }] });
    expect(tx!.meta!.fee).toBe(5_000n);
    expect(tx!.meta!.preBalances[0]! - tx!.meta!.postBalances[0]!).toBe(5_000n);
    expect((await s.rpc.getBalance(alice.address).send()).value).toBe(SOL - 5_000n);
    // Sending it again: already processed.
    const dup = await call(s.url, 'sendTransaction', [failing.wire, { encoding: 'base64' }]);
    expect(dup.error).toMatchObject({ code: -32002, data: { err: 'AlreadyProcessed' } });

    // A fee payer that does not exist: refused with preflight, silently dropped without.
    const nobody = await generateKeyPairSigner();
    const ghost = await build(s, nobody, [
      getTransferSolInstruction({ source: nobody, destination: bob.address, amount: lamports(1n) }),
    ]);
    expect((await call(s.url, 'sendTransaction', [ghost.wire, { encoding: 'base64' }])).error).toMatchObject({
      code: -32002,
      data: { err: 'AccountNotFound' },
    });
    expect(await s.rpc.sendTransaction(ghost.wire, { encoding: 'base64', skipPreflight: true }).send()).toBe(
      ghost.signature,
    );
    expect((await s.rpc.getSignatureStatuses([ghost.signature]).send()).value).toEqual([null]);
  });

  it('refuses an expired blockhash with BlockhashNotFound', async () => {
    const s = await sandbox();
    const alice = await funded(s);
    const bob = await generateKeyPairSigner();
    const { value: lifetime } = await s.rpc.getLatestBlockhash().send();
    expect(lifetime.lastValidBlockHeight).toBe(s.ledger.currentSlot() + BLOCKHASH_VALID_BLOCKS);
    const built = await build(
      s,
      alice,
      [getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(1n) })],
      lifetime,
    );
    expect((await s.rpc.isBlockhashValid(lifetime.blockhash).send()).value).toBe(true);

    s.clock.advance((Number(BLOCKHASH_VALID_BLOCKS) + 1) * SLOT_MS);
    expect((await s.rpc.getBlockHeight().send()) > lifetime.lastValidBlockHeight).toBe(true);
    expect((await s.rpc.isBlockhashValid(lifetime.blockhash).send()).value).toBe(false);
    expect((await s.rpc.getFeeForMessage(built.messageBase64 as never).send()).value).toBeNull();

    const e = await caught(s.rpc.sendTransaction(built.wire, { encoding: 'base64' }).send());
    expect(isSolanaError(e, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE)).toBe(true);
    expect(isSolanaError((e as Error).cause, SOLANA_ERROR__TRANSACTION_ERROR__BLOCKHASH_NOT_FOUND)).toBe(true);
    const raw = await call(s.url, 'sendTransaction', [built.wire, { encoding: 'base64' }]);
    expect(raw.error).toMatchObject({
      code: -32002,
      message: 'Transaction simulation failed: Blockhash not found',
      data: { err: 'BlockhashNotFound' },
    });
    // Without preflight the node takes it and it never lands.
    expect(await s.rpc.sendTransaction(built.wire, { encoding: 'base64', skipPreflight: true }).send()).toBe(
      built.signature,
    );
    expect((await s.rpc.getSignatureStatuses([built.signature]).send()).value).toEqual([null]);
    const sim = await s.rpc.simulateTransaction(built.wire, { encoding: 'base64' }).send();
    expect(sim.value.err).toBe('BlockhashNotFound');
    expect((await s.rpc.getBalance(bob.address).send()).value).toBe(0n);
  });

  it('enforces minContextSlot with -32016', async () => {
    const s = await sandbox();
    const slot = await s.rpc.getSlot().send();
    expect(slot).toBe(s.ledger.currentSlot());
    expect(await s.rpc.getSlot({ minContextSlot: slot }).send()).toBe(slot);
    const e = await caught(
      s.rpc.getBalance(address('11111111111111111111111111111111'), { minContextSlot: slot + 10n }).send(),
    );
    expect(isSolanaError(e, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED)).toBe(true);
    const raw = await call(s.url, 'getLatestBlockhash', [{ minContextSlot: Number(slot) + 1 }]);
    expect(raw.error).toEqual({
      code: -32016,
      message: 'Minimum context slot has not been reached',
      data: { contextSlot: Number(slot) },
    });
  });

  it('counts calls per method, batch entries included, and resets', async () => {
    const s = await sandbox();
    const alice = await generateKeyPairSigner();
    s.server.resetCallCounts();
    await s.rpc.getBalance(alice.address).send();
    await s.rpc.getBalance(alice.address).send();
    await post(s.url, [
      { jsonrpc: '2.0', id: 1, method: 'getSlot' },
      { jsonrpc: '2.0', id: 2, method: 'getSlot' },
      { jsonrpc: '2.0', id: 3, method: 'getBalance', params: [alice.address] },
      { jsonrpc: '2.0', id: 4, method: 'noSuchMethod' },
    ]);
    const expected = { getBalance: 3, getSlot: 2, noSuchMethod: 1 };
    expect(s.server.callCounts()).toEqual(expected);
    expect((await call(s.url, 'sandbox_getCallCounts')).result).toEqual(expected);
    const stats = await fetch(`${s.url}/sandbox/stats`);
    expect(await stats.json()).toEqual(expected);
    // The sandbox_* methods themselves are not counted.
    expect(s.server.callCounts()).toEqual(expected);

    expect((await call(s.url, 'sandbox_resetCallCounts')).result).toEqual(expected);
    expect(s.server.callCounts()).toEqual({});
    await s.rpc.getLatestBlockhash().send();
    expect(s.server.callCounts()).toEqual({ getLatestBlockhash: 1 });
    s.server.resetCallCounts();
    expect(await (await fetch(`${s.url}/sandbox/stats`)).json()).toEqual({});
  });

  it('answers batches in order, with per-entry errors, and handles malformed requests', async () => {
    const s = await sandbox();
    const alice = await funded(s, 1n);
    const { json } = await post(s.url, [
      { jsonrpc: '2.0', id: 'a', method: 'getBalance', params: [alice.address] },
      { jsonrpc: '2.0', id: 'b', method: 'getBlockHeight' },
      { jsonrpc: '2.0', id: 'c', method: 'getBalance', params: ['not-an-address'] },
      { jsonrpc: '2.0', id: 'd', method: 'frobnicate' },
      { jsonrpc: '2.0', method: 'getSlot' }, // a notification: no answer
      { id: 'f', method: 'getSlot' },
    ]);
    const slot = Number(s.ledger.currentSlot());
    expect(json).toEqual([
      { jsonrpc: '2.0', id: 'a', result: { context: { slot, apiVersion: SANDBOX_API_VERSION }, value: 1_000_000_000 } },
      { jsonrpc: '2.0', id: 'b', result: slot },
      { jsonrpc: '2.0', id: 'c', error: { code: -32602, message: expect.stringContaining('parameter 0 (pubkey)') } },
      { jsonrpc: '2.0', id: 'd', error: { code: -32601, message: 'Method not found' } },
      { jsonrpc: '2.0', id: 'f', error: { code: -32600, message: 'Invalid request' } },
    ]);
    expect((await post(s.url, [])).json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'Invalid request' },
    });
    expect((await post(s.url, '{"jsonrpc":"2.0",')).json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error' },
    });
    for (const method of ['getBlock', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect((await call(s.url, method, [1])).error).toEqual({ code: -32601, message: 'Method not found' });
    }
    const badParams = await call(s.url, 'getMinimumBalanceForRentExemption', ['lots']);
    expect(badParams.error?.code).toBe(-32602);
    expect(badParams.error?.message).toMatch(/dataLength.*unsigned 64-bit integer/);
    const badCommitment = await call(s.url, 'getSlot', [{ commitment: 'eventually' }]);
    expect(badCommitment.error?.message).toMatch(/commitment must be/);
    const tooMany = await call(s.url, 'getSlot', [{}, {}]);
    expect(tooMany.error?.code).toBe(-32602);

    // kit sees -32602 as an invalid-params SolanaError carrying the server's message.
    const e = await caught(s.rpc.getBalance('nope' as Address).send());
    expect(isSolanaError(e, SOLANA_ERROR__JSON_RPC__INVALID_PARAMS)).toBe(true);

    const getOnly = await fetch(s.url, { method: 'PUT' });
    expect(getOnly.status).toBe(405);
    const wrongType = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(415);
  });

  it('limits getMultipleAccounts to 100 keys', async () => {
    const s = await sandbox();
    const alice = await funded(s, 1n);
    const keys = await Promise.all(Array.from({ length: 101 }, async () => (await generateKeyPairSigner()).address));
    const raw = await call(s.url, 'getMultipleAccounts', [keys, { encoding: 'base64' }]);
    expect(raw.error).toEqual({ code: -32602, message: 'Too many inputs provided; max 100' });
    const e = await caught(s.rpc.getMultipleAccounts(keys, { encoding: 'base64' }).send());
    expect(isSolanaError(e, SOLANA_ERROR__JSON_RPC__INVALID_PARAMS)).toBe(true);

    const hundred = [alice.address, ...keys.slice(0, 99)];
    const ok = await s.rpc.getMultipleAccounts(hundred, { encoding: 'base64' }).send();
    expect(ok.value).toHaveLength(100);
    expect(ok.value[0]).toMatchObject({ lamports: SOL, data: ['', 'base64'] });
    expect(ok.value.slice(1).every((v) => v === null)).toBe(true);
    // getMultipleAccounts defaults to base64.
    const dflt = await call(s.url, 'getMultipleAccounts', [[alice.address]]);
    expect(dflt.result.value[0].data).toEqual(['', 'base64']);

    const sigs = Array.from({ length: 257 }, () => '1'.repeat(64));
    expect((await call(s.url, 'getSignatureStatuses', [sigs])).error).toEqual({
      code: -32602,
      message: 'Too many inputs provided; max 256',
    });
  });

  it('serves legacy transactions without a version, and null for unknown signatures', async () => {
    const s = await sandbox();
    const alice = await funded(s, 2n);
    const bob = await generateKeyPairSigner();
    const built = await build(
      s,
      alice,
      [getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(SOL) })],
      undefined,
      'legacy',
    );
    // base58 is sendTransaction's default encoding.
    const base58Wire = getBase58Decoder().decode(Buffer.from(built.wire, 'base64'));
    const sent = await call(s.url, 'sendTransaction', [base58Wire]);
    expect(sent).toEqual({ jsonrpc: '2.0', id: 1, result: built.signature });
    const raw = await call(s.url, 'getTransaction', [built.signature, { encoding: 'json', commitment: 'confirmed' }]);
    expect('version' in raw.result).toBe(false);
    expect('addressTableLookups' in raw.result.transaction.message).toBe(false);
    const withVersion = await s.rpc
      .getTransaction(built.signature, { encoding: 'json', maxSupportedTransactionVersion: 0 })
      .send();
    expect(withVersion!.version).toBe('legacy');
    // The legacy bare-string form of the config (an encoding) is still accepted.
    const legacyConfig = await call(s.url, 'getTransaction', [built.signature, 'base64']);
    expect(legacyConfig.result).toBeNull(); // finalized by default: not yet
    s.clock.advance(32 * SLOT_MS);
    expect((await call(s.url, 'getTransaction', [built.signature, 'base64'])).result.transaction).toEqual([
      built.wire,
      'base64',
    ]);

    const unknown = (await generateKeyPairSigner()).address; // any base-58 string of the right kind
    const nobody = built.signature.replace(/.$/, built.signature.endsWith('1') ? '2' : '1') as Signature;
    expect(
      await s.rpc.getTransaction(nobody, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send(),
    ).toBeNull();
    expect((await s.rpc.getSignatureStatuses([nobody, built.signature]).send()).value[0]).toBeNull();
    const notASignature = await call(s.url, 'getSignatureStatuses', [[unknown]]);
    expect(notASignature.error?.code).toBe(-32602);
    expect(notASignature.error?.message).toMatch(/signatures\[0\] must be a base-58 encoded 64-byte signature/);
  });

  it('keeps balances, statuses and history across a ledger close and reopen', async () => {
    const dir = tempDir();
    const clock = new ManualClock(START_MS);
    const first = await sandbox({ dir, clock });
    const alice = await funded(first, 2n);
    const bob = await generateKeyPairSigner();
    const sig = await sendIxs(first, alice, [
      getTransferSolInstruction({ source: alice, destination: bob.address, amount: lamports(SOL / 2n) }),
    ]);
    const aliceBalance = (await first.rpc.getBalance(alice.address).send()).value;
    const status = (await first.rpc.getSignatureStatuses([sig]).send()).value[0];
    const tx = await first.rpc.getTransaction(sig, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send();
    await shutdown(first);

    clock.advance(10 * SLOT_MS);
    const second = await sandbox({ dir, clock });
    expect((await second.rpc.getBalance(alice.address).send()).value).toBe(aliceBalance);
    expect((await second.rpc.getBalance(bob.address).send()).value).toBe(SOL / 2n);
    const after = (await second.rpc.getSignatureStatuses([sig], { searchTransactionHistory: true }).send()).value[0];
    expect(after).toEqual({ ...status, confirmations: 10n });
    expect(
      await second.rpc.getTransaction(sig, { encoding: 'json', maxSupportedTransactionVersion: 0 }).send(),
    ).toEqual(tx);
    // And the chain goes on.
    const carol = await generateKeyPairSigner();
    await sendIxs(second, alice, [
      getTransferSolInstruction({ source: alice, destination: carol.address, amount: lamports(SOL / 10n) }),
    ]);
    expect((await second.rpc.getBalance(carol.address).send()).value).toBe(SOL / 10n);
  });
});
