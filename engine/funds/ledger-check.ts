/**
 * Ledger = chain, proven (issue #9, item 4). Not to be confused with
 * execution/reconcile.ts, which settles orders a crash left unfinished.
 *
 * For every wallet and asset ('SOL' = lamports + wrapped SOL; each known
 * SPL / Token-2022 mint), the balance read from the chain now must equal,
 * to the base unit, what Harvest's records add up to:
 *
 *   outside flows (cash_flows found on chain: deposits − external withdrawals)
 * + trade deltas (the trades journal: bought +, sold/spent −)
 * − trade fees (trades.fee_lamports)
 * + faucet grants − confirmed withdrawals (their journals)
 * − network costs of Harvest's own transactions that no journal holds:
 *   rent the wallet deposited into token accounts its transactions created
 *   (and, for withdrawals and failed orders, their fee and a recipient's
 *   account rent), read from those transactions' own balance changes.
 *
 * Each own transaction is also checked on its own: what the journal says it
 * did must be what the chain says it did, so a discrepancy names its
 * transaction. A balance that differs with no transaction to blame lists the
 * wallet's transactions since the last clean check.
 */
import type { Address } from '@solana/kit';
import type { ChainClient } from '../chain';
import { TOKEN_PROGRAM_ADDRESS } from '../chain/programs';
import { mapLimit } from '../chain/util';
import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import { HarvestError } from '../kernel/errors';
import type { Logger } from '../kernel/logger';
import { splTokens, WRAPPED_SOL_MINT } from '../market';
import type { Controls } from '../risk/controls';
import type { Store, WalletTxRow } from '../store';
import { UserSettingsSchema } from '../users/settings';
import { SOL_ASSET } from './flows/effect';
import type { FlowScanner } from './flows/scanner';

export const HOUR_MS = 3_600_000;
/** The pause reason a mismatch sets; only an acknowledgement (or the operator's resume) lifts it. */
export const LEDGER_PAUSE_PREFIX = 'ledger mismatch';

export interface Discrepancy {
  /** 'balance': the wallet's balance differs from the records; 'transaction': one transaction's effect does. */
  kind: 'balance' | 'transaction';
  asset: string;
  /** What the chain says (balance now, or the transaction's change), base units. */
  chain: bigint;
  /** What Harvest's records say. */
  ledger: bigint;
  /** chain − ledger. */
  difference: bigint;
  signatures: string[];
  note: string;
}

export interface LedgerAsset {
  asset: string;
  chain: bigint;
  ledger: bigint;
}

export interface LedgerCheckResult {
  userId: number;
  wallet: string;
  network: string;
  checkedAt: string;
  /** Null when the check could not conclude (history still being read): nothing is paused then. */
  ok: boolean | null;
  assets: LedgerAsset[];
  discrepancies: Discrepancy[];
  /** Why the check could not conclude, when it could not. */
  inconclusive: string | null;
  checkId: number | null;
  /** The discrepancies are the ones the operator already acknowledged. */
  acknowledged: boolean;
  paused: boolean;
}

const assetOf = (mint: string): string => (mint === WRAPPED_SOL_MINT || mint === SOL_ASSET ? SOL_ASSET : mint);
const add = (m: Map<string, bigint>, k: string, v: bigint): void => {
  if (v !== 0n) m.set(k, (m.get(k) ?? 0n) + v);
};

