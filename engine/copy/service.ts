import type { Address, Signature } from '@solana/kit';
import type { ChainClient, SignatureInfo, TransactionDetails } from '../chain';
import { mapLimit } from '../chain/util';
import { quoteMintOf, type Order, type OrderOutcome, type PriceSource, type TradeExecutionService } from '../execution';
import { signaturesSince } from '../funds/flows';
import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import { splTokens, tokenByMint, WRAPPED_SOL_MINT } from '../market';
import { buyPermission } from '../tokens';
import { entrySizingFacts } from '../risk/risk-engine';
import { sizeEntry, usdValue } from '../risk/sizing';
import type { Store } from '../store';
import { UserSettingsSchema, type UserSettings } from '../users/settings';
import { parseLeaderSwap, type LeaderSwap, type TradeLeg } from './parse';
import { copyBuyUsd, copySellAmount } from './sizing';
import type { CopyRepo, CopyTradeRow } from './repo';
import type { CopyOutcome, Follow } from './types';

/** Leaders read at once, and transactions fetched at once per leader (the transport still paces them). */
const LEADER_CONCURRENCY = 4;
const FETCH_CONCURRENCY = 4;
/** After an RPC error a leader waits before its next read: doubling from 1 s up to 2 min. */
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 120_000;
/** The stop-loss a copied buy gets, % below the trusted price (as a manual buy without one). */
export const COPY_STOP_PCT = 10;

export interface CopyDeps {
  store: Store;
  repo: CopyRepo;
  chain: ChainClient;
  exec: TradeExecutionService;
  prices: PriceSource;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  network: string;
  /**
   * Adds a mint Harvest does not know yet to the token registry (reads it, runs its safety
   * checks), so a leader's trade in any token can be copied; the checks' gate then decides.
   */
  addToken?: (mint: string) => Promise<void>;
}

export interface CopyPollReport {
  leaders: number;
  /** New leader signatures read. */
  signatures: number;
  /** Leader trades handled for a follow (one per follow and side), by outcome. */
  copied: number;
  skipped: number;
  refused: number;
  failed: number;
  /** Orders sent whose outcome is not known yet (settled at a later poll). */
  pending: number;
  /** Leaders whose read failed (retried after a backoff). */
  errors: number;
}

/** A poll that found nothing (every count zero). */
export function emptyCopyPollReport(): CopyPollReport {
  return { leaders: 0, signatures: 0, copied: 0, skipped: 0, refused: 0, failed: 0, pending: 0, errors: 0 };
}

type Decision = { skip: string } | { order: Omit<Order, 'clientId'> };

/**
 * Copy trading (issue 16): reads each followed leader's new transactions from
 * the chain, finds the swaps in them (parse.ts), and for each follow decides
 * whether and how much to copy; copies go through the one execution path with
 * context `copy`, so the follower's risk gate, trusted prices and protections
 * apply. Every leader trade a follow sees is recorded once with its outcome
 * and reason (copy_trades' key), and a planned order is written before it is
 * sent, so restarts and duplicate polls never copy a trade twice.
 */
export class CopyService {
  private running: Promise<CopyPollReport> | null = null;
  private readonly backoff = new Map<string, { until: number; delayMs: number }>();

  constructor(private readonly d: CopyDeps) {}

  /** One poll at a time: a second call (a duplicate notification) joins the poll under way. */
  poll(): Promise<CopyPollReport> {
    this.running ??= this.pollOnce().finally(() => (this.running = null));
    return this.running;
  }

  private async pollOnce(): Promise<CopyPollReport> {
    const report = emptyCopyPollReport();
    for (const row of this.d.repo.pending(this.d.network)) await this.resume(row, report);
    const byLeader = new Map<string, Follow[]>();
    for (const f of this.d.repo.follows()) byLeader.set(f.leader, [...(byLeader.get(f.leader) ?? []), f]);
    const now = this.d.clock.now();
    await mapLimit([...byLeader], LEADER_CONCURRENCY, async ([leader, follows]) => {
      const b = this.backoff.get(leader);
      if (b && now < b.until) return;
      report.leaders++;
      try {
        await this.pollLeader(leader, follows, report);
        this.backoff.delete(leader);
      } catch (e) {
        report.errors++;
        const delayMs = Math.min(BACKOFF_MAX_MS, b ? b.delayMs * 2 : BACKOFF_MIN_MS);
        this.backoff.set(leader, { until: this.d.clock.now() + delayMs, delayMs });
        this.d.log.warn({ leader, err: (e as Error).message, retryInMs: delayMs }, 'copy: reading a leader failed');
      }
    });
    return report;
  }

