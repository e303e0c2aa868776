import { address, type Address } from '@solana/kit';
import { TOKEN_TABLE } from './token-table';

export const NATIVE_SOL = 'SOL' as const;
export const WRAPPED_SOL_MINT = address('So11111111111111111111111111111111111111112');
export const TOKEN_PROGRAM = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
export const TOKEN_2022_PROGRAM = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');

export interface TokenInfo {
  symbol: string;
  name: string;
  /** The mint; for SOL, the wrapped-SOL mint (what Jupiter and price feeds call SOL). */
  mint: Address;
  decimals: number;
  /** Owning token program; null for native SOL. */
  tokenProgram: Address | null;
  /** A stablecoin pegged to USD. */
  stable: boolean;
}

/**
 * The tokens Harvest knows, at their mainnet mint addresses. The sandbox
 * creates these same mints, so nothing about a token changes between the
 * sandbox and mainnet.
 */
export const KNOWN_TOKENS: readonly TokenInfo[] = TOKEN_TABLE.map((t) => ({
  ...t,
  mint: address(t.mint),
  tokenProgram: t.tokenProgram === null ? null : address(t.tokenProgram),
}));

export function tokenBySymbol(symbol: string): TokenInfo | null {
  const s = symbol.trim().toUpperCase();
  return KNOWN_TOKENS.find((t) => t.symbol === s) ?? null;
}

export function tokenByMint(mint: string): TokenInfo | null {
  return KNOWN_TOKENS.find((t) => t.mint === mint) ?? null;
}

/** SPL tokens (everything but native SOL), as balance queries need them. */
export function splTokens(): (TokenInfo & { tokenProgram: Address })[] {
  return KNOWN_TOKENS.filter((t): t is TokenInfo & { tokenProgram: Address } => t.tokenProgram !== null);
}
