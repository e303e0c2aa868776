/**
 * Issue #5, item 8 (risk part): CPU time of the risk checks of one cycle for
 * 10, 100, 1,000 and 10,000 users × 5 tokens (one entry check per user and
 * token). Two layers, in the same run:
 *  - rules: the pure evaluateEntry on prepared facts (what the engine decides);
 *  - gate: RiskEngine.check over an in-memory SQLite store (the facts read
 *    from trades, positions, the paper book and the risk state; no network).
 * `riskBenchmark(users)` is exported for the lead's cycle benchmark.
 */
import { isoTime, ManualClock } from '../engine/kernel/clock';
import { EventBus } from '../engine/kernel/event-bus';
import { KNOWN_TOKENS, tokenBySymbol, WRAPPED_SOL_MINT } from '../engine/market';
import {
  Controls,
  effectiveLimits,
  evaluateEntry,
  GlobalLimitsSchema,
  RISK_PRESETS,
  RISK_PRESET_NAMES,
  RiskEngine,
  type EntryFacts,
} from '../engine/risk';
import type { Order } from '../engine/execution';
import { openDatabase, Store } from '../engine/store';
import { defaultUserSettings } from '../engine/users/settings';
import { median, ms, table, type Benchmark } from './harness';

const TOKENS = 5;
const USDC = tokenBySymbol('USDC')!;
const TRADED = KNOWN_TOKENS.filter((t) => t.mint !== USDC.mint).slice(0, 4);
const PRICES = new Map<string, number>([
  [USDC.mint, 1],
  [WRAPPED_SOL_MINT, 150],
  ...KNOWN_TOKENS.filter((t) => t.mint !== USDC.mint && t.mint !== WRAPPED_SOL_MINT).map(
    (t) => [t.mint as string, t.stable ? 1 : 3_000] as [string, number],
  ),
]);
const price = (m: string): number | null => PRICES.get(m) ?? null;
const NOW = Date.parse('2026-01-05T12:00:00Z');

export interface RiskBenchResult {
  users: number;
  checks: number;
  rulesMs: number;
  gateMs: number;
  /** Gate decisions that refused (a mix is intended: some users at their limits). */
  refused: number;
}

/** Facts for user i and token j: spread over the limits so every rule runs, some refuse. */
function facts(i: number, j: number): EntryFacts {
  return {
    nowMs: NOW,
    orderUsd: 10 + ((i * 7 + j) % 600),
    boughtPriceUsd: 3_000,
    stopLossPrice: i % 50 === 0 ? null : 2_700,
    positionUsd: (i % 5) * 100,
    exposureUsd: (i % 5) * 100 + (i % 3) * 400,
    opensNew: i % 5 === 0,
    openPositions: i % 7,
    equityUsd: 5_000 + (i % 13) * 500,
    dayStartEquityUsd: 5_000 + (i % 13) * 500 + (i % 17 === 0 ? 600 : 0),
    dayNetFlowsUsd: 0,
    dailyLossHitToday: false,
    highWaterUsd: 5_000 + (i % 13) * 500 + (i % 23 === 0 ? 3_000 : 0),
    entriesToday: i % 30,
    losingClosesMs: i % 11 === 0 ? [NOW - 60_000, NOW - 120_000, NOW - 180_000] : [],
    lastCloseMs: i % 9 === 0 ? NOW - 5 * 60_000 : null,
  };
}

