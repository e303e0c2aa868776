import type { SubmitResult } from '../chain';
import { HarvestError } from '../kernel/errors';
import { solToLamports, type UserSettings } from '../users/settings';

/**
 * Landing control (issue #14): how a friend's swap pays to land. The
 * compute-unit price is a percentile of the recent prioritization fees paid
 * around the swap's writable accounts, or a custom price, never more than the
 * friend's cap for the whole priority fee; with MEV protection the swap also
 * carries one Jito tip and goes through a block engine.
 */
export interface LandingPlan {
  priorityLevel: 'low' | 'medium' | 'high' | 'custom';
  customMicroLamports: bigint;
  /** The most the priority fee (price × unit limit) may cost, lamports. */
  maxPriorityFeeLamports: bigint;
  /** Lamports of the Jito tip, or null without MEV protection. */
  tipLamports: bigint | null;
}

export function landingPlanOf(settings: Pick<UserSettings, 'landing'>): LandingPlan {
  const l = settings.landing;
  return {
    priorityLevel: l.priorityLevel,
    customMicroLamports: BigInt(l.customMicroLamports),
    maxPriorityFeeLamports: solToLamports(l.maxPriorityFeeSol),
    tipLamports: l.mevProtection ? solToLamports(l.jitoTipSol) : null,
  };
}

/** Which percentile of the recent fees each level pays (Jupiter's own levels are 25th, 50th and 75th too). */
export const PRIORITY_PERCENTILE = { low: 25, medium: 50, high: 75 } as const;

/** Nearest-rank percentile of the per-slot fees (0 when there are none). */
export function percentileFee(fees: readonly bigint[], percentile: number): bigint {
  if (fees.length === 0) return 0n;
  const sorted = [...fees].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((percentile / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Lamports a compute-unit price costs at a unit limit (rounded up, as the runtime charges). */
export function priorityFeeLamports(microLamports: bigint, unitLimit: number): bigint {
  return (microLamports * BigInt(unitLimit) + 999_999n) / 1_000_000n;
}

/** The highest price whose fee at `unitLimit` stays within `maxLamports`. */
export function cappedPrice(microLamports: bigint, unitLimit: number, maxLamports: bigint): bigint {
  const ceiling = (maxLamports * 1_000_000n) / BigInt(Math.max(1, unitLimit));
  return microLamports < ceiling ? microLamports : ceiling;
}

/** The compute-unit price the plan asks for, before the cap. */
export function planPrice(plan: LandingPlan, recentFees: readonly bigint[]): bigint {
  return plan.priorityLevel === 'custom'
    ? plan.customMicroLamports
    : percentileFee(recentFees, PRIORITY_PERCENTILE[plan.priorityLevel]);
}

/**
 * Sends through a Jito block engine (JSON-RPC sendTransaction on /api/v1/transactions, with
 * bundleOnly=true: revert protection, the transaction lands only as a bundle, never in the
 * public mempool). Its answer has the RPC's shape; the outcome is then read from the RPC.
 */
export function blockEngineSubmit(
  baseUrl: string,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): (base64: string, resend: boolean) => Promise<SubmitResult> {
  const f = opts.fetch ?? fetch;
  let id = 0;
  return async (base64) => {
    let res: Response;
    try {
      res = await f(`${baseUrl.replace(/\/$/u, '')}/api/v1/transactions?bundleOnly=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: ++id,
          method: 'sendTransaction',
          params: [base64, { encoding: 'base64' }],
        }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
      });
    } catch (e) {
      throw new HarvestError('RPC_UNAVAILABLE', `The block engine is unreachable: ${(e as Error).message}`);
    }
    let body: { result?: unknown; error?: { message?: unknown; data?: unknown } } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch {
      // no JSON: judged by the status below
    }
    if (res.ok && typeof body.result === 'string') return { accepted: true };
    if (res.status === 429 || res.status >= 500)
      throw new HarvestError('RPC_UNAVAILABLE', `The block engine answered ${res.status}.`);
    const message = typeof body.error?.message === 'string' ? body.error.message : `block engine ${res.status}`;
    return { accepted: false, message, err: null, logs: [] };
  };
}
