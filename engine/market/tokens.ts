import { address, isAddress, type Address } from '@solana/kit';
import { addedTokenRow, addedTokenRows, registerTokenRow, TOKEN_TABLE, type TokenRow } from './token-table';

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
 * The built-in majors, at their mainnet mint addresses. The sandbox creates
 * these same mints, so nothing about a token changes between the sandbox and
 * mainnet. Tokens added by mint (engine/tokens) join them through
 * registerToken.
 */
export const KNOWN_TOKENS: readonly TokenInfo[] = TOKEN_TABLE.map((t) => ({
  ...t,
  mint: address(t.mint),
  tokenProgram: t.tokenProgram === null ? null : address(t.tokenProgram),
}));

/** TokenInfo of a plain row (the added tokens live in token-table.ts, so light modules see them). */
const infoCache = new Map<string, TokenInfo>();
function infoOf(r: TokenRow): TokenInfo {
  let t = infoCache.get(r.mint);
  if (!t || t.symbol !== r.symbol || t.name !== r.name) {
    t = { ...r, mint: address(r.mint), tokenProgram: r.tokenProgram === null ? null : address(r.tokenProgram) };
    infoCache.set(r.mint, t);
  }
  return t;
}

/** Makes a token added by mint known to every lookup. A built-in mint is never replaced. */
export function registerToken(t: TokenInfo): void {
  registerTokenRow({ ...t, mint: t.mint, tokenProgram: t.tokenProgram });
}

/** Every token Harvest can name now: the built-in majors first, then tokens added by mint. */
let known: { rows: readonly TokenRow[]; tokens: readonly TokenInfo[] } = { rows: [], tokens: KNOWN_TOKENS };
export function knownTokens(): readonly TokenInfo[] {
  const rows = addedTokenRows();
  if (known.rows !== rows) known = { rows, tokens: [...KNOWN_TOKENS, ...rows.map(infoOf)] };
  return known.tokens;
}

/**
 * By symbol, case-insensitive. A built-in symbol always wins over an added
 * token that copies it (a mint calling itself "USDC" is reached by its mint only).
 */
export function tokenBySymbol(symbol: string): TokenInfo | null {
  const s = symbol.trim().toUpperCase();
  return knownTokens().find((t) => t.symbol.toUpperCase() === s) ?? null;
}

// By mint: the risk gate asks for a token's decimals several times per check.
const KNOWN_BY_MINT = new Map<string, TokenInfo>();
for (const t of KNOWN_TOKENS) if (!KNOWN_BY_MINT.has(t.mint)) KNOWN_BY_MINT.set(t.mint, t);

export function tokenByMint(mint: string): TokenInfo | null {
  const known = KNOWN_BY_MINT.get(mint);
  if (known) return known;
  const row = addedTokenRow(mint);
  return row ? infoOf(row) : null;
}

/** A token named by its symbol or its mint address: what every command that takes TOKEN accepts. */
export function resolveToken(symbolOrMint: string): TokenInfo | null {
  const s = symbolOrMint.trim();
  if (isAddress(s)) return tokenByMint(s);
  return tokenBySymbol(s);
}

/** The known symbols, for an "unknown token" message. */
export function knownSymbols(): string {
  return knownTokens()
    .map((k) => k.symbol)
    .join(', ');
}

/** SPL tokens (everything but native SOL), as balance queries need them. */
export function splTokens(): (TokenInfo & { tokenProgram: Address })[] {
  return knownTokens().filter((t): t is TokenInfo & { tokenProgram: Address } => t.tokenProgram !== null);
}
