/**
 * Catching up on candles (issue #11, item 3): evaluating as of an earlier
 * closed candle (`upTo`) must give exactly what the strategy said when that
 * candle had just closed: the same signal, warm-up and indicator values. A
 * catch-up is then the same decisions a runner that never fell behind made.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndicatorCache } from '../../../engine/market/indicator-cache';
import { bindStrategy } from '../../../engine/strategy/registry';
import { candles1h } from '../market/data';
import { ReplaySource } from './sim';

const STRATEGIES: [string, Record<string, unknown>][] = [
  ['trend', { fastPeriod: 5, slowPeriod: 12, atrPeriod: 5 }],
  ['mean-reversion', { rsiPeriod: 5, bbPeriod: 10, atrPeriod: 5, oversold: 40, overbought: 60 }],
  ['dca', { intervalHours: 3, buyTheDip: true, dipSmaPeriod: 10, takeProfitPct: 2 }],
];

describe('evaluating as of an earlier candle', () => {
  it('equals the evaluation made when that candle was the latest (signal, warm-up, values)', () => {
    const candles = candles1h('SOLUSDT').slice(0, 400);
    fc.assert(
      fc.property(
        fc.constantFrom(...STRATEGIES),
        fc.integer({ min: 1, max: 399 }),
        fc.integer({ min: 1, max: 60 }),
        fc.boolean(),
        ([id, params], upTo, ahead, held) => {
          const s = bindStrategy(id, params);
          const position = held
            ? { quantity: 1_000_000n, entryPrice: candles[Math.max(0, upTo - 1)]!.close * 0.97, openedAt: 0 }
            : null;
          const then = new ReplaySource(candles);
          then.upTo = upTo;
          const live = s.evaluate({ token: 'T', cache: new IndicatorCache(then), position, now: 0 });
          const later = new ReplaySource(candles);
          later.upTo = Math.min(candles.length, upTo + ahead);
          const caughtUp = s.evaluate({ token: 'T', cache: new IndicatorCache(later), position, now: 0, upTo });
          expect(caughtUp).toEqual(live);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every built-in strategy names the values it decides on once warm', () => {
    const source = new ReplaySource(candles1h('SOLUSDT'));
    source.upTo = 300;
    for (const [id, params] of STRATEGIES) {
      const ev = bindStrategy(id, params).evaluate({
        token: 'T',
        cache: new IndicatorCache(source),
        position: null,
        now: 0,
      });
      expect(ev.skipped).toBeNull();
      expect(Object.keys(ev.indicators ?? {}).length, id).toBeGreaterThan(1);
      for (const v of Object.values(ev.indicators!)) expect(Number.isFinite(v), id).toBe(true);
    }
  });
});
