import type { Address } from '@solana/kit';
import {
  signatureOfWireTransaction,
  type AccountSnapshot,
  type ChainClient,
  type SendOutcome,
  type TransactionDetails,
} from '../chain';
import { isoTime, type Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { faultPoint } from '../kernel/faults';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import type { SimulateTransaction, TransactionSigner } from '../keystore';
import { KNOWN_TOKENS, splTokens, TOKEN_PROGRAM, tokenByMint, WRAPPED_SOL_MINT } from '../market';
import { applyFill, ensurePaperAccount } from '../portfolio';
import { decodeMint } from '../tokens/mint-layout';
import type { RiskCode, RiskGate } from '../risk/gate';
import type { Controls } from '../risk/controls';
import type { IntentRow, NewIntent, PositionRow, Store } from '../store';
import type { UserSettings } from '../users/settings';
import { userSettingsOf } from '../users/settings-cache';
import { fillFromTransaction, type ActualFill } from './fills';
import { assembleSwap } from './assemble';
import { JupiterError, type JupiterBuild, type JupiterClient, type JupiterQuote } from './jupiter-client';
import { blockEngineSubmit, landingPlanOf } from './landing';
import { isRiskReducing, type Order } from './order';
import { paperQuote } from './paper';
import type { PriceSource } from './prices';
import { WalletQueues } from './queue';

export type OrderOutcome =
  | {
      status: 'confirmed';
      intentId: number;
      tradeId: number;
      inAmount: bigint;
      outAmount: bigint;
      signature: string | null;
    }
  | { status: 'rejected'; intentId: number | null; code: RiskCode | 'DUPLICATE'; message: string }
  | { status: 'failed' | 'expired'; intentId: number; message: string }
  /** The transaction was sent but its outcome is not known yet; reconciliation settles it. */
  | { status: 'pending'; intentId: number; message: string };

export interface ExecutionDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  bus: EventBus;
  signer: TransactionSigner;
  controls: Controls;
  risk: RiskGate;
  /**
   * Runs before the price check: a token added by mint that its safety checks refuse, or that
   * no operator acknowledged, is turned away with that reason rather than "no trusted price".
   */
  tokenGate?: RiskGate;
  prices: PriceSource;
  network: string;
  /** Null where no chain is reachable (backtests): paper orders run, live orders are refused. */
  chain: ChainClient | null;
  jupiter: JupiterClient | null;
  /** Jito block engine for MEV-protected swaps (landing.mevProtection); null: such swaps are refused. */
  blockEngineUrl?: string | null;
  /** Orders signed or in flight at once across all wallets. */
  maxConcurrent?: number;
  /** Counts execution failures across every user (engine/risk/global-breaker.ts); absent in backtests. */
  globalBreaker?: { recordFailure(): void };
  /** Hook for tests and benchmarks: called with the signed bytes right before they are sent. */
  onSigned?: (intentId: number, wire: Uint8Array) => void;
  /**
   * Records the wallet's outside deposits and withdrawals found on chain up to now (engine/funds/flows);
   * false when the history could not be read. Live orders call it before the risk gate measures equity,
   * so money that just arrived is a flow before it is ever valued: otherwise the day's starting equity
   * and the high-water mark would take it in once as equity and again as a flow (a false daily loss or
   * drawdown pause).
   */
  syncFlows?: (userId: number, balances: Promise<ReadonlyMap<string, bigint>>) => Promise<boolean>;
  /**
   * Records a landed swap in the wallet's history (what the flow scan would record for it), inside the
   * fill's SQLite transaction: the order path has already read the transaction, so the next scan finds it
   * recorded and does not fetch it again.
   */
  recordOwnTransaction?: (userId: number, wallet: Address, tx: TransactionDetails) => void;
}

/** Known stablecoins carry a freeze authority (their issuers can freeze); they are accepted by default. */
const FREEZE_OK = new Set(KNOWN_TOKENS.filter((t) => t.stable).map((t) => t.mint as string));

/**
 * The only way an order reaches a venue (DESIGN.md, "one execution path").
 * Manual orders, strategy signals, exits and emergency closes all come here:
 * settings → risk gate → the wallet's queue → quote → protections → journal
 * (pending) → build → sign (keystore policy) → journal (signed) → send and
 * confirm → actual amounts from the chain → one SQLite transaction (intent
 * confirmed, trade, position) → events.
 */
export class TradeExecutionService {
  private readonly queues: WalletQueues;
  /** Mint accounts that can no longer change in any way the protections read (isSettledMint). */
  private readonly settledMints = new Map<string, AccountSnapshot>();
  private readonly inflight = new Map<string, Promise<OrderOutcome>>();

  constructor(private readonly d: ExecutionDeps) {
    this.queues = new WalletQueues(d.maxConcurrent ?? 8);
  }

  /** Runs other work on a wallet (a withdrawal) in that wallet's queue, never alongside its orders. */
  exclusive<T>(userId: number, task: () => Promise<T>): Promise<T> {
    return this.queues.run(userId, task);
  }

