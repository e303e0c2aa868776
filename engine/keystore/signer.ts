import { type Address, type SignatureBytes } from '@solana/kit';
import { findAssociatedTokenPda } from '@solana-program/token';
import type { Clock } from '../kernel/clock';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { Store } from '../store';
import { ed25519Sign } from './ed25519';
import {
  ASSOCIATED_TOKEN_PROGRAM,
  COMPUTE_BUDGET_PROGRAM,
  decodeInstruction,
  JUPITER_V6_PROGRAM,
  MEMO_PROGRAM,
  MEMO_V1_PROGRAM,
  SYSTEM_PROGRAM,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
  type DecodedInstruction,
} from './instructions';
import { checkOutflowCaps } from './outflow';
import {
  checkSwapEffects,
  checkSwapInstructions,
  checkSwapLanding,
  checkSwapPurpose,
  previewSwap,
  refusal,
  type SimulateTransaction,
  type SwapPurpose,
  type SwapSimulation,
} from './swap-policy';
import type { WalletVault } from './wallets';
import { messageDecoder, transactionDecoder, transactionEncoder } from '../chain/wire-codecs';

/** Programs a Harvest transaction may invoke (DESIGN.md, signing policy). */
export const ALLOWED_PROGRAMS: ReadonlySet<Address> = new Set([
  SYSTEM_PROGRAM,
  COMPUTE_BUDGET_PROGRAM,
  TOKEN_PROGRAM,
  TOKEN_2022_PROGRAM,
  ASSOCIATED_TOKEN_PROGRAM,
  MEMO_PROGRAM,
  MEMO_V1_PROGRAM,
  JUPITER_V6_PROGRAM,
]);

/** Signature fees plus priority fee above this are refused: a fee is also a way to drain a wallet. */
export const MAX_FEE_LAMPORTS = 10_000_000n;

export interface WithdrawalPurpose {
  kind: 'withdrawal';
  /** 'SOL' for native SOL, else the mint. */
  asset: Address | 'SOL';
  amount: bigint;
  destination: Address;
  decimals: number;
  tokenProgram: Address | null;
}

export type { SwapPurpose, SimulateTransaction, SwapSimulation } from './swap-policy';

/** What the caller says the transaction is for; the policy checks the bytes agree. */
export type SigningPurpose = WithdrawalPurpose | SwapPurpose;

export interface SignOptions {
  /**
   * Simulates a wire transaction (sigVerify off) and reports the given accounts' post-state.
   * Required for a swap (without it a swap is refused); see swap-policy.ts simulatorFor.
   */
  simulate?: SimulateTransaction;
  /**
   * A simulation made by previewSwap of these bytes before their compute-unit limit was set: the
   * policy judges on it instead of simulating again only if nothing but that limit changed since
   * (swap-policy.ts, "One simulation for two purposes"); otherwise it simulates the exact bytes.
   */
  simulation?: SwapSimulation;
}

export interface DecodedTransaction {
  feePayer: Address;
  staticAccounts: Address[];
  /** Static keys the header marks writable (writable signers, then writable non-signers). */
  writableStatic: Address[];
  numSigners: number;
  usesLookupTables: boolean;
  lookups: { table: Address; writableIndexes: number[]; readonlyIndexes: number[] }[];
  instructions: DecodedInstruction[];
  fee: bigint;
}

/** A hook that can refuse all signing (the global halt, from the controls). Returns a reason or null. */
export type SigningGate = () => string | null;

/**
 * The only place a private key signs anything. Every transaction is decoded
 * and checked against the signing policy first; a refusal is audited and
 * nothing is signed.
 */
export class TransactionSigner {
  private gates: SigningGate[] = [];
  private signed = 0;

