import type { Address, Signature } from '@solana/kit';
import type { ChainClient, SignatureInfo, TransactionDetails } from '../../chain';
import { findAssociatedTokenAddress, TOKEN_PROGRAM_ADDRESS } from '../../chain/programs';
import { mapLimit } from '../../chain/util';
import { isoTime, type Clock } from '../../kernel/clock';
import type { EventBus } from '../../kernel/event-bus';
import type { Logger } from '../../kernel/logger';
import { knownTokens, splTokens, tokenByMint, WRAPPED_SOL_MINT, type TokenInfo } from '../../market';
import { recordCashFlow, toMicroUsd, type PriceFn } from '../../portfolio/performance';
import { firstSnapshotSlot, type Store, type WalletTxRow, type WalletTxSource } from '../../store';
import { userSettingsOf } from '../../users/settings-cache';
import { SOL_ASSET, walletEffect, type WalletEffect } from './effect';
import { flowPriceAt, type FlowValuation } from './flow-price';

/** getSignaturesForAddress pages, per address and scan: 100 × 1000 signatures before giving up loudly. */
const MAX_PAGES = 100;
const PAGE = 1000;
/** getTransaction calls in flight at once per scan (the transport's token bucket still paces them). */
const FETCH_CONCURRENCY = 4;

export interface FlowScanReport {
  users: number;
  /** New signatures processed (own, flows and no-ops). */
  signatures: number;
  /** Cash flows recorded (one per asset moved by an outside transaction). */
  flows: number;
  /** Signatures left for the next scan (no transaction yet, or a moved asset without a price). */
  deferred: number;
  /** Users whose scan failed (RPC errors); each is retried at the next scan. */
  failed: number[];
  /** Users with a new flow (their balances and activation are re-read after it). */
  withFlows: number[];
  /** Users passed over by the cycle's scan because an order of theirs was in flight (scanned next time). */
  busy: number[];
}

export interface FlowScannerDeps {
  store: Store;
  chain: ChainClient;
  network: string;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  /** USD price of a mint now: what a flow found in the cycle it landed in is worth. */
  price: PriceFn;
  /**
   * USD price of a mint at a past engine-clock time (a flow's block time), from the stored candles;
   * null when none covers it. A flow found later than it landed (a catch-up) is valued with it.
   */
  priceAt?: (mint: string, atMs: number) => number | null;
  /** Runs a task in the user's wallet queue, so no order or top-up of theirs is half-journalled meanwhile. */
  exclusive<T>(userId: number, task: () => Promise<T>): Promise<T>;
  /**
   * The same, but only when no order of the user is in flight or waiting (null: busy). The cycle's scan
   * uses it: a busy wallet is scanned at the next cycle (and before its next entry, by the order path).
   */
  exclusiveIfIdle?<T>(userId: number, task: () => Promise<T>): Promise<T> | null;
}

/** Wallets scanned at once by a cycle: one slow or failing wallet's reads never hold up the others'. */
const SCAN_CONCURRENCY = 4;

/**
 * Signatures of `address` newer than `until` (exclusive), newest first: pages
 * back with `before` through the chain client (its rate limits apply). With
 * `olderThan` (epoch seconds), paging stops after the first page that reaches
 * a block older than it (what a reader that only wants recent history needs);
 * without it, every page is read or the read is refused, never cut short.
 */
export async function signaturesSince(
  chain: ChainClient,
  address: Address,
  until: Signature | null,
  opts: { olderThan?: number; pageSize?: number } = {},
): Promise<SignatureInfo[]> {
  const pageSize = opts.pageSize ?? PAGE;
  const out: SignatureInfo[] = [];
  let before: Signature | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const rows = await chain.getSignaturesForAddress(address, { limit: pageSize, before, until });
    out.push(...rows);
    if (rows.length < pageSize) return out;
    const last = rows[rows.length - 1]!;
    if (opts.olderThan !== undefined && last.blockTime !== null && Number(last.blockTime) < opts.olderThan) return out;
    before = last.signature;
  }
  throw new Error(
    `more than ${MAX_PAGES * pageSize} new signatures for ${address}; read refused rather than cut short`,
  );
}