  /** Runs a background read on a wallet only if no order of its is in flight or waiting; null when busy. */
  exclusiveIfIdle<T>(userId: number, task: () => Promise<T>): Promise<T> | null {
    return this.queues.runIfIdle(userId, task);
  }

  /**
   * The balances the risk gate will be given for this user's next order (the
   * paper book for a paper user, the chain for a live one), so a strategy
   * entry can be sized to what the gate will see (engine/risk/sizing.ts).
   */
  async balancesFor(userId: number): Promise<Map<string, bigint>> {
    const wallet = this.d.store.wallets.byUser(userId);
    if (!wallet) throw new HarvestError('NOT_FOUND', 'This user has no wallet.');
    const settings = userSettingsOf(this.d.store, userId);
    return this.readBalances(userId, settings, wallet.address);
  }

  /** What the gate and the sizer see: the paper account's book for a paper user, the chain for a live one. */
  private async readBalances(userId: number, settings: UserSettings, address: string): Promise<Map<string, bigint>> {
    return settings.mode === 'live' ? this.liveBalances(address) : this.paperBalances(userId, settings);
  }

  submit(order: Order): Promise<OrderOutcome> {
    const key = `${order.userId}:${order.clientId}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.process(order).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async process(order: Order): Promise<OrderOutcome> {
    const { store } = this.d;
    const existing = store.intents.byClientId(order.userId, order.clientId);
    if (existing) return outcomeOf(store, existing);
    const wallet = store.wallets.byUser(order.userId);
    if (!wallet) throw new HarvestError('NOT_FOUND', 'This user has no wallet.');
    const settings = userSettingsOf(store, order.userId);
    const venue = settings.mode === 'live' ? 'jupiter' : 'paper';

    if (this.d.tokenGate && !isExit(order)) {
      const d = this.d.tokenGate.check(order, {
        balances: new Map(),
        price: (m) => this.d.prices.price(m),
        nowMs: this.d.clock.now(),
      });
      if (!d.ok) return this.reject(order, venue, d.code, d.message);
    }

    // Fail closed: an entry needs a trusted, fresh price for what it pays and what it gets.
    if (!isExit(order)) {
      const untrusted = [order.inputMint, order.outputMint].find((m) => this.d.prices.price(m) === null);
      if (untrusted) {
        const why = this.d.prices.whyUntrusted?.(untrusted) ?? 'no fresh price';
        return this.refuseOnPrice(
          order,
          venue,
          null,
          'STALE_PRICE',
          `No trusted price for ${tokenByMint(untrusted)?.symbol ?? untrusted} (${why}): no new entries until the price sources agree again.`,
          { untrustedMint: untrusted },
        );
      }
    }

    // The wallet's history (outside flows) and its balances are independent reads: one round, not two.
    const reading = this.readBalances(order.userId, settings, wallet.address);
    reading.catch(() => undefined); // awaited below, where a failure is reported; not if the order stops first
    const synced = venue === 'jupiter' && this.d.syncFlows ? this.d.syncFlows(order.userId, reading) : null;
    if (synced !== null && !(await synced) && !isExit(order)) {
      return this.reject(
        order,
        venue,
        'STALE_BALANCES',
        "The wallet's recent history could not be read from the chain, so deposits or withdrawals may be missing from its figures; no new entries until it can be read (sells and exits still run).",
      );
    }
    const balances = await reading;
    const decision = this.d.risk.check(order, {
      balances,
      price: (m) => this.d.prices.price(m),
      nowMs: this.d.clock.now(),
    });
    if (!decision.ok) return this.reject(order, venue, decision.code, decision.message);

    return this.queues.run(order.userId, () => this.execute(order, venue, settings, wallet.address as Address));
  }

  private async execute(
    order: Order,
    venue: 'jupiter' | 'paper',
    settings: UserSettings,
    wallet: Address,
  ): Promise<OrderOutcome> {
    const { store } = this.d;
    // Re-check the halt inside the queue: it may have come while this order waited.
    if (this.d.controls.halted && order.context !== 'emergency') {
      return this.reject(order, venue, 'HALTED', 'Trading was halted while this order waited in the queue.');
    }
    let intentId: number;
    try {
      intentId = store.tx(() =>
        store.intents.insert(
          this.newIntent(order, venue, {
            stopLossPrice: order.stopLossPrice ?? null,
            takeProfitPrice: order.takeProfitPrice ?? null,
            trailingStopBps: order.trailingStopBps ?? null,
          }),
        ),
      );
    } catch (e) {
      // Another process journaled the same client id first: one order, not two.
      const other = store.intents.byClientId(order.userId, order.clientId);
      if (other) return outcomeOf(store, other);
      throw e;
    }
    const intent = store.intents.byId(intentId)!;
    faultPoint('exec:after-pending');
    try {
      if (venue === 'paper') return this.fillPaper(intent, settings);
      return await this.fillLive(intent, settings, wallet);
    } catch (e) {
      const err = e instanceof HarvestError ? e : new HarvestError('INTERNAL', (e as Error).message, { cause: e });
      const now = store.intents.byId(intentId)!;
      if (now.status === 'signed') {
        // Signed and possibly sent: the outcome must come from the chain, never from a guess.
        this.d.log.error({ intentId, err: err.message }, 'order outcome unknown; left for reconciliation');
        return { status: 'pending', intentId, message: err.message };
      }
      if (err.code === 'REFUSED' && this.d.controls.halted) {
        // The keystore refused because a halt came while this order was on its way to be signed:
        // nothing was signed or sent. A halt is the operator's stop, not an execution failure,
        // so it must not count towards the user's breaker.
        return this.finishRejected(
          intent,
          'HALTED',
          `Trading was halted before this order was signed; nothing was sent (${err.message}).`,
        );
      }
      this.finish(intent, 'failed', err.code === 'REFUSED' ? 'REFUSED' : null, err.message);
      return { status: 'failed', intentId, message: err.message };
    }
  }

  // ---- live ---------------------------------------------------------------

  private async fillLive(intent: IntentRow, settings: UserSettings, wallet: Address): Promise<OrderOutcome> {
    const chain = this.d.chain;
    const jupiter = this.d.jupiter;
    if (!chain || !jupiter)
      return this.finishRejected(intent, 'NO_ROUTE', 'No chain is connected here; only paper orders can run.');
    for (let attempt = 1; ; attempt++) {
      const quote = await this.buildWithRetry(jupiter, intent, wallet);
      const protection = await this.protect(intent, quote, settings);
      if (protection?.price) {
        return this.refuseOnPrice(intent, intent.venue, intent.id, protection.code, protection.message, {
          ...protection.price,
          quotedOut: quote.outAmount,
          quotedMinOut: quote.otherAmountThreshold,
        });
      }
      if (protection) return this.finishRejected(intent, protection.code, protection.message);
      const plan = landingPlanOf(settings);
      if (plan.tipLamports !== null && !this.d.blockEngineUrl) {
        return this.finishRejected(
          intent,
          'NO_ROUTE',
          'MEV protection is on for this friend, but no block engine is configured; nothing was sent.',
        );
      }
      // The signing policy's simulation, made once: it sets the unit limit and then judges the swap.
      const simulate: SimulateTransaction = async (wire, accounts) => {
        const sim = await chain.simulateTransaction(wire, { accounts, sigVerify: false });
        return { err: sim.err, accounts: sim.accounts, unitsConsumed: sim.unitsConsumed };
      };
      const built = await assembleSwap(chain, quote, wallet, plan, undefined, (wire) =>
        this.d.signer.previewSwap(intent.userId, wire, simulate),
      );
      const quoted = {
        ...summariseQuote(quote),
        computeUnitLimit: built.unitLimit,
        priorityFeeLamports: built.priorityFeeLamports.toString(),
        ...(built.tipLamports > 0n ? { tipLamports: built.tipLamports.toString() } : {}),
        ...(built.capped ? { priorityFeeCapped: true } : {}),
      };
      const input = tokenByMint(intent.inputMint);
      const output = tokenByMint(intent.outputMint);
      let signed: Uint8Array;
      try {
        signed = await this.d.signer.sign(
          intent.userId,
          built.wire,
          {
            kind: 'swap',
            inputMint: intent.inputMint === WRAPPED_SOL_MINT ? 'SOL' : (intent.inputMint as Address),
            inAmount: BigInt(quote.inAmount),
            outputMint: intent.outputMint === WRAPPED_SOL_MINT ? 'SOL' : (intent.outputMint as Address),
            minOut: BigInt(quote.otherAmountThreshold),
            inputTokenProgram: input?.tokenProgram ?? null,
            outputTokenProgram: output?.tokenProgram ?? null,
            landing: { maxPriorityFeeLamports: plan.maxPriorityFeeLamports, maxTipLamports: plan.tipLamports ?? 0n },
          },
          intent.context === 'manual' ? 'cli' : 'engine',
          { simulate, ...(built.simulation ? { simulation: built.simulation } : {}) },
        );
      } catch (e) {
        // Refused or not signed: the journal still shows what was quoted, next to why it failed.
        this.d.store.intents.setQuote(intent.id, quoted, isoTime(this.d.clock));
        throw e;
      }
      faultPoint('exec:after-sign');
      const signature = signatureOfWireTransaction(signed);
      // The quote and the signed bytes reach the disk in one commit, before anything is sent: signing
      // itself sends nothing, so the write-ahead rule (journaled before it can land) holds with one
      // synchronous commit instead of two.
      this.d.store.tx(() => {
        this.d.store.intents.setQuote(intent.id, quoted, isoTime(this.d.clock));
        this.d.store.intents.markSigned(
          intent.id,
          signature,
          Buffer.from(signed).toString('base64'),
          built.lastValidBlockHeight,
          isoTime(this.d.clock),
        );
      });
      this.d.onSigned?.(intent.id, signed);
      faultPoint('exec:after-signed-journal');

      // MEV protection: the block engine takes it (bundle only, revert protected); the RPC still reports the outcome.
      const outcome = await chain.sendAndConfirm(
        signed,
        built.lastValidBlockHeight,
        built.tipLamports > 0n && this.d.blockEngineUrl ? { submit: blockEngineSubmit(this.d.blockEngineUrl) } : {},
      );
      faultPoint('exec:after-confirm');
      if (outcome.status === 'confirmed') return this.recordLanded(chain, intent, signature, wallet);
      if (outcome.status === 'expired')
        return this.finishFailure(intent, 'expired', 'The transaction expired before it landed; nothing was swapped.');
      if (attempt === 1 && isSlippage(outcome)) {
        // The price moved past the slippage between quote and landing: quote again, once.
        this.d.log.info({ intentId: intent.id }, 'slippage exceeded; re-quoting once');
        this.d.store.intents.reopen(intent.id, isoTime(this.d.clock));
        continue;
      }
      const reason =
        outcome.status === 'failed'
          ? `The swap failed on chain: ${JSON.stringify(outcome.err, bigintJson)}`
          : `The RPC node refused the swap: ${outcome.reason}`;
      return this.finishFailure(intent, 'failed', reason);
    }
  }

  private async buildWithRetry(jupiter: JupiterClient, intent: IntentRow, wallet: Address): Promise<JupiterBuild> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await jupiter.build({
          inputMint: intent.inputMint,
          outputMint: intent.outputMint,
          amount: intent.amount,
          slippageBps: intent.slippageBps,
          taker: wallet,
        });
      } catch (e) {
        if (e instanceof JupiterError && e.transient && attempt < 3) {
          await this.d.clock.sleep(250 * 2 ** attempt);
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * The quote must be for this order, have a real route, a price impact under
   * the cap, a minimum output in line with the price feed, and no freeze
   * authority on what the wallet receives. The signing policy then holds the
   * transaction to this quote, so the quote itself must not be trusted blindly.
   */
  private async protect(
    intent: IntentRow,
    quote: JupiterQuote,
    settings: UserSettings,
  ): Promise<{ code: RiskCode; message: string; price?: Record<string, unknown> } | null> {
    if (
      quote.inputMint !== intent.inputMint ||
      quote.outputMint !== intent.outputMint ||
      BigInt(quote.inAmount) !== intent.amount
    ) {
      return { code: 'BAD_QUOTE', message: 'The swap API quoted a different trade than the one asked for.' };
    }
    if (quote.routePlan.length === 0 || BigInt(quote.outAmount) === 0n) {
      return { code: 'NO_ROUTE', message: 'The swap API found no route for this trade.' };
    }
    // The floor is never skipped: from the trusted price, or for an exit from the last trusted
    // price within the user's bound; with neither, nothing is sold at an unknown price.
    const ref = this.referencePrices(intent, settings);
    if (!ref.ok) return { code: 'STALE_PRICE', message: ref.message, price: { critical: ref.critical } };
    const tin = await this.mintTermsOf(intent.inputMint);
    const tout = await this.mintTermsOf(intent.outputMint);
    if (tin === null || tout === null) {
      return {
        code: 'NO_ROUTE',
        message: `The mint ${tin === null ? intent.inputMint : intent.outputMint} does not exist.`,
      };
    }
    // A Token-2022 transfer fee (an acknowledged warning) is withheld from what moves: the fair output
    // is what arrives after the fee on the way in and on the way out.
    const fair = fairOutput(
      intent.amount,
      ref.prices,
      intent.inputMint,
      intent.outputMint,
      tin.decimals,
      tout.decimals,
    );
    const market = {
      outAmount: (fair * (10_000n - tin.transferFeeBps) * (10_000n - tout.transferFeeBps)) / 100_000_000n,
    };
    // What the trusted price says this input is worth, less slippage, impact and a fee allowance: the least we accept.
    const allowanceBps = BigInt(intent.slippageBps + settings.maxPriceImpactBps + 100);
    const floor = (market.outAmount * (10_000n - allowanceBps)) / 10_000n;
    if (BigInt(quote.otherAmountThreshold) < floor) {
      return {
        code: 'BAD_QUOTE',
        message: `The swap API's minimum output (${quote.otherAmountThreshold}) is far below what the trusted price implies (about ${market.outAmount}, floor ${floor}${ref.ageMs > 0 ? `, from a price ${Math.round(ref.ageMs / 1000)} s old` : ''}); refusing the trade.`,
        price: { critical: true, floor: floor.toString(), fairOut: market.outAmount.toString(), priceAgeMs: ref.ageMs },
      };
    }
    const impactBps = Number(quote.priceImpactPct) * 10_000;
    if (!Number.isFinite(impactBps) || impactBps > settings.maxPriceImpactBps) {
      return {
        code: 'PRICE_IMPACT',
        message: `The price impact (${(impactBps / 100).toFixed(2)} %) is above this user's ${(settings.maxPriceImpactBps / 100).toFixed(2)} % cap; try a smaller order.`,
      };
    }
    if (
      intent.outputMint !== WRAPPED_SOL_MINT &&
      !FREEZE_OK.has(intent.outputMint) &&
      !settings.freezeAuthorityAllowlist.includes(intent.outputMint) &&
      // The operator's acknowledgement of a token added by mint covers its freeze-authority warning.
      !this.d.store.tokens.get(intent.outputMint)?.allowedAt
    ) {
      const mint = await this.mintAccount(intent.outputMint);
      if (!mint) return { code: 'NO_ROUTE', message: `The output mint ${intent.outputMint} does not exist.` };
      if (hasFreezeAuthority(mint.data)) {
        return {
          code: 'FREEZE_AUTHORITY',
          message: `${intent.outputMint} has a freeze authority: its issuer could freeze the tokens in this wallet. Allow-list it in the user's settings, or accept it once for everyone with harvest token allow, to trade it anyway.`,
        };
      }
    }
    return null;
  }

  /** A mint's decimals: from the token list, else from its mint account on chain (null: no such mint). */
  /** A mint's decimals and Token-2022 transfer fee (built-in tokens carry none), from the mint account. */
  private async mintTermsOf(mint: string): Promise<{ decimals: number; transferFeeBps: bigint } | null> {
    const builtIn = KNOWN_TOKENS.find((t) => t.mint === mint);
    if (builtIn) return { decimals: builtIn.decimals, transferFeeBps: 0n };
    const known = tokenByMint(mint);
    const acc = await this.mintAccount(mint);
    if (!acc || acc.data.length < 82) return known ? { decimals: known.decimals, transferFeeBps: 0n } : null;
    try {
      return { decimals: acc.data[44]!, transferFeeBps: BigInt(decodeMint(acc.data).transferFeeBps ?? 0) };
    } catch {
      return { decimals: acc.data[44]!, transferFeeBps: 0n };
    }
  }

  /**
   * A mint account as the protections read it. Read once and kept: an initialized mint of the
   * original Token program without a freeze authority (isSettledMint), since nothing the
   * protections read of it can change. Anything else is read from the chain every time.
   */
  private async mintAccount(mint: string): Promise<AccountSnapshot | null> {
    const settled = this.settledMints.get(mint);
    if (settled) return settled;
    const acc = this.d.chain ? await this.d.chain.getAccountInfo(mint as Address) : null;
    if (acc && isSettledMint(acc)) this.settledMints.set(mint, acc);
    return acc;
  }

  /**
   * The prices a quote is held to: the trusted fresh ones; for an exit without them, the last
   * trusted ones no older than the user's exitPriceMaxAgeSec.
   */
  private referencePrices(
    intent: IntentRow,
    settings: UserSettings,
  ): { ok: true; prices: PriceSource; ageMs: number } | { ok: false; message: string; critical: boolean } {
    const prices = this.d.prices;
    const mints = [intent.inputMint, intent.outputMint];
    if (mints.every((m) => prices.price(m) !== null)) return { ok: true, prices, ageMs: 0 };
    const untrusted = mints.find((m) => prices.price(m) === null)!;
    const why = prices.whyUntrusted?.(untrusted) ?? 'no fresh price';
    const symbol = tokenByMint(untrusted)?.symbol ?? untrusted;
    if (!isExitIntent(intent)) {
      return {
        ok: false,
        critical: false,
        message: `No trusted price for ${symbol} (${why}): no new entries until the price sources agree again.`,
      };
    }
    const now = this.d.clock.now();
    const maxAgeMs = settings.exitPriceMaxAgeSec * 1000;
    let oldest = 0;
    const book = new Map<string, number>();
    for (const m of mints) {
      const fresh = prices.price(m);
      if (fresh !== null) {
        book.set(m, fresh);
        continue;
      }
      const last = prices.lastTrusted?.(m) ?? null;
      if (!last || now - last.at > maxAgeMs) {
        return {
          ok: false,
          critical: true,
          message: `No trusted price for ${tokenByMint(m)?.symbol ?? m} within the last ${settings.exitPriceMaxAgeSec} s (${prices.whyUntrusted?.(m) ?? 'no fresh price'}${last ? `; the last one is ${Math.round((now - last.at) / 1000)} s old` : ''}): this exit is not sold at an unknown price and stays STUCK until a trusted price returns.`,
        };
      }
      oldest = Math.max(oldest, now - last.at);
      book.set(m, last.usd);
    }
    return { ok: true, prices: { price: (m) => book.get(m) ?? null }, ageMs: oldest };
  }

  /** A refusal on price grounds: journaled, an event, and an audit row like a signing refusal. */
  private refuseOnPrice(
    order: Order | IntentRow,
    venue: 'jupiter' | 'paper',
    intentId: number | null,
    code: RiskCode,
    message: string,
    details: Record<string, unknown>,
  ): OrderOutcome {
    const { critical, ...rest } = details;
    const outcome =
      intentId === null
        ? this.reject(order as Order, venue, code, message)
        : this.finishRejected(order as IntentRow, code, message);
    const id = outcome.status === 'rejected' ? outcome.intentId : intentId;
    this.d.store.audit.append(
      {
        actor: 'engine',
        action: 'order.priceRefused',
        userId: order.userId,
        details: {
          intentId: id,
          clientId: order.clientId,
          context: order.context,
          side: order.side,
          inputMint: order.inputMint,
          outputMint: order.outputMint,
          inAmount: order.amount.toString(),
          code,
          reason: message,
          ...rest,
        },
      },
      isoTime(this.d.clock),
    );
    this.d.bus.emit(
      'order.priceRefused',
      order.userId,
      { intentId: id, clientId: order.clientId, context: order.context, code, message },
      critical === true ? 'critical' : 'warning',
    );
    return outcome;
  }

  private async recordLanded(
    chain: ChainClient,
    intent: IntentRow,
    signature: string,
    wallet: Address,
  ): Promise<OrderOutcome> {
    const tx = await chain.getTransaction(signature as never);
    if (!tx)
      throw new HarvestError(
        'OUTCOME_UNKNOWN',
        `Transaction ${signature} is confirmed but its details are not available yet.`,
      );
    const fill = fillFromTransaction(tx, wallet, intent.inputMint, intent.outputMint);
    return this.record(intent, fill, signature, { tx, wallet });
  }

  // ---- paper --------------------------------------------------------------

  private fillPaper(intent: IntentRow, settings: UserSettings): OrderOutcome {
    const q = paperQuote(intent.inputMint, intent.outputMint, intent.amount, this.d.prices);
    if (!q) return this.finishRejected(intent, 'STALE_PRICE', 'No fresh price to fill this paper order at.');
    if (q.priceImpactBps > settings.maxPriceImpactBps) {
      return this.finishRejected(
        intent,
        'PRICE_IMPACT',
        `The simulated price impact (${(q.priceImpactBps / 100).toFixed(2)} %) is above the cap.`,
      );
    }
    this.d.store.intents.setQuote(
      intent.id,
      {
        inAmount: intent.amount.toString(),
        outAmount: q.outAmount.toString(),
        priceImpactBps: q.priceImpactBps,
        venue: 'paper',
      },
      isoTime(this.d.clock),
    );
    return this.record(intent, { inAmount: intent.amount, outAmount: q.outAmount, feeLamports: 0n }, null);
  }

  /**
   * The paper account's book. It opens with the user's paper starting capital
   * (recorded as its opening deposit), never with the on-chain wallet's
   * balances: paper is its own account. Without a price to value the capital
   * it stays closed and the order finds no balance.
   */
  private paperBalances(userId: number, settings: UserSettings): Map<string, bigint> {
    const { store } = this.d;
    ensurePaperAccount(
      store,
      userId,
      this.d.network,
      settings.paperStartingCapital,
      (m) => this.d.prices.price(m),
      this.d.clock.now(),
    );
    const book = store.paper.balances(userId);
    const out = new Map(book);
    out.set('SOL', book.get(WRAPPED_SOL_MINT) ?? 0n);
    return out;
  }

  private async liveBalances(address: string): Promise<Map<string, bigint>> {
    if (!this.d.chain) return new Map();
    // Tokens added by mint too: a bought one must be sellable.
    const mints = splTokens().map((t) => ({ mint: t.mint, tokenProgram: t.tokenProgram, decimals: t.decimals }));
    const [b] = await this.d.chain.getBalances([address as Address], mints);
    if (!b) return new Map();
    const out = new Map<string, bigint>(b!.tokens);
    out.set('SOL', b!.lamports);
    return out;
  }

  // ---- journal ------------------------------------------------------------

  /**
   * The one SQLite transaction that makes a fill real: intent confirmed, the
   * trade row (unique per intent, so a fill is never recorded twice), the
   * position update, paper balances for paper users, and the events.
   */
  record(
    intent: IntentRow,
    fill: ActualFill,
    signature: string | null,
    landed?: { tx: TransactionDetails; wallet: Address },
  ): OrderOutcome {
    const { store, clock, network } = this.d;
    const at = isoTime(clock);
    const baseMint = intent.side === 'buy' ? intent.outputMint : intent.inputMint;
    const quoteMint = intent.side === 'buy' ? intent.inputMint : intent.outputMint;
    const baseAmount = intent.side === 'buy' ? fill.outAmount : fill.inAmount;
    const quoteAmount = intent.side === 'buy' ? fill.inAmount : fill.outAmount;
    const base = tokenByMint(baseMint);
    const quote = tokenByMint(quoteMint);
    const price =
      base && quote
        ? Number(quoteAmount) / 10 ** quote.decimals / (Number(baseAmount) / 10 ** base.decimals)
        : Number(quoteAmount) / Number(baseAmount);

    const result = store.tx(() => {
      if (landed) this.d.recordOwnTransaction?.(intent.userId, landed.wallet, landed.tx);
      const already = store.portfolio.tradeByIntent(intent.id);
      if (already)
        return {
          tradeId: already.id,
          closed: null as PositionRow | null,
          realized: already.realizedPnl,
          positionId: already.positionId,
        };
      if (!store.intents.finish(intent.id, 'confirmed', null, null, at)) {
        // Already settled elsewhere (reconciliation in another process): keep it single.
        const t = store.portfolio.tradeByIntent(intent.id);
        if (t) return { tradeId: t.id, closed: null, realized: t.realizedPnl, positionId: t.positionId };
      }
      // The fill's account: a paper fill moves only the paper account's position, a swap only the wallet's.
      const account = intent.venue === 'paper' ? 'paper' : 'live';
      const prev = store.portfolio.openPosition(intent.userId, network, baseMint, account);
      const applied = applyFill(prev, { side: intent.side, baseAmount, quoteAmount, feeLamports: fill.feeLamports });
      let positionId: number;
      let closed: PositionRow | null = null;
      if (prev) {
        const exits = intent.exits;
        const next: PositionRow = {
          ...prev,
          ...applied.state,
          status: applied.closed ? 'closed' : 'open',
          // A buy that adds to a position may set new exit levels; anything it leaves out keeps the old ones.
          stopLoss: (intent.side === 'buy' ? exits?.stopLossPrice : null) ?? prev.stopLoss,
          takeProfit: (intent.side === 'buy' ? exits?.takeProfitPrice : null) ?? prev.takeProfit,
          trailingStopBps: (intent.side === 'buy' ? exits?.trailingStopBps : null) ?? prev.trailingStopBps,
          stuckSince: applied.closed ? null : prev.stuckSince,
          closedAt: applied.closed ? at : null,
          updatedAt: at,
        };
        store.portfolio.updatePosition(next);
        positionId = prev.id;
        if (applied.closed) closed = next;
      } else {
        positionId = store.portfolio.insertPosition({
          userId: intent.userId,
          network,
          mint: baseMint,
          quoteMint,
          status: 'open',
          account,
          ...applied.state,
          stopLoss: intent.exits?.stopLossPrice ?? null,
          takeProfit: intent.exits?.takeProfitPrice ?? null,
          trailingStopBps: intent.exits?.trailingStopBps ?? null,
          highWater: (intent.exits?.trailingStopBps ?? null) !== null ? price : null,
          openedAt: at,
          updatedAt: at,
        });
      }
      if (intent.venue === 'paper') {
        store.paper.set(
          intent.userId,
          intent.inputMint,
          store.paper.balance(intent.userId, intent.inputMint) - fill.inAmount,
        );
        store.paper.set(
          intent.userId,
          intent.outputMint,
          store.paper.balance(intent.userId, intent.outputMint) + fill.outAmount,
        );
      }
      const tradeId = store.portfolio.insertTrade({
        intentId: intent.id,
        userId: intent.userId,
        network,
        venue: intent.venue,
        context: intent.context,
        side: intent.side,
        baseMint,
        quoteMint,
        baseAmount,
        quoteAmount,
        feeLamports: fill.feeLamports,
        price,
        realizedPnl: applied.realized,
        positionId,
        signature,
        executedAt: at,
      });
      this.d.bus.emit('trade.executed', intent.userId, {
        intentId: intent.id,
        tradeId,
        side: intent.side,
        context: intent.context,
        baseMint,
        quoteMint,
        baseAmount: baseAmount.toString(),
        quoteAmount: quoteAmount.toString(),
        price,
        venue: intent.venue,
        signature,
      });
      if (closed) {
        this.d.bus.emit('position.closed', intent.userId, {
          positionId,
          mint: baseMint,
          realizedPnl: closed.realizedPnl.toString(),
          quoteMint,
        });
      }
      return { tradeId, closed, realized: applied.realized, positionId };
    });
    return {
      status: 'confirmed',
      intentId: intent.id,
      tradeId: result.tradeId,
      inAmount: fill.inAmount,
      outAmount: fill.outAmount,
      signature,
    };
  }

  private reject(order: Order, venue: 'jupiter' | 'paper', code: RiskCode, message: string): OrderOutcome {
    const { store, clock } = this.d;
    let intentId: number | null = null;
    try {
      intentId = store.tx(() => {
        const id = store.intents.insert(this.newIntent(order, venue, null));
        store.intents.finish(id, 'rejected', code, message, isoTime(clock));
        return id;
      });
    } catch {
      const other = store.intents.byClientId(order.userId, order.clientId);
      if (other) return outcomeOf(store, other);
    }
    this.d.bus.emit('order.rejected', order.userId, {
      intentId,
      clientId: order.clientId,
      context: order.context,
      code,
      message,
    });
    return { status: 'rejected', intentId, code, message };
  }

  private newIntent(order: Order, venue: 'jupiter' | 'paper', exits: NewIntent['exits']): NewIntent {
    return {
      userId: order.userId,
      clientId: order.clientId,
      network: this.d.network,
      venue,
      context: order.context,
      side: order.side,
      inputMint: order.inputMint,
      outputMint: order.outputMint,
      amount: order.amount,
      slippageBps: order.slippageBps,
      exits,
      at: isoTime(this.d.clock),
    };
  }

  private finishRejected(intent: IntentRow, code: RiskCode, message: string): OrderOutcome {
    this.finish(intent, 'rejected', code, message);
    this.d.bus.emit('order.rejected', intent.userId, {
      intentId: intent.id,
      clientId: intent.clientId,
      context: intent.context,
      code,
      message,
    });
    return { status: 'rejected', intentId: intent.id, code, message };
  }

  private finishFailure(intent: IntentRow, status: 'failed' | 'expired', message: string): OrderOutcome {
    this.finish(intent, status, null, message);
    return { status, intentId: intent.id, message };
  }

  private finish(
    intent: IntentRow,
    status: 'failed' | 'expired' | 'rejected',
    code: string | null,
    message: string,
  ): void {
    const { store, clock } = this.d;
    store.intents.finish(intent.id, status, code, message, isoTime(clock));
    if (status === 'rejected') return;
    this.d.bus.emit('order.failed', intent.userId, { intentId: intent.id, status, reason: message });
    this.checkBreaker(intent.userId);
    this.d.globalBreaker?.recordFailure();
  }

  /** N consecutive execution failures pause the user (their breaker); other users carry on. */
  checkBreaker(userId: number): void {
    const settings = userSettingsOf(this.d.store, userId);
    const failures = consecutiveFailuresSince(this.d.store, userId, this.d.controls.breakerBaseline(userId));
    if (failures < settings.breakerFailures || this.d.controls.user(userId).paused) return;
    const reason = `breaker: ${failures} consecutive failed orders`;
    this.d.controls.pauseUser(userId, reason, 'engine');
    this.d.bus.emit('breaker.tripped', userId, { failures, reason });
  }
}

