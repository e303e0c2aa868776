import { getBase64Decoder, isSignerRole, isWritableRole, type Instruction } from '@solana/kit';

/** An instruction as Jupiter's APIs write it: base58 keys, base64 data. */
export interface ApiInstruction {
  programId: string;
  accounts: { pubkey: string; isSigner: boolean; isWritable: boolean }[];
  data: string;
}

const base64 = getBase64Decoder();

export function apiInstruction(ix: Instruction): ApiInstruction {
  return {
    programId: ix.programAddress,
    accounts: (ix.accounts ?? []).map((a) => ({
      pubkey: a.address,
      isSigner: isSignerRole(a.role),
      isWritable: isWritableRole(a.role),
    })),
    data: base64.decode(ix.data ?? new Uint8Array()),
  };
}