  private async pollLeader(leader: string, follows: Follow[], report: CopyPollReport): Promise<void> {
    const { repo, network, chain } = this.d;
    const until = repo.cursor(network, leader) as Signature | null;
    // A follow copies what the leader does from when it began, never the leader's past.
    const since = Math.min(...follows.map((f) => Math.floor(Date.parse(f.createdAt) / 1000)));
    const listed = await signaturesSince(chain, leader as Address, until, until ? {} : { olderThan: since });
    // Oldest first, in chain order: the node lists newest first, so reversing keeps a slot's own order.
    const fresh = [...listed]
      .reverse()
      .filter((s) => s.blockTime === null || Number(s.blockTime) >= since)
      .sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
    if (fresh.length === 0) {
      if (!until && listed[0]) this.advance(leader, listed[0]);
      return;
    }
    const wanted = fresh.filter((s) => s.err === null);
    const fetched = new Map<string, TransactionDetails | null>();
    await mapLimit(wanted, FETCH_CONCURRENCY, async (s) => {
      fetched.set(s.signature, await chain.getTransaction(s.signature));
    });
    for (const s of fresh) {
      if (s.err === null) {
        const tx = fetched.get(s.signature) ?? null;
        // Listed but not served yet: wait for it, in order (the cursor stays before it).
        if (!tx) return;
        report.signatures++;
        const swap = parseLeaderSwap(tx, leader);
        if (swap) {
          for (const f of follows) {
            if (swap.blockTime !== null && swap.blockTime < Math.floor(Date.parse(f.createdAt) / 1000)) continue;
            for (const leg of swap.legs) await this.handle(f, swap, leg, report);
          }
        }
      }
      this.advance(leader, s);
    }
  }

  private advance(leader: string, s: SignatureInfo): void {
    this.d.repo.setCursor(this.d.network, leader, s.signature, s.slot, isoTime(this.d.clock));
  }

  /** One leg of a leader's swap for one follow: decided, recorded once, and copied when it should be. */
  private async handle(f: Follow, swap: LeaderSwap, leg: TradeLeg, report: CopyPollReport): Promise<void> {
    const { repo, network } = this.d;
    if (repo.trade(network, f.id, swap.signature, leg.side)) return;
    const decision = await this.decide(f, swap, leg);
    const at = isoTime(this.d.clock);
    const leaderUsd = this.usdOf(
      leg.side === 'buy' ? leg.counter.mint : leg.mint,
      leg.side === 'buy' ? leg.counter.amount : leg.amount,
    );
    // Decided first, recorded in one step: an insert that loses (recorded already) decides nothing.
    const id = this.d.store.tx(() => {
      const rowId = repo.insertTrade({
        network,
        followId: f.id,
        userId: f.userId,
        leader: f.leader,
        signature: swap.signature,
        side: leg.side,
        mint: leg.mint,
        leaderAmount: leg.amount,
        leaderUsd,
        blockTime: swap.blockTime,
        seenAt: at,
      });
      if (rowId === null) return null;
      if ('skip' in decision) repo.settle(rowId, 'skipped', decision.skip, at);
      else repo.planOrder(rowId, clientIdOf(f.id, swap.signature, leg.side), decision.order);
      return rowId;
    });
    if (id === null) return;
    const row = repo.tradeById(id)!;
    if ('skip' in decision) {
      report.skipped++;
      this.announce(row);
      return;
    }
    const outcome = await this.d.exec.submit({ ...decision.order, clientId: row.clientId! });
    this.settle(row, outcome, report);
  }