/** What `amount` of the input is worth in the output at these USD prices (no fee, no impact), in base units. */
function fairOutput(
  amount: bigint,
  prices: PriceSource,
  inputMint: string,
  outputMint: string,
  din: number,
  dout: number,
): bigint {
  const rate = (prices.price(inputMint)! / prices.price(outputMint)!) * 10 ** (dout - din);
  // The rate as an exact fraction of 1e18 so the quantity itself never passes through a float.
  return (amount * BigInt(Math.floor(rate * 1e18))) / 10n ** 18n;
}

/** Exits are what reduce a position: sells, and the exit/emergency contexts (isRiskReducing). Everything else is an entry. */
function isExit(order: Pick<Order, 'side' | 'context'>): boolean {
  return isRiskReducing(order);
}

function isExitIntent(intent: IntentRow): boolean {
  return isExit({ side: intent.side, context: intent.context as Order['context'] });
}

/** Failed or expired orders, newest first, until the last success or the user's last resume (rejections do not count). */
function consecutiveFailuresSince(store: Store, userId: number, afterIntentId: number): number {
  let n = 0;
  for (const i of store.intents.list(userId, 1000)) {
    if (i.id <= afterIntentId || i.status === 'confirmed') break;
    if (i.status === 'failed' || i.status === 'expired') n++;
  }
  return n;
}

