import { address as toAddress, createNoopSigner, type Instruction } from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import {
  getCreateAssociatedTokenIdempotentInstruction,
  getMintToInstruction,
  getSyncNativeInstruction,
} from '@solana-program/token';
import { silentLogger, type Logger } from '../kernel/logger';
import type { SandboxLedger } from './ledger';
import { sandboxAuthority, type PlayKey } from './play-keys';
import { associatedTokenAddress, installMints, requireToken } from './tokens';
import { sendAs } from './tx-build';

export interface FundRequest {
  /** Native SOL, via the ledger's airdrop (like requestAirdrop). */
  lamports?: bigint;
  /** Sandbox tokens in base units; each lands in the owner's associated token account, created if missing. */
  tokens?: { mint: string; amount: bigint }[];
}

const LAMPORTS_PER_SOL = 1_000_000_000n;
/** The authority keeps at least this much for fees and ATA rent; topped up by airdrop. */
const AUTHORITY_FLOAT = 10n * LAMPORTS_PER_SOL;

/**
 * The sandbox faucet: gives any address play SOL and play tokens. Tokens are
 * minted by real MintTo transactions signed by the sandbox mint authority
 * (wrapped SOL, which has no mint authority, is wrapped from airdropped SOL),
 * so balances, supplies and history look exactly like real transfers.
 */
export class SandboxFaucet {
  readonly authority: PlayKey;

  constructor(
    private readonly ledger: SandboxLedger,
    private readonly log: Logger = silentLogger,
  ) {
    this.authority = sandboxAuthority(ledger);
    installMints(ledger, this.authority.address);
  }

  /** Funds `owner`; returns the signatures of the airdrop and of each token transaction, in order. */
  async fund(owner: string, req: FundRequest): Promise<string[]> {
    const to = toAddress(owner);
    const signatures: string[] = [];
    if (req.lamports !== undefined && req.lamports < 0n) throw new Error('lamports must not be negative');
    for (const t of req.tokens ?? []) {
      requireToken(t.mint);
      if (t.amount <= 0n) throw new Error(`token amount must be positive (${t.mint})`);
    }
    if (req.lamports && req.lamports > 0n) signatures.push(this.ledger.airdrop(to, req.lamports));
    for (const t of req.tokens ?? []) {
      const token = requireToken(t.mint);
      const ata = await associatedTokenAddress(to, token);
      const auth = createNoopSigner(this.authority.address);
      const ixs: Instruction[] = [
        getCreateAssociatedTokenIdempotentInstruction({
          payer: auth,
          ata,
          owner: to,
          mint: token.mint,
          tokenProgram: token.tokenProgram,
        }),
      ];
      if (token.native) {
        this.topUp(t.amount);
        ixs.push(getTransferSolInstruction({ source: auth, destination: ata, amount: t.amount }));
        ixs.push(getSyncNativeInstruction({ account: ata }));
      } else {
        this.topUp(0n);
        ixs.push(
          getMintToInstruction(
            { mint: token.mint, token: ata, mintAuthority: auth, amount: t.amount },
            { programAddress: token.tokenProgram },
          ),
        );
      }
      // unique: identical requests in one slot would otherwise be byte-identical transactions.
      signatures.push(sendAs(this.ledger, this.authority, ixs, [], { unique: true }));
      this.log.info({ owner: to, mint: token.mint, amount: t.amount.toString() }, 'sandbox faucet minted');
    }
    return signatures;
  }

  /** Keeps the authority able to pay fees and rent (plus `extra` lamports it is about to give away). */
  private topUp(extra: bigint): void {
    const have = this.ledger.account(this.authority.address)?.lamports ?? 0n;
    const want = AUTHORITY_FLOAT + extra;
    if (have < want) this.ledger.airdrop(this.authority.address, want - have + AUTHORITY_FLOAT);
  }
}