/** When Harvest first measured a user's equity on a network (first snapshot or first order), ms; null if never. */
export function measuredSince(store: Store, userId: number, network: string): number | null {
  const snap = store.risk.snapshots(userId, network, { limit: 1 })[0]?.ts ?? null;
  const order = store.flows.firstIntentAt(userId, network);
  const times = [snap, order].filter((t): t is string => t !== null).map((t) => Date.parse(t));
  return times.length > 0 ? Math.min(...times) : null;
}

/**
 * Whether a flow came after Harvest first measured the user. A block time is whole seconds, so a flow
 * in the very second of the first snapshot cannot be ordered by time; when the first measurement is
 * that snapshot and the slot its balances were read at is known, the slot decides (a flow in a later
 * slot is not inside the snapshot's equity). Otherwise time decides.
 */
export function flowAfterMeasured(
  store: Store,
  userId: number,
  network: string,
  since: number,
  flow: { whenMs: number; slot: bigint | number; tx: TransactionDetails | null; wallet: Address },
): boolean {
  const snapAt = store.risk.snapshots(userId, network, { limit: 1 })[0]?.ts;
  const pinned = firstSnapshotSlot(store.meta, userId, network);
  if (pinned === null || snapAt === undefined || Date.parse(snapAt) !== since) return flow.whenMs > since;
  const slot = BigInt(flow.slot);
  if (slot !== pinned.slot) return slot > pinned.slot;
  // The same slot (a local chain packs several in one): the read came before the flow if it saw the
  // wallet's SOL as it was before the transaction.
  const wi = flow.tx?.accountKeys.indexOf(flow.wallet as never) ?? -1;
  const meta = flow.tx?.meta;
  if (wi < 0 || !meta) return flow.whenMs > since;
  return pinned.lamports === meta.preBalances[wi] && pinned.lamports !== meta.postBalances[wi];
}

/** The token accounts whose history shows a wallet's token flows beside its own (an SPL transfer names only the account). */
export async function walletTokenAccounts(wallet: Address): Promise<TokenAccountOf[]> {
  const specs = [
    { mint: WRAPPED_SOL_MINT, tokenProgram: TOKEN_PROGRAM_ADDRESS },
    ...splTokens().map((t) => ({ mint: t.mint, tokenProgram: t.tokenProgram })),
  ];
  return Promise.all(
    specs.map(async (t) => ({
      mint: t.mint,
      address: await findAssociatedTokenAddress(wallet, t.mint as Address, t.tokenProgram),
    })),
  );
}

/** One of a wallet's associated token accounts, and its mint. */
interface TokenAccountOf {
  mint: string;
  address: Address;
}

/**
 * Every flow is seen: reads each live wallet's history from the chain since
 * the last signature seen (per scanned address, paginating back with
 * `before` down to `until` = the cursor), fetches every new transaction and
 * records what it did to the wallet. A signature in Harvest's own journals
 * (intents and trades, withdrawals, faucet grants) is explained; any other
 * that moved a balance is a deposit or an external withdrawal, recorded as a
 * cash flow with its signature, asset, base units and USD value, and
 * announced. A signature is recorded once (wallet_txs' key), so restarts and
 * overlapping scans never count it twice; the cursor only moves past
 * signatures that are recorded, so the time the engine was off is caught up
 * at its next scan.
 */
export class FlowScanner {
  /** Each wallet's token accounts, derived once per token list (a list with an added token is new). */
  private readonly derived = new Map<Address, { tokens: readonly TokenInfo[]; accounts: TokenAccountOf[] }>();

  constructor(private readonly d: FlowScannerDeps) {}

