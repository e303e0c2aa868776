/**
 * The soak's knobs: `npm run soak -- --kills 5 --sandbox-minutes 5`, or the
 * same as environment variables (SOAK_KILLS=5 …). Defaults are the full
 * configuration of issue 10, item 10.
 */
import { parseArgs } from 'node:util';

export interface Knobs {
  seed: number;
  /** Market (sandbox) time the soak covers, in minutes. */
  sandboxMinutes: number;
  /** Sandbox replay speed-up: market ms per wall ms. The wall-clock length is sandboxMinutes / speed. */
  speed: number;
  friends: number;
  kills: number;
  rpcError: number;
  rpcTimeout: number;
  swapError: number;
  swapSlow: number;
  /** Price feed gaps per sandbox hour, and the length of each in wall seconds (the engine's price limit is 60 s). */
  priceGaps: number;
  priceGapSeconds: number;
  /** Manual orders in flight at once. */
  traders: number;
  cycleSeconds: number;
  /** 1-based index of the friend whose wallet is broken for the middle 60 % of the run (0: none). */
  failingFriend: number;
  /** Where the report goes (docs/soak.md); "-" prints it only. */
  out: string;
  keep: boolean;
}

const SPEC = {
  seed: { def: () => Math.floor(Math.random() * 2 ** 31), int: true },
  'sandbox-minutes': { def: () => 60 },
  speed: { def: () => 4 },
  friends: { def: () => 20, int: true },
  kills: { def: () => 50, int: true },
  'rpc-error': { def: () => 0.2 },
  'rpc-timeout': { def: () => 0.1 },
  'swap-error': { def: () => 0.15 },
  'swap-slow': { def: () => 0.15 },
  'price-gaps': { def: () => 3, int: true },
  'price-gap-seconds': { def: () => 75 },
  traders: { def: () => 4, int: true },
  'cycle-seconds': { def: () => 2 },
  'failing-friend': { def: () => 3, int: true },
} as const;

type Name = keyof typeof SPEC;
const camel = (n: string): string => n.replace(/-(\w)/gu, (_m, c: string) => c.toUpperCase());

export function readKnobs(argv: string[], env: NodeJS.ProcessEnv): Knobs {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(SPEC).map((k) => [k, { type: 'string' as const }])),
      out: { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SPEC) as [Name, (typeof SPEC)[Name]][]) {
    const raw =
      (values as Record<string, string | undefined>)[name] ?? env[`SOAK_${name.toUpperCase().replace(/-/gu, '_')}`];
    const v = raw === undefined || raw === '' ? spec.def() : Number(raw);
    if (!Number.isFinite(v) || v < 0 || ('int' in spec && !Number.isInteger(v)))
      throw new Error(`--${name} must be a ${'int' in spec ? 'whole ' : ''}number ≥ 0, got "${raw}"`);
    out[camel(name)] = v;
  }
  const k = {
    ...(out as Omit<Knobs, 'out' | 'keep'>),
    out: values.out ?? env['SOAK_OUT'] ?? 'docs/soak.md',
    keep: values.keep ?? env['SOAK_KEEP'] === '1',
  };
  if (k.speed <= 0 || k.sandboxMinutes <= 0) throw new Error('--speed and --sandbox-minutes must be positive');
  if (k.rpcError + k.rpcTimeout > 1 || k.swapError + k.swapSlow > 1) throw new Error('fault rates add up past 1');
  if (k.friends < 2) throw new Error('--friends must be at least 2 (one fails, the others must keep trading)');
  if (k.failingFriend > k.friends) throw new Error('--failing-friend names a friend that does not exist');
  return k;
}

/** Whether this run is the configuration issue 10 asks for, or a reduced one (said so in the report). */
export function reductions(k: Knobs): string[] {
  const r: string[] = [];
  if (k.sandboxMinutes < 60) r.push(`${k.sandboxMinutes} sandbox minutes instead of 60`);
  if (k.friends < 20) r.push(`${k.friends} friends instead of 20`);
  if (k.kills < 50) r.push(`${k.kills} SIGKILLs instead of 50`);
  if (k.rpcError + k.rpcTimeout < 0.3) r.push(`${pct(k.rpcError + k.rpcTimeout)} RPC faults instead of 30 %`);
  if (k.failingFriend === 0) r.push('no failing wallet');
  if (k.priceGaps === 0) r.push('no price feed gaps');
  if (k.swapError + k.swapSlow === 0) r.push('no swap API faults');
  return r;
}

export const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;
