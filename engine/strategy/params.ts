import { z } from 'zod';
import { TIMEFRAMES } from '../market/types';

/** Reusable parameter builders: every one has a default and bounds. */
export const param = {
  int: (def: number, min: number, max: number, description: string) =>
    z.number().int().min(min).max(max).default(def).describe(description),
  num: (def: number, min: number, max: number, description: string) =>
    z.number().min(min).max(max).default(def).describe(description),
  /** A number or null (off); null by default. */
  optionalNum: (min: number, max: number, description: string) =>
    z.number().min(min).max(max).nullable().default(null).describe(description),
  bool: (def: boolean, description: string) => z.boolean().default(def).describe(description),
  timeframe: (def: (typeof TIMEFRAMES)[number]) =>
    z.enum(TIMEFRAMES).default(def).describe('Candle timeframe the strategy trades on'),
  /** A USD amount with at most 2 decimals (cents), so it converts to base units exactly. */
  usd: (def: number, min: number, max: number, description: string) =>
    z
      .number()
      .min(min)
      .max(max)
      .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, {
        message: 'at most 2 decimal places',
      })
      .default(def)
      .describe(description),
};

/** One parameter as shown to a person (CLI, UI, error messages). */
export interface ParamInfo {
  name: string;
  type: 'integer' | 'number' | 'boolean' | 'string';
  description: string;
  default: unknown;
  min?: number;
  max?: number;
  /** Allowed values of an enumerated parameter. */
  options?: readonly string[];
  /** Whether null (off) is allowed. */
  nullable: boolean;
}

interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
}

/** The parameters of a schema built with `param`, with their defaults and bounds. */
export function describeParams(schema: z.ZodType): ParamInfo[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return Object.entries(json.properties ?? {}).map(([name, node]) => {
    const variants = node.anyOf ?? [node];
    const main = variants.find((v) => v.type !== 'null') ?? node;
    const nullable = variants.some((v) => v.type === 'null');
    const info: ParamInfo = {
      name,
      type: (main.type === 'integer' || main.type === 'number' || main.type === 'boolean'
        ? main.type
        : 'string') as ParamInfo['type'],
      description: node.description ?? main.description ?? '',
      default: node.default,
      nullable,
    };
    if (main.minimum !== undefined) info.min = main.minimum;
    if (main.maximum !== undefined) info.max = main.maximum;
    if (main.enum) info.options = main.enum.map(String);
    return info;
  });
}

/** "fast: integer 2..100 (default 12)" and similar, one per parameter. */
export function formatParamInfo(p: ParamInfo): string {
  let range = '';
  if (p.options) range = ` one of ${p.options.join('|')}`;
  else if (p.min !== undefined || p.max !== undefined) range = ` ${p.min ?? '-inf'}..${p.max ?? 'inf'}`;
  const nul = p.nullable ? ' or null (off)' : '';
  return `${p.name}: ${p.type}${range}${nul} (default ${JSON.stringify(p.default)})`;
}
