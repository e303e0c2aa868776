import { address, getBase58Decoder, type Address } from '@solana/kit';
import { ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS } from '../chain/programs';

/**
 * Just enough decoding of the instructions Harvest signs to check what they
 * move. Unknown instruction shapes decode to `unknown` and policies refuse them.
 */
export const SYSTEM_PROGRAM = address('11111111111111111111111111111111');
export const COMPUTE_BUDGET_PROGRAM = address('ComputeBudget111111111111111111111111111111');
export const TOKEN_PROGRAM = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
export const TOKEN_2022_PROGRAM = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');
export const ASSOCIATED_TOKEN_PROGRAM = address('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');
export const MEMO_PROGRAM = address('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr');
export const MEMO_V1_PROGRAM = address('Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo');
export const JUPITER_V6_PROGRAM = address('JUP6LkbZbjS1jKKwapdHNy74zcZ3tLUZoi5QNyVTaV4');
/** Owner of address lookup tables (read when a v0 swap loads accounts from them; never invoked). */
export const ADDRESS_LOOKUP_TABLE_PROGRAM = ADDRESS_LOOKUP_TABLE_PROGRAM_ADDRESS;

export type DecodedInstruction =
  | { kind: 'system.transfer'; from: Address; to: Address; lamports: bigint }
  | {
      kind: 'token.transferChecked';
      program: Address;
      source: Address;
      mint: Address;
      destination: Address;
      authority: Address;
      amount: bigint;
      decimals: number;
    }
  | {
      kind: 'token.transfer';
      program: Address;
      source: Address;
      destination: Address;
      authority: Address;
      amount: bigint;
    }
  | { kind: 'token.closeAccount'; program: Address; account: Address; destination: Address; authority: Address }
  | { kind: 'token.syncNative'; program: Address; account: Address }
  | {
      kind: 'ata.create';
      idempotent: boolean;
      payer: Address;
      ata: Address;
      owner: Address;
      mint: Address;
      tokenProgram: Address;
    }
  | { kind: 'computeBudget.limit'; units: number }
  | { kind: 'computeBudget.price'; microLamports: bigint }
  | { kind: 'memo'; program: Address; text: string }
  | { kind: 'unknown'; program: Address; writable: Address[] };

export interface RawInstruction {
  program: Address;
  accounts: Address[];
  data: Uint8Array;
}

function u64(d: Uint8Array, at: number): bigint | null {
  if (d.length < at + 8) return null;
  return new DataView(d.buffer, d.byteOffset, d.byteLength).getBigUint64(at, true);
}

export function decodeInstruction(ix: RawInstruction): DecodedInstruction {
  const { program, accounts: a, data: d } = ix;
  const unknown: DecodedInstruction = { kind: 'unknown', program, writable: a };
  if (program === SYSTEM_PROGRAM) {
    if (d.length === 12 && new DataView(d.buffer, d.byteOffset, 4).getUint32(0, true) === 2 && a.length >= 2) {
      return { kind: 'system.transfer', from: a[0]!, to: a[1]!, lamports: u64(d, 4)! };
    }
    return unknown;
  }
  if (program === TOKEN_PROGRAM || program === TOKEN_2022_PROGRAM) {
    if (d[0] === 12 && d.length === 10 && a.length >= 4) {
      return {
        kind: 'token.transferChecked',
        program,
        source: a[0]!,
        mint: a[1]!,
        destination: a[2]!,
        authority: a[3]!,
        amount: u64(d, 1)!,
        decimals: d[9]!,
      };
    }
    if (d[0] === 3 && d.length === 9 && a.length >= 3) {
      return {
        kind: 'token.transfer',
        program,
        source: a[0]!,
        destination: a[1]!,
        authority: a[2]!,
        amount: u64(d, 1)!,
      };
    }
    if (d[0] === 9 && d.length === 1 && a.length >= 3) {
      return { kind: 'token.closeAccount', program, account: a[0]!, destination: a[1]!, authority: a[2]! };
    }
    if (d[0] === 17 && d.length === 1 && a.length >= 1) return { kind: 'token.syncNative', program, account: a[0]! };
    return unknown;
  }
  if (program === ASSOCIATED_TOKEN_PROGRAM) {
    if ((d.length === 0 || d[0] === 0 || d[0] === 1) && a.length >= 6) {
      return {
        kind: 'ata.create',
        idempotent: d[0] === 1,
        payer: a[0]!,
        ata: a[1]!,
        owner: a[2]!,
        mint: a[3]!,
        tokenProgram: a[5]!,
      };
    }
    return unknown;
  }
  if (program === COMPUTE_BUDGET_PROGRAM) {
    if (d[0] === 2 && d.length === 5)
      return {
        kind: 'computeBudget.limit',
        units: new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(1, true),
      };
    if (d[0] === 3 && d.length === 9) return { kind: 'computeBudget.price', microLamports: u64(d, 1)! };
    return unknown;
  }
  if (program === MEMO_PROGRAM || program === MEMO_V1_PROGRAM)
    return { kind: 'memo', program, text: new TextDecoder().decode(d) };
  return unknown;
}

export const base58 = getBase58Decoder();
