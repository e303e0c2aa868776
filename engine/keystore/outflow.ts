import type { Address } from '@solana/kit';
import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { ZodError } from 'zod';
import { formatUnits, parseUnits } from '../market/amounts';
import { KNOWN_TOKENS, NATIVE_SOL, WRAPPED_SOL_MINT, tokenByMint } from '../market/tokens';
import type { Store } from '../store';
import { userSettingsOf } from '../users/settings-cache';

/**
 * Trading outflow caps (DESIGN.md, signing policy): per user and per INPUT
 * asset, the most one swap may move out of the wallet and the most all swaps
 * may move out in a rolling 24 h. The keystore checks them before it signs;
 * the amounts already spent come from the intents journal.
 */

/** 'SOL' for native SOL (wrapped SOL counts as SOL), else the mint. */
export type OutflowAsset = typeof NATIVE_SOL | Address;

export interface TradingCaps {
  perTransaction: bigint;
  daily: bigint;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Default caps per token, in whole units (decimal text). A token not listed gets 0 for both: it cannot be sold until the owner sets caps. */
const DEFAULT_TRADING_CAPS: Record<string, { perTransaction: string; daily: string }> = {
  SOL: { perTransaction: '100', daily: '1000' },
  USDC: { perTransaction: '20000', daily: '200000' },
  PYUSD: { perTransaction: '20000', daily: '200000' },
  WETH: { perTransaction: '5', daily: '50' },
  WBTC: { perTransaction: '0.25', daily: '2.5' },
};

/** The settings key of an asset: 'SOL' for native or wrapped SOL, else the mint. */
export function outflowAsset(mint: Address | typeof NATIVE_SOL): OutflowAsset {
  return mint === NATIVE_SOL || mint === WRAPPED_SOL_MINT ? NATIVE_SOL : mint;
}

/** One of the built-in majors (their caps are the table above). */
function isBuiltIn(asset: OutflowAsset): boolean {
  return KNOWN_TOKENS.some((t) => t.mint === asset);
}

/** Decimals of a known asset, or null. */
function decimalsOf(asset: OutflowAsset): number | null {
  return asset === NATIVE_SOL ? 9 : (tokenByMint(asset)?.decimals ?? null);
}

/** "1.5 SOL", "20000 USDC", or "123 base units of <mint>" for a token Harvest does not know. */
export function describeAmount(asset: OutflowAsset, amount: bigint): string {
  if (asset === NATIVE_SOL) return `${formatUnits(amount, 9)} SOL`;
  const token = tokenByMint(asset);
  return token ? `${formatUnits(amount, token.decimals)} ${token.symbol}` : `${amount} base units of ${asset}`;
}

/** The largest u64: no cap of its own. */
const U64_MAX = (1n << 64n) - 1n;

/**
 * Built-in caps of an asset in base units; unknown assets get 0 (fail closed).
 * A token added by mint (in the registry, so its decimals and program were read
 * from its mint account) has no outflow cap of its own: everything a friend holds
 * of it was bought with SOL or a stablecoin under THEIR caps, and the policy still
 * requires every sale to pay the friend's own wallet at least the quote's minimum.
 * Capping it in token units (whose value Harvest cannot know ahead of time) would
 * only trap a friend in a position: buyable, never sellable.
 */
export function defaultTradingCaps(asset: OutflowAsset): TradingCaps {
  const symbol = asset === NATIVE_SOL ? 'SOL' : tokenByMint(asset)?.symbol;
  const decimals = decimalsOf(asset);
  const d = symbol ? DEFAULT_TRADING_CAPS[symbol] : undefined;
  if (!d && decimals !== null && asset !== NATIVE_SOL && !isBuiltIn(asset))
    return { perTransaction: U64_MAX, daily: U64_MAX };
  if (!d || decimals === null) return { perTransaction: 0n, daily: 0n };
  return { perTransaction: parseUnits(d.perTransaction, decimals), daily: parseUnits(d.daily, decimals) };
}

/** The user's caps for an asset: their settings (tradingCaps.perTransaction / .daily, base units) over the defaults. */
export function tradingCapsFor(store: Store, userId: number, asset: OutflowAsset): TradingCaps {
  let settings: ReturnType<typeof userSettingsOf>;
  try {
    // Parsed once per change of the settings (their version), not once per signature.
    settings = userSettingsOf(store, userId);
  } catch (e) {
    // Fail closed: caps that cannot be read allow nothing.
    const why = e instanceof ZodError ? (e.issues[0]?.message ?? 'invalid') : (e as Error).message;
    throw new HarvestError(
      'REFUSED',
      `Signing refused: user ${userId}'s settings cannot be read (${why}), so their trading caps are unknown. Fix the settings and try again.`,
    );
  }
  const { perTransaction, daily } = settings.tradingCaps;
  // SOL may be keyed 'SOL' or by the wrapped-SOL mint.
  const pick = (caps: Record<string, string>) =>
    caps[asset] ?? (asset === NATIVE_SOL ? caps[WRAPPED_SOL_MINT] : undefined);
  const defaults = defaultTradingCaps(asset);
  const perTx = pick(perTransaction);
  const perDay = pick(daily);
  return {
    perTransaction: perTx !== undefined ? BigInt(perTx) : defaults.perTransaction,
    daily: perDay !== undefined ? BigInt(perDay) : defaults.daily,
  };
}

/**
 * What this user's swaps have moved (or may have moved) out of the wallet in
 * the 24 h before now: signed and confirmed Jupiter intents, by input asset.
 * The order being signed is not among them (its intent is still pending).
 */
export function outflowLast24h(store: Store, clock: Clock, userId: number, asset: OutflowAsset): bigint {
  const since = new Date(clock.now() - DAY_MS).toISOString();
  if (asset !== NATIVE_SOL) return store.intents.outflowSince(userId, asset, since);
  // SOL orders may be journaled under the wrapped-SOL mint (Jupiter's name for SOL) or as 'SOL'.
  return (
    store.intents.outflowSince(userId, WRAPPED_SOL_MINT, since) + store.intents.outflowSince(userId, NATIVE_SOL, since)
  );
}

/**
 * Refuses (HarvestError REFUSED) when `amount` more of `asset` leaving the
 * wallet would break the per-transaction cap or the rolling 24 h cap.
 */
export function checkOutflowCaps(
  store: Store,
  clock: Clock,
  userId: number,
  asset: OutflowAsset,
  amount: bigint,
): void {
  const caps = tradingCapsFor(store, userId, asset);
  const key = asset === NATIVE_SOL ? 'SOL' : `"${asset}"`;
  if (caps.perTransaction === 0n || caps.daily === 0n) {
    throw new HarvestError(
      'REFUSED',
      `Signing refused: the trading cap for ${asset === NATIVE_SOL ? 'SOL' : asset} is 0, so it cannot be sold (tokens Harvest does not know default to 0). ` +
        `Set tradingCaps.perTransaction[${key}] and tradingCaps.daily[${key}] (base units) in the user's settings to allow it.`,
    );
  }
  if (amount > caps.perTransaction) {
    throw new HarvestError(
      'REFUSED',
      `Signing refused: this swap would move ${describeAmount(asset, amount)} out of the wallet, above the per-transaction trading cap of ${describeAmount(asset, caps.perTransaction)}. ` +
        `Split the order, or raise tradingCaps.perTransaction[${key}] in the user's settings.`,
    );
  }
  const spent = outflowLast24h(store, clock, userId, asset);
  if (spent + amount > caps.daily) {
    throw new HarvestError(
      'REFUSED',
      `Signing refused: this swap would bring the last 24 h of trading outflow to ${describeAmount(asset, spent + amount)} ` +
        `(${describeAmount(asset, spent)} already signed + ${describeAmount(asset, amount)} now), above the 24 h cap of ${describeAmount(asset, caps.daily)}. ` +
        `Wait until earlier orders leave the 24 h window, or raise tradingCaps.daily[${key}] in the user's settings.`,
    );
  }
}
