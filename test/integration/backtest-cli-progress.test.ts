/**
 * Issue 13, points 1 and 3, on the command line: on a terminal, `harvest
 * backtest` and `harvest optimise` draw their progress on stderr (pushed by
 * the engine in this process; polled through a running engine's control
 * channel) and print the same report as without it; with --json or off a
 * terminal nothing is drawn.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../engine/cli/main';
import { progressLine } from '../../engine/cli/job-progress';
import { systemClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { Engine } from '../../engine/runtime';

const parent = mkdtempSync(join(tmpdir(), 'hv-btcli-progress-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));
const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
const dataDir = join(parent, 'data');

async function harvest(progress: boolean, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['--data-dir', dataDir, ...args], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    secrets: { next: () => Promise.reject(new Error('no secrets here')) },
    env,
    progress,
  });
  return { code, out, err };
}

const BACKTEST = [
  'backtest',
  '--strategy',
  'trend',
  '--tokens',
  'SOL,WETH',
  '--timeframe',
  '1h',
  '--from',
  '2021-01-01',
  '--to',
  '2021-04-01',
  '--no-save',
];
const OPTIMISE = [
  'optimise',
  '--strategy',
  'trend',
  '--tokens',
  'SOL',
  '--timeframe',
  '1h',
  '--from',
  '2021-01-01',
  '--to',
  '2021-03-01',
  '--method',
  'grid',
  '--vary',
  'fastPeriod,slowPeriod',
  '--steps',
  '2',
];

/** The progress lines drawn on stderr, as percentages, and whether the line was cleared at the end. */
function drawn(err: string, word: string): { pcts: number[]; cleared: boolean } {
  const frames = err.split('\r\x1b[K');
  const pcts = frames.filter((f) => f.startsWith(word)).map((f) => Number(/(\d+) %$/u.exec(f)![1]));
  return { pcts, cleared: frames.at(-1) === '' };
}

describe('progress of harvest backtest and harvest optimise on a terminal', () => {
  it('draws a bar as the in-process engine pushes progress, then prints the same report as without it', async () => {
    const plain = await harvest(false, ...BACKTEST);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.err).toBe('');
    const shown = await harvest(true, ...BACKTEST);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toBe(plain.out);
    const { pcts, cleared } = drawn(shown.err, 'Backtesting');
    expect(pcts[0]).toBe(0);
    expect(pcts.length).toBeGreaterThan(1);
    expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
    expect(cleared).toBe(true);
    // --json: nothing drawn, the same JSON as off a terminal.
    const json = await harvest(true, '--json', ...BACKTEST);
    expect(json.err).toBe('');
    expect(JSON.parse(json.out)).toEqual(JSON.parse((await harvest(false, '--json', ...BACKTEST)).out));
  }, 60_000);

  it('optimise draws its progress too; a job that fails says why and clears the line', async () => {
    const plain = await harvest(false, ...OPTIMISE);
    const shown = await harvest(true, ...OPTIMISE);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toBe(plain.out);
    expect(drawn(shown.err, 'Optimising').pcts.length).toBeGreaterThan(1);

    const bad = await harvest(true, ...BACKTEST.map((a) => (a === 'trend' ? 'nope' : a)));
    expect(bad.code).toBe(1);
    expect(bad.err.split('\r\x1b[K').at(-1)).toMatch(/^harvest: .*strategy/u);
  }, 60_000);

  it("through a running engine's control channel, progress is polled and the report is the same", async () => {
    const expected = (await harvest(false, ...BACKTEST)).out;
    const engine = Engine.open({ dataDir, clock: systemClock, logger: silentLogger, ownerKind: 'engine', env });
    try {
      await engine.serveControl();
      const shown = await harvest(true, ...BACKTEST);
      expect(shown.code, shown.err).toBe(0);
      expect(shown.out).toBe(expected);
      const { pcts, cleared } = drawn(shown.err, 'Backtesting');
      expect(pcts[0]).toBe(0);
      expect(cleared).toBe(true);
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('the bar is as wide at 0 % as at 100 %', () => {
    expect(progressLine('backtest.start', 0)).toBe('Backtesting  [........................]  0 %');
    expect(progressLine('backtest.optimiseStart', 0.5)).toBe('Optimising  [############............]  50 %');
    expect(progressLine('backtest.start', 1).length).toBe(progressLine('backtest.start', 0).length + 2);
  });
});
