/**
 * The price quorum's rule (issue #10, item 1), as properties: the trusted price is the median
 * of the agreeing fresh sources; stale sources never count; a single source is refused for a
 * major; sources that disagree give no price; the venue's own price never stands alone.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decideQuorum, median, PriceQuorum, type Observation, type QuorumPolicy } from '../../engine/market/oracle';
import { ManualPriceFeed } from '../../engine/market';
import { ManualClock } from '../../engine/kernel/clock';

const NOW = 1_700_000_000_000;
const MAJOR: QuorumPolicy = { maxAgeMs: 60_000, toleranceBps: 150, minSources: 2, singleSourceAllowed: false };

const price = fc.double({ min: 1e-6, max: 1e6, noNaN: true, noDefaultInfinity: true });
/** A spread inside the tolerance, as a factor ≥ 1. */
const inside = fc.double({ min: 1, max: 1 + 0.0149, noNaN: true });
const freshAge = fc.integer({ min: 0, max: 60_000 });

function obs(source: string, usd: number, ageMs: number, venue = false): Observation {
  return { source, usd, at: NOW - ageMs, venue };
}

describe('decideQuorum', () => {
  test('honest sources within tolerance are trusted at their median, whatever the order', () => {
    fc.assert(
      fc.property(price, fc.array(fc.tuple(inside, freshAge), { minLength: 2, maxLength: 7 }), (base, spreads) => {
        const o = spreads.map(([f, age], i) => obs(`s${i}`, base * f, age));
        const d = decideQuorum(o, NOW, MAJOR);
        expect(d.trusted).toBe(true);
        if (!d.trusted) return;
        expect(d.usd).toBe(median(o.map((x) => x.usd)));
        expect(d.sources).toHaveLength(o.length);
        expect(d.at).toBe(Math.min(...o.map((x) => x.at)));
        const shuffled = decideQuorum([...o].reverse(), NOW, MAJOR);
        expect(shuffled).toEqual({ ...d, sources: expect.any(Array) as unknown });
      }),
    );
  });

  test('a minority of liars (however far off) never moves the trusted price out of the honest band', () => {
    fc.assert(
      fc.property(
        price,
        fc.array(inside, { minLength: 2, maxLength: 5 }),
        fc.array(fc.double({ min: 1.2, max: 1000, noNaN: true }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (base, honest, liars, up) => {
          fc.pre(liars.length < honest.length);
          const o = [
            ...honest.map((f, i) => obs(`h${i}`, base * f, 0)),
            ...liars.map((f, i) => obs(`l${i}`, up ? base * f : base / f, 0)),
          ];
          const d = decideQuorum(o, NOW, MAJOR);
          expect(d.trusted).toBe(true);
          if (!d.trusted) return;
          expect(d.usd).toBeGreaterThanOrEqual(base * Math.min(...honest));
          expect(d.usd).toBeLessThanOrEqual(base * Math.max(...honest));
          expect(d.sources.every((s) => s.startsWith('h'))).toBe(true);
        },
      ),
    );
  });

  test('two sources that disagree beyond the tolerance: no trusted price (nobody picks a side)', () => {
    fc.assert(
      fc.property(price, fc.double({ min: 1.0151, max: 100, noNaN: true }), (base, f) => {
        const d = decideQuorum([obs('pyth', base, 0), obs('jupiter', base * f, 0, true)], NOW, MAJOR);
        expect(d).toMatchObject({ trusted: false, reason: 'disagree' });
      }),
    );
  });

  test('stale observations never count: all stale is "stale", stale + one fresh is too few for a major', () => {
    fc.assert(
      fc.property(
        price,
        fc.array(fc.integer({ min: 60_001, max: 10_000_000 }), { minLength: 1, maxLength: 5 }),
        (p, ages) => {
          const stale = ages.map((a, i) => obs(`s${i}`, p, a));
          expect(decideQuorum(stale, NOW, MAJOR)).toMatchObject({ trusted: false, reason: 'stale' });
          expect(decideQuorum([...stale, obs('fresh', p, 0)], NOW, MAJOR)).toMatchObject({
            trusted: false,
            reason: 'too-few',
          });
        },
      ),
    );
  });

  test('a single source is refused for a major, and accepted only with the per-token opt-in', () => {
    fc.assert(
      fc.property(price, freshAge, fc.boolean(), (p, age, venue) => {
        const one = [obs('only', p, age, venue)];
        expect(decideQuorum(one, NOW, MAJOR)).toMatchObject({ trusted: false, reason: 'too-few' });
        const optIn = decideQuorum(one, NOW, { ...MAJOR, minSources: 1, singleSourceAllowed: true });
        expect(optIn).toMatchObject({ trusted: true, usd: p, singleSource: true });
      }),
    );
  });

  test('agreeing venue prices alone are never trusted (the swap API is not its own price source)', () => {
    fc.assert(
      fc.property(price, fc.array(inside, { minLength: 2, maxLength: 4 }), (p, fs) => {
        const o = fs.map((f, i) => obs(`venue${i}`, p * f, 0, true));
        expect(decideQuorum(o, NOW, MAJOR)).toMatchObject({ trusted: false, reason: 'venue-only' });
        // One independent source in the agreeing group is enough to make it trustworthy.
        expect(decideQuorum([...o, obs('pyth', p, 0)], NOW, MAJOR).trusted).toBe(true);
      }),
    );
  });

  test('bad numbers are ignored', () => {
    const d = decideQuorum([obs('a', NaN, 0), obs('b', -1, 0), obs('c', 0, 0)], NOW, MAJOR);
    expect(d).toMatchObject({ trusted: false, reason: 'no-source' });
  });
});

describe('PriceQuorum over sources', () => {
  test('a failing source keeps its last tick until it ages out; then the price is untrusted, with one event', async () => {
    const clock = new ManualClock(NOW);
    const pyth = new ManualPriceFeed('pyth', clock);
    const jup = new ManualPriceFeed('jupiter', clock);
    const events: string[] = [];
    const q = new PriceQuorum({
      clock,
      sources: [
        { feed: pyth, venue: false },
        { feed: jup, venue: true },
      ],
      onEvent: (e) => events.push(e.type),
    });
    pyth.set('M', 100);
    jup.set('M', 100.5);
    await q.refresh(['M']);
    expect(q.trusted('M')).toMatchObject({ usd: 100.25, sources: ['pyth', 'jupiter'] });
    jup.failWith(new Error('HTTP 503'));
    clock.advance(30_000);
    pyth.set('M', 101);
    await q.refresh(['M']);
    expect(q.price('M')).toBeCloseTo(100.75, 10); // jupiter's 30 s old tick still counts
    clock.advance(31_000);
    pyth.set('M', 99);
    await q.refresh(['M']);
    await q.refresh(['M']);
    expect(q.price('M')).toBeNull();
    expect(q.whyUntrusted('M')).toMatch(/only pyth has a fresh price.*HTTP 503/);
    expect(q.lastTrusted('M')).toEqual({ usd: 100.75, at: NOW });
    expect(events).toEqual(['price.stale']);
    jup.failWith(null);
    jup.set('M', 99.2);
    await q.refresh(['M']);
    expect(q.price('M')).toBeCloseTo(99.1, 10);
    expect(events).toEqual(['price.stale', 'price.restored']);
  });
});
