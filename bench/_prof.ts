import { BacktestMarket, bundledCandles, runStrategyBacktest } from '../engine/backtest';
const sol = bundledCandles('SOL').candles;
const market = new BacktestMarket('5m', [{ symbol: 'SOL', candles: sol }]);
const spec = { strategy: process.argv[2] ?? 'trend', params: { timeframe: '5m' }, tokens: ['SOL'], fromMs: sol[0]!.time + 7 * 86_400_000, toMs: sol[sol.length - 1]!.time, capitalUsd: 10_000 };
runStrategyBacktest(market, spec);
for (let i = 0; i < 6; i++) {
  market.clearIndicators();
  const c0 = process.cpuUsage();
  const r = runStrategyBacktest(market, spec);
  const c = process.cpuUsage(c0);
  const ind0 = process.cpuUsage();
  console.log(i, r.evaluations, ((c.user + c.system) / 1000).toFixed(0), 'ms cpu', Math.round(r.evaluations / ((c.user + c.system) / 1e6)), '/s');
}
