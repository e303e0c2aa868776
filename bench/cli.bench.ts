/**
 * Issue 12, item 5: how fast the `harvest` command answers, as ratios to a
 * bare `node -e 0` on the same machine.
 *
 * - cold: `status`, `user list` and `positions USER` with no engine running
 *   (each process opens the data directory itself); target ≤ 3× bare Node;
 * - forwarded: the same while `harvest run` owns the data directory (the
 *   command goes over its control socket); target ≤ 250 ms;
 * - serve ready: from spawning `harvest serve --json` to its `ready` line,
 *   with 1,000 friends and 100,000 trades; target ≤ 1 s.
 *
 * The data is seeded through the engine's own modules (Engine.open, the user
 * directory, the intent journal and the portfolio repository), so it has the
 * shape the engine writes. Every figure is the median of several spawns of
 * bin/harvest.mjs, after one warm-up spawn that fills the OS file cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../engine/kernel/logger';
import { readOwner } from '../engine/kernel/owner-file';
import { dataDirLayout } from '../engine/kernel/paths';
import { KNOWN_TOKENS } from '../engine/market';
import { Engine } from '../engine/runtime';
import { median, ms, table, type Benchmark } from './harness';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'harvest.mjs');
const FRIENDS = Number(process.env['HARVEST_BENCH_FRIENDS'] ?? 1_000);
const TRADES = Number(process.env['HARVEST_BENCH_TRADES'] ?? 100_000);
const RUNS = Number(process.env['HARVEST_BENCH_RUNS'] ?? 9);
const SERVE_RUNS = 3;

/** Wall time of one process from spawn to exit; a failed command fails the benchmark. */
function timeProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const elapsed = performance.now() - start;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${err.trim()}`));
    });
  });
}

interface Timing {
  min: number;
  median: number;
}

/** Min and median of several spawns: on a machine others load, the min shows what the command itself costs. */
async function timingOf(args: readonly string[], env: NodeJS.ProcessEnv, runs = RUNS): Promise<Timing> {
  await timeProcess(args, env); // warm-up: file cache, not counted
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timeProcess(args, env));
  return { min: Math.min(...samples), median: median(samples) };
}

const loadNow = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/** 1,000 friends and 100,000 paper trades (with their confirmed intents), in a few transactions. */
export async function seed(dataDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const engine = Engine.open({ dataDir, env, ownerKind: 'cli', logger: silentLogger, actor: 'bench' });
  try {
    const { store } = engine;
    const ids: number[] = [];
    for (let i = 1; i <= FRIENDS; i++) ids.push(engine.users.add(`friend-${i}`, 'bench').id);
    const [sol, usdc] = [KNOWN_TOKENS[0]!, KNOWN_TOKENS.find((t) => t.symbol === 'USDC')!];
    const start = Date.parse('2026-01-01T00:00:00Z');
    const CHUNK = 10_000;
    for (let from = 0; from < TRADES; from += CHUNK) {
      store.tx(() => {
        for (let n = from; n < Math.min(TRADES, from + CHUNK); n++) {
          const userId = ids[n % ids.length]!;
          const side = Math.floor(n / ids.length) % 2 === 0 ? 'buy' : 'sell';
          const at = new Date(start + n * 60_000).toISOString();
          const intentId = store.intents.insert({
            userId,
            clientId: `bench-${n}`,
            network: 'sandbox',
            venue: 'paper',
            context: 'strategy',
            side,
            inputMint: side === 'buy' ? usdc.mint : sol.mint,
            outputMint: side === 'buy' ? sol.mint : usdc.mint,
            amount: 10_000_000n,
            slippageBps: 50,
            exits: null,
            at,
          });
          store.intents.finish(intentId, 'confirmed', null, null, at);
          store.portfolio.insertTrade({
            intentId,
            userId,
            network: 'sandbox',
            venue: 'paper',
            context: 'strategy',
            side,
            baseMint: sol.mint,
            quoteMint: usdc.mint,
            baseAmount: 66_000_000n,
            quoteAmount: 10_000_000n,
            feeLamports: 5_000n,
            price: 150 + (n % 100) / 10,
            realizedPnl: 0n,
            positionId: null,
            signature: null,
            executedAt: at,
          });
        }
      });
    }
    return 'friend-1';
  } finally {
    await engine.close();
  }
}

/** Spawns a long-running command and resolves once `ready()` holds; returns a stopper. */
async function startOwner(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  ready: (stdout: string) => boolean,
): Promise<{ elapsed: number; stop: () => Promise<void> }> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const elapsed = await new Promise<number>((resolve, reject) => {
    const check = (): void => {
      if (ready(out)) {
        clearInterval(timer);
        resolve(performance.now() - start);
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    const timer = setInterval(check, 5);
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`node ${args.join(' ')} exited ${code} before it was ready: ${err.trim()}`));
    });
  });
  return {
    elapsed,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const cliBench: Benchmark = {
  id: 'cli',
  title: 'CLI answers and serve start-up (issue 12, item 5)',
  async run(log) {
    log('building the CLI bundle (npm run build:cli)');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { stdio: 'inherit' });
    const dataDir = mkdtempSync(join(tmpdir(), 'harvest-bench-cli-'));
    // A throw-away key: the bench must not touch the operator's keychain.
    const env = { ...process.env, HARVEST_MASTER_KEY: randomBytes(32).toString('hex'), HARVEST_LOG_LEVEL: 'warn' };
    try {
      log(`seeding ${FRIENDS} friends and ${TRADES} trades`);
      const seedStart = performance.now();
      const user = await seed(dataDir, env);
      log(`seeded in ${ms(performance.now() - seedStart)} ms`);

      const loadAtStart = loadNow();
      const bare = await timingOf(['-e', '0'], env);
      log(`bare node: ${ms(bare.min)} / ${ms(bare.median)} ms`);
      const commands: [string, string[]][] = [
        ['status', ['status']],
        ['user list', ['user', 'list']],
        [`positions ${user}`, ['positions', user]],
      ];
      const cold: Timing[] = [];
      for (const [label, args] of commands) {
        cold.push(await timingOf([BIN, '--data-dir', dataDir, ...args], env));
        log(`cold ${label}: ${ms(cold.at(-1)!.min)} / ${ms(cold.at(-1)!.median)} ms`);
      }

      const owner = await startOwner([BIN, '--data-dir', dataDir, 'run', '--cycle-seconds', '3600'], env, () =>
        Boolean(readOwner(dataDirLayout(dataDir))?.socket),
      );
      const forwarded: Timing[] = [];
      try {
        for (const [label, args] of commands) {
          forwarded.push(await timingOf([BIN, '--data-dir', dataDir, ...args], env));
          log(`forwarded ${label}: ${ms(forwarded.at(-1)!.min)} / ${ms(forwarded.at(-1)!.median)} ms`);
        }
      } finally {
        await owner.stop();
      }

      const serves: number[] = [];
      for (let i = 0; i < SERVE_RUNS; i++) {
        const s = await startOwner([BIN, '--data-dir', dataDir, 'serve', '--json', '--port', '0'], env, (out) =>
          out.includes('"event":"ready"'),
        );
        serves.push(s.elapsed);
        await s.stop();
        log(`serve ready: ${ms(s.elapsed)} ms`);
      }
      const serve = median(serves);

      const ok = (pass: boolean): string => (pass ? 'met' : '**not met**');
      const ratio = (t: number, b: number): string => `${(t / b).toFixed(2)}×`;
      const rows = commands.flatMap(([label], i) => [
        [
          `cold \`${label}\``,
          ms(cold[i]!.min),
          ms(cold[i]!.median),
          ratio(cold[i]!.min, bare.min),
          ratio(cold[i]!.median, bare.median),
          '≤ 3× bare Node',
          ok(cold[i]!.median <= 3 * bare.median),
        ],
        [
          `forwarded \`${label}\``,
          ms(forwarded[i]!.min),
          ms(forwarded[i]!.median),
          ratio(forwarded[i]!.min, bare.min),
          ratio(forwarded[i]!.median, bare.median),
          '≤ 250 ms',
          ok(forwarded[i]!.median <= 250),
        ],
      ]);
      return [
        `${FRIENDS.toLocaleString('en')} friends and ${TRADES.toLocaleString('en')} trades seeded through the engine's modules; min and median of ${RUNS} spawns of \`bin/harvest.mjs\` (after one warm-up), serve of ${SERVE_RUNS}. A target is judged on the medians (min against min, median against median). Load average (1, 5, 15 min) at the start: ${loadAtStart}; at the end: ${loadNow()}.`,
        '',
        table(
          ['what', 'min ms', 'median ms', 'min vs `node -e 0`', 'median vs `node -e 0`', 'target', ''],
          [
            ['bare `node -e 0`', ms(bare.min), ms(bare.median), '1.00×', '1.00×', '', ''],
            ...rows,
            [
              '`serve` ready',
              ms(Math.min(...serves)),
              ms(serve),
              ratio(Math.min(...serves), bare.min),
              ratio(serve, bare.median),
              '≤ 1,000 ms',
              ok(serve <= 1_000),
            ],
          ],
        ),
      ].join('\n');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default cliBench;