  /** A row left pending (a crash, or an order whose outcome was unknown): the same order again, one order. */
  private async resume(row: CopyTradeRow, report: CopyPollReport): Promise<void> {
    const at = isoTime(this.d.clock);
    const f = this.d.repo.followById(row.followId);
    if (!row.order || !row.clientId || !f) {
      if (
        this.d.repo.settle(row.id, 'skipped', 'The engine stopped before this trade was decided; not copied late.', at)
      ) {
        report.skipped++;
        this.announce(this.d.repo.tradeById(row.id)!);
      }
      return;
    }
    const sent = this.d.store.intents.byClientId(row.userId, row.clientId) !== null;
    const age = row.blockTime === null ? 0 : this.d.clock.now() / 1000 - row.blockTime;
    if (!sent && age > f.maxAgeSec) {
      const reason = `The engine stopped before this copy was sent, and the leader's trade is now ${Math.round(age)} s old (over the ${f.maxAgeSec} s maximum age).`;
      if (this.d.repo.settle(row.id, 'skipped', reason, at)) {
        report.skipped++;
        this.announce(this.d.repo.tradeById(row.id)!);
      }
      return;
    }
    const settings = settingsOf(this.d.store, row.userId);
    const outcome = await this.d.exec.submit({
      userId: row.userId,
      side: row.side,
      inputMint: row.order.inputMint as Address,
      outputMint: row.order.outputMint as Address,
      amount: row.order.amount,
      context: 'copy',
      clientId: row.clientId,
      slippageBps: settings.slippageBps,
      ...(row.side === 'buy' ? { stopLossPrice: this.stopFor(row.mint) } : {}),
    });
    this.settle(row, outcome, report);
  }

  /** Records an order's outcome on its row, and what the copy now holds, in one transaction and once. */
  private settle(row: CopyTradeRow, outcome: OrderOutcome, report: CopyPollReport): void {
    const { repo, store, network } = this.d;
    const at = isoTime(this.d.clock);
    if (outcome.status === 'pending') {
      report.pending++;
      return;
    }
    const [kind, reason]: [Exclude<CopyOutcome, 'pending'>, string | null] =
      outcome.status === 'confirmed'
        ? ['copied', null]
        : outcome.status === 'rejected'
          ? ['refused', `${outcome.message} (${outcome.code})`]
          : ['failed', outcome.message];
    const done = store.tx(() => {
      const fill =
        outcome.status === 'confirmed'
          ? { intentId: outcome.intentId, inAmount: outcome.inAmount, outAmount: outcome.outAmount }
          : { intentId: outcome.intentId };
      if (!repo.settle(row.id, kind, reason, at, fill)) return false;
      if (outcome.status === 'confirmed')
        repo.addHolding(row.followId, network, row.mint, row.side === 'buy' ? outcome.outAmount : -outcome.inAmount);
      return true;
    });
    if (!done) return;
    report[kind]++;
    this.announce(repo.tradeById(row.id)!);
  }

  private announce(row: CopyTradeRow): void {
    const leaderName = this.d.repo.followById(row.followId)?.leaderUserId;
    const name = leaderName ? (this.d.store.users.byId(leaderName)?.name ?? null) : null;
    this.d.bus.emit(
      'copy.trade',
      row.userId,
      {
        followId: row.followId,
        leader: row.leader,
        leaderName: name,
        signature: row.signature,
        side: row.side,
        token: tokenByMint(row.mint)?.symbol ?? row.mint,
        outcome: row.outcome,
        reason: row.reason,
        intentId: row.intentId,
      },
      row.outcome === 'refused' || row.outcome === 'failed' ? 'warning' : 'info',
    );
  }

  // ---- deciding -------------------------------------------------------------

  private async decide(f: Follow, swap: LeaderSwap, leg: TradeLeg): Promise<Decision> {
    let token = tokenByMint(leg.mint);
    if (!token && this.d.addToken) {
      try {
        await this.d.addToken(leg.mint);
        token = tokenByMint(leg.mint);
      } catch (e) {
        return { skip: `The leader traded a token Harvest could not read: ${(e as Error).message}` };
      }
    }
    if (!token) return { skip: 'The leader traded a token Harvest does not know; add it with harvest token add.' };
    if (leg.side === 'buy') {
      // A token added by mint is copied only once its safety checks allow a buy.
      const permission = buyPermission(this.d.store, token.mint);
      if (!permission.ok) return { skip: permission.reason };
    }
    if (f.tokensMode === 'allow' && !f.tokens.includes(token.symbol))
      return { skip: `${token.symbol} is not on this follow's list of tokens to copy.` };
    if (f.tokensMode === 'deny' && f.tokens.includes(token.symbol))
      return { skip: `${token.symbol} is on this follow's list of tokens never to copy.` };
    if (leg.side === 'sell' && !f.copySells) return { skip: 'This follow does not copy sells.' };
    if (swap.blockTime !== null) {
      const age = this.d.clock.now() / 1000 - swap.blockTime;
      if (age > f.maxAgeSec)
        return {
          skip: `The leader's trade was ${Math.round(age)} s old when found, over this follow's ${f.maxAgeSec} s maximum age.`,
        };
    }
    if (!this.d.store.wallets.byUser(f.userId)) return { skip: 'The follower has no wallet yet.' };
    const settings = settingsOf(this.d.store, f.userId);
    const quoteMint = quoteMintOf(settings);
    if (leg.mint === quoteMint) return { skip: `${token.symbol} is what this friend trades against, not a position.` };
    return leg.side === 'buy'
      ? this.decideBuy(f, leg, settings, quoteMint)
      : this.decideSell(f, leg, settings, quoteMint);
  }

