/**
 * Issue #17 item 6: a text lint over every CLI command's human output. Each
 * command's output schema is sampled with values that tempt a leak (an id of
 * 3 beside a user, 75836773843 base units, a mint, an object of details), the
 * command's formatter renders it with the names the CLI looks up, and the lint
 * (engine/api/human-text) must find no base units, numeric user id in a
 * sentence, raw JSON or zod default message. The lint itself is checked on
 * the leaks the issue quotes, so it cannot pass by matching nothing.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { commands, type CommandName, type CommandOutput } from '../../../engine/api';
import { describeIssues } from '../../../engine/api/validate';
import { describeDetails, findLeaks, tokenAmount } from '../../../engine/api/human-text';
import { formatters, type HumanContext } from '../../../engine/cli/format';
import { commands as contract } from '../../../engine/api/contract';
import { ManualClock } from '../../../engine/kernel/clock';
import { throwawayEngine } from '../../helpers/engine';

const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const ADDRESS = '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM';
const BASE_UNITS = '75836773843';

/** Details of an event or audit row, with every kind of leak a careless formatter would print. */
const DETAILS = { userId: 3, mint: USDC, amount: BASE_UNITS, nested: { baseMint: USDC, baseAmount: BASE_UNITS } };

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** A value of a zod schema, shaped by its key name to look like what the engine returns. */
function sample(schema: unknown, key: string): unknown {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      const shape = def['shape'] as Record<string, unknown>;
      return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, sample(v, k)]));
    }
    case 'array':
      return [sample(def['element'], key)];
    case 'record':
      return { [key === 'startingCapital' ? 'USDC' : 'someKey']: sample(def['valueType'], key) };
    case 'nullable':
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return sample(def['innerType'], key);
    case 'pipe':
      return sample(def['out'], key);
    case 'lazy':
      return sample((def['getter'] as () => unknown)(), key);
    case 'union':
      return sample((def['options'] as unknown[])[0], key);
    case 'enum':
      return Object.values(def['entries'] as Record<string, string>)[0];
    case 'literal':
      return (def['values'] as unknown[])[0];
    case 'boolean':
      return true;
    case 'number':
      return /price|usd|pct|rate/iu.test(key) ? 1.2345 : 3;
    case 'bigint':
      return 3n;
    case 'unknown':
    case 'any':
      return DETAILS;
    case 'tuple':
      return (def['items'] as unknown[]).map((i) => sample(i, key));
    case 'string':
      return stringFor(key);
    default:
      return stringFor(key);
  }
}

function stringFor(key: string): string {
  if (/mint|asset/iu.test(key)) return USDC;
  if (/^(ts|time)$|At$|since|until|date/iu.test(key)) return '2026-01-01T00:00:00.000Z';
  if (/signature/iu.test(key)) return '5'.repeat(88);
  if (/address|destination|wallet|^to$|^from$/iu.test(key)) return ADDRESS;
  if (/^(amount|inAmount|outAmount|chain|ledger|difference|quantity)$|Lamports$/u.test(key)) return BASE_UNITS;
  if (/symbol/iu.test(key)) return 'USDC';
  if (/^ui|Pnl$/u.test(key)) return '1.5';
  if (/name/iu.test(key)) return 'alice';
  return 'text';
}

/** Outputs whose open records the formatter reads by known keys. */
const OVERRIDES: Partial<Record<CommandName, unknown>> = {
  'strategy.set': {
    version: 3,
    settings: { mode: 'paper', strategy: { id: 'trend', enabled: true, tokens: ['SOL'] } },
  },
};

const human: HumanContext = {
  nameOf: (id) => (id === 3 ? 'alice' : null),
  trade: () => null,
};