function isSlippage(o: SendOutcome): boolean {
  if (o.status === 'failed') return /InsufficientFunds|Custom|0x1\b|slippage/iu.test(JSON.stringify(o.err, bigintJson));
  if (o.status === 'rejected') return /insufficient funds|custom program error|slippage/iu.test(o.reason);
  return false;
}

function bigintJson(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

function summariseQuote(q: JupiterQuote): Record<string, unknown> {
  return {
    inAmount: q.inAmount,
    outAmount: q.outAmount,
    minOut: q.otherAmountThreshold,
    priceImpactPct: q.priceImpactPct,
    route: q.routePlan.map((r) => r.swapInfo.label ?? r.swapInfo.ammKey),
  };
}

/** Mint layout: COption<Pubkey> freeze authority at offset 46 (4-byte tag). */
/**
 * A mint whose decimals, transfer fee and freeze authority can never change: an initialized
 * original-Token-program mint (82 bytes, no extensions, so no transfer fee) with no freeze authority.
 * Its decimals are fixed when it is initialized; such a mint cannot be closed (only Token-2022's
 * close-authority extension allows that, and a closed mint could be re-created with a freeze
 * authority); and a freeze authority, once none, can never be set again (SetAuthority needs the
 * current authority's signature). A Token-2022 mint is never settled: its extensions (a transfer
 * fee, a pause) can change, and so can its existence.
 */
export function isSettledMint(acc: Pick<AccountSnapshot, 'owner' | 'data'>): boolean {
  return acc.owner === TOKEN_PROGRAM && acc.data.length === 82 && acc.data[45] === 1 && !hasFreezeAuthority(acc.data);
}

export function hasFreezeAuthority(data: Uint8Array): boolean {
  if (data.length < 82) return true; // not a mint we can read: fail closed
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(46, true) !== 0;
}

/** What an order already in the journal amounts to (idempotent resubmission). */
export function outcomeOf(store: Store, i: IntentRow): OrderOutcome {
  switch (i.status) {
    case 'confirmed': {
      const t = store.portfolio.tradeByIntent(i.id);
      return {
        status: 'confirmed',
        intentId: i.id,
        tradeId: t?.id ?? -1,
        inAmount: t ? (i.side === 'buy' ? t.quoteAmount : t.baseAmount) : 0n,
        outAmount: t ? (i.side === 'buy' ? t.baseAmount : t.quoteAmount) : 0n,
        signature: i.signature,
      };
    }
    case 'rejected':
      return {
        status: 'rejected',
        intentId: i.id,
        code: (i.reasonCode as RiskCode | null) ?? 'DUPLICATE',
        message: i.error ?? 'rejected',
      };
    case 'failed':
    case 'expired':
      return { status: i.status, intentId: i.id, message: i.error ?? i.status };
    default:
      return { status: 'pending', intentId: i.id, message: 'This order is still in flight.' };
  }
}