  /**
   * Scans the live users (the cycle's scan), or the given ones (waiting for their turn); paper users'
   * wallets are not their trading account. The cycle's scan reads several wallets at once and passes
   * over a wallet whose order is in flight: a friend's slow order or failing reads never stall the
   * cycle (and with it everyone's prices, exits and strategies).
   */
  async scan(
    userIds?: readonly number[],
    opts: { balances?: Promise<ReadonlyMap<string, bigint>> } = {},
  ): Promise<FlowScanReport> {
    const report: FlowScanReport = {
      users: 0,
      signatures: 0,
      flows: 0,
      deferred: 0,
      failed: [],
      withFlows: [],
      busy: [],
    };
    const wanted = userIds ? new Set(userIds) : null;
    const wallets = this.d.store.wallets.all().filter((w) => (wanted ? wanted.has(w.userId) : this.isLive(w.userId)));
    report.users = wallets.length;
    await mapLimit(wallets, wanted ? 1 : SCAN_CONCURRENCY, async (w) => {
      const balances = wanted ? opts.balances : undefined;
      const task = () =>
        balances
          ? this.scanBeforeOrder(w.userId, w.address as Address, balances)
          : this.scanWallet(w.userId, w.address as Address);
      try {
        const run =
          !wanted && this.d.exclusiveIfIdle ? this.d.exclusiveIfIdle(w.userId, task) : this.d.exclusive(w.userId, task);
        if (run === null) {
          report.busy.push(w.userId);
          return;
        }
        const r = await run;
        report.signatures += r.signatures;
        report.flows += r.flows;
        report.deferred += r.deferred;
        if (r.flows > 0) report.withFlows.push(w.userId);
      } catch (e) {
        // One user's RPC trouble never stops another's scan.
        report.failed.push(w.userId);
        this.d.log.warn({ userId: w.userId, err: (e as Error).message }, 'flow scan failed');
      }
    });
    return report;
  }

  private isLive(userId: number): boolean {
    return userSettingsOf(this.d.store, userId).mode === 'live';
  }

  /**
   * The scan an order makes before the risk gate measures the wallet, beside the read of its balances
   * (`balances`). The wallet and the token accounts that already have history (a cursor) are read at
   * once; a token account with no history yet is read only when those balances show it holds something.
   * Why that misses nothing the gate measures: a token account that does not exist holds nothing, and the
   * transaction that creates an associated token account names the wallet (its owner), so it is in the
   * wallet's own history; once it has history it is read on every scan. Every account the balances show
   * holding tokens is therefore scanned before the gate values them. An account that received and sent
   * everything between two scans is read by the cycle's scan, which reads every account.
   */
  private async scanBeforeOrder(
    userId: number,
    wallet: Address,
    balances: Promise<ReadonlyMap<string, bigint>>,
  ): Promise<{ signatures: number; flows: number; deferred: number }> {
    const { store, network } = this.d;
    const accounts = await this.tokenAccountsOf(wallet);
    const seen = (a: Address): boolean => store.flows.cursor(network, a) !== null;
    const first = await this.scanWallet(userId, wallet, [
      wallet,
      ...accounts.filter((t) => seen(t.address)).map((t) => t.address),
    ]);
    // A failed balance read holds the order up anyway; until then, read every new account to be safe.
    const held = await balances.then(
      (b) => b,
      () => null,
    );
    const rest = accounts
      .filter((t) => !seen(t.address) && (held === null || (held.get(t.mint) ?? 0n) > 0n))
      .map((t) => t.address);
    if (rest.length === 0) return first;
    const more = await this.scanWallet(userId, wallet, rest);
    return {
      signatures: first.signatures + more.signatures,
      flows: first.flows + more.flows,
      deferred: first.deferred + more.deferred,
    };
  }

  /** The wallet's scanned addresses, derived once per wallet and token list (a PDA derivation each). */
  private async tokenAccountsOf(wallet: Address): Promise<TokenAccountOf[]> {
    const tokens = knownTokens();
    const hit = this.derived.get(wallet);
    if (hit && hit.tokens === tokens) return hit.accounts;
    const accounts = await walletTokenAccounts(wallet);
    this.derived.set(wallet, { tokens, accounts });
    return accounts;
  }

