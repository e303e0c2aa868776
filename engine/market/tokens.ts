import { address, type Address } from '@solana/kit';

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
export const KNOWN_TOKENS: readonly TokenInfo[] = [
  { symbol: 'SOL', name: 'Solana', mint: WRAPPED_SOL_MINT, decimals: 9, tokenProgram: null, stable: false },
  {
    symbol: 'USDC',
    name: 'USD Coin',
    mint: address('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'),
    decimals: 6,
    tokenProgram: TOKEN_PROGRAM,
    stable: true,
  },
  {
    symbol: 'PYUSD',
    name: 'PayPal USD',
    mint: address('2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo'),
    decimals: 6,
    tokenProgram: TOKEN_2022_PROGRAM,
    stable: true,
  },
  {
    symbol: 'WETH',
    name: 'Wrapped Ether (Wormhole)',
    mint: address('7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs'),
    decimals: 8,
    tokenProgram: TOKEN_PROGRAM,
    stable: false,
  },
  {
    symbol: 'WBTC',
    name: 'Wrapped BTC (Wormhole)',
    mint: address('3NZ9JMVBmGAqocybic2c7LQCJScmgsAZ6vQqTDzcqmJh'),
    decimals: 8,
    tokenProgram: TOKEN_PROGRAM,
    stable: false,
  },
];

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
