import {
  createKeyPairFromPrivateKeyBytes,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  getTransactionEncoder,
  partiallySignTransaction,
  type Address,
} from '@solana/kit';
import { findAssociatedTokenPda } from '@solana-program/token';
import type { Clock } from '../kernel/clock';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import type { Store } from '../store';
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
import type { WalletVault } from './wallets';

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

/** What the caller says the transaction is for; the policy checks the bytes agree. */
export type SigningPurpose = {
  kind: 'withdrawal';
  /** 'SOL' for native SOL, else the mint. */
  asset: Address | 'SOL';
  amount: bigint;
  destination: Address;
  decimals: number;
  tokenProgram: Address | null;
};

export interface DecodedTransaction {
  feePayer: Address;
  staticAccounts: Address[];
  usesLookupTables: boolean;
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

  constructor(
    private readonly store: Store,
    private readonly vault: WalletVault,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  addGate(gate: SigningGate): void {
    this.gates.push(gate);
  }

  async sign(userId: number, wire: Uint8Array, purpose: SigningPurpose, actor: string): Promise<Uint8Array> {
    const wallet = this.store.wallets.byUser(userId);
    if (!wallet) throw new HarvestError('NOT_FOUND', `User ${userId} has no wallet.`);
    try {
      for (const gate of this.gates) {
        const reason = gate();
        if (reason) throw refusal(reason);
      }
      const tx = decodeTransaction(wire);
      checkCommon(tx, wallet.address as Address);
      await checkPurpose(tx, purpose, wallet.address as Address, (u, a) => this.whitelisted(u, a), userId);
    } catch (e) {
      if (e instanceof HarvestError && e.code === 'REFUSED') {
        this.store.audit.append(
          { actor, action: 'signing.refused', userId, details: { purpose: purpose.kind, reason: e.message } },
          isoTime(this.clock),
        );
        this.log.warn({ userId, purpose: purpose.kind, reason: e.message }, 'signing refused');
      }
      throw e;
    }
    const kp = this.vault.keypair(userId);
    try {
      const keyPair = await createKeyPairFromPrivateKeyBytes(kp.seed);
      const tx = getTransactionDecoder().decode(wire);
      const signed = await partiallySignTransaction([keyPair], tx);
      return new Uint8Array(getTransactionEncoder().encode(signed));
    } finally {
      kp.seed.fill(0);
    }
  }

  private whitelisted(userId: number, address: Address): boolean {
    const entry = this.store.funds.whitelistEntry(userId, address);
    return entry !== null && Date.parse(entry.usableAt) <= this.clock.now();
  }
}

function refusal(reason: string): HarvestError {
  return new HarvestError('REFUSED', `Signing refused: ${reason}`);
}

export function decodeTransaction(wire: Uint8Array): DecodedTransaction {
  let message;
  try {
    const tx = getTransactionDecoder().decode(wire);
    message = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
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
    if (accounts.some((a) => a === undefined) && !usesLookupTables) throw refusal('an instruction names a missing account');
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
  return { feePayer: keys[0]!, staticAccounts: keys, usesLookupTables, instructions, fee };
}

function checkCommon(tx: DecodedTransaction, wallet: Address): void {
  if (tx.feePayer !== wallet) throw refusal(`the fee payer ${tx.feePayer} is not this user's wallet`);
  for (const ix of tx.instructions) {
    const program = ix.kind === 'unknown' ? ix.program : programOf(ix);
    if (!ALLOWED_PROGRAMS.has(program)) throw refusal(`it invokes ${program}, which is not on the program allow-list`);
  }
  if (tx.fee > MAX_FEE_LAMPORTS) throw refusal(`its fee (${tx.fee} lamports) is above the ${MAX_FEE_LAMPORTS} lamport limit`);
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

async function checkPurpose(
  tx: DecodedTransaction,
  purpose: SigningPurpose,
  wallet: Address,
  whitelisted: (userId: number, address: Address) => boolean,
  userId: number,
): Promise<void> {
  if (tx.usesLookupTables) throw refusal('a withdrawal must not use address lookup tables');
  if (!whitelisted(userId, purpose.destination)) {
    throw refusal(`${purpose.destination} is not on this user's withdrawal whitelist (or its waiting period has not passed)`);
  }
  let transfers = 0;
  let expectedAta: Address | null = null;
  if (purpose.asset !== 'SOL') {
    if (!purpose.tokenProgram) throw refusal('a token withdrawal needs its token program');
    [expectedAta] = await findAssociatedTokenPda({ owner: purpose.destination, mint: purpose.asset, tokenProgram: purpose.tokenProgram });
  }
  for (const ix of tx.instructions) {
    switch (ix.kind) {
      case 'computeBudget.limit':
      case 'computeBudget.price':
      case 'memo':
        continue;
      case 'ata.create':
        if (purpose.asset === 'SOL' || ix.owner !== purpose.destination || ix.mint !== purpose.asset || ix.payer !== wallet) {
          throw refusal('it creates a token account that is not the destination’s');
        }
        continue;
      case 'system.transfer':
        if (purpose.asset !== 'SOL' || ix.from !== wallet || ix.to !== purpose.destination || ix.lamports !== purpose.amount) {
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
