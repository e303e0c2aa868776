/**
 * The risk gate keeps what it read of a friend (and the account it worked out
 * at an instant) while the database is unchanged (engine/risk/gate-facts.ts,
 * risk-engine.ts). Whatever happens between two checks (a fill, a sale at a
 * loss, a pause or resume, a settings change, a paper book moved, time passing
 * into a new day, the decision log and candles written in between), the gate that remembers must give every order the verdict
 * a gate reading everything afresh gives: never an order through that the
 * database would refuse, and never one refused that it would let through.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../../engine/kernel/clock';
import { standardRiskGate, type RiskDecision } from '../../../engine/risk';
import { UserSettingsSchema, defaultUserSettings } from '../../../engine/users/settings';
import {
  addUser,
  buyOrder,
  NET,
  PERMISSIVE_RISK,
  priceFn,
  recordFill,
  usdc,
  weth,
  USDC,
  WBTC,
  WETH,
  world,
} from '../../helpers/risk';

/** Limits tight enough that the sequences below meet most rules (positions, trades a day, cooldown, losses). */
const TIGHT = {
  ...PERMISSIVE_RISK,
  maxConcurrentPositions: 1,
  maxTradesPerDay: 3,
  cooldownMinutes: 30,
  maxDailyLossPct: 5,
  maxDrawdownPct: 8,
  lossStreak: { losses: 2, windowMinutes: 120, pauseMinutes: 60 },
  maxPositionUsd: 700,
  stopLossRequired: true,
};

type Op =
  | { kind: 'check'; user: number; btc: boolean; usd: number; withWeth: boolean; usdcHeld: number; wethUsd: number }
  | { kind: 'buy'; user: number }
  | { kind: 'sell'; user: number; quoteUsd: number }
  | { kind: 'pause'; user: number }
  | { kind: 'resume'; user: number }
  | { kind: 'settings'; user: number; tight: boolean }
  | { kind: 'book'; user: number; usdcHeld: number }
  | { kind: 'advance'; minutes: number }
  /** What the strategy runner and the engine write between checks: the decision log, a candle, an event. */
  | { kind: 'log'; user: number };

const user = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('check' as const),
      user,
      btc: fc.boolean(),
      usd: fc.constantFrom(50, 300, 450),
      withWeth: fc.boolean(),
      usdcHeld: fc.constantFrom(10_000, 9_900, 9_700),
      wethUsd: fc.constantFrom(3_000, 2_700, 3_300),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('buy' as const), user }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('sell' as const), user, quoteUsd: fc.constantFrom(200, 400) }),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({ kind: fc.constant('pause' as const), user }),
      fc.record({ kind: fc.constant('resume' as const), user }),
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settings' as const), user, tight: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('book' as const), user, usdcHeld: fc.constantFrom(10_000, 700) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.constantFrom(0, 20, 90, 900) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('log' as const), user }) },
);

/** What must agree: passed, or refused by the same rule. */
const outcome = (d: RiskDecision): string => (d.ok ? 'ok' : d.code);

describe('the risk gate that remembers agrees with one that reads afresh', () => {
  it('on every check of any sequence of checks, fills, pauses, settings changes, decision-log writes and time', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 10, maxLength: 60, size: 'max' }), (ops) => {
        const w = world();
        try {
          const ids = ['ana', 'bob', 'cy'].map((name) =>
            addUser(w, name, { mode: 'paper', risk: TIGHT }, { [USDC.mint]: usdc(10_000) }),
          );
          const deps = { store: w.store, controls: w.controls, bus: w.bus, network: NET };
          const cached = standardRiskGate(deps);
          let checks = 0;
          for (const o of ops) {
            const at = isoTime(w.clock);
            if (o.kind === 'check') {
              const order = o.btc
                ? buyOrder(ids[o.user]!, o.usd, { outputMint: WBTC.mint, stopLossPrice: 80_000 })
                : buyOrder(ids[o.user]!, o.usd, { stopLossPrice: o.wethUsd * 0.9 });
              const ctx = {
                // What the wallet holds as the execution service reads it (with or without some WETH).
                balances: new Map([
                  [USDC.mint, usdc(o.usdcHeld)],
                  [WETH.mint, o.withWeth ? weth(0.1) : 0n],
                ]),
                price: priceFn({ [WETH.mint]: o.wethUsd }),
                nowMs: w.clock.now(),
              };
              const remembered = outcome(cached.check(order, ctx));
              // A gate with nothing remembered, over the same database (after the first one's writes).
              const afresh = outcome(standardRiskGate(deps).check(order, ctx));
              expect(remembered, `check ${checks} of ${JSON.stringify(o)}`).toBe(afresh);
              checks++;
            } else if (o.kind === 'buy') {
              recordFill(w.store, { userId: ids[o.user]!, side: 'buy', base: weth(0.1), quote: usdc(300), at });
            } else if (o.kind === 'sell') {
              const open = w.store.portfolio.openPosition(ids[o.user]!, NET, WETH.mint, 'paper');
              if (open && open.quantity > 0n)
                recordFill(w.store, {
                  userId: ids[o.user]!,
                  side: 'sell',
                  base: open.quantity,
                  quote: usdc(o.quoteUsd),
                  at,
                });
            } else if (o.kind === 'pause') {
              w.controls.pauseUser(ids[o.user]!, 'test', 'operator');
            } else if (o.kind === 'resume') {
              w.controls.resumeUser(ids[o.user]!, 'operator');
            } else if (o.kind === 'settings') {
              const row = w.store.settings.get(ids[o.user]!)!;
              const risk = o.tight ? TIGHT : PERMISSIVE_RISK;
              const next = UserSettingsSchema.parse({ ...defaultUserSettings(), mode: 'paper', risk });
              w.store.settings.update(ids[o.user]!, row.version, next, at);
            } else if (o.kind === 'book') {
              w.store.paper.set(ids[o.user]!, USDC.mint, usdc(o.usdcHeld));
            } else if (o.kind === 'log') {
              const userId = ids[o.user]!;
              w.store.decisions.record({
                userId,
                token: 'WETH',
                strategyId: 'trend',
                candleTime: w.clock.now(),
                recordedAt: at,
                outcome: 'no-signal',
                code: 'NO_SIGNAL',
                message: 'no signal',
                signalSide: null,
                indicators: null,
                intentId: null,
                clientId: null,
              });
              w.store.candles.putLive(NET, WETH.mint, '5m', {
                time: w.clock.now(),
                open: 1,
                high: 1,
                low: 1,
                close: 1,
                volume: 0,
              });
              w.store.events.insert({ ts: at, type: 'strategy.decision', severity: 'info', userId, payload: {} });
            } else {
              w.clock.advance(o.minutes * 60_000);
            }
          }
        } finally {
          w.store.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});
