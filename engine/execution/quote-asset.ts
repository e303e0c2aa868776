import { tokenBySymbol, WRAPPED_SOL_MINT } from '../market';
import type { UserSettings } from '../users/settings';

/** The mint a user's PnL is counted in: USDC by default, or SOL. */
export function quoteMintOf(settings: Pick<UserSettings, 'quoteAsset'>): string {
  return settings.quoteAsset === 'SOL' ? WRAPPED_SOL_MINT : tokenBySymbol('USDC')!.mint;
}
