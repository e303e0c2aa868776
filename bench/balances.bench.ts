/**
 * Issue #3, item 7: a balance refresh for 1,000 wallets × 3 mints against the
 * sandbox, through the engine's ChainClient (getMultipleAccounts, ≤ 100
 * accounts per call) versus the naive way (one getBalance per wallet and one
 * getAccountInfo per associated token account), in the same run. Calls are
 * counted by the sandbox RPC server; time is wall time around each refresh.
 */
import { generateKeyPairSigner, type Address } from '@solana/kit';
import {
  createChainClient,
  decodeTokenAccountAmount,
  findAssociatedTokenAddress,
  type MintSpec,
} from '../engine/chain';
import { systemClock } from '../engine/kernel/clock';
import { silentLogger } from '../engine/kernel/logger';
import { tokenBySymbol } from '../engine/market';
import { Sandbox } from '../engine/sandbox';
import { median, ms, table, type Benchmark } from './harness';

const WALLETS = 1_000;
/** Every FUNDED_EVERY-th wallet gets SOL and all three tokens from the faucet; the rest stay empty (a mix, as in life). */
const FUNDED_EVERY = 4;
const RUNS = 5;
/** Requests in flight at once, for both approaches (the batched reader's default). */
const CONCURRENCY = 4;
/** The public mainnet RPC limit the client's defaults are built for. */
const PUBLIC_LIMIT = { requests: 100, perSeconds: 10 };

