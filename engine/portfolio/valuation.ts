/**
 * Valuation and cash flows, the ground floor of the portfolio figures: USD
 * units, what holdings are worth, and recording money moved in or out of an
 * account. (Apart from performance.ts so the paper account can use them
 * without an import cycle.)
 */
import { tokenByMint, WRAPPED_SOL_MINT } from '../market';
import type { Store } from '../store';
import { hwmAfterDeposit, hwmAfterWithdrawal } from './figures';

export type PriceFn = (mint: string) => number | null;

export const MICRO = 1_000_000;
export const toMicroUsd = (usd: number): bigint => BigInt(Math.round(usd * MICRO));
export const fromMicroUsd = (m: bigint): number => Number(m) / MICRO;

export interface Holding {
  /** 'SOL' for native lamports, else a mint (the wrapped SOL mint stands for SOL in the paper book). */
  mint: string;
  amount: bigint;
}

export interface Valuation {
  usd: number;
  /** Assets held (amount > 0) that have no price or are unknown: the value is incomplete. */
  missing: string[];
}

export function valueHoldings(holdings: readonly Holding[], price: PriceFn): Valuation {
  let usd = 0;
  const missing: string[] = [];
  for (const h of holdings) {
    if (h.amount === 0n) continue;
    const mint = h.mint === 'SOL' ? WRAPPED_SOL_MINT : h.mint;
    const token = tokenByMint(mint);
    const p = price(mint);
    if (!token || p === null) {
      missing.push(h.mint);
      continue;
    }
    usd += (Number(h.amount) / 10 ** token.decimals) * p;
  }
  return { usd, missing };
}

/**
 * Records money moved into or out of an account (valued in micro-USD when it
 * moved; `network` is the account key: the network name for the on-chain
 * wallet, account.ts accountKey for the paper account) and moves the mark: deposits 1:1, withdrawals proportionally to
 * `equityBefore` (the equity just before the money left). A flow with a `ref`
 * already recorded is ignored. Returns whether it was recorded.
 */
export function recordCashFlow(
  store: Store,
  f: {
    userId: number;
    network: string;
    kind: 'deposit' | 'withdrawal';
    amountUsd: bigint;
    nowMs: number;
    ref?: string | null;
    equityBefore?: bigint;
  },
): boolean {
  if (f.amountUsd < 0n) throw new Error('a cash flow amount is positive; the kind says which way it went');
  return store.tx(() => {
    const inserted = store.risk.insertCashFlow({
      userId: f.userId,
      network: f.network,
      ts: new Date(f.nowMs).toISOString(),
      kind: f.kind,
      amountUsd: f.amountUsd,
      ref: f.ref ?? null,
    });
    if (!inserted) return false;
    const s = store.risk.state(f.userId, f.network);
    if (s) {
      const highWater =
        f.kind === 'deposit'
          ? hwmAfterDeposit(s.highWater, f.amountUsd)
          : hwmAfterWithdrawal(s.highWater, f.amountUsd, f.equityBefore ?? s.highWater);
      store.risk.saveState({ ...s, highWater, updatedAt: new Date(f.nowMs).toISOString() });
    }
    return true;
  });
}
