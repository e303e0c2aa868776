/**
 * The signing policy against a real in-process sandbox (issue #4, items 3 and
 * 9): a real quote and swap transaction from the sandbox's Jupiter-compatible
 * API over HTTP, judged through a simulator backed by the engine's chain
 * client on the sandbox RPC (real SVM simulations). A genuine swap is signed
 * and lands; a "malicious swap API" that tampers with the transaction gets
 * nothing signed, and each refusal is audited.
 */
import { randomBytes } from 'node:crypto';
import {
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  decompileTransactionMessage,
  getAddressDecoder,
  getBase64Encoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Instruction,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { findAssociatedTokenPda, getTokenDecoder } from '@solana-program/token';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createChainClient } from '../../engine/chain';
import type { ManualClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { keypairFromSeed, secretKeyBytes, toBase58 } from '../../engine/keystore';
import { TOKEN_PROGRAM } from '../../engine/keystore/instructions';
import { simulatorFor, type SimulateTransaction, type SwapPurpose } from '../../engine/keystore/swap-policy';
import { tokenByMint, tokenBySymbol, WRAPPED_SOL_MINT } from '../../engine/market/tokens';
import type { Engine } from '../../engine/runtime';
import { Sandbox } from '../../engine/sandbox';
import { tempDataDir } from '../helpers/datadir';
import { openEngine } from '../helpers/engine';
import { expectHarvestRejection } from '../helpers/errors';

const SOL = 1_000_000_000n;
const USDC = tokenBySymbol('USDC')!;

interface Quote {
  inputMint: string;
  inAmount: string;
  outputMint: string;
  outAmount: string;
  otherAmountThreshold: string;
}

let engine: Engine;
let sandbox: Sandbox;
let simulate: SimulateTransaction;
let cleanup: () => void;
let haltReason: string | null = null;
let userId: number;
let wallet: Address;
let walletUsdc: Address;

beforeAll(async () => {
  const t = tempDataDir('hv-signing-swap-');
  cleanup = t.cleanup;
  engine = openEngine(t.dir);
  engine.signer.addGate(() => haltReason);
  sandbox = await Sandbox.start({ dir: null, clock: engine.clock as ManualClock, log: silentLogger });
  const chain = createChainClient({
    endpoints: [sandbox.rpcUrl],
    clock: engine.clock,
    logger: silentLogger,
    rateLimit: { requests: 100_000, perMs: 1_000 },
  });
  simulate = simulatorFor(chain);
  const u = engine.users.add('swapper', 'test');
  const kp = keypairFromSeed(new Uint8Array(randomBytes(32)));
  wallet = engine.wallets.import(u.id, { secretKey: toBase58(secretKeyBytes(kp)) }, 'test').address as Address;
  userId = u.id;
  [walletUsdc] = await findAssociatedTokenPda({ owner: wallet, mint: USDC.mint, tokenProgram: TOKEN_PROGRAM });
  await sandbox.fund(wallet, { lamports: 50n * SOL, tokens: [{ mint: USDC.mint, amount: 1_000n * 1_000_000n }] });
});

afterAll(async () => {
  await sandbox?.close();
  await engine?.close();
  cleanup?.();
});

async function quote(inputMint: string, outputMint: string, amount: bigint): Promise<Quote> {
  const q = new URLSearchParams({ inputMint, outputMint, amount: amount.toString(), slippageBps: '50' });
  const res = await fetch(`${sandbox.swapApiUrl}/swap/v1/quote?${q}`);
  const body = (await res.json()) as Quote;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

async function swapTransaction(q: Quote): Promise<Uint8Array> {
  const res = await fetch(`${sandbox.swapApiUrl}/swap/v1/swap`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ quoteResponse: q, userPublicKey: wallet, wrapAndUnwrapSol: true }),
  });
  const body = (await res.json()) as { swapTransaction: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return new Uint8Array(getBase64Encoder().encode(body.swapTransaction));
}

