/**
 * Issues #4 (item 10) and #13 (point 6): from an order being accepted
 * (TradeExecutionService.submit) to its signed transaction being journaled,
 * right before it is sent, with the quote round trip excluded: the time
 * inside the Jupiter client's build() is measured per order
 * (AsyncLocalStorage attributes each call to its order) and subtracted.
 *
 * The engine runs as a user's does: engine.funds() on a fresh data folder
 * wires the real services on the real sandbox (flow scan before each entry,
 * the risk gates with their facts, protections, assembly, the keystore's
 * signing policy and signature, the journal). What remains after the quote
 * is everything the engine does on the way, plus the in-process sandbox's
 * work for the chain calls (reported apart: simulations, other reads).
 *
 * 1,000 live orders, four users, each alternating a USDC→WETH buy and a sell
 * of what it bought; run once with one order in flight and once with the
 * four users' orders in parallel.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from '@solana/kit';
import type { ChainClient } from '../engine/chain';
import { JupiterClient, type Order } from '../engine/execution';
import { systemClock } from '../engine/kernel/clock';
import { silentLogger } from '../engine/kernel/logger';
import { tokenBySymbol } from '../engine/market';
import { Engine } from '../engine/runtime';
import { median, ms, table, type Benchmark } from './harness';
import { PERMISSIVE_RISK } from '../test/helpers/risk';

/** Orders per run (HARVEST_BENCH_ORDERS overrides, for a quick look; a multiple of USERS). */
const ORDERS = Number(process.env['HARVEST_BENCH_ORDERS'] ?? 1_000);
const WARM_UP = 20;
const USERS = 4;
const USDC = tokenBySymbol('USDC')!;
const WETH = tokenBySymbol('WETH')!;

interface Sample {
  /** submit() → signed transaction handed over. */
  totalMs: number;
  /** Process CPU (all threads: engine and in-process sandbox) over the same span, less the CPU spent inside builds. */
  cpuMs: number;
  /** Inside JupiterClient.build() before the signature. */
  jupiterMs: number;
  /** Inside ChainClient reads (balances, mint account, blockhash, fees) before the signature, simulations apart. */
  rpcMs: number;
  /** Inside ChainClient.simulateTransaction before the signature (the signing policy's, which also sets the unit limit). */
  simMs: number;
  /** Waiting on any of those (quote, reads, simulations): what is left is the engine's own work. */
  waitMs: number;
}

type Kind = 'jupiterMs' | 'rpcMs' | 'simMs' | 'waitMs';

/**
 * Wall time per kind of wait: calls of one kind that overlap (reads made together, the two
 * simulations of the policy) count once, for as long as at least one of them is in flight.
 */
interface Tracker {
  start: number;
  startCpu: NodeJS.CpuUsage;
  /** CPU used while a Swap API build was in flight (the sandbox's quote and instructions). */
  buildCpuMs: number;
  spent: Record<Kind, number>;
  open: Record<Kind, { n: number; since: number }>;
  signedAt: number | null;
}

const als = new AsyncLocalStorage<Tracker>();

function enter(tr: Tracker, kind: Kind, now: number): void {
  if (tr.open[kind].n++ === 0) tr.open[kind].since = now;
}

function leave(tr: Tracker, kind: Kind, now: number): void {
  if (--tr.open[kind].n === 0 && tr.signedAt === null) tr.spent[kind] += now - tr.open[kind].since;
}

async function timed<T>(kind: Exclude<Kind, 'waitMs'>, fn: () => Promise<T>): Promise<T> {
  const tr = als.getStore();
  if (tr) {
    const now = performance.now();
    enter(tr, kind, now);
    enter(tr, 'waitMs', now);
  }
  try {
    return await fn();
  } finally {
    if (tr) {
      const now = performance.now();
      leave(tr, kind, now);
      leave(tr, 'waitMs', now);
    }
  }
}

/** The time inside each Swap API build (quote and instructions), charged to the order that made it. */
function timeJupiterBuilds(): void {
  const build = JupiterClient.prototype.build;
  JupiterClient.prototype.build = async function (this: JupiterClient, p) {
    const tr = als.getStore();
    const cpu = process.cpuUsage();
    try {
      return await timed('jupiterMs', () => build.call(this, p));
    } finally {
      const spent = process.cpuUsage(cpu);
      if (tr && tr.signedAt === null) tr.buildCpuMs += (spent.user + spent.system) / 1000;
    }
  };
}

