import { TOKEN_2022_PROGRAM, type TokenInfo } from '../market';

/** Rent-exempt minimum of a plain wallet account (0 data bytes). */
export const WALLET_RENT_LAMPORTS = 890_880n;
/** Rent of a token account, paid when a withdrawal creates the recipient's token account. */
export const TOKEN_ACCOUNT_RENT_LAMPORTS = 2_039_280n;
/** A Token-2022 associated token account is 170 bytes (165 + the ImmutableOwner extension), so its rent is higher. */
export const TOKEN_2022_ACCOUNT_RENT_LAMPORTS = 2_074_080n;

export function tokenAccountRent(tokenProgram: string): bigint {
  return tokenProgram === TOKEN_2022_PROGRAM ? TOKEN_2022_ACCOUNT_RENT_LAMPORTS : TOKEN_ACCOUNT_RENT_LAMPORTS;
}
/** Always kept for transaction fees so the engine can still act (e.g. exit positions). */
export const FEE_RESERVE_LAMPORTS = 5_000_000n;
/** Kept per open position: the fees and token-account rent its exit may need. */
export const PER_POSITION_RESERVE_LAMPORTS = 2_500_000n;

/**
 * The SOL a wallet never spends on a trade: its own rent, the fee reserve,
 * and what each open position's exit may need. The balance gate refuses an
 * order that dips into it and the entry sizer sizes below it: one figure.
 */
export function solReserveLamports(openPositions: number): bigint {
  return WALLET_RENT_LAMPORTS + FEE_RESERVE_LAMPORTS + BigInt(openPositions) * PER_POSITION_RESERVE_LAMPORTS;
}

/** Default 24 h withdrawal caps per token, in whole units; an unknown token gets none (0), so it fails closed. */
const DEFAULT_DAILY_CAP_UNITS: Record<string, bigint> = { SOL: 10n, USDC: 5_000n, PYUSD: 5_000n, WETH: 2n, WBTC: 1n };

export function defaultDailyCap(token: TokenInfo): bigint {
  return (DEFAULT_DAILY_CAP_UNITS[token.symbol] ?? 0n) * 10n ** BigInt(token.decimals);
}
