import { ExitMonitor, JupiterClient, reconcileIntents, TradeExecutionService, TriggerOrders } from '../execution';
import { BalanceSync, Whitelist, Withdrawals } from '../funds';
import { candlePriceAt, FlowScanner, marketTimeAt } from '../funds/flows';
import { LedgerCheck } from '../funds/ledger-check';
import { CandleHistory, IndicatorCache, JupiterPriceFeed, knownTokens, WRAPPED_SOL_MINT } from '../market';
import { PriceQuorum, PythPriceSource, pythFeedForMint, quorumEventsTo } from '../market/oracle';
import { TokenListClient, TokenRegistry, tokenSafetyGate } from '../tokens';
import { isoTime } from '../kernel/clock';
import { StrategyRunner, type StrategyRunReport } from './strategy-runner';
import { balanceGate, composeGates, controlsGate, friendNames, orderSizeGate, RiskEngine } from '../risk';
import { Performance } from '../portfolio/performance';
import { ensurePaperAccount, paperAccountOpen } from '../portfolio';
import { userSettingsOf } from '../users/settings-cache';
import type { Engine, EngineOptions, Funds } from './engine';
import { connectNetwork, isPlayNetwork, readNetworkConfig, writeNetworkConfig } from './network';
import { dataDirId } from '../kernel/paths';
import { CopyRepo, CopyService } from '../copy';
// Trading and withdrawals sign through engine.signer (engine-parts.ts provides it).
import './engine-parts';

/**
 * The services that need a network: connects it (on the sandbox this may
 * start it), wires execution, funds and exits, and settles orders a crash
 * left unfinished before anything new is accepted. Loaded on first use so
 * commands that never touch a chain start fast.
 */