  private async decideBuy(f: Follow, leg: TradeLeg, settings: UserSettings, quoteMint: string): Promise<Decision> {
    const { store, network, prices, clock } = this.d;
    const leaderUsd = this.usdOf(leg.counter.mint, leg.counter.amount) ?? this.usdOf(leg.mint, leg.amount);
    if (leaderUsd === null && f.sizing !== 'fixed')
      return { skip: "No trusted price to value the leader's trade; not copied." };
    const balances = await this.d.exec.balancesFor(f.userId);
    const facts = entrySizingFacts(
      store,
      network,
      f.userId,
      quoteMint,
      leg.mint,
      balances,
      (m) => prices.price(m),
      clock.now(),
    );
    if (!facts)
      return { skip: 'No trusted price for the token, the quote asset or something the wallet holds; not copied.' };
    const leaderEquity = f.sizing === 'proportional' ? await this.leaderEquityUsd(f.leader) : null;
    const usd = copyBuyUsd(f, leaderUsd, leaderEquity, facts.equityUsd);
    if (usd === null)
      return { skip: "The leader's equity could not be valued, so a proportional size cannot be set; not copied." };
    const size = sizeEntry(facts, { sizeHint: 1, quoteAmountUsd: usd });
    if (!size.ok) return { skip: size.message.replace("the strategy's share of equity", "this follow's size") };
    return {
      order: {
        userId: f.userId,
        side: 'buy',
        inputMint: quoteMint as Address,
        outputMint: leg.mint as Address,
        amount: size.amount,
        context: 'copy',
        slippageBps: settings.slippageBps,
        stopLossPrice: this.stopFor(leg.mint),
      },
    };
  }

  private decideSell(f: Follow, leg: TradeLeg, settings: UserSettings, quoteMint: string): Decision {
    const { repo, network, store } = this.d;
    const held = repo.holding(f.id, network, leg.mint);
    if (held === 0n) return { skip: 'This follow holds none of it: no copied buy to sell from.' };
    // The same share of what the copies bought as the leader sold of what it held.
    const position = store.portfolio.openPosition(f.userId, network, leg.mint, settings.mode);
    const amount = copySellAmount(held, leg.amount, leg.heldBefore, position?.quantity ?? 0n);
    if (amount <= 0n) return { skip: 'The position the copies opened is closed already.' };
    return {
      order: {
        userId: f.userId,
        side: 'sell',
        inputMint: leg.mint as Address,
        outputMint: quoteMint as Address,
        amount,
        context: 'copy',
        slippageBps: settings.slippageBps,
      },
    };
  }

  private usdOf(mint: string, amount: bigint): number | null {
    const t = tokenByMint(mint);
    const p = this.d.prices.price(mint);
    return t && p !== null ? usdValue(amount, t.decimals, p) : null;
  }

  private stopFor(mint: string): number | null {
    const p = this.d.prices.price(mint);
    return p === null ? null : p * (1 - COPY_STOP_PCT / 100);
  }

  /** Any wallet's equity in the tokens Harvest knows, read from the chain at trusted prices. */
  private async leaderEquityUsd(leader: string): Promise<number | null> {
    const specs = splTokens().map((t) => ({ mint: t.mint, tokenProgram: t.tokenProgram, decimals: t.decimals }));
    const [b] = await this.d.chain.getBalances([leader as Address], specs);
    if (!b) return null;
    let usd = this.usdOf(WRAPPED_SOL_MINT, b.lamports);
    if (usd === null) return null;
    for (const [mint, amount] of b.tokens) {
      if (amount === 0n) continue;
      const v = this.usdOf(mint, amount);
      if (v === null) return null;
      usd += v;
    }
    return usd;
  }
}

export const clientIdOf = (followId: number, signature: string, side: string): string =>
  `copy:${followId}:${signature}:${side}`;

const settingsOf = (store: Store, userId: number): UserSettings =>
  UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {});
