/**
 * Users are isolated (issue #5, item 5, property): in one database holding
 * the interleaved trades, cash flows and snapshots of several users, each
 * user's statistics (and leaderboard row, and risk facts) equal the ones
 * computed in a database holding that user's activity alone.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Performance, rankLeaderboard, recordCashFlow, toMicroUsd } from '../../engine/portfolio';
import { RiskEngine } from '../../engine/risk';
import {
  addUser,
  buyOrder,
  NET,
  priceFn,
  recordFill,
  USDC,
  usdc,
  WBTC,
  WETH,
  world,
  type World,
} from '../helpers/risk';

type Op =
  | { kind: 'buy'; user: number; token: 'WETH' | 'WBTC'; base: bigint; quote: bigint }
  | { kind: 'sell'; user: number; token: 'WETH' | 'WBTC'; share: number; quote: bigint }
  | { kind: 'deposit'; user: number; usd: number }
  | { kind: 'snapshot' };

const USERS = 3;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('buy' as const),
      user: fc.nat(USERS - 1),
      token: fc.constantFrom('WETH' as const, 'WBTC' as const),
      base: fc.bigInt({ min: 1n, max: 10n ** 9n }),
      quote: fc.bigInt({ min: 1n, max: 10n ** 9n }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('sell' as const),
      user: fc.nat(USERS - 1),
      token: fc.constantFrom('WETH' as const, 'WBTC' as const),
      share: fc.double({ min: 0.05, max: 1, noNaN: true }),
      quote: fc.bigInt({ min: 1n, max: 10n ** 9n }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      user: fc.nat(USERS - 1),
      usd: fc.integer({ min: 1, max: 10_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const) }) },
);

const mintOf = (t: 'WETH' | 'WBTC'): string => (t === 'WETH' ? WETH.mint : WBTC.mint);

/** Replays the ops of the users in `only` (by index) into a fresh world; returns it and their ids. */
function replay(
  ops: readonly Op[],
  only: readonly number[],
): { w: World; ids: Map<number, number>; perf: Performance } {
  const w = world();
  const ids = new Map<number, number>();
  for (const i of only) ids.set(i, addUser(w, `user${i}`, {}, { [USDC.mint]: usdc(1_000_000) }));
  const perf = new Performance(w.store, NET, { price: priceFn({ [WETH.mint]: 3_100 }) }, w.clock, 0);
  for (const op of ops) {
    w.clock.advance(60_000);
    const at = new Date(w.clock.now()).toISOString();
    if (op.kind === 'snapshot') {
      perf.snapshotEquity();
      continue;
    }
    const id = ids.get(op.user);
    if (id === undefined) continue;
    if (op.kind === 'buy')
      recordFill(w.store, { userId: id, side: 'buy', base: op.base, quote: op.quote, at, baseMint: mintOf(op.token) });
    else if (op.kind === 'sell') {
      const pos = w.store.portfolio.openPosition(id, NET, mintOf(op.token));
      if (!pos) continue;
      const base = BigInt(Math.max(1, Math.floor(Number(pos.quantity) * op.share)));
      recordFill(w.store, {
        userId: id,
        side: 'sell',
        base: base > pos.quantity ? pos.quantity : base,
        quote: op.quote,
        at,
        baseMint: mintOf(op.token),
      });
    } else
      recordCashFlow(w.store, {
        userId: id,
        network: NET,
        kind: 'deposit',
        amountUsd: toMicroUsd(op.usd),
        nowMs: w.clock.now(),
      });
  }
  return { w, ids, perf };
}

describe('isolation', () => {
  test("property: one user's numbers never include another's", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const all = Array.from({ length: USERS }, (_, i) => i);
        const shared = replay(ops, all);
        try {
          const board = rankLeaderboard(
            all.map((i) => ({
              userId: shared.ids.get(i)!,
              name: `user${i}`,
              stats: shared.perf.stats(shared.ids.get(i)!),
            })),
            'return',
            false,
          );
          const engineShared = new RiskEngine({
            store: shared.w.store,
            controls: shared.w.controls,
            bus: shared.w.bus,
            network: NET,
          });
          for (const i of all) {
            const alone = replay(ops, [i]);
            try {
              const a = shared.perf.stats(shared.ids.get(i)!);
              const b = alone.perf.stats(alone.ids.get(i)!);
              expect(a).toEqual(b);
              const row = board.find((r) => r.userId === shared.ids.get(i))!;
              expect({
                returnPct: row.returnPct,
                pnlUsd: row.pnlUsd,
                tradeCount: row.tradeCount,
                winRate: row.winRate,
              }).toEqual({
                returnPct: b.returnPct,
                pnlUsd: b.pnlUsd,
                tradeCount: b.tradeCount,
                winRate: b.winRate,
              });
              expect(shared.perf.equityCurve(shared.ids.get(i)!)).toEqual(alone.perf.equityCurve(alone.ids.get(i)!));
              // The risk engine reads the same facts: the same decision for the same entry.
              const engineAlone = new RiskEngine({
                store: alone.w.store,
                controls: alone.w.controls,
                bus: alone.w.bus,
                network: NET,
              });
              const ctx = (w: World) => ({
                balances: new Map<string, bigint>(),
                price: priceFn({ [WETH.mint]: 3_100 }),
                nowMs: w.clock.now(),
              });
              const o = { ...buyOrder(0, 10), clientId: 'same' };
              expect(engineShared.check({ ...o, userId: shared.ids.get(i)! }, ctx(shared.w))).toEqual(
                engineAlone.check({ ...o, userId: alone.ids.get(i)! }, ctx(alone.w)),
              );
            } finally {
              alone.w.store.close();
            }
          }
        } finally {
          shared.w.store.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