/** The order as the engine understands it (not as the swap API describes it). */
function purposeOf(q: Quote): SwapPurpose {
  const side = (mint: string) => {
    if (mint === WRAPPED_SOL_MINT) return { mint: 'SOL' as const, program: null };
    const t = tokenByMint(mint)!;
    return { mint: t.mint, program: t.tokenProgram };
  };
  const input = side(q.inputMint);
  const output = side(q.outputMint);
  return {
    kind: 'swap',
    inputMint: input.mint,
    inAmount: BigInt(q.inAmount),
    outputMint: output.mint,
    minOut: BigInt(q.otherAmountThreshold),
    inputTokenProgram: input.program,
    outputTokenProgram: output.program,
  };
}

function sign(wire: Uint8Array, purpose: SwapPurpose): Promise<Uint8Array> {
  return engine.signer.sign(userId, wire, purpose, 'test', { simulate });
}

/** Rebuilds the swap API's transaction with its instructions edited (the market maker's signature is lost: it is never sent). */
function tamper(wire: Uint8Array, edit: (ixs: Instruction[]) => Instruction[]): Uint8Array {
  const tx = getTransactionDecoder().decode(wire);
  const compiled = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
  if (compiled.version !== 0) throw new Error('expected a v0 swap transaction');
  const original = decompileTransactionMessage(compiled, { lastValidBlockHeight: 10_000n });
  if (!('blockhash' in original.lifetimeConstraint)) throw new Error('expected a blockhash lifetime');
  const lifetime = original.lifetimeConstraint;
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(wallet, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions(edit([...original.instructions]), m),
  );
  return new Uint8Array(getTransactionEncoder().encode(compileTransaction(message)));
}

const isTransferChecked = (ix: Instruction): boolean => ix.programAddress === TOKEN_PROGRAM && ix.data?.[0] === 12;

function usdcBalance(): bigint {
  const acc = sandbox.ledger.account(walletUsdc);
  return acc ? getTokenDecoder().decode(acc.data).amount : 0n;
}

function refusals(): Record<string, unknown>[] {
  return engine.store.audit
    .list({ userId })
    .filter((r) => r.action === 'signing.refused')
    .map((r) => r.details);
}

/** Nothing signed, one audit row with the reason and the order, REFUSED thrown. */
async function expectRefused(attempt: () => Promise<unknown>, reason: RegExp, purpose: SwapPurpose): Promise<void> {
  const signed = engine.signer.signedCount;
  const audited = refusals().length;
  const e = await expectHarvestRejection(attempt(), 'REFUSED', reason);
  expect(engine.signer.signedCount).toBe(signed);
  const rows = refusals();
  expect(rows).toHaveLength(audited + 1);
  expect(rows[0]).toMatchObject({
    purpose: 'swap',
    reason: e.message,
    inAmount: purpose.inAmount.toString(),
    minOut: purpose.minOut.toString(),
  });
}

