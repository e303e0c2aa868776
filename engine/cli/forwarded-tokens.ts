import { registerTokenRow, tokenRowByMint } from '../market/token-table';

/**
 * A forwarded command's answer is formatted here, in a CLI process that never opened the data
 * directory, so it does not know tokens added by mint: its formatters would show a bare mint. When
 * the answer names a mint the table does not know, the running engine's token list is asked once
 * and its rows registered, so `harvest orders USER` names them by symbol as the engine would.
 */
const MINT_LIKE = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/u;

/** Mints in a command's output (any depth) that the token table does not know. */
export function unknownMints(output: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, key: string | null): void => {
    if (typeof v === 'string') {
      // Only fields that name a token: signatures and addresses look alike but are not mints.
      if (key !== null && /mint$/iu.test(key) && MINT_LIKE.test(v) && !tokenRowByMint(v)) found.add(v);
    } else if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(output, null);
  return [...found];
}

interface ListedToken {
  mint: string;
  symbol: string;
  name: string;
  decimals: number;
  program: string;
}

const TOKEN_PROGRAMS: Record<string, string> = {
  'SPL Token': 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA',
  'Token-2022': 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb',
};

/** Registers the running engine's tokens when `output` names one this process does not know. */
export async function learnForwardedTokens(
  output: unknown,
  list: () => Promise<{ tokens: ListedToken[] }>,
): Promise<void> {
  if (unknownMints(output).length === 0) return;
  const { tokens } = await list();
  for (const t of tokens) {
    const program = TOKEN_PROGRAMS[t.program];
    if (!program) continue;
    registerTokenRow({
      symbol: t.symbol,
      name: t.name,
      mint: t.mint,
      decimals: t.decimals,
      tokenProgram: program,
      stable: false,
    });
  }
}
