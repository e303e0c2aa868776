/**
 * A backtest thread: either its share of an optimiser's parameter sets, each row
 * posted back (engine/backtest/optimise.ts), or one whole backtest run with its
 * progress (engine/backtest/jobs.ts), so the engine's event loop stays free and
 * a cancel is a terminate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateSets, type OptimiseJob } from './optimise';
import { runBacktestReport, type BacktestRequest } from './report';

type Data =
  { kind?: undefined; job: OptimiseJob; sets: Record<string, unknown>[] } | { kind: 'run'; req: BacktestRequest };
const data = workerData as Data;
if (data.kind === 'run') {
  let last = -1;
  try {
    const report = runBacktestReport(data.req, {
      onProgress: (done) => {
        // A message per whole percent: enough for a progress bar, few enough to cost nothing.
        const pct = Math.floor(done * 100);
        if (pct === last) return;
        last = pct;
        parentPort!.postMessage({ progress: done });
      },
    });
    parentPort!.postMessage({ report });
  } catch (e) {
    const err = e as { code?: string; message?: string };
    parentPort!.postMessage({ error: { code: err.code ?? 'INTERNAL', message: err.message ?? String(e) } });
  }
} else {
  evaluateSets(data.job, data.sets, (row, i) => parentPort!.postMessage({ i, row }));
  parentPort!.postMessage({ end: true });
}