/** What one user's records say each asset should hold, and the transactions whose own effect disagrees. */
export function ledgerFromRecords(
  store: Store,
  userId: number,
  network: string,
): { totals: Map<string, bigint>; mismatches: Discrepancy[] } {
  const totals = new Map<string, bigint>();
  const mismatches: Discrepancy[] = [];
  const txs = new Map<string, WalletTxRow>(store.flows.txs(userId, network).map((t) => [t.signature, t]));
  const explained = new Set<string>();

  const compare = (signature: string, expected: Map<string, bigint>, what: string): void => {
    const t = txs.get(signature);
    if (!t) {
      mismatches.push({
        kind: 'transaction',
        asset: [...expected.keys()][0] ?? SOL_ASSET,
        chain: 0n,
        ledger: [...expected.values()][0] ?? 0n,
        difference: -([...expected.values()][0] ?? 0n),
        signatures: [signature],
        note: `${what} is not in the wallet's chain history`,
      });
      return;
    }
    for (const asset of new Set([...expected.keys(), ...t.deltas.keys()])) {
      const want = expected.get(asset) ?? 0n;
      const got = t.deltas.get(asset) ?? 0n;
      if (want !== got)
        mismatches.push({
          kind: 'transaction',
          asset,
          chain: got,
          ledger: want,
          difference: got - want,
          signatures: [signature],
          note: `${what} changed ${asset} by ${got} on chain; the journal says ${want}`,
        });
    }
  };

  // Trades (real swaps only: a paper fill never touched the chain).
  for (const t of store.portfolio.trades(userId, { limit: 10_000_000 })) {
    if (t.network !== network || t.venue === 'paper') continue;
    const own = new Map<string, bigint>();
    const sign = t.side === 'buy' ? 1n : -1n;
    add(own, assetOf(t.baseMint), sign * t.baseAmount);
    add(own, assetOf(t.quoteMint), -sign * t.quoteAmount);
    add(own, SOL_ASSET, -t.feeLamports);
    const chainTx = t.signature ? txs.get(t.signature) : undefined;
    // Rent the swap deposited into the wallet's new token accounts: trades set it apart (it is not a cost).
    if (chainTx) add(own, SOL_ASSET, -chainTx.rent);
    for (const [k, v] of own) add(totals, k, v);
    if (t.signature) {
      explained.add(t.signature);
      compare(t.signature, own, `trade #${t.id}`);
    }
  }

  // Withdrawals Harvest sent (confirmed), with their fee and any recipient account they paid for.
  for (const w of store.funds.withdrawals(userId, 10_000_000)) {
    if (w.network !== network || w.status !== 'confirmed') continue;
    const own = new Map<string, bigint>();
    add(own, assetOf(w.mint), -w.amount);
    const chainTx = w.signature ? txs.get(w.signature) : undefined;
    if (chainTx) add(own, SOL_ASSET, -(chainTx.fee + chainTx.rent + chainTx.rentOut));
    for (const [k, v] of own) add(totals, k, v);
    if (w.signature) {
      explained.add(w.signature);
      compare(w.signature, own, `withdrawal #${w.id}`);
    }
  }

  // Faucet top-ups, as the faucet reported them.
  for (const g of store.flows.grants(userId, network)) {
    add(totals, assetOf(g.mint), g.amount);
    explained.add(g.signature);
  }

  // Outside flows found on chain.
  for (const f of store.risk.cashFlows(userId, network)) {
    if (!f.signature || !f.mint || f.amount === null || f.amount === undefined) continue;
    add(totals, f.mint, f.kind === 'deposit' ? f.amount : -f.amount);
    explained.add(f.signature);
  }

  // Harvest's own transactions that no journal entry above covers (a failed or expired-then-landed
  // order, a withdrawal that failed on chain): they still cost their fee and whatever they moved.
  for (const t of txs.values()) {
    if (explained.has(t.signature)) continue;
    if (t.source === 'intent' || t.source === 'withdrawal') {
      for (const [k, v] of t.deltas) {
        if (k !== SOL_ASSET || !t.failed)
          mismatches.push({
            kind: 'transaction',
            asset: k,
            chain: v,
            ledger: k === SOL_ASSET ? -(t.fee + t.rent + t.rentOut) : 0n,
            difference: v - (k === SOL_ASSET ? -(t.fee + t.rent + t.rentOut) : 0n),
            signatures: [t.signature],
            note: `Harvest's own transaction changed ${k} but no trade or withdrawal records it`,
          });
      }
      add(totals, SOL_ASSET, -(t.fee + t.rent + t.rentOut));
    }
  }
  // A transaction-level mismatch that is exactly the unrecorded network cost above is not one.
  return {
    totals,
    mismatches: mismatches.filter((m) => m.difference !== 0n),
  };
}

const CHECK_CONCURRENCY = 4;

export interface LedgerCheckDeps {
  store: Store;
  chain: ChainClient;
  network: string;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  controls: Controls;
  scanner: FlowScanner;
  exclusive<T>(userId: number, task: () => Promise<T>): Promise<T>;
}

/**
 * Runs the proof for users: reads their history up to now, then their
 * balances, then their history again (a transfer landing in between would
 * make the two disagree; the check then tries again, and says it could not
 * conclude rather than guess). A discrepancy not already acknowledged is a
 * critical event and pauses the user's entries (a user pause: exits still
 * run) until the operator acknowledges it.
 */
