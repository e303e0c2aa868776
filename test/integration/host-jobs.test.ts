/**
 * Issue 13, points 1 and 3: a background backtest's or optimisation's
 * progress reaches a WebSocket client as pushes of their own type
 * (`{type:'job'}`), paced, ending with the job's final state; they are not
 * engine events and nothing of them is stored. Real HTTP and WebSockets
 * against an in-process engine on the system clock.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobUpdateMessage, type JobUpdate, type ServerMessage } from '../../engine/api';
import { startHost, type Host } from '../../engine/host';
import { systemClock } from '../../engine/kernel/clock';
import { silentLogger } from '../../engine/kernel/logger';
import { Engine } from '../../engine/runtime';
import { tempDataDir } from '../helpers/datadir';
import { connect, type Conn, type ResultMessage } from './host-support';

let data: ReturnType<typeof tempDataDir>;
let engine: Engine;
let host: Host;
const open: Conn[] = [];

beforeAll(async () => {
  data = tempDataDir('hv-host-jobs-');
  engine = Engine.open({
    dataDir: data.dir,
    clock: systemClock,
    logger: silentLogger,
    ownerKind: 'engine',
    actor: 'ui',
    env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
  });
  host = await startHost({ engine, port: 0, log: silentLogger, rendererDir: null });
});

afterAll(async () => {
  for (const c of open) c.close();
  await host?.close();
  await engine?.close();
  data?.cleanup();
});

async function ws(): Promise<Conn> {
  const c = await connect(`${host.origin.replace('http://', 'ws://')}/api/ws?token=${host.token}`);
  open.push(c);
  await c.take((m) => m.type === 'hello');
  return c;
}

type JobMessage = Extract<ServerMessage, { type: 'job' }>;
const isJob =
  (job: number) =>
  (m: ServerMessage): m is JobMessage =>
    m.type === 'job' && m.update.job === job;

/** Every pushed update of one job, up to and including its final state. */
async function updatesUntilEnd(c: Conn, job: number): Promise<JobUpdate[]> {
  const out: JobUpdate[] = [];
  for (;;) {
    const m = await c.take(isJob(job), 60_000);
    // The message is exactly what the contract says, nothing more.
    expect(JobUpdateMessage.parse(m)).toEqual(m);
    out.push(m.update);
    if (m.update.state !== 'running') return out;
  }
}

const eventCount = () => (engine.store.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;

describe('job progress over the WebSocket', () => {
  it('a running backtest pushes its progress, then done, to every client; the report is read once with backtest.job', async () => {
    const [a, b] = [await ws(), await ws()];
    const before = eventCount();
    const started = (await a.call('backtest.start', {
      strategy: 'trend',
      tokens: ['SOL', 'WETH'],
      timeframe: '1h',
      from: '2021-01-01',
      to: '2021-04-01',
      capitalUsd: 2_000,
    })) as ResultMessage & { ok: true; result: { job: number } };
    expect(started.ok).toBe(true);
    const job = started.result.job;

    const seen = await updatesUntilEnd(a, job);
    const running = seen.filter((u) => u.state === 'running');
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((u) => u.progress > 0 && u.progress <= 1)).toBe(true);
    for (let i = 1; i < running.length; i++) expect(running[i]!.progress).toBeGreaterThan(running[i - 1]!.progress);
    expect(seen.at(-1)).toEqual({ job, kind: 'run', state: 'done', progress: 1, error: null });
    // The other client heard the same pushes, ending the same way.
    expect(await updatesUntilEnd(b, job)).toEqual(seen);

    // The report is not pushed; one read fetches it.
    expect(JSON.stringify(seen)).not.toContain('metrics');
    const final = (await a.call('backtest.job', { job })) as ResultMessage & {
      ok: true;
      result: { state: string; run: { report: { metrics: { tradeCount: number } } } };
    };
    expect(final.result.state).toBe('done');
    expect(final.result.run.report.metrics.tradeCount).toBeGreaterThan(0);

    // Progress is not an engine event: none was broadcast, none stored.
    expect(a.messages.filter((m) => m.type === 'event')).toEqual([]);
    expect(eventCount()).toBe(before);
  }, 90_000);

  it('a cancelled optimisation ends with a cancelled push; a failing one with its reason in words', async () => {
    const c = await ws();
    const started = (await c.call('backtest.optimiseStart', {
      strategy: 'trend',
      tokens: ['SOL', 'WETH'],
      from: '2021-01-01',
      to: '2021-06-01',
      samples: 400,
    })) as ResultMessage & { ok: true; result: { job: number } };
    const job = started.result.job;
    await c.call('backtest.cancel', { job });
    const seen = await updatesUntilEnd(c, job);
    expect(seen.at(-1)).toMatchObject({ job, kind: 'optimise', state: 'cancelled', error: null });

    const bad = (await c.call('backtest.start', {
      strategy: 'nope',
      tokens: ['SOL'],
      from: '2021-01-01',
      to: '2021-01-10',
    })) as ResultMessage & { ok: true; result: { job: number } };
    const failed = await updatesUntilEnd(c, bad.result.job);
    expect(failed.at(-1)).toMatchObject({ state: 'failed' });
    expect(failed.at(-1)!.error).toMatch(/strategy/iu);
  }, 60_000);
});
