/**
 * The safety checks a token added by mint passes before its first buy. Each
 * says, in words a person can act on, what the mint allows its issuer to do to
 * a holder. The verdict is the worst of them: a refusal (no buy, ever, while
 * the mint stays so), a warning (a buy needs the operator's acknowledgement
 * once per token), or fine.
 */
import type { MintFacts } from './mint-layout';

export type CheckLevel = 'ok' | 'warn' | 'refuse';

export interface SafetyCheck {
  /** A stable name: freezeAuthority, mintAuthority, transferFee, transferHook, permanentDelegate, nonTransferable, defaultFrozen, pausable, otherExtensions, route, priceImpact, oracle. */
  check: string;
  level: CheckLevel;
  reason: string;
}

/** Price impact above this at the reference size warns; above the second it refuses. */
export const IMPACT_WARN_PCT = 2;
export const IMPACT_REFUSE_PCT = 15;

/** What a quote at the reference order size said (null: no route at all). */
export interface RouteProbe {
  /** The order size the route was probed at, in USD. */
  sizeUsd: number;
  /** Price impact in percent, or null when no route exists. */
  impactPct: number | null;
  /** Why there is no route, when there is none. */
  noRouteReason?: string;
}

export function mintChecks(f: MintFacts): SafetyCheck[] {
  const out: SafetyCheck[] = [];
  out.push(
    f.freezeAuthority
      ? {
          check: 'freezeAuthority',
          level: 'warn',
          reason:
            "The issuer can freeze any holder's account: your tokens could become impossible to sell. Accept only if you trust the issuer.",
        }
      : { check: 'freezeAuthority', level: 'ok', reason: "No one can freeze holders' accounts." },
  );
  out.push(
    f.mintAuthority
      ? {
          check: 'mintAuthority',
          level: 'warn',
          reason: 'The issuer can still create new tokens at will, which would dilute what you hold.',
        }
      : { check: 'mintAuthority', level: 'ok', reason: 'The supply is fixed: no one can create more.' },
  );
  if (f.nonTransferable)
    out.push({
      check: 'nonTransferable',
      level: 'refuse',
      reason: 'The token cannot be transferred at all: once bought it could never be sold.',
    });
  if (f.defaultFrozen)
    out.push({
      check: 'defaultFrozen',
      level: 'refuse',
      reason: 'New holders start frozen: a bought token could not be moved or sold until the issuer thaws it.',
    });
  if (f.permanentDelegate)
    out.push({
      check: 'permanentDelegate',
      level: 'refuse',
      reason: "The issuer holds a permanent delegate: it can take or burn the tokens out of any holder's wallet.",
    });
  if (f.transferHookProgram)
    out.push({
      check: 'transferHook',
      level: 'warn',
      reason:
        'Every transfer runs a program the issuer chose; it could block sales later. Accept only if you know what the hook does.',
    });
  if (f.transferFeeBps !== null && f.transferFeeBps > 0)
    out.push({
      check: 'transferFee',
      level: f.transferFeeBps >= 1_000 ? 'refuse' : 'warn',
      reason:
        f.transferFeeBps >= 1_000
          ? `Every transfer pays the issuer a ${pct(f.transferFeeBps)} fee: buying and selling would lose at least twice that.`
          : `Every transfer pays the issuer a ${pct(f.transferFeeBps)} fee, on the way in and again on the way out; the issuer can raise it.`,
    });
  if (f.pausable)
    out.push({
      check: 'pausable',
      level: 'warn',
      reason: 'The issuer can pause all transfers of this token, which would stop you from selling.',
    });
  if (f.otherExtensions.length > 0)
    out.push({
      check: 'otherExtensions',
      level: 'warn',
      reason: `The mint uses ${f.otherExtensions.length} Token-2022 feature(s) Harvest does not check; read the token's documentation before buying.`,
    });
  return out;
}

export function routeChecks(p: RouteProbe): SafetyCheck[] {
  const size = `$${p.sizeUsd.toLocaleString('en-US')}`;
  if (p.impactPct === null)
    return [
      {
        check: 'route',
        level: 'refuse',
        reason: `No swap route for a ${size} buy${p.noRouteReason ? ` (${p.noRouteReason})` : ''}: the token could not be bought or sold here.`,
      },
    ];
  const impact = `${p.impactPct.toFixed(2)} %`;
  return [
    { check: 'route', level: 'ok', reason: `A swap route exists for a ${size} buy.` },
    p.impactPct >= IMPACT_REFUSE_PCT
      ? {
          check: 'priceImpact',
          level: 'refuse',
          reason: `A ${size} buy would move the price by ${impact}: the market is too thin to get in and out.`,
        }
      : p.impactPct >= IMPACT_WARN_PCT
        ? {
            check: 'priceImpact',
            level: 'warn',
            reason: `A ${size} buy would move the price by ${impact}: the market is thin, keep orders small.`,
          }
        : { check: 'priceImpact', level: 'ok', reason: `A ${size} buy would move the price by ${impact}.` },
  ];
}

/** A token without an on-chain oracle prices on the swap venue alone; trading it accepts that. */
export function oracleCheck(hasOracle: boolean): SafetyCheck {
  return hasOracle
    ? { check: 'oracle', level: 'ok', reason: 'Its price is confirmed by an independent on-chain oracle.' }
    : {
        check: 'oracle',
        level: 'warn',
        reason:
          'No independent oracle prices this token: Harvest would trust a single price source (shown as "single-source price").',
      };
}

export function verdictOf(checks: readonly SafetyCheck[]): CheckLevel {
  if (checks.some((c) => c.level === 'refuse')) return 'refuse';
  if (checks.some((c) => c.level === 'warn')) return 'warn';
  return 'ok';
}

function pct(bps: number): string {
  return `${(bps / 100).toLocaleString('en-US', { maximumFractionDigits: 2 })} %`;
}
