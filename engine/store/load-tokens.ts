import { registerTokenRow } from '../market/token-table';
import type { Store } from './index';

/**
 * Makes every stored token known to the lookups (engine/market/token-table.ts); run when a data
 * directory opens. Plain rows only, so a light command (issue 12) names added tokens without
 * loading @solana/kit.
 */
export function loadRegisteredTokens(store: Store): void {
  for (const r of store.tokens.list())
    registerTokenRow({
      symbol: r.symbol,
      name: r.name,
      mint: r.mint,
      decimals: r.decimals,
      tokenProgram: r.tokenProgram,
      stable: false,
    });
}