interface Read {
  lamports: bigint;
  tokens: bigint[];
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Seconds a burst of `calls` requests needs at least under the public limit (its bucket starts full). */
function publicLimitSeconds(calls: number): number {
  return Math.max(0, calls - PUBLIC_LIMIT.requests) / (PUBLIC_LIMIT.requests / PUBLIC_LIMIT.perSeconds);
}

const bench: Benchmark = {
  id: 'balances',
  title: 'Balance refresh: 1,000 wallets × 3 mints',
  async run(log) {
    const sandbox = await Sandbox.start({ dir: null, clock: systemClock, log: silentLogger });
    try {
      const tokens = ['USDC', 'PYUSD', 'WETH'].map((s) => tokenBySymbol(s)!);
      const mints: MintSpec[] = tokens.map((t) => ({
        mint: t.mint,
        tokenProgram: t.tokenProgram!,
        decimals: t.decimals,
      }));
      const wallets: Address[] = [];
      for (let i = 0; i < WALLETS; i++) wallets.push((await generateKeyPairSigner()).address);

      const fundStart = performance.now();
      const expected = new Map<Address, Read>();
      for (let i = 0; i < WALLETS; i += FUNDED_EVERY) {
        const read: Read = {
          lamports: 1_000_000_000n + BigInt(i),
          tokens: tokens.map((_, m) => BigInt(1 + i * 10 + m)),
        };
        await sandbox.fund(wallets[i]!, {
          lamports: read.lamports,
          tokens: mints.map((m, k) => ({ mint: m.mint, amount: read.tokens[k]! })),
        });
        expected.set(wallets[i]!, read);
      }
      log(
        `funded ${expected.size} of ${WALLETS} wallets with SOL + ${tokens.length} tokens in ${ms(performance.now() - fundStart)} ms`,
      );

      // A local endpoint: no rate limit to wait for, and no read cache, so every run really reads.
      const chain = createChainClient({
        endpoints: [{ url: sandbox.rpcUrl, rateLimit: { requests: 1_000_000, perMs: 1_000 } }],
        clock: systemClock,
        logger: silentLogger,
        cacheTtlMs: 0,
      });

      const batched = async (): Promise<Read[]> =>
        (await chain.getBalances(wallets, mints)).map((b) => ({
          lamports: b.lamports,
          tokens: mints.map((m) => b.tokens.get(m.mint) ?? 0n),
        }));

      const naive = async (): Promise<Read[]> =>
        mapLimit(wallets, CONCURRENCY, async (wallet) => {
          const { value: lamports } = await chain.rpc.getBalance(wallet).send();
          const amounts: bigint[] = [];
          for (const m of mints) {
            const ata = await findAssociatedTokenAddress(wallet, m.mint, m.tokenProgram);
            const { value } = await chain.rpc.getAccountInfo(ata, { encoding: 'base64' }).send();
            amounts.push(
              value
                ? decodeTokenAccountAmount(Buffer.from(value.data[0], 'base64'), {
                    mint: m.mint,
                    owner: wallet,
                    account: ata,
                  })
                : 0n,
            );
          }
          return { lamports, tokens: amounts };
        });

      const check = (name: string, reads: Read[]): void => {
        reads.forEach((r, i) => {
          const e = expected.get(wallets[i]!) ?? { lamports: 0n, tokens: mints.map(() => 0n) };
          if (r.lamports !== e.lamports || r.tokens.some((t, k) => t !== e.tokens[k])) {
            throw new Error(
              `${name} read wallet ${i} wrong: ${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
            );
          }
        });
      };

      const approaches = { batched, naive } as const;
      const results: Record<keyof typeof approaches, { times: number[]; calls: Record<string, number>[] }> = {
        batched: { times: [], calls: [] },
        naive: { times: [], calls: [] },
      };
      // One warm-up each (JIT, ATA derivation cache, sockets), then alternating measured runs.
      for (const [name, fn] of Object.entries(approaches)) check(name, await fn());
      for (let run = 0; run < RUNS; run++) {
        for (const [name, fn] of Object.entries(approaches) as [keyof typeof approaches, () => Promise<Read[]>][]) {
          sandbox.rpc.resetCallCounts();
          const t0 = performance.now();
          const reads = await fn();
          const elapsed = performance.now() - t0;
          results[name].calls.push(sandbox.rpc.callCounts());
          results[name].times.push(elapsed);
          check(name, reads);
          log(`run ${run + 1}/${RUNS} ${name}: ${ms(elapsed)} ms, ${JSON.stringify(sandbox.rpc.callCounts())}`);
        }
      }

      const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
      const rows = (Object.keys(results) as (keyof typeof approaches)[]).map((name) => {
        const r = results[name];
        const calls = r.calls[0]!;
        if (r.calls.some((c) => JSON.stringify(c) !== JSON.stringify(calls)))
          throw new Error(`${name}: call counts differ between runs`);
        const label =
          name === 'batched'
            ? 'ChainClient.getBalances (getMultipleAccounts ≤ 100)'
            : 'naive: getBalance + getAccountInfo per ATA';
        const methods = Object.entries(calls)
          .map(([m, n]) => `${m} ${n}`)
          .join(', ');
        return {
          name,
          total: total(calls),
          median: median(r.times),
          row: [
            label,
            total(calls),
            methods,
            ms(median(r.times)),
            `${ms(Math.min(...r.times))}–${ms(Math.max(...r.times))}`,
            publicLimitSeconds(total(calls)).toFixed(0),
          ],
        };
      });
      const [b, n] = rows as [(typeof rows)[number], (typeof rows)[number]];
      const budget = Math.ceil((WALLETS * (1 + mints.length)) / 100);
      if (b.total !== budget) throw new Error(`batched refresh made ${b.total} calls; the budget is ${budget}`);

      return [
        `${WALLETS} wallets (${expected.size} funded by the sandbox faucet with SOL, USDC, PYUSD (Token-2022) and WETH; the rest empty), ` +
          `${mints.length} mints, against an in-memory sandbox (\`Sandbox.start({ dir: null })\`) over HTTP on 127.0.0.1. ` +
          `Both approaches go through the same ChainClient transport (read cache off, no rate limit locally) with at most ${CONCURRENCY} requests in flight, ` +
          `and both read every balance exactly (checked against what the faucet gave on every run). Calls are counted by the sandbox RPC server; ` +
          `wall time over ${RUNS} runs after one warm-up each.`,
        '',
        table(
          [
            'approach',
            'RPC calls',
            'by method',
            'median ms',
            'min–max ms',
            `≥ s at ${PUBLIC_LIMIT.requests} req/${PUBLIC_LIMIT.perSeconds} s`,
          ],
          rows.map((r) => r.row),
        ),
        '',
        `Batched: ceil(${WALLETS}·(1+${mints.length})/100) = ${budget} calls, ${(n.total / b.total).toFixed(0)}× fewer than naive; ` +
          `${(n.median / b.median).toFixed(1)}× faster locally. The last column is the least time the calls need under the public mainnet limit ` +
          `(a full bucket of ${PUBLIC_LIMIT.requests}, then ${PUBLIC_LIMIT.requests / PUBLIC_LIMIT.perSeconds} per second): computed, not measured.`,
      ].join('\n');
    } finally {
      await sandbox.close();
    }
  },
};

export default bench;