  /** Scans one wallet (or only the given addresses of it); the caller holds the user's queue. */
  async scanWallet(
    userId: number,
    wallet: Address,
    only?: readonly Address[],
  ): Promise<{ signatures: number; flows: number; deferred: number }> {
    const { store, network } = this.d;
    const addresses = only ?? [wallet, ...(await this.tokenAccountsOf(wallet)).map((t) => t.address)];
    // Newest first per address, as the node lists them.
    const lists = await Promise.all(addresses.map((a) => this.newSignatures(a)));
    const bySig = new Map<string, SignatureInfo>();
    for (const list of lists) for (const s of list) bySig.set(s.signature, s);
    // Oldest first: a flow's mark adjustment and the cursors follow chain order.
    const pending = [...bySig.values()]
      .filter((s) => !store.flows.hasTx(network, wallet, s.signature))
      .sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));

    const own = new Map(pending.map((s) => [s.signature, store.flows.ownSource(network, s.signature)]));
    // Faucet grants are journalled from the faucet's answer; their transactions need no fetching
    // (and a sandbox airdrop has no transaction body to fetch).
    const toFetch = pending.filter((s) => own.get(s.signature) !== 'faucet');
    const fetched = new Map<string, TransactionDetails | null>();
    await mapLimit(toFetch, FETCH_CONCURRENCY, async (s) => {
      fetched.set(s.signature, await this.d.chain.getTransaction(s.signature));
    });

    // The records and the cursors that move past them commit together: one write to disk per scan.
    return store.tx(() => {
      let signatures = 0;
      let flows = 0;
      let deferred = 0;
      const done = new Set<string>();
      let blocked = false;
      for (const s of pending) {
        if (blocked) {
          deferred++;
          continue;
        }
        const source = own.get(s.signature) ?? null;
        const tx = fetched.get(s.signature) ?? null;
        if (source !== 'faucet' && tx === null) {
          // Listed but not yet served (or pruned by the node): try again next scan, in order.
          this.d.log.warn({ userId, signature: s.signature }, 'transaction not available yet; flow scan waits for it');
          blocked = true;
          deferred++;
          continue;
        }
        const r = this.record(userId, wallet, s, source, tx);
        if (r === null) {
          blocked = true;
          deferred++;
          continue;
        }
        signatures++;
        flows += r;
        done.add(s.signature);
      }
      // Each cursor moves to the newest of its signatures below which everything is recorded.
      const at = isoTime(this.d.clock);
      addresses.forEach((a, i) => {
        const list = lists[i]!;
        let newest: SignatureInfo | null = null;
        for (let j = list.length - 1; j >= 0; j--) {
          const s = list[j]!;
          if (!done.has(s.signature) && !store.flows.hasTx(network, wallet, s.signature)) break;
          newest = s;
        }
        if (newest) store.flows.setCursor(network, a, userId, newest.signature, newest.slot, at);
      });
      return { signatures, flows, deferred };
    });
  }

  /**
   * Harvest's own landed swap, recorded from the transaction the order path read to make its fill: the
   * row this scan would write for it (source 'intent'), so the next scan finds it recorded instead of
   * fetching it again. Called inside the fill's SQLite transaction.
   */
  recordOwn(userId: number, wallet: Address, tx: TransactionDetails): void {
    this.d.store.flows.insertTx(this.txRow(userId, wallet, tx, 'intent', walletEffect(tx, wallet)));
  }

  /** The wallet_txs row of one transaction: where it landed, what it did to the wallet, and whose it was. */
  private txRow(
    userId: number,
    wallet: Address,
    at: { signature: string; slot: bigint; blockTime: bigint | null },
    source: WalletTxSource,
    effect: WalletEffect,
  ): WalletTxRow {
    return {
      network: this.d.network,
      userId,
      wallet,
      signature: at.signature,
      slot: at.slot,
      blockTime: at.blockTime === null ? null : Number(at.blockTime),
      source,
      deltas: effect.deltas,
      fee: effect.fee,
      rent: effect.rent,
      rentOut: effect.rentOut,
      failed: effect.failed,
      seenAt: isoTime(this.d.clock),
    };
  }

  /** Signatures of `address` newer than its cursor, newest first (all pages). */
  private async newSignatures(address: Address): Promise<SignatureInfo[]> {
    const until = this.d.store.flows.cursor(this.d.network, address) as Signature | null;
    return signaturesSince(this.d.chain, address, until);
  }

  /**
   * Records one transaction (and its flows) in one database transaction.
   * Returns how many flows it recorded, or null when it must wait (a moved
   * known asset without a price: a flow is never recorded without its value).
   */
  private record(
    userId: number,
    wallet: Address,
    s: SignatureInfo,
    own: 'intent' | 'withdrawal' | 'faucet' | null,
    tx: TransactionDetails | null,
  ): number | null {
    const { store, network, bus } = this.d;
    const effect = tx
      ? walletEffect(tx, wallet)
      : { deltas: new Map<string, bigint>(), fee: 0n, rent: 0n, rentOut: 0n, failed: s.err !== null };
    // The flow's time is its block's (a caught-up flow keeps the time it happened), else now.
    const blockTime = s.blockTime ?? tx?.blockTime ?? null;
    const whenMs = blockTime !== null ? Number(blockTime) * 1000 : this.d.clock.now();
    const moved = [...effect.deltas].filter(([, v]) => v !== 0n);
    let source: WalletTxSource = own ?? (moved.length > 0 ? 'flow' : 'none');

    const valued: {
      asset: string;
      amount: bigint;
      usd: bigint;
      symbol: string;
      decimals: number;
      valuation: FlowValuation;
    }[] = [];
    const nowMs = this.d.clock.now();
    const priceAt = this.d.priceAt;
    if (source === 'flow') {
      for (const [asset, delta] of moved) {
        const mint = asset === SOL_ASSET ? WRAPPED_SOL_MINT : asset;
        const token = tokenByMint(mint);
        const amount = delta < 0n ? -delta : delta;
        if (!token) {
          // A token Harvest does not know is not part of equity either: recorded, valued at 0.
          valued.push({ asset, amount, usd: 0n, symbol: asset, decimals: 0, valuation: 'now' });
          continue;
        }
        // At its own time: a caught-up flow is worth what it was worth then, not what it is worth now.
        const p = flowPriceAt(
          { nowMs, priceNow: this.d.price(mint), priceAt: priceAt ? (at) => priceAt(mint, at) : null },
          whenMs,
        );
        if (p === null) return null;
        if (p.valuation === 'found')
          this.d.log.warn(
            { userId, signature: s.signature, mint, at: new Date(whenMs).toISOString() },
            'no stored price covers this flow’s time: valued at the price when it was found',
          );
        valued.push({
          asset,
          amount,
          usd: toMicroUsd((Number(amount) / 10 ** token.decimals) * p.usd),
          symbol: token.symbol,
          decimals: token.decimals,
          valuation: p.valuation,
        });
      }
      if (valued.length === 0) source = 'none';
    }

    return store.tx(() => {
      const inserted = store.flows.insertTx(this.txRow(userId, wallet, s, source, effect));
      if (!inserted || source !== 'flow') return 0;
      // A flow from before Harvest first measured this user (its first equity snapshot or first order,
      // whichever came first: either set the mark from the equity then) is already inside the mark:
      // recorded, but it does not move the mark again (a first scan of a funded wallet, a catch-up).
      const since = measuredSince(store, userId, network);
      const moveMark =
        since === null || flowAfterMeasured(store, userId, network, since, { whenMs, slot: s.slot, tx, wallet });
      // A flow ordered after the first snapshot within that snapshot's very second is dated just after it,
      // so every figure that orders flows by time (returns, the day) agrees it is not inside the base.
      const flowMs = moveMark && since !== null && whenMs <= since ? since + 1 : whenMs;
      let n = 0;
      for (const v of valued) {
        const delta = effect.deltas.get(v.asset)!;
        const kind = delta > 0n ? 'deposit' : 'withdrawal';
        const ok = recordCashFlow(store, {
          userId,
          network,
          kind,
          amountUsd: v.usd,
          nowMs: flowMs,
          ref: `chain:${s.signature}:${v.asset}`,
          signature: s.signature,
          mint: v.asset,
          amount: v.amount,
          moveMark,
        });
        if (!ok) continue;
        n++;
        const payload = {
          signature: s.signature,
          mint: v.asset,
          symbol: v.symbol,
          amount: v.amount.toString(),
          usd: Number(v.usd) / 1e6,
          at: new Date(whenMs).toISOString(),
          /** How the USD value was found: the price then (now or a stored candle), or, flagged, the price when found. */
          valuation: v.valuation,
          ...(v.valuation === 'found'
            ? { note: 'No stored price covers the time of this transfer: valued at the price when Harvest found it.' }
            : {}),
        };
        if (kind === 'deposit') bus.emit('wallet.deposit', userId, payload);
        else bus.emit('wallet.external_withdrawal', userId, payload);
      }
      return n;
    });
  }
}
