import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarvestError } from '../kernel/errors';
import type { BacktestReport } from './report';

export interface SavedRun {
  id: number;
  name: string;
  savedAt: string;
  report: BacktestReport;
}

/**
 * Saved backtest reports: one JSON file each in <data dir>/backtests/. They
 * are results to look at and compare, not trading state, so they live beside
 * the database rather than in it (no migration, deleted with a file).
 */
export class SavedRuns {
  constructor(private readonly root: string) {}

  private dir(): string {
    const d = join(this.root, 'backtests');
    if (!existsSync(d)) mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  private ids(): number[] {
    return readdirSync(this.dir())
      .map((f) => /^(\d+)\.json$/u.exec(f)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  save(name: string, savedAt: string, report: BacktestReport): SavedRun {
    const id = (this.ids().at(-1) ?? 0) + 1;
    const run: SavedRun = { id, name, savedAt, report };
    const path = join(this.dir(), `${id}.json`);
    writeFileSync(path, JSON.stringify(run), { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
    return run;
  }

  get(id: number): SavedRun {
    const path = join(this.dir(), `${id}.json`);
    if (!existsSync(path))
      throw new HarvestError('NOT_FOUND', `No saved backtest #${id}; see "harvest backtest list".`);
    return JSON.parse(readFileSync(path, 'utf8')) as SavedRun;
  }

  list(): SavedRun[] {
    return this.ids().map((id) => this.get(id));
  }

  remove(id: number): void {
    this.get(id);
    rmSync(join(this.dir(), `${id}.json`));
  }
}