describe('the human-text lint', () => {
  it('finds each leak the issue quotes', () => {
    const quoted = [
      'The position holds 75836773843 base units; this sell asks for 100000000000000',
      'Resume trading for 2 (this also resets their breaker).',
      'Withdraw 1 SOL from 1 to 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM.',
      'Filled: paid 50000000, received 25410954584 base units',
      '    12  2026-01-01  info  trade.executed  3  {"side":"buy","amount":"5"}',
      'Risk limits of user 3: moderate',
      'Too big: expected number to be <=5000',
    ];
    for (const text of quoted) expect(findLeaks(text), text).not.toEqual([]);
  });

  it('passes human sentences', () => {
    for (const text of [
      'Resume trading for alice (this also resets their breaker).',
      'no entries for 30 min after 3 losing trades in 60 min',
      'Withdraw 1 SOL from alice to 9WzD…AWWM.',
      'Funded (2 transaction(s)).',
      'position ≤ 20% of equity',
    ])
      expect(findLeaks(text), text).toEqual([]);
  });

  it("every CLI command's human output is free of leaks", () => {
    const names = Object.keys(contract) as CommandName[];
    expect(names.length).toBeGreaterThan(50);
    const leaks: string[] = [];
    for (const name of names) {
      const out = (OVERRIDES[name] ?? sample(commands[name].output, name)) as CommandOutput<typeof name>;
      const format = formatters[name] as (o: unknown, h: HumanContext) => string;
      let text: string;
      try {
        text = format(out, human);
      } catch (e) {
        leaks.push(`${name}: the sample did not format: ${(e as Error).message}`);
        continue;
      }
      for (const l of findLeaks(text)) leaks.push(`${name}: ${l.name}: …${l.excerpt}…`);
    }
    expect(leaks).toEqual([]);
  });

  it('renders details as a key/value list with names, symbols and token units', () => {
    expect(describeDetails(DETAILS, human.nameOf)).toBe(
      'friend alice, token USDC, amount 75836.773843 USDC, nested base token USDC, nested base amount 75836.773843 USDC',
    );
    expect(tokenAmount('1500000000', 'SOL')).toBe('1.5 SOL');
  });

  it("validation messages are the app's words, not zod's defaults", () => {
    const r = (contract['orders.submit'].input as z.ZodType).safeParse({
      user: 'alice',
      side: 'buy',
      token: 'SOL',
      amount: '1',
      slippageBps: 9000,
    });
    expect(r.success).toBe(false);
    const text = describeIssues(r.error!);
    expect(text).toBe('slippageBps: must be at most 5000');
    expect(findLeaks(text)).toEqual([]);
  });

  it("a real engine's outputs, formatted as the CLI does, are free of leaks", async () => {
    const { engine, close } = throwawayEngine(new ManualClock(Date.parse('2026-01-01T00:00:00Z')), 'hv-lint-');
    try {
      const run: [CommandName, unknown][] = [
        ['users.add', { name: 'alice' }],
        ['users.add', { name: 'bob' }],
        ['wallet.create', { user: 'alice' }],
        ['wallet.show', { user: 'alice' }],
        ['users.list', {}],
        ['settings.get', { user: 'alice' }],
        ['risk.preset', { user: 'bob', preset: 'aggressive' }],
        ['risk.limits', { user: 'alice' }],
        ['risk.setGlobal', { key: 'maxOrderUsd', value: '250' }],
        ['risk.global', {}],
        ['controls.pause', { user: 'bob', reason: 'holiday' }],
        ['settings.set', { user: 'alice', key: 'minTradingBalanceLamports', value: '"20000000"' }],
        ['controls.status', {}],
        ['whitelist.add', { user: 'alice', address: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM' }],
        ['whitelist.list', { user: 'alice' }],
        ['events.list', {}],
        ['audit.list', {}],
        ['strategy.list', {}],
        ['breaker.status', {}],
        ['engine.status', {}],
      ];
      const { users } = await engine.execute('users.list', {});
      const names = new Map(users.map((u) => [u.id, u.name]));
      const h: HumanContext = { nameOf: (id) => names.get(id) ?? null, trade: () => null };
      const leaks: string[] = [];
      for (const [name, input] of run) {
        const out = await engine.execute(name, input);
        const { users: now } = await engine.execute('users.list', {});
        for (const u of now) names.set(u.id, u.name);
        const text = (formatters[name] as (o: unknown, h: HumanContext) => string)(out, h);
        for (const l of findLeaks(text)) leaks.push(`${name}: ${l.name}: …${l.excerpt}…`);
      }
      expect(leaks).toEqual([]);
    } finally {
      await close();
    }
  });
});
