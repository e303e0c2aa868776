import { ExitMonitor, JupiterClient, PriceBook, reconcileIntents, TradeExecutionService } from '../execution';
import { BalanceSync, Whitelist, Withdrawals } from '../funds';
import { FlowScanner } from '../funds/flows';
import { LedgerCheck } from '../funds/ledger-check';
import { CandleBuilder, FailoverPriceFeed, IndicatorCache, JupiterPriceFeed, KNOWN_TOKENS } from '../market';
import { StrategyRunner, type StrategyRunReport } from './strategy-runner';
import { balanceGate, composeGates, controlsGate, orderSizeGate, RiskEngine } from '../risk';
import { Performance } from '../portfolio/performance';
import type { Engine, EngineOptions, Funds } from './engine';
import { connectNetwork, readNetworkConfig } from './network';
import { dataDirId } from '../kernel/paths';

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
    jupiterApiKey,
    dataDir: engine.layout.root,
    clock,
    log,
    onDegraded: (endpoint, reason) => bus.emit('rpc.degraded', null, { endpoint, reason }),
  });
  const whitelist = new Whitelist(store, bus, clock, net.whitelistDelayMs);
  const prices = new PriceBook(clock);
  // Jupiter's Price API v3 (the sandbox serves the same API from its replay); a stale feed stops entries, not exits.
  const feed = new FailoverPriceFeed(
    [new JupiterPriceFeed({ baseUrl: net.jupiterUrl, clock, apiKey: net.jupiterApiKey })],
    {
      clock,
      onDegraded: (e) =>
        bus.emit('feed.stale', null, {
          feed: 'jupiter',
          staleMints: e.staleMints,
          reason:
            e.failures.map((f) => `${f.feed}: ${f.reason} (${f.message})`).join('; ') ||
            'prices are older than the limit',
        }),
      onRecovered: () => bus.emit('feed.recovered', null, { feed: 'jupiter' }),
    },
  );
  const refreshPrices = async (): Promise<void> => {
    const ticks = await feed.prices(KNOWN_TOKENS.map((t) => t.mint));
    for (const t of ticks.values()) prices.set(t.mint, t.usd, t.at);
  };
  const riskEngine = new RiskEngine({ store, controls, bus, network: net.name });
  const performance = new Performance(store, net.name, prices, clock);
  const exec = new TradeExecutionService({
    store,
    clock,
    log,
    bus,
    signer,
    controls,
    risk: composeGates(
      controlsGate(controls),
      breaker.gate(),
      orderSizeGate(store),
      balanceGate(store, net.name),
      riskEngine.gate(),
    ),
    globalBreaker: breaker,
    prices,
    network: net.name,
    chain: net.chain,
    jupiter: new JupiterClient({ baseUrl: net.jupiterUrl, apiKey: net.jupiterApiKey }),
  });
  const reconciled = await reconcileIntents(store, net.chain, exec, net.name, clock, log);
  // Candles are built from the price ticks each cycle and shared, with their indicators, by every user.
  const candles = new CandleBuilder({ clock });
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
    const now = clock.now();
    for (const t of KNOWN_TOKENS) {
      const usd = prices.price(t.mint);
      if (usd !== null) candles.addTick({ mint: t.mint, usd, at: now });
    }
    candles.advance(now);
    return strategies.run();
  };
  const exclusive = <T>(userId: number, task: () => Promise<T>): Promise<T> => exec.exclusive(userId, task);
  const flows = new FlowScanner({
    store,
    chain: net.chain,
    network: net.name,
    bus,
    clock,
    log,
    price: (m) => prices.price(m),
    exclusive,
  });
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
  return {
    net,
    flows,
    ledger,
    balances: new BalanceSync(store, net.chain, net.name, bus, clock, log),
    whitelist,
    withdrawals: new Withdrawals(store, net.chain, signer, whitelist, net.name, bus, clock, log, (userId, task) =>
      exec.exclusive(userId, task),
    ),
    prices,
    exec,
    exits: new ExitMonitor(store, exec, prices, bus, clock, log, net.name),
    reconciled,
    refreshPrices,
    runStrategies,
    candles,
    performance,
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