/** Runs both layers for `users` users × 5 tokens; returns the median of `runs` timings. */
export function riskBenchmark(users: number, runs = 5): RiskBenchResult {
  const limits = RISK_PRESET_NAMES.map((p) => effectiveLimits(RISK_PRESETS[p], GlobalLimitsSchema.parse({})));
  const prepared = Array.from({ length: users }, (_, i) => Array.from({ length: TOKENS }, (_, j) => facts(i, j)));
  const rules: number[] = [];
  let sink = 0;
  for (let r = 0; r < runs + 1; r++) {
    const t0 = performance.now();
    for (let i = 0; i < users; i++)
      for (let j = 0; j < TOKENS; j++) if (!evaluateEntry(limits[i % 3]!, prepared[i]![j]!).decision.ok) sink++;
    if (r > 0) rules.push(performance.now() - t0);
  }

  // The store-backed gate: paper users with a book and one open position each.
  const clock = new ManualClock(NOW);
  const store = new Store(openDatabase(':memory:', { nowIso: isoTime(clock) }));
  const bus = new EventBus(
    (e) => ({ ...e, id: store.events.insert(e).id }),
    () => isoTime(clock),
  );
  const controls = new Controls(store, bus, clock);
  const engine = new RiskEngine({ store, controls, bus, network: 'sandbox' });
  const ids: number[] = [];
  store.tx(() => {
    for (let i = 0; i < users; i++) {
      const u = store.users.insert(`u${i}`, isoTime(clock));
      store.settings.insert(
        u.id,
        { ...defaultUserSettings(), risk: { preset: RISK_PRESET_NAMES[i % 3] } },
        isoTime(clock),
      );
      store.paper.set(u.id, USDC.mint, BigInt(5_000 + (i % 13) * 500) * 1_000_000n);
      store.paper.set(u.id, WRAPPED_SOL_MINT, 2_000_000_000n);
      ids.push(u.id);
    }
  });
  const orders: Order[][] = ids.map((userId, i) =>
    Array.from({ length: TOKENS }, (_, j) => ({
      userId,
      side: 'buy' as const,
      inputMint: USDC.mint,
      outputMint: (j < TRADED.length ? TRADED[j]!.mint : WRAPPED_SOL_MINT) as Order['outputMint'],
      amount: BigInt(10 + ((i * 7 + j) % 600)) * 1_000_000n,
      context: 'strategy' as const,
      clientId: `b${i}-${j}`,
      slippageBps: 50,
      stopLossPrice: i % 50 === 0 ? null : 1,
    })),
  );
  const gate: number[] = [];
  let refused = 0;
  for (let r = 0; r < Math.min(runs, users >= 10_000 ? 3 : runs) + 1; r++) {
    refused = 0;
    const t0 = performance.now();
    for (let i = 0; i < users; i++) {
      for (let j = 0; j < TOKENS; j++) {
        if (!engine.check(orders[i]![j]!, { balances: new Map(), price, nowMs: NOW }).ok) refused++;
      }
    }
    if (r > 0) gate.push(performance.now() - t0);
  }
  store.close();
  if (sink < 0) throw new Error('unreachable');
  return { users, checks: users * TOKENS, rulesMs: median(rules), gateMs: median(gate), refused };
}

const bench: Benchmark = {
  id: 'risk',
  title: 'Risk checks per cycle: 10 to 10,000 users × 5 tokens',
  async run(log) {
    const rows: RiskBenchResult[] = [];
    for (const n of [10, 100, 1_000, 10_000]) {
      const r = riskBenchmark(n);
      log(`${n} users: rules ${ms(r.rulesMs)} ms, gate ${ms(r.gateMs)} ms`);
      rows.push(r);
    }
    const base = rows[0]!;
    return [
      'One entry check per user and token per cycle (users × 5). **Rules**: the pure `evaluateEntry` on prepared facts',
      '(every rule runs; a mix of users at their limits). **Gate**: `RiskEngine.check` over an in-memory SQLite store',
      '(paper users, a third on each preset): settings parse, wallet valuation, risk state, trades/positions queries,',
      'then the same rules. CPU only, no network. Median of 5 runs after a warm-up (3 for 10,000 users).',
      '',
      table(
        [
          'users',
          'checks',
          'rules (ms)',
          'rules (µs/check)',
          'gate (ms)',
          'gate (µs/check)',
          'gate growth vs 10 users',
          'refused',
        ],
        rows.map((r) => [
          r.users.toLocaleString('en-US'),
          r.checks.toLocaleString('en-US'),
          ms(r.rulesMs),
          ((r.rulesMs * 1000) / r.checks).toFixed(2),
          ms(r.gateMs),
          ((r.gateMs * 1000) / r.checks).toFixed(1),
          `${(r.gateMs / base.gateMs).toFixed(0)}× for ${(r.users / base.users).toFixed(0)}× users`,
          r.refused.toLocaleString('en-US'),
        ]),
      ),
    ].join('\n');
  },
};

export default bench;
