/**
 * The token registry: the built-in majors plus tokens added by mint. Adding a
 * mint reads its decimals, program and Token-2022 extensions from the mint
 * account (the chain is the truth for those), its name and symbol from the
 * mint's own metadata or the token list, and runs the safety checks. The
 * result is stored (SQLite) and made known to every token lookup.
 */
import { address, isAddress, type Address } from '@solana/kit';
import type { AccountSnapshot } from '../chain';
import { HarvestError } from '../kernel/errors';
import {
  KNOWN_TOKENS,
  TOKEN_2022_PROGRAM,
  TOKEN_PROGRAM,
  registerToken,
  tokenByMint,
  type TokenInfo,
} from '../market/tokens';
import type { Store, TokenRecord } from '../store';
import { decodeMint, type MintFacts } from './mint-layout';
import { mintChecks, oracleCheck, routeChecks, verdictOf, type RouteProbe, type SafetyCheck } from './safety';
import type { ListedToken } from './token-list';

/** The order size, in USD, a new token's route is probed at when none is given. */
export const DEFAULT_PROBE_USD = 100;

export interface TokenRegistryDeps {
  store: Store;
  readAccount(mint: Address): Promise<AccountSnapshot | null>;
  lookupListed(mint: string): Promise<ListedToken | null>;
  /** Quotes a buy of the token worth sizeUsd; impactPct null when there is no route. */
  probeRoute(mint: string, decimals: number, sizeUsd: number): Promise<RouteProbe>;
  hasOracle(mint: string): boolean;
  nowIso(): string;
}

export { loadRegisteredTokens } from '../store/load-tokens';

export function tokenInfoOf(r: Pick<TokenRecord, 'mint' | 'symbol' | 'name' | 'decimals' | 'tokenProgram'>): TokenInfo {
  return {
    symbol: r.symbol,
    name: r.name,
    mint: address(r.mint),
    decimals: r.decimals,
    tokenProgram: address(r.tokenProgram),
    stable: false,
  };
}

/** Whether a buy of the mint may go ahead, and the reason a person can act on when not. */
export function buyPermission(store: Store, mint: string): { ok: true } | { ok: false; reason: string } {
  if (KNOWN_TOKENS.some((k) => k.mint === mint)) return { ok: true };
  const r = store.tokens.get(mint);
  if (!r)
    return {
      ok: false,
      reason: `This token was never checked. Add it first (harvest token add ${mint}) to see its safety checks.`,
    };
  const label = `${r.symbol} (${r.name})`;
  if (r.verdict === 'refuse') {
    const why = r.checks.filter((c) => c.level === 'refuse').map((c) => c.reason);
    return { ok: false, reason: `${label} is refused: ${why.join(' ')}` };
  }
  if (r.verdict === 'warn' && !r.allowedAt)
    return {
      ok: false,
      reason: `${label} has warnings an operator must accept once before its first buy: harvest token allow ${mint} (or the token dialog in the app).`,
    };
  return { ok: true };
}

export class TokenRegistry {
  constructor(private readonly d: TokenRegistryDeps) {}

  /** Adds (or re-checks) a mint: reads the chain, names it, runs the checks, stores the result. */
  async add(mintText: string, by: string, probeUsd = DEFAULT_PROBE_USD): Promise<TokenRecord> {
    const mint = mintText.trim();
    if (!isAddress(mint)) throw new HarvestError('INVALID_INPUT', `"${mintText}" is not a token mint address.`);
    if (KNOWN_TOKENS.some((k) => k.mint === mint))
      throw new HarvestError('INVALID_INPUT', `${tokenByMint(mint)!.symbol} is already built in; nothing to add.`);
    const account = await this.d.readAccount(address(mint));
    if (!account) throw new HarvestError('INVALID_INPUT', `No account exists at ${mint} on this network.`);
    if (account.owner !== TOKEN_PROGRAM && account.owner !== TOKEN_2022_PROGRAM)
      throw new HarvestError('INVALID_INPUT', `${mint} is not a token mint (no token program owns it).`);
    let facts: MintFacts;
    try {
      facts = decodeMint(account.data);
    } catch (e) {
      throw new HarvestError('INVALID_INPUT', `${mint} is not a usable token mint: ${(e as Error).message}.`);
    }
    const listed = facts.metadata ? null : await this.d.lookupListed(mint);
    const shortMint = `${mint.slice(0, 4)}…${mint.slice(-4)}`;
    const symbol = cleanText(facts.metadata?.symbol ?? listed?.symbol, 12) ?? shortMint;
    const name = cleanText(facts.metadata?.name ?? listed?.name, 48) ?? `Token ${shortMint}`;
    const checks: SafetyCheck[] = [...mintChecks(facts)];
    // A transfer that can never leave the wallet has no route worth probing.
    if (!checks.some((c) => c.level === 'refuse'))
      checks.push(...routeChecks(await this.d.probeRoute(mint, facts.decimals, probeUsd)));
    checks.push(oracleCheck(this.d.hasOracle(mint)));
    const now = this.d.nowIso();
    const prior = this.d.store.tokens.get(mint);
    this.d.store.tx(() => {
      this.d.store.tokens.upsert({
        mint,
        symbol,
        name,
        decimals: facts.decimals,
        tokenProgram: account.owner,
        checks,
        verdict: verdictOf(checks),
        checkedAt: now,
        addedBy: prior?.addedBy ?? by,
        addedAt: prior?.addedAt ?? now,
      });
      this.d.store.audit.append(
        {
          actor: by,
          action: prior ? 'tokens.rechecked' : 'tokens.added',
          userId: null,
          details: { mint, symbol, verdict: verdictOf(checks) },
        },
        now,
      );
    });
    const rec = this.d.store.tokens.get(mint)!;
    registerToken(tokenInfoOf(rec));
    return rec;
  }
}

/**
 * The operator's one acknowledgement of a warned token; it also accepts the
 * single price source of a token without an oracle (the price-truth opt-in,
 * engine/store/price-trust-repo.ts). A refused token cannot be allowed. Needs
 * no network: the checks it accepts are the stored ones.
 */
export function allowToken(
  store: Store,
  mint: string,
  by: string,
  nowIso: string,
  hasOracle: (mint: string) => boolean,
): TokenRecord {
  const r = store.tokens.get(mint);
  if (!r) throw new HarvestError('NOT_FOUND', `This token was never checked. Add it first: harvest token add ${mint}.`);
  if (r.verdict === 'refuse')
    throw new HarvestError(
      'REFUSED',
      `${r.symbol} is refused and cannot be allowed: ${r.checks
        .filter((c) => c.level === 'refuse')
        .map((c) => c.reason)
        .join(' ')}`,
    );
  store.tx(() => {
    store.tokens.allow(mint, by, nowIso);
    if (!hasOracle(mint)) store.priceTrust.allow(mint, by, nowIso);
    store.audit.append(
      { actor: by, action: 'tokens.allowed', userId: null, details: { mint, symbol: r.symbol } },
      nowIso,
    );
  });
  return store.tokens.get(mint)!;
}

/** Metadata is whatever the issuer wrote: keep printable characters only, trimmed and bounded. */
function cleanText(s: string | undefined, max: number): string | null {
  if (s === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f]/gu, '').trim();
  return t.length === 0 ? null : t.slice(0, max);
}