/** The engine's chain client, with the reads made before signing charged to the order (for the breakdown). */
function timeChainCalls(chain: ChainClient): void {
  const target = chain as unknown as Record<string, unknown>;
  let proto = Object.getPrototypeOf(chain) as object | null;
  const names = new Set<string>();
  for (; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null)
    for (const n of Object.getOwnPropertyNames(proto)) names.add(n);
  for (const name of names) {
    const v = target[name];
    if (name === 'constructor' || name === 'sendAndConfirm' || typeof v !== 'function') continue;
    const fn = v as (...a: unknown[]) => unknown;
    target[name] = (...args: unknown[]) => {
      const r = fn.apply(chain, args);
      if (!(r instanceof Promise)) return r;
      return timed(name === 'simulateTransaction' ? 'simMs' : 'rpcMs', () => r);
    };
  }
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const bench: Benchmark = {
  id: 'execution',
  title: 'Execution: order accepted → signed transaction handed to the RPC',
  async run(log) {
    const parent = mkdtempSync(join(tmpdir(), 'hv-bench-exec-'));
    const engine = Engine.open({
      dataDir: join(parent, 'data'),
      env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
      clock: systemClock,
      logger: silentLogger,
    });
    try {
      // The engine's own services on its own sandbox (engine/runtime/services.ts): the same execution
      // service, gates (with the gate's facts), flow scan before each entry, price quorum and signer
      // a user's engine runs; only the timing below is added, around the calls it measures.
      const funds = await engine.funds();
      if (funds.net.name !== 'sandbox' || !funds.net.sandbox)
        throw new Error('the benchmark needs the on-chain sandbox');
      const sandbox = funds.net.sandbox;
      timeChainCalls(funds.net.chain);
      timeJupiterBuilds();
      const samples = new Map<number, Sample>();
      const markSigned = engine.store.intents.markSigned.bind(engine.store.intents);
      // The signed transaction is journaled right before it is handed to the RPC: that is where an order's time stops.
      engine.store.intents.markSigned = (intentId, ...rest) => {
        markSigned(intentId, ...rest);
        const tr = als.getStore();
        if (!tr || tr.signedAt !== null) return; // a re-quoted order: its first signature counts
        tr.signedAt = performance.now();
        const cpu = process.cpuUsage(tr.startCpu);
        samples.set(intentId, {
          totalMs: tr.signedAt - tr.start,
          cpuMs: (cpu.user + cpu.system) / 1000 - tr.buildCpuMs,
          ...tr.spent,
        });
      };
      const refreshPrices = (): Promise<void> => funds.refreshPrices();
      await refreshPrices();
      const exec = funds.exec;

      const users: { id: number; address: Address }[] = [];
      for (let i = 0; i < USERS; i++) {
        const u = engine.users.add(`bench${i}`, 'bench');
        const w = engine.wallets.create(u.id, 12, 'bench');
        await engine.execute('settings.set', { user: u.name, key: 'mode', value: 'live', confirm: true });
        await engine.execute('settings.set', { user: u.name, key: 'risk', value: JSON.stringify(PERMISSIVE_RISK) });
        await sandbox.fund(w.address, {
          lamports: 10_000_000_000n,
          tokens: [{ mint: USDC.mint, amount: 100_000_000_000n }],
        });
        users.push({ id: u.id, address: w.address as Address });
      }
      // The engine's view of the wallets (the risk engine's equity) and their history so far, as a cycle reads them.
      await funds.balances.refresh(users.map((u) => u.id));
      await funds.flows.scan(users.map((u) => u.id));

      let seq = 0;
      let lastRefresh = performance.now();
      const failures: string[] = [];
      /** One user's orders, one at a time: buy ~5 USDC of WETH, then sell exactly what it bought. */
      const runUser = async (user: { id: number }, count: number, into: Sample[] | null): Promise<void> => {
        let held = 0n;
        for (let k = 0; k < count; k++) {
          if (performance.now() - lastRefresh > 20_000) {
            lastRefresh = performance.now();
            await refreshPrices();
          }
          const sell = held > 0n;
          const order: Order = {
            userId: user.id,
            side: sell ? 'sell' : 'buy',
            inputMint: (sell ? WETH.mint : USDC.mint) as Address,
            outputMint: (sell ? USDC.mint : WETH.mint) as Address,
            amount: sell ? held : 5_000_000n + BigInt(seq % 1000),
            context: 'strategy',
            clientId: `bench-${++seq}`,
            slippageBps: 200,
            // Every entry names a stop-loss (the operator's default global rule); far below any WETH price.
            ...(sell ? {} : { stopLossPrice: 1 }),
          };
          const tracker: Tracker = {
            start: performance.now(),
            startCpu: process.cpuUsage(),
            buildCpuMs: 0,
            spent: { jupiterMs: 0, rpcMs: 0, simMs: 0, waitMs: 0 },
            open: {
              jupiterMs: { n: 0, since: 0 },
              rpcMs: { n: 0, since: 0 },
              simMs: { n: 0, since: 0 },
              waitMs: { n: 0, since: 0 },
            },
            signedAt: null,
          };
          const out = await als.run(tracker, () => exec.submit(order));
          if (out.status !== 'confirmed') {
            failures.push(`${order.side}: ${out.status} ${'message' in out ? out.message : ''}`);
            held = 0n;
            continue;
          }
          held = sell ? 0n : out.outAmount;
          const s = out.intentId !== null ? samples.get(out.intentId) : undefined;
          if (s && into) into.push(s);
        }
      };

      const runs: { label: string; samples: Sample[]; wallMs: number }[] = [];
      await runUser(users[0]!, WARM_UP, null);
      const m0 = funds.net.chain.stats().byMethod;
      let callsPerOrder = '';
      for (const parallel of [1, USERS]) {
        const got: Sample[] = [];
        const t0 = performance.now();
        if (parallel === 1) {
          for (let i = 0; i < USERS; i++) await runUser(users[i]!, ORDERS / USERS, got);
        } else {
          await Promise.all(users.map((u) => runUser(u, ORDERS / USERS, got)));
        }
        const wallMs = performance.now() - t0;
        const label = parallel === 1 ? '1 order in flight' : `${USERS} users in parallel`;
        log(`${label}: ${got.length} orders signed in ${(wallMs / 1000).toFixed(1)} s`);
        runs.push({ label, samples: got, wallMs });
        if (parallel === 1) {
          const m1 = funds.net.chain.stats().byMethod;
          callsPerOrder = Object.entries(m1)
            .map(([method, n]) => [method, (n - (m0[method] ?? 0)) / ORDERS] as const)
            .filter(([, n]) => n >= 0.01)
            .sort((a, b) => b[1] - a[1])
            .map(([method, n]) => `${method} ${n.toFixed(2).replace(/\.?0+$/, '')}`)
            .join(', ');
        }
      }
      if (failures.length > 0) log(`${failures.length} orders did not confirm, e.g. ${failures[0]}`);

      const rows = runs.map(({ label, samples: s, wallMs }, i) => {
        const overhead = s.map((x) => x.totalMs - x.jupiterMs);
        const pure = s.map((x) => x.totalMs - x.waitMs);
        // With orders in parallel, an RPC await also spans the other orders' work: no clean split.
        const split = i === 0;
        return [
          label,
          s.length,
          ms(median(overhead)),
          ms(percentile(overhead, 99)),
          split ? ms(median(s.map((x) => x.cpuMs))) : '—',
          split ? ms(median(s.map((x) => x.simMs))) : '—',
          split ? ms(median(s.map((x) => x.rpcMs))) : '—',
          split ? ms(median(pure)) : '—',
          split ? ms(percentile(pure, 99)) : '—',
          ms(median(s.map((x) => x.jupiterMs))),
          ms(median(s.map((x) => x.totalMs))),
          (s.length / (wallMs / 1000)).toFixed(1),
        ];
      });
      return [
        `${ORDERS.toLocaleString('en-US')} live orders per row (after ${WARM_UP} warm-up orders), through the engine's own services on its own sandbox: \`engine.funds()\` on a fresh data folder, as \`harvest serve\` runs them (engine/runtime/services.ts: the execution service with its gates and their facts, the flow scan each live entry makes before the risk gate, the price quorum, the keystore signer and its signing policy, the SQLite journal with \`synchronous = FULL\`), the sandbox in the same process (LiteSVM behind real HTTP on 127.0.0.1, its state kept in the data folder). ${USERS} users each alternate a ~5 USDC → WETH buy and a sell of exactly what it bought; ${failures.length} of ${2 * ORDERS} measured orders did not confirm. The benchmark adds only timing: wrappers around the Swap API build, the chain client's calls and the journal's signed entry.`,
        '',
        "**Accepted → signed, quote/build excluded** = time from `submit()` to the signed transaction being journaled, right before it is sent, minus the time inside `JupiterClient.build()` for that order (the Swap API v2 round trip that quotes and returns the instructions). **CPU over that span** = the process's CPU (all threads: engine and in-process sandbox) over the same span, less the CPU used while the build was in flight: what an order costs the machine, and about what the wall time comes to when nothing else runs. **Simulations** = wall time inside `simulateTransaction`: the signing policy's baseline and swap simulations of the assembled transaction, run together, whose compute units also set the unit limit (the policy simulates again only if the bytes it signs changed in more than that limit). **Other RPC reads** = wall time of the other chain reads: the flow scan's (the history of the wallet and of its token accounts that have one, and any new transaction in it), the balance read, and the blockhash, recent priority fees and any lookup tables, read together (the blockhash and priority fees come from the chain client's one-second cache when an order of the last second read them). Calls that overlap count once. **Without RPC or simulation** = what is left when no quote, read or simulation is in flight: CPU and SQLite. That split is given for the first row only: with orders in parallel, an RPC await also spans the other orders' work. All in ms.",
        '',
        table(
          [
            'run',
            'orders',
            'accepted → signed, quote/build excluded: median',
            'p99',
            'CPU over that span, median',
            'of which simulations, median',
            'of which other RPC reads, median',
            'without RPC or simulation: median',
            'p99',
            'quote/build median',
            'submit→signed median',
            'orders/s',
          ],
          rows,
        ),
        '',
        '',
        `Chain calls per order, one in flight (sending and confirmation included): ${callsPerOrder}.`,
        '',
        'The sandbox serves its RPC and swap API from the same event loop as the engine, so with four orders in flight each order also waits for the others’ (and the sandbox’s) work: that row is latency under load, the first is the engine’s own path.',
      ].join('\n');
    } finally {
      await engine.close();
      rmSync(parent, { recursive: true, force: true });
    }
  },
};

export default bench;
