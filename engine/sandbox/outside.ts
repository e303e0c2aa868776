import { address as toAddress, createNoopSigner, type Instruction } from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import { getCreateAssociatedTokenIdempotentInstruction, getTransferCheckedInstruction } from '@solana-program/token';
import type { SandboxFaucet } from './faucet';
import type { SandboxLedger } from './ledger';
import { PlayKey } from './play-keys';
import { associatedTokenAddress, requireToken } from './tokens';
import { sendAs } from './tx-build';

/** Meta key of the outside sender: a wallet that is nobody's in Harvest (a friend's exchange account, say). */
export const SANDBOX_OUTSIDE_META = 'sandbox.outside.seed';

/** What to send from outside: SOL (lamports), or a sandbox token in base units. */
export type OutsideSend = { lamports: bigint } | { mint: string; amount: bigint };

/**
 * Sends to `to` from a wallet outside Harvest, as a plain transfer a person
 * would make from another wallet: the faucet first funds the outside wallet
 * (never `to` itself), then the outside wallet signs a System transfer (SOL)
 * or an SPL TransferChecked into the recipient's associated token account,
 * creating it idempotently and paying its rent, as wallets do. The recipient
 * sees exactly what a deposit from anyone looks like on mainnet.
 */
export async function sendFromOutside(
  ledger: SandboxLedger,
  faucet: SandboxFaucet,
  to: string,
  what: OutsideSend,
): Promise<{ signature: string; from: string }> {
  const outside = PlayKey.persisted(ledger, SANDBOX_OUTSIDE_META);
  const dest = toAddress(to);
  const payer = createNoopSigner(outside.address);
  let ixs: Instruction[];
  if ('lamports' in what) {
    if (what.lamports <= 0n) throw new Error('the amount must be more than zero');
    // The transfer plus fees and rent for the outside wallet itself.
    await faucet.fund(outside.address, { lamports: what.lamports + 10_000_000n });
    ixs = [getTransferSolInstruction({ source: payer, destination: dest, amount: what.lamports })];
  } else {
    if (what.amount <= 0n) throw new Error('the amount must be more than zero');
    const token = requireToken(what.mint);
    await faucet.fund(outside.address, { lamports: 10_000_000n, tokens: [{ mint: token.mint, amount: what.amount }] });
    const source = await associatedTokenAddress(outside.address, token);
    const ata = await associatedTokenAddress(dest, token);
    ixs = [
      getCreateAssociatedTokenIdempotentInstruction({
        payer,
        ata,
        owner: dest,
        mint: token.mint,
        tokenProgram: token.tokenProgram,
      }),
      getTransferCheckedInstruction(
        { source, mint: token.mint, destination: ata, authority: payer, amount: what.amount, decimals: token.decimals },
        { programAddress: token.tokenProgram },
      ),
    ];
  }
  const signature = sendAs(ledger, outside, ixs, [], { unique: true });
  return { signature, from: outside.address };
}
