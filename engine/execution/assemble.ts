import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  compileTransaction,
  compressTransactionMessageUsingAddressLookupTables,
  createNoopSigner,
  createTransactionMessage,
  getBase64Encoder,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type AccountMeta,
  type Address,
  type AddressesByLookupTableAddress,
  type Instruction,
} from '@solana/kit';
import { getSetComputeUnitLimitInstruction, getSetComputeUnitPriceInstruction } from '@solana-program/compute-budget';
import { getTransferSolInstruction } from '@solana-program/system';
import { JITO_TIP_ACCOUNTS, type ChainClient } from '../chain';
import { withUnitLimit } from '../chain/compute-budget-layout';
import { decodeLookupTableAddresses, LOOKUP_TABLE_META_SIZE } from '../chain/lookup-table-layout';
import { HarvestError } from '../kernel/errors';
import type { SwapSimulation } from '../keystore';
import { ADDRESS_LOOKUP_TABLE_PROGRAM, COMPUTE_BUDGET_PROGRAM } from '../keystore/instructions';
import { JupiterError, type ApiInstruction, type JupiterBuild } from './jupiter-client';
import { cappedPrice, planPrice, priorityFeeLamports, type LandingPlan } from './landing';
import { transactionEncoder } from '../chain/wire-codecs';

/**
 * Harvest assembles the v0 swap transaction from a /build answer itself
 * (Jupiter's /build guide: compute budget, setup, swap, cleanup, others):
 * the fee payer is the wallet, the blockhash comes from our own RPC, the
 * compute-unit limit from a simulation plus 20 %, the price from
 * getRecentPrioritizationFees over the swap's writable accounts (capped per
 * friend), an optional Jito tip, and the lookup tables as read from the chain.
 * The keystore's signing policy then judges the result exactly as before.
 *
 * The compute-unit simulation is the signing policy's own (a `preview`, see
 * TransactionSigner.previewSwap) at the final compute-unit price: the signed
 * bytes then differ from the simulated ones only in the unit limit, and the
 * policy judges on that simulation instead of running its own. Without a
 * preview, or when the preview fails or the cap lowers the price once the limit
 * is known, the engine simulates as before and the policy simulates again.
 */
export interface AssembledSwap {
  /** Unsigned wire bytes (every signature slot empty). */
  wire: Uint8Array;
  lastValidBlockHeight: bigint;
  unitLimit: number;
  microLamports: bigint;
  priorityFeeLamports: bigint;
  tipLamports: bigint;
  /** The plan's price was lowered to keep the priority fee within the friend's cap. */
  capped: boolean;
  /** The preview that set the unit limit, for the signer (null: the policy simulates the final bytes itself). */
  simulation: SwapSimulation | null;
}

/** The signing policy's simulation of an unsigned swap (TransactionSigner.previewSwap, bound to a user). */
export type SwapPreviewer = (wire: Uint8Array) => Promise<SwapSimulation>;

const MAX_UNITS = 1_400_000;
/** 120 % of the simulated units (Jupiter's /build guide uses the same margin). */
const UNIT_MARGIN_PCT = 120n;
/** getRecentPrioritizationFees reads at most this many accounts. */
const MAX_FEE_ACCOUNTS = 128;