  constructor(
    private readonly store: Store,
    private readonly vault: WalletVault,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  addGate(gate: SigningGate): void {
    this.gates.push(gate);
  }

  /** How many signatures this signer has handed out (a sequence number: tests prove nothing was signed after a point). */
  get signedCount(): number {
    return this.signed;
  }

  /**
   * Checks `wire` against the signing policy for `purpose` and, only if it
   * passes, returns it signed with the user's key. A refusal throws
   * HarvestError 'REFUSED' with the reason and is audited ('signing.refused').
   *
   * The gates (the global halt) are checked first, synchronously when sign()
   * is called, before any await: a halt set before the call always wins. They
   * are checked again after the policy's awaits and once more after the
   * signature is made, so no signature is handed out once a halt is in force.
   */
  async sign(
    userId: number,
    wire: Uint8Array,
    purpose: SigningPurpose,
    actor: string,
    options: SignOptions = {},
  ): Promise<Uint8Array> {
    try {
      // Synchronous, before any await: runs when sign() is called.
      this.checkGates();
      const wallet = this.store.wallets.byUser(userId);
      if (!wallet) throw new HarvestError('NOT_FOUND', `User ${userId} has no wallet.`);
      const walletAddress = wallet.address as Address;
      const tx = decodeTransaction(wire);
      checkCommon(tx, walletAddress);
      if (purpose.kind === 'withdrawal') {
        await checkWithdrawal(tx, purpose, walletAddress, (u, a) => this.whitelisted(u, a), userId);
      } else {
        const { input } = checkSwapPurpose(purpose);
        checkSwapInstructions(tx.instructions);
        const tip = checkSwapLanding(tx, purpose, walletAddress, tx.numSigners);
        checkOutflowCaps(this.store, this.clock, userId, input, purpose.inAmount);
        await checkSwapEffects(wire, tx, purpose, walletAddress, options.simulate, tip, options.simulation);
      }
      this.checkGates();
    } catch (e) {
      this.refused(e, userId, purpose, actor);
      throw e;
    }
    const secret = this.vault.keypair(userId);
    let signed: Uint8Array;
    try {
      // The vault checked that this seed derives the wallet's address; the wallet must be a signer here.
      const tx = transactionDecoder.decode(wire);
      if (!(secret.address in tx.signatures)) {
        throw new HarvestError('INTERNAL', `The wallet ${secret.address} is not a signer of this transaction.`);
      }
      const signature = ed25519Sign(secret.seed, new Uint8Array(tx.messageBytes)) as SignatureBytes;
      const out = { ...tx, signatures: { ...tx.signatures, [secret.address]: signature } };
      signed = new Uint8Array(transactionEncoder.encode(out));
    } finally {
      secret.seed.fill(0);
    }
    try {
      // A halt acknowledged while the key was signing: the signature is dropped, never handed out.
      this.checkGates();
    } catch (e) {
      signed.fill(0);
      this.refused(e, userId, purpose, actor);
      throw e;
    }
    this.signed++;
    return signed;
  }

  /**
   * Simulates a swap for the user's wallet the way the signing policy does, before it is final:
   * the caller learns its compute units (and whether it fails) and may hand the result back to
   * sign() as `simulation`. Nothing is signed or judged here.
   */
  async previewSwap(userId: number, wire: Uint8Array, simulate: SimulateTransaction): Promise<SwapSimulation> {
    const wallet = this.store.wallets.byUser(userId);
    if (!wallet) throw new HarvestError('NOT_FOUND', `User ${userId} has no wallet.`);
    return previewSwap(wire, decodeTransaction(wire), wallet.address as Address, simulate);
  }

  private checkGates(): void {
    for (const gate of this.gates) {
      const reason = gate();
      if (reason) throw refusal(reason);
    }
  }

  private refused(e: unknown, userId: number, purpose: SigningPurpose, actor: string): void {
    if (!(e instanceof HarvestError && e.code === 'REFUSED')) return;
    const details: Record<string, unknown> = { purpose: purpose.kind, reason: e.message };
    if (purpose.kind === 'swap') {
      Object.assign(details, {
        inputMint: purpose.inputMint,
        inAmount: purpose.inAmount.toString(),
        outputMint: purpose.outputMint,
        minOut: purpose.minOut.toString(),
      });
    }
    this.store.audit.append({ actor, action: 'signing.refused', userId, details }, isoTime(this.clock));
    this.log.warn({ userId, purpose: purpose.kind, reason: e.message }, 'signing refused');
  }

  private whitelisted(userId: number, address: Address): boolean {
    const entry = this.store.funds.whitelistEntry(userId, address);
    return entry !== null && Date.parse(entry.usableAt) <= this.clock.now();
  }
}

export function decodeTransaction(wire: Uint8Array): DecodedTransaction {
  let message;
  try {
    const tx = transactionDecoder.decode(wire);
    message = messageDecoder.decode(tx.messageBytes);
  } catch (e) {
    throw refusal(`the transaction could not be decoded (${(e as Error).message})`);
  }
  if (message.version === 1) throw refusal('version 1 transactions are not supported');
  const keys = message.staticAccounts;
  const usesLookupTables = 'addressTableLookups' in message && (message.addressTableLookups?.length ?? 0) > 0;
  let unitLimit: bigint | null = null;
  let microLamports = 0n;
  const instructions = message.instructions.map((ix) => {
    // Program ids are read from the static keys only: a lookup table cannot smuggle one in.
    const program = keys[ix.programAddressIndex];
    if (!program) throw refusal('an instruction names a program outside the static account keys');
    const accounts = (ix.accountIndices ?? []).map((i) => keys[i]);
    if (accounts.some((a) => a === undefined) && !usesLookupTables)
      throw refusal('an instruction names a missing account');
    const decoded = decodeInstruction({
      program,
      accounts: accounts.map((a) => a ?? ('LookupTableAccount' as Address)),
      data: new Uint8Array(ix.data ?? new Uint8Array()),
    });
    if (decoded.kind === 'computeBudget.limit') unitLimit = BigInt(decoded.units);
    if (decoded.kind === 'computeBudget.price') microLamports = decoded.microLamports;
    return decoded;
  });
  const others = BigInt(instructions.filter((i) => !i.kind.startsWith('computeBudget')).length);
  const limit = unitLimit ?? (others * 200_000n > 1_400_000n ? 1_400_000n : others * 200_000n);
  const fee = BigInt(message.header.numSignerAccounts) * 5000n + (microLamports * limit + 999_999n) / 1_000_000n;
  const { numSignerAccounts, numReadonlySignerAccounts, numReadonlyNonSignerAccounts } = message.header;
  const writableStatic = [
    ...keys.slice(0, numSignerAccounts - numReadonlySignerAccounts),
    ...keys.slice(numSignerAccounts, keys.length - numReadonlyNonSignerAccounts),
  ];
  const lookups =
    'addressTableLookups' in message
      ? (message.addressTableLookups ?? []).map((l) => ({
          table: l.lookupTableAddress,
          writableIndexes: [...l.writableIndexes],
          readonlyIndexes: [...l.readonlyIndexes],
        }))
      : [];
  return {
    feePayer: keys[0]!,
    staticAccounts: keys,
    writableStatic,
    numSigners: numSignerAccounts,
    usesLookupTables,
    lookups,
    instructions,
    fee,
  };
}

function checkCommon(tx: DecodedTransaction, wallet: Address): void {
  if (tx.feePayer !== wallet) throw refusal(`the fee payer ${tx.feePayer} is not this user's wallet`);
  for (const ix of tx.instructions) {
    const program = ix.kind === 'unknown' ? ix.program : programOf(ix);
    if (!ALLOWED_PROGRAMS.has(program)) throw refusal(`it invokes ${program}, which is not on the program allow-list`);
  }
  if (tx.fee > MAX_FEE_LAMPORTS)
    throw refusal(`its fee (${tx.fee} lamports) is above the ${MAX_FEE_LAMPORTS} lamport limit`);
}

function programOf(ix: Exclude<DecodedInstruction, { kind: 'unknown' }>): Address {
  switch (ix.kind) {
    case 'system.transfer':
      return SYSTEM_PROGRAM;
    case 'token.transferChecked':
    case 'token.transfer':
    case 'token.closeAccount':
    case 'token.syncNative':
      return ix.program;
    case 'ata.create':
      return ASSOCIATED_TOKEN_PROGRAM;
    case 'computeBudget.limit':
    case 'computeBudget.price':
      return COMPUTE_BUDGET_PROGRAM;
    case 'memo':
      return ix.program;
  }
}

async function checkWithdrawal(
  tx: DecodedTransaction,
  purpose: WithdrawalPurpose,
  wallet: Address,
  whitelisted: (userId: number, address: Address) => boolean,
  userId: number,
): Promise<void> {
  if (tx.usesLookupTables) throw refusal('a withdrawal must not use address lookup tables');
  if (!whitelisted(userId, purpose.destination)) {
    throw refusal(
      `${purpose.destination} is not on this user's withdrawal whitelist (or its waiting period has not passed)`,
    );
  }
  let transfers = 0;
  let expectedAta: Address | null = null;
  if (purpose.asset !== 'SOL') {
    if (!purpose.tokenProgram) throw refusal('a token withdrawal needs its token program');
    [expectedAta] = await findAssociatedTokenPda({
      owner: purpose.destination,
      mint: purpose.asset,
      tokenProgram: purpose.tokenProgram,
    });
  }
  for (const ix of tx.instructions) {
    switch (ix.kind) {
      case 'computeBudget.limit':
      case 'computeBudget.price':
      case 'memo':
        continue;
      case 'ata.create':
        if (
          purpose.asset === 'SOL' ||
          ix.owner !== purpose.destination ||
          ix.mint !== purpose.asset ||
          ix.payer !== wallet
        ) {
          throw refusal('it creates a token account that is not the destination’s');
        }
        continue;
      case 'system.transfer':
        if (
          purpose.asset !== 'SOL' ||
          ix.from !== wallet ||
          ix.to !== purpose.destination ||
          ix.lamports !== purpose.amount
        ) {
          throw refusal('it moves SOL other than the requested withdrawal');
        }
        transfers++;
        continue;
      case 'token.transferChecked':
        if (
          purpose.asset === 'SOL' ||
          ix.mint !== purpose.asset ||
          ix.authority !== wallet ||
          ix.destination !== expectedAta ||
          ix.amount !== purpose.amount ||
          ix.decimals !== purpose.decimals
        ) {
          throw refusal('it moves tokens other than the requested withdrawal');
        }
        transfers++;
        continue;
      default:
        throw refusal(`it contains an instruction (${ix.kind}) that a withdrawal never needs`);
    }
  }
  if (transfers !== 1) throw refusal(`a withdrawal makes exactly one transfer; this one makes ${transfers}`);
}