export class LedgerCheck {
  private lastRunMs: number | null = null;

  constructor(private readonly d: LedgerCheckDeps) {}

  /** At start (the first call) and then hourly, by the injected clock. */
  due(nowMs: number): boolean {
    return this.lastRunMs === null || nowMs - this.lastRunMs >= HOUR_MS;
  }

  /** The loop's hourly run over live users; returns the results. */
  async runDue(): Promise<LedgerCheckResult[]> {
    const now = this.d.clock.now();
    if (!this.due(now)) return [];
    this.lastRunMs = now;
    const live = this.d.store.wallets
      .all()
      .filter((w) => UserSettingsSchema.parse(this.d.store.settings.get(w.userId)?.settings ?? {}).mode === 'live')
      .map((w) => w.userId);
    // A few wallets at once: one friend's slow or failing reads (or an order holding their wallet)
    // hold up one lane, not the whole cycle.
    const results = await mapLimit(live, CHECK_CONCURRENCY, async (id) => {
      try {
        return await this.check(id);
      } catch (e) {
        this.d.log.warn({ userId: id, err: (e as Error).message }, 'ledger check failed');
        return null;
      }
    });
    return results.filter((r): r is LedgerCheckResult => r !== null);
  }

  async check(userId: number): Promise<LedgerCheckResult> {
    const w = this.d.store.wallets.byUser(userId);
    if (!w) throw new HarvestError('NOT_FOUND', 'This user has no wallet to reconcile.');
    return this.d.exclusive(userId, () => this.checkHeld(userId, w.address as Address));
  }

  private async checkHeld(userId: number, wallet: Address): Promise<LedgerCheckResult> {
    const { store, network, chain } = this.d;
    const checkedAt = isoTime(this.d.clock);
    const base = { userId, wallet, network, checkedAt, checkId: null, acknowledged: false, paused: false };
    const unfinished = store.intents.unfinished().filter((i) => i.userId === userId && i.network === network);
    if (unfinished.length > 0) return this.inconclusive(base, `${unfinished.length} order(s) are still being settled`);
    const sending = store.funds
      .withdrawals(userId, 1000)
      .filter((x) => x.network === network && (x.status === 'pending' || x.status === 'signed'));
    if (sending.length > 0) return this.inconclusive(base, `${sending.length} withdrawal(s) are still being settled`);
    const mints = [
      { mint: WRAPPED_SOL_MINT, tokenProgram: TOKEN_PROGRAM_ADDRESS, decimals: 9 },
      ...splTokens().map((t) => ({ mint: t.mint, tokenProgram: t.tokenProgram, decimals: t.decimals })),
    ];
    let balances: Map<string, bigint> | null = null;
    for (let attempt = 0; attempt < 3 && balances === null; attempt++) {
      const first = await this.d.scanner.scanWallet(userId, wallet);
      if (first.deferred > 0) return this.inconclusive(base, `${first.deferred} transaction(s) are not readable yet`);
      chain.clearCache();
      const [b] = await chain.getBalances([wallet], mints);
      const second = await this.d.scanner.scanWallet(userId, wallet);
      if (second.signatures > 0 || second.deferred > 0) continue;
      balances = new Map<string, bigint>();
      add(balances, SOL_ASSET, b!.lamports + (b!.tokens.get(WRAPPED_SOL_MINT) ?? 0n));
      for (const t of splTokens()) add(balances, t.mint, b!.tokens.get(t.mint) ?? 0n);
    }
    if (!balances) return this.inconclusive(base, 'the wallet kept moving while it was read');

    const { totals, mismatches } = ledgerFromRecords(store, userId, network);
    const assets: LedgerAsset[] = [];
    const discrepancies: Discrepancy[] = [...mismatches];
    const last = store.flows.lastCheck(userId, network);
    const lastClean = last?.ok ? last.ts : null;
    for (const asset of [SOL_ASSET, ...splTokens().map((t) => t.mint as string)]) {
      const onChain = balances.get(asset) ?? 0n;
      const ledger = totals.get(asset) ?? 0n;
      assets.push({ asset, chain: onChain, ledger });
      if (onChain === ledger) continue;
      const blamed = [...new Set(mismatches.filter((m) => m.asset === asset).flatMap((m) => m.signatures))];
      const recent = store.flows
        .txs(userId, network)
        .filter((t) => t.deltas.has(asset) && (lastClean === null || t.seenAt >= lastClean))
        .map((t) => t.signature)
        .slice(-20);
      discrepancies.push({
        kind: 'balance',
        asset,
        chain: onChain,
        ledger,
        difference: onChain - ledger,
        signatures: blamed.length > 0 ? blamed : recent,
        note:
          blamed.length > 0
            ? 'the transactions listed did not do what the journal says'
            : 'no recorded transaction explains it; the transactions listed touched it since the last clean check',
      });
    }
    return this.conclude({ ...base, ok: discrepancies.length === 0, assets, discrepancies, inconclusive: null });
  }

