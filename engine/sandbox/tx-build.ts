import {
  appendTransactionMessageInstructions,
  compileTransaction,
  createTransactionMessage,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Blockhash,
  type Instruction,
  type SignatureBytes,
  type Transaction,
} from '@solana/kit';
import { randomInt } from 'node:crypto';
import { getSetComputeUnitLimitInstruction } from '@solana-program/compute-budget';
import { getAddMemoInstruction } from '@solana-program/memo';
import type { SandboxLedger } from './ledger';
import type { PlayKey } from './play-keys';
import { transactionEncoder } from '../chain/wire-codecs';

/**
 * Synchronous transaction assembly for the sandbox's own actors (faucet,
 * market maker). Signer accounts in instructions are kit NoopSigners; the real
 * signatures come from PlayKeys, which sign synchronously.
 */
export interface BuildOptions {
  feePayer: Address;
  instructions: readonly Instruction[];
  blockhash: string;
  lastValidBlockHeight: bigint;
  legacy?: boolean;
}

export function compile(opts: BuildOptions): Transaction {
  const base = createTransactionMessage({ version: opts.legacy ? 'legacy' : 0 });
  const withPayer = setTransactionMessageFeePayer(opts.feePayer, base);
  const withLifetime = setTransactionMessageLifetimeUsingBlockhash(
    { blockhash: opts.blockhash as Blockhash, lastValidBlockHeight: opts.lastValidBlockHeight },
    withPayer,
  );
  return compileTransaction(appendTransactionMessageInstructions(opts.instructions, withLifetime));
}

/** Adds the keys' signatures; every key must be one of the transaction's signers. */
export function signWith(tx: Transaction, keys: readonly PlayKey[]): Transaction {
  const signatures = { ...tx.signatures };
  const messageBytes = new Uint8Array(tx.messageBytes);
  for (const k of keys) {
    if (!(k.address in signatures)) throw new Error(`${k.address} is not a signer of this transaction`);
    signatures[k.address] = k.sign(messageBytes) as SignatureBytes;
  }
  return Object.freeze({ messageBytes: tx.messageBytes, signatures: Object.freeze(signatures) });
}

export function toWire(tx: Transaction): Uint8Array {
  return new Uint8Array(transactionEncoder.encode(tx));
}

/**
 * Builds, signs (fee payer first) and sends a transaction through the ledger
 * with preflight, as any client would. Returns the signature. `unique` adds a
 * compute-unit limit with a random value, so two otherwise identical
 * transactions in one slot do not collide (AlreadyProcessed).
 */
export function sendAs(
  ledger: SandboxLedger,
  feePayer: PlayKey,
  instructions: readonly Instruction[],
  extraSigners: readonly PlayKey[] = [],
  opts: { unique?: boolean } = {},
): string {
  const { blockhash, lastValidBlockHeight } = ledger.latestBlockhash();
  const all = opts.unique
    ? [getSetComputeUnitLimitInstruction({ units: 400_000 + randomInt(100_000) }), ...instructions]
    : instructions;
  const tx = compile({ feePayer: feePayer.address, instructions: all, blockhash, lastValidBlockHeight });
  const unique = [feePayer, ...extraSigners.filter((k) => k.address !== feePayer.address)];
  return ledger.send(toWire(signWith(tx, unique)));
}

const memoChecked = new WeakMap<SandboxLedger, boolean>();

/**
 * Whether the SPL Memo program (MemoSq4g…, the one wallets and the keystore's
 * allow-list know) executes on this ledger. LiteSVM 1.5 bundles a Memo build
 * that fails with InvalidProgramForExecution; callers then leave their memo
 * out instead of failing. Checked once per ledger by a simulation (nothing lands).
 */
export function memoWorks(ledger: SandboxLedger, payer: PlayKey): boolean {
  const known = memoChecked.get(ledger);
  if (known !== undefined) return known;
  const { blockhash, lastValidBlockHeight } = ledger.latestBlockhash();
  const tx = compile({
    feePayer: payer.address,
    instructions: [getAddMemoInstruction({ memo: 'harvest sandbox memo probe' })],
    blockhash,
    lastValidBlockHeight,
  });
  let ok = false;
  try {
    ok = ledger.simulate(toWire(signWith(tx, [payer])), { sigVerify: true }).err === null;
  } catch {
    ok = false;
  }
  memoChecked.set(ledger, ok);
  return ok;
}
