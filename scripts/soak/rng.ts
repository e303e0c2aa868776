/**
 * Seeded randomness for the soak, so a run (fault choices, kill times, orders)
 * can be replayed with the same --seed. mulberry32, as in the crash test.
 */
import { prng } from '../../test/unit/chain/helpers/fixtures';

export type Rng = () => number;

/** mulberry32, the PRNG the crash test and the chain property tests use. */
export const mulberry32: (seed: number) => Rng = prng;

/**
 * An independent stream per concern (proxy faults, kills, orders): otherwise a
 * change in how many requests the engine makes would shift every kill time too,
 * and a replay with the same seed would drift from the original.
 */
export function substream(seed: number, name: string): Rng {
  let h = seed >>> 0;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return mulberry32(h);
}

export const between = (r: Rng, lo: number, hi: number): number => lo + r() * (hi - lo);

export function pick<T>(r: Rng, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}
