import { address, type Address } from '@solana/kit';
import { findAssociatedTokenPda, getMintEncoder } from '@solana-program/token';
import type { SandboxLedger } from './ledger';
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './token-programs';

/**
 * The sandbox's token list. Every mint sits at its REAL mainnet address with
 * its real decimals and token program, so addresses, ATAs and amounts in the
 * sandbox are exactly what they would be on mainnet (the sandbox is a twin).
 * The mints are created at genesis with the sandbox authority as mint
 * authority (a sandbox-only play key) and no freeze authority; the wrapped SOL
 * mint has no mint authority, as on mainnet.
 */

export const NATIVE_MINT = address('So11111111111111111111111111111111111111112');
export const USDC_MINT = address('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v');
export const WETH_MINT = address('7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs');
export const WBTC_MINT = address('3NZ9JMVBmGAqocybic2c7LQCJScmgsAZ6vQqTDzcqmJh');
export const PYUSD_MINT = address('2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo');

/** Where a token's USD price comes from in the sandbox. */
export type PriceSource =
  /** Replayed 5m candles of a Binance USDT pair (resources/market/), USDT taken as USD. */
  | { kind: 'candles'; pair: 'SOLUSDT' | 'ETHUSDT' | 'BTCUSDT' }
  /** A stablecoin pinned at a fixed USD price. */
  | { kind: 'fixed'; usd: number };

export interface SandboxToken {
  symbol: string;
  name: string;
  mint: Address;
  decimals: number;
  tokenProgram: Address;
  priceSource: PriceSource;
  /** SOL: traded as native lamports (wrapped via the native mint when asked). */
  native: boolean;
}

export const SANDBOX_TOKENS: readonly SandboxToken[] = Object.freeze([
  {
    symbol: 'SOL',
    name: 'Wrapped SOL',
    mint: NATIVE_MINT,
    decimals: 9,
    tokenProgram: TOKEN_PROGRAM,
    priceSource: { kind: 'candles', pair: 'SOLUSDT' },
    native: true,
  },
  {
    symbol: 'USDC',
    name: 'USD Coin',
    mint: USDC_MINT,
    decimals: 6,
    tokenProgram: TOKEN_PROGRAM,
    priceSource: { kind: 'fixed', usd: 1 },
    native: false,
  },
  {
    symbol: 'wETH',
    name: 'Ether (Portal)',
    mint: WETH_MINT,
    decimals: 8,
    tokenProgram: TOKEN_PROGRAM,
    priceSource: { kind: 'candles', pair: 'ETHUSDT' },
    native: false,
  },
  {
    symbol: 'wBTC',
    name: 'Wrapped BTC (Portal)',
    mint: WBTC_MINT,
    decimals: 8,
    tokenProgram: TOKEN_PROGRAM,
    priceSource: { kind: 'candles', pair: 'BTCUSDT' },
    native: false,
  },
  {
    symbol: 'PYUSD',
    name: 'PayPal USD',
    mint: PYUSD_MINT,
    decimals: 6,
    tokenProgram: TOKEN_2022_PROGRAM,
    priceSource: { kind: 'fixed', usd: 1 },
    native: false,
  },
] satisfies SandboxToken[]);

const bySymbol = new Map(SANDBOX_TOKENS.map((t) => [t.symbol.toLowerCase(), t]));
const byMint = new Map(SANDBOX_TOKENS.map((t) => [t.mint as string, t]));

/**
 * Test tokens made by `harvest sandbox token create` (test-tokens.ts) join the
 * lookups below, process-wide; each ledger keeps its own list in its meta
 * table and registers it again when it opens.
 */
export function registerSandboxToken(t: SandboxToken): void {
  bySymbol.set(t.symbol.toLowerCase(), t);
  byMint.set(t.mint, t);
}

/** Case-insensitive: 'SOL', 'sol', 'WETH' and 'wETH' all work. */
export function tokenBySymbol(symbol: string): SandboxToken | null {
  return bySymbol.get(symbol.toLowerCase()) ?? null;
}

export function tokenByMint(mint: string): SandboxToken | null {
  return byMint.get(mint) ?? null;
}

export function requireToken(mint: string): SandboxToken {
  const t = byMint.get(mint);
  if (!t) throw new Error(`${mint} is not a sandbox token`);
  return t;
}

/** The SPL mint account bytes (82 bytes, no extensions; valid for both Token and Token-2022). */
export function mintAccountData(token: SandboxToken, mintAuthority: Address | null, supply = 0n): Uint8Array {
  return new Uint8Array(
    getMintEncoder().encode({
      mintAuthority: token.native ? null : mintAuthority,
      supply,
      decimals: token.decimals,
      isInitialized: true,
      freezeAuthority: null,
    }),
  );
}

/**
 * Genesis: writes every sandbox mint that is not on the chain yet. Only for
 * chain set-up (ledger.setAccount); everything after genesis moves through
 * real transactions. Returns the mints it created.
 */
export function installMints(ledger: SandboxLedger, mintAuthority: Address): Address[] {
  const created: Address[] = [];
  for (const t of SANDBOX_TOKENS) {
    if (ledger.account(t.mint)) continue;
    const data = mintAccountData(t, mintAuthority);
    ledger.setAccount({
      address: t.mint,
      lamports: ledger.minimumBalanceForRentExemption(BigInt(data.length)),
      owner: t.tokenProgram,
      data,
      executable: false,
    });
    created.push(t.mint);
  }
  return created;
}

/** The owner's associated token account for a sandbox token (the same address as on mainnet). */
export async function associatedTokenAddress(owner: Address, token: SandboxToken): Promise<Address> {
  const [ata] = await findAssociatedTokenPda({ owner, mint: token.mint, tokenProgram: token.tokenProgram });
  return ata;
}

/** Base units from a decimal string ("1.5" SOL -> 1500000000n). Exact; refuses excess precision. */
export function toBaseUnits(amount: string, decimals: number): bigint {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new Error(`not a decimal amount: ${amount}`);
  const frac = m[2] ?? '';
  if (frac.length > decimals) throw new Error(`${amount} has more than ${decimals} decimals`);
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}