export async function buildFunds(engine: Engine, override: EngineOptions['network']): Promise<Funds> {
  const { store, clock, log, bus, signer, controls, breaker } = engine;
  const cfg = readNetworkConfig(store.meta, {
    ...(override?.name ? { network: override.name } : {}),
    ...(override?.rpcUrls ? { rpcUrls: override.rpcUrls } : {}),
  });
  let jupiterApiKey: string | null = null;
  try {
    jupiterApiKey = engine.keyCtx.keychain.get(`jupiter-api-key:${dataDirId(engine.layout.root)}`);
  } catch {
    // No keychain (HARVEST_MASTER_KEY servers): the key can come from HARVEST_JUPITER_API_KEY instead.
  }
  jupiterApiKey ??= engine.keyCtx.env['HARVEST_JUPITER_API_KEY'] ?? null;
  const net = await connectNetwork(cfg, {
    meta: store.meta,
    // Tests only: behave as on a computer where LiteSVM has no binary (Windows).
    ...(engine.keyCtx.env['HARVEST_TEST_NO_LITESVM'] === '1'
      ? { loadSandbox: () => Promise.reject(new Error("Cannot find module 'litesvm-win32-x64-msvc'")) }
      : {}),
    jupiterApiKey,
    dataDir: engine.layout.root,
    clock,
    log,
    onDegraded: (endpoint, reason) => bus.emit('rpc.degraded', null, { endpoint, reason }),
    ohlcv: {
      ...(engine.keyCtx.env['HARVEST_BINANCE_URL'] ? { binanceUrl: engine.keyCtx.env['HARVEST_BINANCE_URL'] } : {}),
      ...(engine.keyCtx.env['HARVEST_GECKOTERMINAL_URL']
        ? { geckoTerminalUrl: engine.keyCtx.env['HARVEST_GECKOTERMINAL_URL'] }
        : {}),
    },
  });
  if (!cfg.stored && net.name === 'paper-sandbox') {
    // A fresh folder on the paper sandbox (by default or after a failed load): kept, so its books stay on one network.
    store.tx(() => {
      writeNetworkConfig(store.meta, { network: net.name, rpcUrls: [] });
      store.audit.append(
        {
          actor: engine.actor,
          action: 'network.changed',
          userId: null,
          details: { from: null, to: net.name, reason: 'the on-chain sandbox cannot run here' },
        },
        isoTime(clock),
      );
    });
  }
  const whitelist = new Whitelist(store, bus, clock, net.whitelistDelayMs);
  // Prices come from a quorum of independent sources: Pyth's on-chain accounts read through the
  // chain client, and Jupiter's Price API. The latter is served by the swap venue's own origin,
  // so it never stands alone; a token without agreement has no trusted price (no entries, and
  // exits only above a floor from the last trusted price).
  const prices = new PriceQuorum({
    clock,
    sources: net.priceSources ?? [
      {
        feed: new PythPriceSource({
          read: (a) => {
            // Oracle accounts are read live once per cycle: the RPC client's short response cache would
            // otherwise hand back the previous read of a price that has just been re-posted.
            net.chain.clearCache();
            return net.chain.getMultipleAccounts(a);
          },
        }),
        venue: false,
      },
      { feed: new JupiterPriceFeed({ baseUrl: net.jupiterUrl, clock, apiKey: net.jupiterApiKey }), venue: true },
    ],
    // The paper sandbox's replay is its market: there is no second source to agree with.
    singleSourceAllowed: net.priceSources ? () => true : (mint) => store.priceTrust.isAllowed(mint),
    onEvent: quorumEventsTo(bus),
  });
  const tradedMints = (): string[] => {
    const mints = new Set<string>(knownTokens().map((t) => t.mint));
    for (const t of store.priceTrust.list()) mints.add(t.mint);
    return [...mints];
  };
  const refreshPrices = async (): Promise<void> => {
    await prices.refresh(tradedMints());
  };
  const riskEngine = new RiskEngine({ store, controls, bus, network: net.name });
  const performance = new Performance(store, net.name, prices, clock);
  // The wallet queue is the execution service's (built next); the scanner only calls it later.
  const exclusive = <T>(userId: number, task: () => Promise<T>): Promise<T> => exec.exclusive(userId, task);
  const exclusiveIfIdle = <T>(userId: number, task: () => Promise<T>): Promise<T> | null =>
    exec.exclusiveIfIdle(userId, task);
  const flows = new FlowScanner({
    store,
    chain: net.chain,
    network: net.name,
    bus,
    clock,
    log,
    price: (m) => prices.price(m),
    // A caught-up flow is valued from the candle covering its block time (candles run on the market clock).
    priceAt: (m, atMs) => candlePriceAt(store.candles, net.name, m, marketTimeAt(net.marketClock, clock.now(), atMs)),
    exclusive,
    exclusiveIfIdle,
  });
  const exec = new TradeExecutionService({
    store,
    clock,
    log,
    bus,
    signer,
    controls,
    // One read of the database's change stamp per check; the gates share what they read of the friend.
    risk: riskEngine.facts.around(
      composeGates(
        controlsGate(controls, friendNames(store, riskEngine.facts)),
        breaker.gate(),
        orderSizeGate(store, riskEngine.facts),
        balanceGate(store, net.name, riskEngine.facts),
        riskEngine.gate(),
      ),
    ),
    tokenGate: tokenSafetyGate(store),
    globalBreaker: breaker,
    prices,
    network: net.name,
    // No chain on the paper sandbox: paper orders run, a live order is refused with the reason.
    chain: net.name === 'paper-sandbox' ? null : net.chain,
    jupiter: new JupiterClient({ baseUrl: net.jupiterUrl, apiKey: net.jupiterApiKey }),
    blockEngineUrl: net.blockEngineUrl,
    syncFlows: async (userId, balances) => (await flows.scan([userId], { balances })).failed.length === 0,
    recordOwnTransaction: (userId, wallet, tx) => flows.recordOwn(userId, wallet, tx),
  });
  const reconciled = await reconcileIntents(store, net.chain, exec, net.name, clock, log);
  // Candles are built from the price ticks each cycle, on the market's clock (the replay's on the sandbox),
  // stored as they close and shared, with their indicators, by every user. Stored candles come back on
  // first need; history is seeded for what is missing (awaited on the sandbox, where it is local and
  // quick; in the background elsewhere, where a slow or failing source must not hold the engine up).
  const candleHistory = new CandleHistory({
    network: net.name,
    repo: store.candles,
    market: net.marketClock,
    clock,
    source: net.candleHistory,
    log,
    signal: engine.stopSignal,
    onSeedFailed: (f) => bus.emit('candles.seedFailed', null, f),
  });
  const candlesReady = (): Promise<void> => candleHistory.start(tradedMints(), isPlayNetwork(net.name));
  const candles = candleHistory.builder;
  const strategies = new StrategyRunner({
    store,
    exec,
    cache: new IndicatorCache(candles),
    prices,
    controls,
    bus,
    clock,
    log,
    network: net.name,
    staggerWindowMs: 5_000,
    isActive: (userId) => store.users.isActive(userId),
    signal: engine.stopSignal,
  });
  const runStrategies = async (): Promise<StrategyRunReport> => {
    await candlesReady();
    await net.marketClock.sync();
    candleHistory.cycle(tradedMints().map((mint) => ({ mint, usd: prices.price(mint) })));
    return strategies.run();
  };
  const ledger = new LedgerCheck({
    store,
    chain: net.chain,
    network: net.name,
    bus,
    clock,
    log,
    controls,
    scanner: flows,
    exclusive,
  });
  const copy = new CopyService({
    store,
    repo: new CopyRepo(store.db),
    chain: net.chain,
    exec,
    prices,
    bus,
    clock,
    log,
    network: net.name,
    // Called by a poll, after `tokens` below exists.
    addToken: async (mint) => void (await tokens.add(mint, 'copy')),
  });
  const swapQuotes = new JupiterClient({ baseUrl: net.jupiterUrl, apiKey: net.jupiterApiKey });
  const tokens = new TokenRegistry({
    store,
    readAccount: (mint) => net.chain.getAccountInfo(mint),
    lookupListed: (mint) => new TokenListClient({ baseUrl: net.jupiterUrl, apiKey: net.jupiterApiKey }).lookup(mint),
    probeRoute: async (mint, _decimals, sizeUsd) => {
      await refreshPrices().catch(() => undefined);
      const solUsd = prices.price(WRAPPED_SOL_MINT);
      if (solUsd === null) return { sizeUsd, impactPct: null, noRouteReason: 'no trusted SOL price to size the probe' };
      try {
        const q = await swapQuotes.probeQuote({
          inputMint: WRAPPED_SOL_MINT,
          outputMint: mint,
          amount: BigInt(Math.max(1, Math.round((sizeUsd / solUsd) * 1e9))),
          slippageBps: 100,
        });
        return { sizeUsd, impactPct: Number(q.priceImpactPct) * 100 };
      } catch (e) {
        return { sizeUsd, impactPct: null, noRouteReason: (e as Error).message };
      }
    },
    hasOracle: (mint) => pythFeedForMint(mint) !== null,
    nowIso: () => isoTime(clock),
  });
  return {
    net,
    flows,
    copy,
    tokens,
    ledger,
    balances: new BalanceSync(store, net.chain, net.name, bus, clock, log, net.name === 'paper-sandbox'),
    whitelist,
    withdrawals: new Withdrawals(store, net.chain, signer, whitelist, net.name, bus, clock, log, (userId, task) =>
      exec.exclusive(userId, task),
    ),
    prices,
    exec,
    exits: new ExitMonitor(store, exec, prices, bus, clock, log, net.name),
    orders: new TriggerOrders({ store, exec, prices, bus, clock, log, network: net.name }),
    reconciled,
    refreshPrices,
    runStrategies,
    candles,
    candleHistory,
    candlesReady,
    marketNow: () => net.marketClock.now(),
    performance,
    openPaperAccounts: () => {
      // A paper friend sees their paper equity from the first cycle, not $0 until a first order.
      for (const w of store.wallets.all()) {
        // Most accounts are open already: one indexed read, no settings parse, per friend and cycle.
        if (paperAccountOpen(store, w.userId)) continue;
        const settings = userSettingsOf(store, w.userId);
        if (settings.mode === 'paper')
          ensurePaperAccount(
            store,
            w.userId,
            net.name,
            settings.paperStartingCapital,
            (m) => prices.price(m),
            clock.now(),
          );
      }
    },
    /** The account rules once per cycle per active user: a daily-loss lock or drawdown pause trips when it happens. */
    reviewRisk: () => {
      // Records the end of a global breaker's cooldown (event + audit) once per cycle even when no one asks.
      breaker.status();
      for (const u of store.users.list()) {
        if (store.users.isActive(u.id)) riskEngine.review(u.id, (m) => prices.price(m), clock.now());
      }
    },
  };
}
