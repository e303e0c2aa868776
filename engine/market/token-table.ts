/**
 * The tokens Harvest knows, as plain text: what light modules (the CLI's
 * formatters, which must not load @solana/kit) need to name a mint. tokens.ts
 * builds KNOWN_TOKENS from this one table.
 */
export interface TokenRow {
  symbol: string;
  name: string;
  mint: string;
  decimals: number;
  tokenProgram: string | null;
  stable: boolean;
}

/** At their mainnet mint addresses; the sandbox creates these same mints. */
export const TOKEN_TABLE: readonly TokenRow[] = [
  {
    symbol: 'SOL',
    name: 'Solana',
    mint: 'So11111111111111111111111111111111111111112',
    decimals: 9,
    tokenProgram: null,
    stable: false,
  },
  {
    symbol: 'USDC',
    name: 'USD Coin',
    mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
    decimals: 6,
    tokenProgram: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
    stable: true,
  },
  {
    symbol: 'PYUSD',
    name: 'PayPal USD',
    mint: '2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo',
    decimals: 6,
    tokenProgram: 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
    stable: true,
  },
  {
    symbol: 'WETH',
    name: 'Wrapped Ether (Wormhole)',
    mint: '7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs',
    decimals: 8,
    tokenProgram: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
    stable: false,
  },
  {
    symbol: 'WBTC',
    name: 'Wrapped BTC (Wormhole)',
    mint: '3NZ9JMVBmGAqocybic2c7LQCJScmgsAZ6vQqTDzcqmJh',
    decimals: 8,
    tokenProgram: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
    stable: false,
  },
];

/**
 * Tokens added by mint, process-wide: a mint's decimals and program are chain
 * facts, the same for every user. The data directory's token registry is loaded
 * here when it opens (Engine.open, before any command), so light commands name
 * them too; the database stays the truth.
 */
const addedRows = new Map<string, TokenRow>();
/** addedRows as a list, rebuilt only when a token is registered (lookups run on every price tick). */
let addedList: readonly TokenRow[] = [];

/** Makes a token added by mint known to every lookup. A built-in mint is never replaced. */
export function registerTokenRow(row: TokenRow): void {
  if (TOKEN_TABLE.some((k) => k.mint === row.mint)) return;
  addedRows.set(row.mint, row);
  addedList = [...addedRows.values()];
}

/** Tokens added by mint, in the order they were registered (the same array until the next registration). */
export function addedTokenRows(): readonly TokenRow[] {
  return addedList;
}

/** A token added by mint, by its mint, or undefined. */
export function addedTokenRow(mint: string): TokenRow | undefined {
  return addedRows.get(mint);
}

/** A known token by mint (the wrapped-SOL mint and 'SOL' both name SOL), or null. */
export function tokenRowByMint(mint: string): TokenRow | null {
  if (mint === 'SOL') return TOKEN_TABLE[0]!;
  return TOKEN_TABLE.find((t) => t.mint === mint) ?? addedRows.get(mint) ?? null;
}

/**
 * A known token by symbol (any case), or null; tokenBySymbol in tokens.ts without @solana/kit.
 * A built-in symbol always wins over an added token that copies it.
 */
export function tokenRowBySymbol(symbol: string): TokenRow | null {
  const s = symbol.trim().toUpperCase();
  return TOKEN_TABLE.find((t) => t.symbol === s) ?? addedList.find((t) => t.symbol.toUpperCase() === s) ?? null;
}
