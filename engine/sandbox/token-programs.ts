import { address } from '@solana/kit';

/**
 * The SPL token program ids, apart from the ledger: the token list and the price
 * replay need them without loading LiteSVM (no binary on Windows), which the
 * paper sandbox relies on.
 */
export const TOKEN_PROGRAM = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
export const TOKEN_2022_PROGRAM = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');
