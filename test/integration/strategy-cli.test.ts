/**
 * `harvest strategy status [USER]` and `harvest strategy log USER` (issue #11,
 * item 3): the real CLI over a data directory whose strategies ran in
 * process (real risk gate, paper fills, real SOL candles): a friend who
 * traded, one whose entry was skipped because they are paused, and one
 * still warming up. Human words, no user ids, --json for machines.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandOutput } from '../../engine/api';
import { json, runHarvest } from '../helpers/cli';
import { seedStrategyScenario } from '../helpers/strategy-seed';

const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
let parent: string;
let dataDir: string;
const harvest = (...args: string[]) => runHarvest(['--data-dir', dataDir, ...args], { env });

beforeAll(async () => {
  parent = mkdtempSync(join(tmpdir(), 'hv-strategy-cli-'));
  dataDir = join(parent, 'd');
  await (await seedStrategyScenario(dataDir, env)).close();
}, 60_000);

afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('harvest strategy status and log', () => {
  it('status of everyone: a line per friend saying what their strategy is doing, never "running"', async () => {
    const r = await harvest('strategy', 'status');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ana {2}dca \(paper\) {2}last trade \d+ d ago$/mu);
    expect(r.stdout).toMatch(/^bo {2}dca \(paper\) {2}paused: entries stopped$/mu);
    expect(r.stdout).toMatch(/^cy {2}trend \(paper\) {2}warming up 13\/78$/mu);
    expect(r.stdout).toMatch(/SOL {3}1h {2}warming up 13\/78; last candle 2020-12-01 12:00/u);
    expect(r.stdout).toMatch(
      /last decision: skipped: paused \(2020-12-01 13:00\): bo is paused \(holiday\), so bo's buy of SOL was refused/u,
    );
    expect(r.stdout).toMatch(/^dee {2}dca \(paper\) {2}skipped: size below minimum$/mu);
    expect(r.stdout).not.toMatch(/running|userId|\{/u);
  });

  it('status of one friend adds the indicator values, last signal and recent decisions', async () => {
    const r = await harvest('strategy', 'status', 'ana');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/values: close \d+\.\d+, hours to next interval 1\.000/u);
    expect(r.stdout).toMatch(/last signal: buy at 2020-12-01 12:00: DCA buy of \$100\.00 \(every 1 h\)/u);
    expect(r.stdout).toMatch(/recent decisions:\n {4}2020-12-01 13:00 {2}SOL {3}buy {2}order filled/u);
    const j = json<CommandOutput<'strategy.status'>>(await harvest('--json', 'strategy', 'status', 'ana'));
    expect(j.users[0]).toMatchObject({ name: 'ana', state: 'traded', tokens: [{ token: 'SOL', timeframe: '1h' }] });
    expect(j.users[0]!.recent[0]).toMatchObject({ outcome: 'entered', code: 'FILLED', side: 'buy' });
  });

  it('log: the decisions of one friend in a time range', async () => {
    const r = await harvest('strategy', 'log', 'bo', '--since', '2020-12-01');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Strategy decisions of bo/u);
    expect(r.stdout).toMatch(/2020-12-01 13:00 {2}SOL {3}buy {2}skipped: paused\s+bo is paused \(holiday\)/u);
    const none = await harvest('strategy', 'log', 'bo', '--since', '2020-12-02');
    expect(none.stdout).toMatch(/No strategy decisions recorded for bo in this period/u);
    const bad = await harvest('strategy', 'log', 'bo', '--since', 'last tuesday');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/a date like 2026-01-01 or an ISO time/u);
  });
});
