/**
 * Issue 16, item 5: copy-trading latency, from a leader's transaction being
 * confirmed to the follower's copy being signed, the polling interval
 * excluded: the poll starts the moment the leader's swap has landed.
 *
 * The leader is the sandbox whale (a wallet outside Harvest swapping through
 * the sandbox market maker); the follower is a live friend whose copies are
 * real swaps on the same sandbox. Everything runs as the engine runs it:
 * engine.funds() (the in-process sandbox behind real HTTP on 127.0.0.1, the
 * ordinary chain client and Jupiter client), CopyService.poll() reading the
 * leader's history (getSignaturesForAddress, getTransaction), parsing it,
 * sizing the copy and submitting it through TradeExecutionService, up to the
 * keystore's signature. Only copies that reach a signature count (a whale sell
 * of something the copy never bought is skipped, as it should be).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../engine/kernel/clock';
import { silentLogger } from '../engine/kernel/logger';
import { Engine } from '../engine/runtime';
import type { Sandbox } from '../engine/sandbox';
import { PERMISSIVE_RISK } from '../test/helpers/risk';
import { median, ms, table, type Benchmark } from './harness';

/** Leader trades per run (HARVEST_BENCH_COPIES overrides, for a quick look). */
const TRADES = Number(process.env['HARVEST_BENCH_COPIES'] ?? 60);
const WARM_UP = 4;

interface Sample {
  /** Leader confirmed → copy order submitted (history read, transaction fetched and parsed, copy sized). */
  detectMs: number;
  /** Copy submitted → signed (risk gate, queue, quote, protections, journal, signing policy). */
  executeMs: number;
  totalMs: number;
  /** Inside executing: the live order's sync of the follower's outside flows (engine/funds/flows). */
  flowMs: number;
  side: 'buy' | 'sell';
}

function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const bench: Benchmark = {
  id: 'copy',
  title: 'Copy trading: leader transaction confirmed → follower transaction signed (sandbox)',
  async run(log) {
    const parent = mkdtempSync(join(tmpdir(), 'hv-bench-copy-'));
    const engine = Engine.open({
      dataDir: join(parent, 'data'),
      env: { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') },
      clock: systemClock,
      logger: silentLogger,
    });
    try {
      const funds = await engine.funds();
      const sandbox = funds.net.sandbox as Sandbox;
      const u = engine.users.add('follower', 'bench');
      engine.wallets.create(u.id, 12, 'bench');
      await engine.execute('settings.set', { user: u.id, key: 'risk', value: JSON.stringify(PERMISSIVE_RISK) });
      await engine.execute('settings.set', { user: u.id, key: 'mode', value: 'live', confirm: true });
      await engine.execute('funds.faucet', { user: u.id, sol: '20', token: 'USDC', amount: '20000' });
      const whale = sandbox.whaleWallet;
      await engine.execute('copy.follow', { user: u.id, leader: whale.address, sizing: 'fixed', fixedUsd: 10 });
      await funds.refreshPrices();

      // Timestamps: when the copy was handed to the execution path, and when the keystore signed it.
      let submittedAt: number | null = null;
      let signedAt: number | null = null;
      const exec = funds.exec as unknown as { submit: (...a: unknown[]) => Promise<unknown> };
      const submit = exec.submit.bind(exec);
      exec.submit = (...a) => {
        submittedAt ??= performance.now();
        return submit(...a);
      };
      const signer = engine.signer as unknown as { sign: (...a: unknown[]) => Promise<unknown> };
      const sign = signer.sign.bind(signer);
      signer.sign = async (...a) => {
        const out = await sign(...a);
        signedAt ??= performance.now();
        return out;
      };

      // The live order's pre-trade sync of outside flows (a history read of the follower's wallet), timed apart.
      let flowMs = 0;
      const flows = funds.flows as unknown as { scan: (...a: unknown[]) => Promise<unknown> };
      const scan = flows.scan.bind(flows);
      flows.scan = async (...a) => {
        const t = performance.now();
        try {
          return await scan(...a);
        } finally {
          if (signedAt === null) flowMs += performance.now() - t;
        }
      };

      const samples: Sample[] = [];
      let skipped = 0;
      let lastPrices = performance.now();
      for (let i = 0; i < TRADES + WARM_UP; i++) {
        if (performance.now() - lastPrices > 20_000) {
          await funds.refreshPrices();
          lastPrices = performance.now();
        }
        const trade = await whale.tradeOnce();
        // The leader's swap has landed at confirmed commitment: the clock starts, and the poll runs now.
        const confirmedAt = performance.now();
        submittedAt = null;
        signedAt = null;
        flowMs = 0;
        const r = await funds.copy.poll();
        if (signedAt === null || submittedAt === null) {
          skipped += r.skipped;
          continue;
        }
        if (i < WARM_UP) continue;
        samples.push({
          detectMs: submittedAt - confirmedAt,
          executeMs: signedAt - submittedAt,
          totalMs: signedAt - confirmedAt,
          flowMs,
          side: trade.side,
        });
        if (samples.length % 10 === 0) log(`  ${samples.length} copies signed`);
      }
      if (samples.length === 0) throw new Error('no copy reached a signature');
      const row = (label: string, xs: Sample[]) => {
        const t = xs.map((s) => s.totalMs);
        return [
          label,
          xs.length,
          ms(median(xs.map((s) => s.detectMs))),
          ms(median(xs.map((s) => s.executeMs))),
          ms(median(xs.map((s) => s.flowMs))),
          ms(median(t)),
          ms(percentile(t, 95)),
          ms(Math.max(...t)),
        ];
      };
      const buys = samples.filter((s) => s.side === 'buy');
      const sells = samples.filter((s) => s.side === 'sell');
      const p95 = percentile(
        samples.map((s) => s.totalMs),
        95,
      );
      return [
        `${TRADES} whale swaps after ${WARM_UP} warm-up ones, one live follower (fixed $10 per copy), in-process sandbox over HTTP on 127.0.0.1. ` +
          `Each poll starts the moment the whale's swap has landed, so the polling interval is excluded. ` +
          `${samples.length} copies were signed; ${skipped} whale sells of tokens the copy never bought were skipped, as they should be.`,
        '',
        table(
          [
            'copies',
            'n',
            'found + sized (median ms)',
            'submitted → signed (median ms)',
            'of which flow sync (median ms)',
            'total median ms',
            'total p95 ms',
            'max ms',
          ],
          [
            row('all', samples),
            ...(buys.length ? [row('buys', buys)] : []),
            ...(sells.length ? [row('sells', sells)] : []),
          ],
        ),
        '',
        `Goal: < 300 ms in the sandbox. Median ${ms(median(samples.map((s) => s.totalMs)))} ms, p95 ${ms(p95)} ms: ${p95 < 300 ? 'met' : 'not met'} on this run. ` +
          `The machine's load average was ${loadavg()
            .map((l) => l.toFixed(1))
            .join(
              ' / ',
            )} (1 / 5 / 15 min) at the end, on ${availableParallelism()} cores: the sandbox, the engine and other processes share them, and every step above waits its turn.`,
      ].join('\n');
    } finally {
      await engine.close();
      rmSync(parent, { recursive: true, force: true });
    }
  },
};

export default bench;
