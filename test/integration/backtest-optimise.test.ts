import { describe, expect, it } from 'vitest';
import { optimise, parameterSets, sortRows, type OptimiseJob } from '../../engine/backtest';
import { bundledCandles } from '../../engine/backtest';
import { resample } from '../../engine/market/candles';
import { describeParams, getStrategy, STRATEGY_IDS } from '../../engine/strategy';

describe('the optimiser', () => {
  it('draws only valid parameter sets within the zod bounds, for every strategy, grid and random', () => {
    for (const id of STRATEGY_IDS) {
      const info = describeParams(getStrategy(id).params);
      for (const method of ['grid', 'random'] as const) {
        const sets = parameterSets({ strategy: id, method, samples: 40, steps: 3, seed: 5 });
        expect(sets.length, `${id} ${method}`).toBeGreaterThan(0);
        expect(new Set(sets.map((s) => JSON.stringify(s))).size).toBe(sets.length);
        for (const s of sets) {
          expect(getStrategy(id).params.safeParse(s).success).toBe(true);
          for (const p of info) {
            const v = s[p.name];
            if (typeof v !== 'number') continue;
            if (p.min !== undefined) expect(v).toBeGreaterThanOrEqual(p.min);
            if (p.max !== undefined) expect(v).toBeLessThanOrEqual(p.max);
          }
        }
      }
    }
    expect(() => parameterSets({ strategy: 'trend', method: 'grid', vary: ['nope'] })).toThrow(/no parameter "nope"/u);
  });

  it('gives the same in-sample and out-of-sample figures on 2 worker threads as in this thread, with progress', async () => {
    const day = 86_400_000;
    const from = Date.UTC(2021, 1, 1);
    const to = Date.UTC(2021, 3, 1);
    const job: OptimiseJob = {
      strategy: 'trend',
      tokens: ['SOL', 'WETH'],
      timeframe: '1h',
      candles: {
        SOL: resample(bundledCandles('SOL').candles, '1h').filter((c) => c.time < to),
        WETH: resample(bundledCandles('WETH').candles, '1h').filter((c) => c.time < to),
      },
      fromMs: from,
      splitMs: from + 40 * day,
      toMs: to,
      capitalUsd: 5_000,
      settings: { risk: { preset: 'aggressive' } },
      fill: { feeBps: 25, slippageBps: 5 },
    };
    const sets = parameterSets({
      strategy: 'trend',
      method: 'random',
      vary: ['fastPeriod', 'slowPeriod', 'stopAtr'],
      // Strategies default to 5-minute candles; this job's history is hourly.
      fixed: { timeframe: '1h' },
      samples: 8,
      seed: 3,
    });
    const progress: number[] = [];
    const threaded = await optimise(job, sets, 2, { onProgress: (d) => progress.push(d) });
    const here = await optimise(job, sets, 1);
    expect(threaded).toEqual(here);
    expect(threaded.length).toBe(sets.length);
    expect(progress.at(-1)).toBe(sets.length);
    expect(threaded.some((r) => r.inSample.tradeCount > 0 && r.outOfSample.tradeCount > 0)).toBe(true);
    // In-sample and out-of-sample are different periods: their figures differ.
    expect(threaded.some((r) => r.inSample.totalReturnPct !== r.outOfSample.totalReturnPct)).toBe(true);
    const sorted = sortRows(threaded, 'oos-return');
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i - 1]!.outOfSample.totalReturnPct).toBeGreaterThanOrEqual(sorted[i]!.outOfSample.totalReturnPct);
  }, 60_000);
});
