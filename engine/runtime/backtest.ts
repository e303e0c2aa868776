import { randomBytes } from 'node:crypto';
import { ExitMonitor, PriceBook, TradeExecutionService } from '../execution';
import { ManualClock } from '../kernel/clock';
import { silentLogger, type Logger } from '../kernel/logger';
import {
  IndicatorCache,
  parseUnits,
  ReplayCandleSource,
  TIMEFRAME_MS,
  tokenBySymbol,
  type Candle,
  type Timeframe,
} from '../market';
import { standardRiskGate } from '../risk';
// Through engine-parts: the replayed loop signs (paper fills still need wallets), so the full engine is loaded.
import { Engine } from './engine';
import './engine-parts';
import { StrategyRunner } from './strategy-runner';
import { DecisionLog } from './decisions';

export interface BacktestUser {
  name: string;
  strategy: string;
  params?: Record<string, unknown>;
  /** Paper USDC to start with (whole dollars). */
  startUsd: number;
  maxOrderUsd?: number;
  /** More settings of this friend (e.g. `risk: { preset: 'aggressive' }`), as stored. */
  settings?: Record<string, unknown>;
  /** Holdings beside the USDC, by symbol (decimal amounts). Default: 0.1 SOL, kept for fees and rent like any wallet. */
  extraBook?: Record<string, string>;
}

export interface BacktestOptions {
  /** A fresh folder for the backtest's own database. */
  dataDir: string;
  users: BacktestUser[];
  /** Recorded candles of one token (the history before `fromMs` serves as warm-up). */
  token: string;
  timeframe: Timeframe;
  candles: Candle[];
  fromMs: number;
  toMs: number;
  /**
   * How many closed candles indicators are computed over (the live cache's window, 1000 by default).
   * The fast backtest (engine/backtest) computes them over the whole history; a window at least as
   * long as the history makes this loop do the same, candle for candle.
   */
  indicatorWindow?: number;
  log?: Logger;
}

export interface BacktestTrade {
  user: string;
  side: 'buy' | 'sell';
  context: string;
  baseAmount: string;
  quoteAmount: string;
  price: number;
  executedAt: string;
}

export interface BacktestResult {
  cycles: number;
  trades: BacktestTrade[];
  users: { name: string; trades: number; realizedPnl: string; openQuantity: string }[];
}

/**
 * The live loop on a virtual clock: the same strategy runner, risk gates,
 * execution service (paper venue) and exit monitor, fed by recorded candles
 * revealed one close at a time. Nothing here knows it is not live.
 */
export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const clock = new ManualClock(opts.fromMs);
  const log = opts.log ?? silentLogger;
  // A throwaway master key: the backtest's wallets never hold anything real.
  const engine = Engine.open({
    dataDir: opts.dataDir,
    clock,
    logger: log,
    env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
    actor: 'backtest',
  });
  try {
    const token = tokenBySymbol(opts.token);
    const usdc = tokenBySymbol('USDC')!;
    if (!token) throw new Error(`unknown token ${opts.token}`);
    const ids = new Map<number, string>();
    for (const u of opts.users) {
      const user = engine.users.add(u.name, 'backtest');
      engine.wallets.create(user.id, 12, 'backtest');
      ids.set(user.id, u.name);
      const row = engine.store.settings.get(user.id)!;
      engine.store.settings.update(
        user.id,
        row.version,
        {
          ...(row.settings as object),
          ...(u.settings ?? {}),
          mode: 'paper',
          ...(u.maxOrderUsd !== undefined ? { maxOrderUsd: u.maxOrderUsd } : {}),
          strategy: { enabled: true, id: u.strategy, params: u.params ?? {}, tokens: [token.symbol] },
        },
        new Date(clock.now()).toISOString(),
      );
      engine.store.paper.set(user.id, usdc.mint, BigInt(Math.round(u.startUsd * 1e6)));
      // Like any wallet, it keeps some SOL for fees and rent, which the engine never trades away.
      for (const [sym, amount] of Object.entries(u.extraBook ?? { SOL: '0.1' })) {
        const t = tokenBySymbol(sym);
        if (!t) throw new Error(`unknown token ${sym}`);
        engine.store.paper.set(user.id, t.mint, parseUnits(amount, t.decimals));
      }
    }

    const window = opts.indicatorWindow;
    const source = new ReplayCandleSource({ clock, ...(window ? { maxCandles: Math.max(window, 2000) } : {}) });
    source.add(token.mint, opts.timeframe, opts.candles);
    const cache = new IndicatorCache(source, window ? { window } : {});
    const prices = new PriceBook(clock, Number.POSITIVE_INFINITY);
    const exec = new TradeExecutionService({
      store: engine.store,
      clock,
      log,
      bus: engine.bus,
      signer: engine.signer,
      controls: engine.controls,
      risk: standardRiskGate({ store: engine.store, controls: engine.controls, bus: engine.bus, network: 'backtest' }),
      prices,
      network: 'backtest',
      chain: null,
      jupiter: null,
    });
    const exits = new ExitMonitor(engine.store, exec, prices, engine.bus, clock, log, 'backtest');
    const runner = new StrategyRunner({
      store: engine.store,
      exec,
      cache,
      prices,
      controls: engine.controls,
      bus: engine.bus,
      clock,
      log,
      network: 'backtest',
      // The decision log of a throwaway run is not kept: a commit per candle would triple its run time.
      decisions: new DecisionLog(engine.store, clock, false),
    });

    const step = TIMEFRAME_MS[opts.timeframe];
    const byClose = new Map(opts.candles.map((c) => [c.time + step, c]));
    let cycles = 0;
    for (let t = Math.ceil(opts.fromMs / step) * step; t <= opts.toMs; t += step) {
      clock.advance(t - clock.now());
      const closed = byClose.get(t);
      if (!closed) continue; // a gap in the data (exchange maintenance): no new candle, no cycle
      prices.set(token.mint, closed.close);
      prices.set(usdc.mint, 1);
      cycles++;
      await exits.runCycle();
      await runner.run();
    }

    const trades: BacktestTrade[] = [];
    const users: BacktestResult['users'] = [];
    for (const [id, name] of ids) {
      const mine = engine.store.portfolio.trades(id, { limit: 100_000 }).reverse();
      for (const t of mine) {
        trades.push({
          user: name,
          side: t.side,
          context: t.context,
          baseAmount: t.baseAmount.toString(),
          quoteAmount: t.quoteAmount.toString(),
          price: t.price,
          executedAt: t.executedAt,
        });
      }
      const positions = engine.store.portfolio.positions(id);
      users.push({
        name,
        trades: mine.length,
        realizedPnl: positions.reduce((s, p) => s + p.realizedPnl, 0n).toString(),
        openQuantity: positions
          .filter((p) => p.status === 'open')
          .reduce((s, p) => s + p.quantity, 0n)
          .toString(),
      });
    }
    return { cycles, trades, users };
  } finally {
    await engine.close();
  }
}
