import type { z } from 'zod';
import { HarvestError } from '../kernel/errors';

// Apart from validate.ts (which reads the whole contract), so the engine can check a light
// command's input against its own part of the contract without building the rest.

/** Turns zod issues into one sentence a person can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.length > 0 ? `${i.path.join('.')}: ` : '';
      return `${where}${humanIssue(i)}`;
    })
    .join('; ');
}

/** "maxPositionPctEquity" -> "max position pct equity": a field named as words. */
export function humanKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/gu, '$1 $2')
    .replace(/_/gu, ' ')
    .toLowerCase();
}

/** zod's default texts ("Too big: expected number to be <=5000") are its words, not ours: ours replace them. */
const ZOD_DEFAULT =
  /^(Too (big|small)|Invalid (input|string|option|type|value|key|element|union)|Unrecognized key|Expected )/u;

function humanIssue(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  const i = issue as unknown as Record<string, unknown>;
  const bound = (v: unknown): string => (typeof v === 'bigint' ? v.toString() : String(v));
  switch (issue.code) {
    case 'too_big':
      return i['origin'] === 'string'
        ? `at most ${bound(i['maximum'])} characters`
        : i['origin'] === 'array'
          ? `at most ${bound(i['maximum'])} entries`
          : `must be ${i['inclusive'] === false ? 'below' : 'at most'} ${bound(i['maximum'])}`;
    case 'too_small':
      return i['origin'] === 'string'
        ? Number(i['minimum']) <= 1
          ? 'must not be empty'
          : `at least ${bound(i['minimum'])} characters`
        : i['origin'] === 'array'
          ? `at least ${bound(i['minimum'])} entries`
          : `must be ${i['inclusive'] === false ? 'above' : 'at least'} ${bound(i['minimum'])}`;
    case 'invalid_type':
      return i['expected'] === 'int' ? 'must be a whole number' : `must be ${article(String(i['expected']))}`;
    case 'invalid_value': {
      const values = (i['values'] as unknown[] | undefined) ?? [];
      return values.length ? `must be one of ${values.map(String).join(', ')}` : 'is not an accepted value';
    }
    case 'invalid_format':
      return i['format'] === 'url' ? 'must be a web address (https://…)' : `must be a valid ${String(i['format'])}`;
    case 'unrecognized_keys':
      return `unknown field(s): ${((i['keys'] as string[] | undefined) ?? []).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${bound(i['divisor'])}`;
    default:
      return 'is not valid here';
  }
}

function article(type: string): string {
  if (type === 'string') return 'text (in quotes)';
  return `${/^[aeiou]/u.test(type) ? 'an' : 'a'} ${type}`;
}

/** Parses a command's input with its schema; a person reads what is wrong, in words. */
export function parseInputWith<T extends z.ZodType>(schema: T, name: string, input: unknown): z.output<T> {
  const r = schema.safeParse(input ?? {});
  if (!r.success) {
    throw new HarvestError('INVALID_INPUT', `Invalid input for ${name}: ${describeIssues(r.error)}`);
  }
  return r.data;
}