describe('signing sandbox swaps', () => {
  test('a genuine SOL -> USDC swap from the swap API is signed and lands', async () => {
    const q = await quote(WRAPPED_SOL_MINT, USDC.mint, SOL);
    const wire = await swapTransaction(q);
    const count = engine.signer.signedCount;
    const usdcBefore = usdcBalance();
    const signed = await sign(wire, purposeOf(q));
    expect(engine.signer.signedCount).toBe(count + 1);
    const landed = sandbox.ledger.landed(sandbox.ledger.send(signed));
    expect(landed?.err ?? null).toBeNull();
    expect(usdcBalance() - usdcBefore).toBe(BigInt(q.outAmount));
  });

  test('a genuine USDC -> SOL swap is signed and lands', async () => {
    const q = await quote(USDC.mint, WRAPPED_SOL_MINT, 50n * 1_000_000n);
    const wire = await swapTransaction(q);
    const usdcBefore = usdcBalance();
    const signed = await sign(wire, purposeOf(q));
    expect(sandbox.ledger.landed(sandbox.ledger.send(signed))?.err ?? null).toBeNull();
    expect(usdcBefore - usdcBalance()).toBe(50n * 1_000_000n);
  });

  test('malicious swap API: an extra transfer to a stranger', async () => {
    const q = await quote(WRAPPED_SOL_MINT, USDC.mint, SOL);
    const stranger = getAddressDecoder().decode(randomBytes(32));
    const wire = tamper(await swapTransaction(q), (ixs) => [
      ...ixs,
      getTransferSolInstruction({ source: createNoopSigner(wallet), destination: stranger, amount: 5_000_000n }),
    ]);
    await expectRefused(
      () => sign(wire, purposeOf(q)),
      /losing 1\.005 SOL besides the .* fee, more than the order’s input of 1 SOL/,
      purposeOf(q),
    );
    expect(sandbox.ledger.account(stranger)).toBeNull();
  });

  test('malicious swap API: an unknown program in place of the token program', async () => {
    const q = await quote(USDC.mint, WRAPPED_SOL_MINT, 10n * 1_000_000n);
    const rogue = getAddressDecoder().decode(randomBytes(32));
    const wire = tamper(await swapTransaction(q), (ixs) =>
      ixs.map((ix) => (isTransferChecked(ix) ? { ...ix, programAddress: rogue } : ix)),
    );
    await expectRefused(
      () => sign(wire, purposeOf(q)),
      new RegExp(`invokes ${rogue}, which is not on the program allow-list`),
      purposeOf(q),
    );
  });

  test('malicious swap API: less output than quoted', async () => {
    const q = await quote(WRAPPED_SOL_MINT, USDC.mint, SOL);
    const threshold = BigInt(q.otherAmountThreshold);
    const wire = tamper(await swapTransaction(q), (ixs) =>
      ixs.map((ix) => {
        if (!isTransferChecked(ix) || ix.accounts?.[2]?.address !== walletUsdc) return ix;
        const data = new Uint8Array(ix.data!);
        new DataView(data.buffer).setBigUint64(1, threshold - 1n, true);
        return { ...ix, data };
      }),
    );
    await expectRefused(
      () => sign(wire, purposeOf(q)),
      /receiving .* USDC, less than the minimum output of .* USDC/,
      purposeOf(q),
    );
  });

  test('malicious swap API: a swap of more than the order spends', async () => {
    const ordered = await quote(WRAPPED_SOL_MINT, USDC.mint, SOL);
    const bigger = await quote(WRAPPED_SOL_MINT, USDC.mint, 2n * SOL);
    // The API answers the 1 SOL order with a (genuine) 2 SOL swap: more USDC, but twice the SOL.
    const wire = await swapTransaction(bigger);
    await expectRefused(
      () => sign(wire, purposeOf(ordered)),
      /losing 2 SOL besides .* more than the order’s input of 1 SOL/,
      purposeOf(ordered),
    );
  });

  test('a halt acknowledged during a burst: no signature after the acknowledgement', async () => {
    const q = await quote(WRAPPED_SOL_MINT, USDC.mint, SOL / 10n);
    const wire = await swapTransaction(q);
    const purpose = purposeOf(q);
    const base = engine.signer.signedCount;
    let signedAtAck: number | null = null;
    let successes = 0;
    // Started a millisecond apart: the signature itself is synchronous, so attempts whose simulations
    // answered in the same tick (the RPC client coalesces identical requests) would all sign before
    // any of their callbacks ran, and the halt would never arrive mid-burst.
    const attempts = Array.from({ length: 30 }, (_, i) =>
      new Promise((started) => setTimeout(started, i))
        .then(() => sign(wire, purpose))
        .then(
          () => {
            // The 5th signature back: the operator halts, and the halt is acknowledged right here.
            if (++successes === 5) {
              haltReason = 'trading is halted (acknowledged)';
              signedAtAck = engine.signer.signedCount;
            }
            return null;
          },
          (e: unknown) => e as Error,
        ),
    );
    try {
      const results = await Promise.all(attempts);
      expect(signedAtAck).not.toBeNull();
      expect(engine.signer.signedCount).toBe(signedAtAck);
      expect(successes).toBe(signedAtAck! - base);
      const refused = results.filter((r): r is Error => r !== null);
      expect(refused.length).toBe(30 - successes);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(r.message).toMatch(/trading is halted \(acknowledged\)/);
    } finally {
      haltReason = null;
    }
  });
});
