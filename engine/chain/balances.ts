import { isAddress, type Address } from '@solana/kit';
import { HarvestError } from '../kernel/errors';
import {
  decodeTokenAccountAmount,
  findAssociatedTokenAddress,
  isTokenProgram,
  SYSTEM_PROGRAM_ADDRESS,
} from './programs';
import type { MintSpec, WalletBalances } from './types';
import { chunk, mapLimit, rpcCall, toAccountSnapshot, type SolanaRpc } from './util';

/** getMultipleAccounts accepts at most 100 addresses. */
export const MAX_ACCOUNTS_PER_REQUEST = 100;

export interface BalanceReadOptions {
  /** Requests in flight at once (the rate limiter still applies). Default 4. */
  concurrency?: number;
}

function validate(wallets: readonly Address[], mints: readonly MintSpec[]): void {
  for (const w of wallets) {
    if (typeof w !== 'string' || !isAddress(w))
      throw new HarvestError('INVALID_INPUT', `Not a Solana address: ${String(w)}.`);
  }
  const seen = new Set<string>();
  for (const m of mints) {
    if (typeof m.mint !== 'string' || !isAddress(m.mint)) {
      throw new HarvestError('INVALID_INPUT', `Not a mint address: ${String(m.mint)}.`);
    }
    if (!isTokenProgram(m.tokenProgram)) {
      throw new HarvestError(
        'INVALID_INPUT',
        `Mint ${m.mint} names token program ${String(m.tokenProgram)}, which is neither Token nor Token-2022.`,
      );
    }
    if (!Number.isInteger(m.decimals) || m.decimals < 0 || m.decimals > 255) {
      throw new HarvestError('INVALID_INPUT', `Mint ${m.mint} has invalid decimals ${m.decimals}.`);
    }
    if (seen.has(m.mint)) throw new HarvestError('INVALID_INPUT', `Mint ${m.mint} is listed twice.`);
    seen.add(m.mint);
  }
}

/**
 * Reads lamports and associated-token-account amounts for every wallet. The wallet addresses and
 * their ATAs form one list (wallet, then its ATA for each mint, wallet after wallet) fetched with
 * getMultipleAccounts in chunks of 100: ceil(W·(1+M)/100) requests for W wallets and M mints.
 */
export async function readBalances(
  rpc: SolanaRpc,
  wallets: readonly Address[],
  mints: readonly MintSpec[],
  opts: BalanceReadOptions = {},
): Promise<WalletBalances[]> {
  validate(wallets, mints);
  if (wallets.length === 0) return [];
  const stride = 1 + mints.length;

  const addresses: Address[] = new Array<Address>(wallets.length * stride);
  await Promise.all(
    wallets.map(async (wallet, w) => {
      addresses[w * stride] = wallet;
      for (let m = 0; m < mints.length; m++) {
        const spec = mints[m] as MintSpec;
        addresses[w * stride + 1 + m] = await findAssociatedTokenAddress(wallet, spec.mint, spec.tokenProgram);
      }
    }),
  );

  const chunks = chunk(addresses, MAX_ACCOUNTS_PER_REQUEST);
  const responses = await mapLimit(chunks, Math.max(1, opts.concurrency ?? 4), (batch) =>
    rpcCall('getMultipleAccounts', () => rpc.getMultipleAccounts(batch, { encoding: 'base64' }).send()),
  );

  const accounts: ReturnType<typeof toAccountSnapshot>[] = [];
  const slots: bigint[] = [];
  responses.forEach((response, i) => {
    const batch = chunks[i] as Address[];
    if (response.value.length !== batch.length) {
      throw new HarvestError(
        'INTERNAL',
        `getMultipleAccounts answered ${response.value.length} accounts for ${batch.length} addresses; refusing a partial balance read.`,
      );
    }
    response.value.forEach((account, j) => {
      accounts.push(toAccountSnapshot(batch[j] as Address, account));
      slots.push(response.context.slot);
    });
  });

  return wallets.map((wallet, w) => {
    const base = w * stride;
    const walletAccount = accounts[base] ?? null;
    let slot = slots[base] as bigint;
    const tokens = new Map<Address, bigint>();
    mints.forEach((spec, m) => {
      const i = base + 1 + m;
      const ata = addresses[i] as Address;
      const account = accounts[i] ?? null;
      if ((slots[i] as bigint) < slot) slot = slots[i] as bigint;
      if (!account || account.lamports === 0n) {
        tokens.set(spec.mint, 0n);
      } else if (account.owner === SYSTEM_PROGRAM_ADDRESS && account.data.length === 0) {
        // Someone sent SOL to the ATA address before the token account was created: no tokens.
        tokens.set(spec.mint, 0n);
      } else if (account.owner !== spec.tokenProgram) {
        throw new HarvestError(
          'INTERNAL',
          `Account ${ata} (the ${spec.mint} token account of ${wallet}) is owned by ${account.owner}, not ${spec.tokenProgram}; is the mint's token program right?`,
        );
      } else {
        tokens.set(spec.mint, decodeTokenAccountAmount(account.data, { mint: spec.mint, owner: wallet, account: ata }));
      }
    });
    return { wallet, lamports: walletAccount?.lamports ?? 0n, tokens, slot };
  });
}