  private inconclusive(
    base: Omit<LedgerCheckResult, 'ok' | 'assets' | 'discrepancies' | 'inconclusive'>,
    why: string,
  ): LedgerCheckResult {
    this.d.log.info({ userId: base.userId, why }, 'ledger check inconclusive');
    return { ...base, ok: null, assets: [], discrepancies: [], inconclusive: why };
  }

  /** Stores the result; a new discrepancy pauses the user's entries and raises a critical event. */
  private conclude(r: LedgerCheckResult): LedgerCheckResult {
    const { store, network, bus, controls } = this.d;
    const fingerprint = (ds: readonly unknown[]): string =>
      JSON.stringify(ds, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const prev = store.flows.lastCheck(r.userId, network);
    // The operator already acknowledged exactly these differences: record, but do not pause again.
    const acknowledged =
      !r.ok &&
      prev !== null &&
      !prev.ok &&
      prev.ackedAt !== null &&
      fingerprint(prev.discrepancies) === fingerprint(r.discrepancies);
    const checkId = store.tx(() => {
      const id = store.flows.insertCheck({
        userId: r.userId,
        network,
        ts: r.checkedAt,
        ok: r.ok === true,
        discrepancies: JSON.parse(fingerprint(r.discrepancies)) as unknown[],
      });
      if (acknowledged) store.flows.ack(id, r.checkedAt, prev!.ackedBy ?? 'operator');
      else if (!r.ok)
        bus.emit('ledger.mismatch', r.userId, {
          checkId: id,
          discrepancies: r.discrepancies.map((d) => ({
            asset: d.asset,
            chain: d.chain.toString(),
            ledger: d.ledger.toString(),
            difference: d.difference.toString(),
            signatures: d.signatures,
          })),
        });
      return id;
    });
    let paused = false;
    if (!r.ok && !acknowledged) {
      controls.pauseUser(
        r.userId,
        `${LEDGER_PAUSE_PREFIX} (check #${checkId}): ${describe(r.discrepancies)}`,
        'ledger-check',
      );
      paused = true;
      this.d.log.error({ userId: r.userId, checkId }, 'ledger does not match the chain; entries paused');
    }
    return { ...r, checkId, acknowledged, paused };
  }

  /**
   * The operator has looked at the user's last mismatch: records who and
   * when (audited), and lifts the ledger pause. The same differences found
   * again later do not pause again; new ones do.
   */
  acknowledge(userId: number, actor: string): { checkId: number; resumed: boolean } {
    const { store, network, bus, controls } = this.d;
    const last = store.flows.lastCheck(userId, network);
    if (!last || last.ok)
      throw new HarvestError(
        'INVALID_INPUT',
        'The last ledger check of this user found no discrepancy to acknowledge.',
      );
    const at = isoTime(this.d.clock);
    store.tx(() => {
      store.flows.ack(last.id, at, actor);
      store.audit.append(
        {
          actor,
          action: 'ledger.acknowledged',
          userId,
          details: { checkId: last.id, network, discrepancies: last.discrepancies },
        },
        at,
      );
      bus.emit('ledger.acknowledged', userId, { checkId: last.id, by: actor });
    });
    const u = controls.user(userId);
    const resumed = u.paused && (u.reason ?? '').startsWith(LEDGER_PAUSE_PREFIX);
    if (resumed) controls.resumeUser(userId, actor);
    return { checkId: last.id, resumed };
  }
}

function describe(ds: readonly Discrepancy[]): string {
  const d = ds[0];
  if (!d) return '';
  const more = ds.length > 1 ? ` (+${ds.length - 1} more)` : '';
  return `${d.asset === SOL_ASSET ? 'SOL' : d.asset} off by ${d.difference}${d.signatures[0] ? ` in ${d.signatures[0]}` : ''}${more}`;
}
