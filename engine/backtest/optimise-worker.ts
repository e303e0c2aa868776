/** An optimiser thread: runs its share of the parameter sets and posts each row back (engine/backtest/optimise.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { evaluateSets, type OptimiseJob } from './optimise';

const { job, sets } = workerData as { job: OptimiseJob; sets: Record<string, unknown>[] };
evaluateSets(job, sets, (row, i) => parentPort!.postMessage({ i, row }));
parentPort!.postMessage({ end: true });
