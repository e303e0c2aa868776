/**
 * Backtests and optimisations started from the UI (backtest.start,
 * backtest.optimiseStart) run as jobs on worker threads: the call returns at
 * once, backtest.job reports progress and then the same report backtest.run
 * gives, and backtest.cancel stops a running job.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../engine/kernel';
import { buildBacktestHandlers } from '../../engine/runtime/backtest-handlers';
import { BacktestRunIn, OptimiseIn } from '../../engine/api/contract-backtest';
import { throwawayEngine } from '../helpers/engine';

const { engine, close } = throwawayEngine(new ManualClock(Date.parse('2026-01-01T00:00:00Z')), 'hv-btjobs-');
const h = buildBacktestHandlers(engine);
afterAll(close);

async function settle(job: number) {
  for (;;) {
    const j = await h['backtest.job']({ job });
    if (j.state !== 'running') return j;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('backtest jobs', () => {
  it('runs a backtest on a worker thread to the same report as backtest.run, and saves it', async () => {
    const input = BacktestRunIn.parse({
      strategy: 'trend',
      tokens: ['SOL'],
      timeframe: '1h',
      from: '2021-01-01',
      to: '2021-02-15',
      capitalUsd: 2_000,
    });
    const { job } = await h['backtest.start'](input);
    const seen = await h['backtest.job']({ job });
    expect(seen.state).toBe('running');
    const done = await settle(job);
    expect(done.state).toBe('done');
    expect(done.progress).toBe(1);
    const direct = await h['backtest.run']({ ...input, save: false });
    expect(done.run!.report).toEqual(direct.report);
    expect(done.run!.report.metrics.tradeCount).toBeGreaterThan(0);
    expect((await h['backtest.show']({ id: done.run!.id! })).report).toEqual(direct.report);
  });

  it('says why a job failed in words, and a cancelled job stays cancelled', async () => {
    const bad = await h['backtest.start'](
      BacktestRunIn.parse({ strategy: 'nope', tokens: ['SOL'], from: '2021-01-01', to: '2021-01-10' }),
    );
    const failed = await settle(bad.job);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/strategy/iu);

    const { job } = await h['backtest.optimiseStart'](
      OptimiseIn.parse({
        strategy: 'trend',
        tokens: ['SOL', 'WETH'],
        from: '2021-01-01',
        to: '2021-06-01',
        samples: 400,
      }),
    );
    const cancelled = await h['backtest.cancel']({ job });
    expect(cancelled.state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 200));
    const after = await h['backtest.job']({ job });
    expect(after.state).toBe('cancelled');
    expect(after.optimise).toBeNull();
    expect(() => h['backtest.job']({ job: 999 })).toThrow(/No backtest job 999/u);
  });

  it('finishes a small optimisation with progress and in-sample / out-of-sample rows', async () => {
    const { job } = await h['backtest.optimiseStart'](
      OptimiseIn.parse({
        strategy: 'trend',
        tokens: ['SOL'],
        timeframe: '1h',
        from: '2021-01-01',
        to: '2021-03-01',
        samples: 6,
        workers: 2,
      }),
    );
    const done = await settle(job);
    expect(done.state, done.error ?? '').toBe('done');
    expect(done.optimise!.rows.length).toBeGreaterThan(0);
    expect(done.optimise!.rows[0]!.outOfSample).toHaveProperty('sharpe');
  });
});
