import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../engine/kernel/clock';
import { IndicatorCache } from '../../../engine/market/indicator-cache';
import { ReplayCandleSource } from '../../../engine/market/replay-source';
import { TIMEFRAME_MS } from '../../../engine/market/types';
import { bindStrategy, STRATEGY_IDS, type StrategyId } from '../../../engine/strategy/registry';
import { between, candles5m, type Pair } from '../market/data';

const MIN = 60_000;
const DAY = 86_400_000;

/** A decision (an evaluated candle, signal or not) comes within this many sandbox minutes of starting. */
const DECISION_WITHIN_MINUTES = 5;

/**
 * With the default parameters, the first trade signal comes within this many
 * candles of starting, on every period below (docs/strategies.md lists the
 * measured values; these bounds leave room above them).
 */
const FIRST_SIGNAL_WITHIN_CANDLES: Record<StrategyId, number> = {
  trend: 60, // 5 h of 5-minute candles
  'mean-reversion': 150, // 12.5 h
  dca: 48, // one 4 h interval
  breakout: 72, // 6 h
  grid: 96, // 8 h
};

/** Two SOL months of different character (a steady rise; the May crash) and a BTC month. */
const PERIODS: { label: string; pair: Pair; start: number }[] = [
  { label: 'SOL from 2021-01-01', pair: 'SOLUSDT', start: Date.UTC(2021, 0, 1) },
  { label: 'SOL from 2021-05-01', pair: 'SOLUSDT', start: Date.UTC(2021, 4, 1) },
  { label: 'BTC from 2021-03-01', pair: 'BTCUSDT', start: Date.UTC(2021, 2, 1) },
];

/**
 * The engine's view of one start: a virtual clock 2.5 minutes into a candle,
 * the replay source holding the history before it (the warm-up pre-seeded,
 * as a running engine has it) and revealing each candle as the clock passes
 * its close, and the shared indicator cache.
 */
function startAt(pair: Pair, start: number) {
  const clock = new ManualClock(start + 150_000);
  const source = new ReplayCandleSource({ clock });
  source.add('T', '5m', between(candles5m(pair), start - 5 * DAY, start + 2 * DAY));
  return { clock, cache: new IndicatorCache(source) };
}

describe('every built-in strategy trades with its defaults (virtual clock, real replay candles)', () => {
  it('the defaults decide on 5-minute candles and warm up within 6 hours even without seeded history', () => {
    for (const id of STRATEGY_IDS) {
      const s = bindStrategy(id, {});
      expect(TIMEFRAME_MS[s.timeframe], id).toBeLessThanOrEqual(DECISION_WITHIN_MINUTES * MIN);
      expect(s.warmup * TIMEFRAME_MS[s.timeframe], id).toBeLessThanOrEqual(6 * 3_600_000);
    }
  });

  it('every strategy reports the indicator values it decides on (the Strategy tab shows them)', () => {
    for (const id of STRATEGY_IDS) {
      const s = bindStrategy(id, {});
      const { cache } = startAt('SOLUSDT', Date.UTC(2021, 0, 1));
      const e = s.evaluate({ token: 'T', cache, position: null, now: Date.UTC(2021, 0, 1) + 150_000 });
      const values = Object.entries(e.indicators ?? {});
      expect(values.length, id).toBeGreaterThanOrEqual(2);
      for (const [name, v] of values) expect(Number.isFinite(v), `${id}: ${name} = ${v}`).toBe(true);
    }
  });

  for (const p of PERIODS) {
    for (const id of STRATEGY_IDS) {
      it(`${id}, ${p.label}: a decision within ${DECISION_WITHIN_MINUTES} sandbox minutes, a trade signal within ${FIRST_SIGNAL_WITHIN_CANDLES[id]} candles`, () => {
        const s = bindStrategy(id, {});
        const { clock, cache } = startAt(p.pair, p.start);
        // Minute by minute, as the loop ticks: the first candle that closes after the start is evaluated, not skipped.
        const before = s.evaluate({ token: 'T', cache, position: null, now: clock.now() });
        expect(before.skipped, 'the seeded history covers the warm-up').toBeNull();
        let decidedAfter: number | null = null;
        for (let minute = 1; minute <= DECISION_WITHIN_MINUTES && decidedAfter === null; minute++) {
          clock.advance(MIN);
          const e = s.evaluate({ token: 'T', cache, position: null, now: clock.now() });
          if (e.skipped === null && e.candleTime !== before.candleTime) decidedAfter = minute;
        }
        expect(decidedAfter, 'minutes to the first decision').not.toBeNull();

        // Candle by candle from there (flat: the first signal of a flat strategy is an entry).
        const step = TIMEFRAME_MS[s.timeframe];
        let candles = 1;
        let signal = s.evaluate({ token: 'T', cache, position: null, now: clock.now() }).signal;
        while (!signal && candles < FIRST_SIGNAL_WITHIN_CANDLES[id]) {
          clock.advance(step);
          candles++;
          const e = s.evaluate({ token: 'T', cache, position: null, now: clock.now() });
          expect(e.skipped).toBeNull();
          signal = e.signal;
        }
        expect(signal, `a trade signal within ${FIRST_SIGNAL_WITHIN_CANDLES[id]} candles`).not.toBeNull();
        expect(signal!.side).toBe('buy');
        expect(signal!.reason.length).toBeGreaterThan(10);
      });
    }
  }
});