export async function assembleSwap(
  chain: ChainClient,
  build: JupiterBuild,
  wallet: Address,
  plan: LandingPlan,
  tipAccount: Address = JITO_TIP_ACCOUNTS[Math.floor(Math.random() * JITO_TIP_ACCOUNTS.length)]!,
  preview?: SwapPreviewer,
): Promise<AssembledSwap> {
  // Harvest sets the compute budget itself; anything else hidden in that list is refused.
  for (const ix of build.computeBudgetInstructions) {
    if (ix.programId !== COMPUTE_BUDGET_PROGRAM) {
      throw new JupiterError(
        `The swap API put an instruction of ${ix.programId} among the compute-budget instructions.`,
        200,
        null,
        false,
      );
    }
  }
  // No tip was asked of the API; one it adds on its own is not paid.
  if (build.tipInstruction)
    throw new JupiterError('The swap API added a tip that was not asked for.', 200, null, false);
  const swap = [
    ...build.setupInstructions,
    build.swapInstruction,
    ...(build.cleanupInstruction ? [build.cleanupInstruction] : []),
    ...build.otherInstructions,
  ].map(toInstruction);
  const tipLamports = plan.tipLamports ?? 0n;
  if (tipLamports > 0n) {
    swap.push(
      getTransferSolInstruction({ source: createNoopSigner(wallet), destination: tipAccount, amount: tipLamports }),
    );
  }
  const writable = [...new Set(swap.flatMap((ix) => (ix.accounts ?? []).filter(isWritable).map((a) => a.address)))];
  // Independent reads, together.
  const [tables, latest, fees] = await Promise.all([
    lookupTables(chain, Object.keys(build.addressesByLookupTableAddress ?? {})),
    chain.getLatestBlockhash(),
    chain.getRecentPrioritizationFees(writable.slice(0, MAX_FEE_ACCOUNTS)),
  ]);
  const wanted = planPrice(
    plan,
    fees.map((f) => f.prioritizationFee),
  );
  const compile = (unitLimit: number, microLamports: bigint) => {
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(wallet, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(latest, m),
      (m) =>
        appendTransactionMessageInstructions(
          [
            getSetComputeUnitLimitInstruction({ units: unitLimit }),
            getSetComputeUnitPriceInstruction({ microLamports }),
            ...swap,
          ],
          m,
        ),
    );
    const compressed =
      Object.keys(tables).length > 0 ? compressTransactionMessageUsingAddressLookupTables(message, tables) : message;
    return new Uint8Array(transactionEncoder.encode(compileTransaction(compressed)));
  };

  // Simulated at the most units, at a price whose fee there stays within the cap.
  const previewPrice = cappedPrice(wanted, MAX_UNITS, plan.maxPriorityFeeLamports);
  const previewed = preview ? compile(MAX_UNITS, previewPrice) : null;
  let simulation = preview && previewed ? await tryPreview(preview, previewed) : null;
  let used: bigint;
  if (simulation) {
    used = simulation.unitsConsumed ?? BigInt(MAX_UNITS);
  } else {
    const sim = await chain.simulateTransaction(compile(MAX_UNITS, 0n), {
      sigVerify: false,
      replaceRecentBlockhash: true,
    });
    if (sim.err !== null && sim.err !== undefined) {
      throw new JupiterError(
        `The assembled swap would fail (simulation: ${JSON.stringify(sim.err, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}).`,
        200,
        'SIMULATION_FAILED',
        false,
      );
    }
    used = sim.unitsConsumed ?? BigInt(MAX_UNITS);
  }
  const unitLimit = Math.min(MAX_UNITS, Number((used * UNIT_MARGIN_PCT + 99n) / 100n));
  const microLamports = cappedPrice(wanted, unitLimit, plan.maxPriorityFeeLamports);
  // A price lowered by the cap at the final limit is a second change: the policy simulates again.
  if (microLamports !== previewPrice) simulation = null;
  // The simulated bytes with the final limit set in them: the same transaction a compile at that limit
  // gives (compiling depends on no instruction data), without compiling it again.
  const wire =
    (simulation && previewed ? withUnitLimit(previewed, unitLimit) : null) ?? compile(unitLimit, microLamports);
  return {
    wire,
    lastValidBlockHeight: latest.lastValidBlockHeight,
    unitLimit,
    microLamports,
    priorityFeeLamports: priorityFeeLamports(microLamports, unitLimit),
    tipLamports,
    capped: microLamports < wanted,
    simulation,
  };
}

/** The preview when it ran cleanly; otherwise null, and the old path simulates (and reports any failure). */
async function tryPreview(preview: SwapPreviewer, wire: Uint8Array): Promise<SwapSimulation | null> {
  try {
    const s = await preview(wire);
    return s.err === null ? s : null;
  } catch (e) {
    if (e instanceof HarvestError && e.code === 'RPC_UNAVAILABLE') throw e;
    return null;
  }
}

function isWritable(a: AccountMeta): boolean {
  return a.role === AccountRole.WRITABLE || a.role === AccountRole.WRITABLE_SIGNER;
}

const base64 = getBase64Encoder();

function toInstruction(ix: ApiInstruction): Instruction {
  return {
    programAddress: address(ix.programId),
    accounts: ix.accounts.map((a) => ({
      address: address(a.pubkey),
      role: a.isSigner
        ? a.isWritable
          ? AccountRole.WRITABLE_SIGNER
          : AccountRole.READONLY_SIGNER
        : a.isWritable
          ? AccountRole.WRITABLE
          : AccountRole.READONLY,
    })),
    data: new Uint8Array(base64.encode(ix.data)),
  };
}

/** The tables' addresses as the chain holds them (not as the API lists them); a table that is not one is refused. */
async function lookupTables(chain: ChainClient, keys: string[]): Promise<AddressesByLookupTableAddress> {
  if (keys.length === 0) return {};
  const accounts = await chain.getMultipleAccounts(keys.map((k) => address(k)));
  const out: AddressesByLookupTableAddress = {};
  accounts.forEach((acc, i) => {
    const table = address(keys[i]!);
    if (!acc || acc.owner !== ADDRESS_LOOKUP_TABLE_PROGRAM || acc.data.length < LOOKUP_TABLE_META_SIZE) {
      throw new JupiterError(`${table} is not an address lookup table.`, 200, null, false);
    }
    out[table] = decodeLookupTableAddresses(acc.data);
  });
  return out;
}
