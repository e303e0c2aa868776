import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BacktestMarket, bundledCandles, runStrategyBacktest } from '../../engine/backtest';
import { loadCandlesFile, type Candle } from '../../engine/market';
import { RISK_PRESET_NAMES, RISK_PRESETS } from '../../engine/risk';
import { runBacktest, type BacktestUser } from '../../engine/runtime/backtest';
import { STRATEGY_IDS } from '../../engine/strategy';
import { REPO_ROOT } from '../helpers/cli';

const SOL_1H = loadCandlesFile(join(REPO_ROOT, 'test/fixtures/market/SOLUSDT-1h-binance-2020-12_2021-07.csv.gz'));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Case extends BacktestUser {
  params?: Record<string, unknown>;
}

/** Every built-in strategy (whatever the registry holds now) under every risk preset, and a few parameter sets. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const strategy of STRATEGY_IDS) {
    for (const preset of RISK_PRESET_NAMES) {
      out.push({ name: `${strategy}/${preset}`, strategy, startUsd: 10_000, settings: { risk: { preset } } });
    }
  }
  // Custom limits tight enough that the drawdown pause and the daily loss lock both trip.
  const tight = (over: Record<string, unknown>) => ({
    risk: { ...RISK_PRESETS.aggressive, preset: 'custom', ...over },
  });
  out.push(
    {
      name: 'trend/drawdown',
      strategy: 'trend',
      params: { fastPeriod: 5, slowPeriod: 12 },
      startUsd: 10_000,
      settings: tight({ maxDrawdownPct: 1, maxPositionPctEquity: 100 }),
    },
    {
      name: 'mr/daily-loss',
      strategy: 'mean-reversion',
      params: { rsiPeriod: 6, oversold: 45, overbought: 55 },
      startUsd: 10_000,
      settings: tight({ maxDailyLossPct: 0.5, cooldownMinutes: 0 }),
    },
    {
      name: 'trend/fast',
      strategy: 'trend',
      params: { fastPeriod: 5, slowPeriod: 15, takeProfitR: 2 },
      startUsd: 2_000,
    },
    { name: 'trend/small', strategy: 'trend', startUsd: 60 },
    {
      name: 'mr/tight',
      strategy: 'mean-reversion',
      params: { rsiPeriod: 7, oversold: 40, overbought: 60, bbStdDev: 1.5, exitAtMiddle: false },
      startUsd: 5_000,
      settings: { risk: { preset: 'aggressive' } },
    },
    {
      name: 'dca/dip',
      strategy: 'dca',
      params: { intervalHours: 6, buyTheDip: true, dipPct: 3, takeProfitPct: 20, amountUsd: 40 },
      startUsd: 3_000,
    },
  );
  return out;
}

async function compare(
  candles: Candle[],
  fromMs: number,
  toMs: number,
  window: number | undefined,
  list: Case[],
  timeframe: '5m' | '1h' = '1h',
) {
  const parent = mkdtempSync(join(tmpdir(), 'hv-bteq-'));
  dirs.push(parent);
  // Strategies default to 5-minute candles; over hourly history a case names no timeframe and means the hourly one.
  if (timeframe === '1h') list = list.map((c) => ({ ...c, params: { timeframe: '1h', ...c.params } }));
  const live = await runBacktest({
    dataDir: join(parent, 'data'),
    token: 'SOL',
    timeframe,
    candles,
    fromMs,
    toMs,
    ...(window ? { indicatorWindow: window } : {}),
    users: list,
  });
  const market = new BacktestMarket(timeframe, [{ symbol: 'SOL', candles }]);
  let total = 0;
  for (const c of list) {
    const fast = runStrategyBacktest(market, {
      strategy: c.strategy,
      params: c.params ?? {},
      tokens: ['SOL'],
      fromMs,
      toMs,
      capitalUsd: c.startUsd,
      extraBook: { SOL: '0.1' },
      settings: c.settings ?? {},
    });
    const want = live.trades
      .filter((t) => t.user === c.name)
      .map((t) => ({
        side: t.side,
        context: t.context,
        base: t.baseAmount,
        quote: t.quoteAmount,
        price: t.price,
        at: t.executedAt,
      }));
    const got = fast.trades.map((t) => ({
      side: t.side,
      context: t.context,
      base: t.baseAmount.toString(),
      quote: t.quoteAmount.toString(),
      price: t.price,
      at: new Date(t.time).toISOString(),
    }));
    expect(got, `${c.name}: the same trades to the base unit and the millisecond`).toEqual(want);
    expect(fast.cycles).toBe(live.cycles);
    total += got.length;
  }
  return total;
}

describe('the fast backtest and the live loop make the same trades', () => {
  it('every strategy and risk preset, two months of hourly SOL (indicators over the whole history in both)', async () => {
    const from = Date.UTC(2021, 0, 1);
    const to = Date.UTC(2021, 2, 1);
    const total = await compare(
      SOL_1H.filter((c) => c.time < to),
      from,
      to,
      100_000,
      cases(),
    );
    expect(total).toBeGreaterThan(100);
  }, 120_000);
});

describe('with the live indicator window', () => {
  it('every strategy and preset at default parameters: the same trades with the live 1000-candle window', async () => {
    // The live cache computes indicators over the last 1000 candles (seeded there); at default periods the seed
    // has faded far below a double's precision by then, so the rolling window and the whole history agree.
    const from = Date.UTC(2021, 1, 1);
    const to = Date.UTC(2021, 2, 15);
    const total = await compare(
      SOL_1H.filter((c) => c.time < to),
      from,
      to,
      undefined,
      cases().filter((c) => !c.params),
    );
    expect(total).toBeGreaterThan(50);
  }, 120_000);
});

describe('on 5m candles with hourly strategies', () => {
  it('resampled hourly decisions and exits checked every 5 minutes: the same trades', async () => {
    const sol5m = bundledCandles('SOL').candles;
    const from = Date.UTC(2021, 1, 8);
    const to = Date.UTC(2021, 1, 20);
    const total = await compare(
      sol5m.filter((c) => c.time >= Date.UTC(2021, 0, 20) && c.time < to),
      from,
      to,
      100_000,
      [
        ...STRATEGY_IDS.map((strategy) => ({
          name: strategy,
          strategy,
          startUsd: 10_000,
          settings: { risk: { preset: 'aggressive' } },
        })),
        { name: 'trend/5m', strategy: 'trend', params: { timeframe: '5m', takeProfitR: 1.5 }, startUsd: 10_000 },
      ],
      '5m',
    );
    expect(total).toBeGreaterThan(20);
  }, 120_000);
});
