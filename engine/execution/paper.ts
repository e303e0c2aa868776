import { tokenByMint, type TokenInfo } from '../market';
import type { PriceSource } from './prices';

/** The fee and price-impact model paper fills use, the same shape as the sandbox market maker's. */
export const PAPER_FEE_BPS = 25;
const DEPTH_USD: Record<string, number> = {
  SOL: 50_000_000,
  WETH: 30_000_000,
  WBTC: 30_000_000,
  USDC: 1e12,
  PYUSD: 1e12,
};

export interface PaperQuote {
  outAmount: bigint;
  priceImpactBps: number;
}

/** What `amount` of the input buys at the feed price, less fee and size-dependent impact; null without prices. */
export function paperQuote(
  inputMint: string,
  outputMint: string,
  amount: bigint,
  prices: PriceSource,
): PaperQuote | null {
  const tin = tokenByMint(inputMint);
  const tout = tokenByMint(outputMint);
  const pin = prices.price(inputMint);
  const pout = prices.price(outputMint);
  if (!tin || !tout || pin === null || pout === null || pout <= 0) return null;
  return paperQuoteAt(tin, tout, pin, pout, amount);
}

/**
 * The paper fill model on known tokens and USD prices: the one formula paper
 * orders and backtests (engine/backtest) fill with. A backtest may ask for
 * another fee and an extra slippage; with the defaults it is the paper venue.
 */
export function paperQuoteAt(
  tin: Pick<TokenInfo, 'symbol' | 'decimals'>,
  tout: Pick<TokenInfo, 'symbol' | 'decimals'>,
  pin: number,
  pout: number,
  amount: bigint,
  feeBps: number = PAPER_FEE_BPS,
  slippageBps = 0,
): PaperQuote {
  const notional = (Number(amount) / 10 ** tin.decimals) * pin;
  const depth = Math.min(DEPTH_USD[tin.symbol] ?? 5_000_000, DEPTH_USD[tout.symbol] ?? 5_000_000);
  const impact = notional / (notional + depth);
  // Rate as an exact fraction of 1e18 so the quantity itself never passes through a float.
  // (1 - 0) is exactly 1, so a zero slippage leaves the paper venue's figure unchanged to the bit.
  const rate =
    (pin / pout) *
    (1 - feeBps / 10_000) *
    (1 - impact) *
    (1 - slippageBps / 10_000) *
    10 ** (tout.decimals - tin.decimals);
  const scaled = BigInt(Math.floor(rate * 1e18));
  return { outAmount: (amount * scaled) / 10n ** 18n, priceImpactBps: Math.round(impact * 10_000) };
}
