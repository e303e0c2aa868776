import { z } from 'zod';
import { TIMEFRAMES, type Timeframe } from '../market/types';
import type { ParamInfo } from './param-text';

// The text of a parameter lives apart, without zod: the CLI prints it without loading zod.
export {
  formatParamInfo,
  formatParamNumber,
  formatParamRange,
  formatParamValue,
  unitSuffix,
  type ParamInfo,
} from './param-text';

/**
 * What a person sees of a parameter: the one source for the UI form, the CLI
 * and error messages. Stored as zod metadata (`.meta()`, the global registry)
 * on the parameter's schema, so it travels with the bounds it describes.
 */
export interface ParamMeta {
  /** Short human name, e.g. "Slow EMA". */
  label: string;
  /** Unit of the value, e.g. 'candles', '%', 'USD', 'ATR multiples'; absent for on/off and choices. */
  unit?: string;
  /** One or two sentences: what the value does. */
  help: string;
  /** For an optional parameter: what happens when it is off. */
  offHelp?: string;
}

interface Bounds {
  default: number;
  min: number;
  max: number;
}
type NumberOptions = Bounds & ParamMeta;
type OptionalNumberOptions = Omit<Bounds, 'default'> & ParamMeta & { offHelp: string };
type BoolOptions = { default: boolean } & ParamMeta;

const TIMEFRAME_WORDS: Record<Timeframe, string> = {
  '1m': '1 minute',
  '5m': '5 minutes',
  '15m': '15 minutes',
  '1h': '1 hour',
};

const meta = (o: ParamMeta) => ({
  label: o.label,
  help: o.help,
  ...(o.unit !== undefined ? { unit: o.unit } : {}),
  ...(o.offHelp !== undefined ? { offHelp: o.offHelp } : {}),
});

/** Reusable parameter builders: every one has a default, bounds, a label, a unit and help text. */
export const param = {
  int: (o: NumberOptions) => z.number().int().min(o.min).max(o.max).default(o.default).meta(meta(o)),
  num: (o: NumberOptions) => z.number().min(o.min).max(o.max).default(o.default).meta(meta(o)),
  /** A number, or off (null, the default). */
  optionalNum: (o: OptionalNumberOptions) => z.number().min(o.min).max(o.max).nullable().default(null).meta(meta(o)),
  bool: (o: BoolOptions) => z.boolean().default(o.default).meta(meta(o)),
  timeframe: (def: Timeframe) =>
    z.enum(TIMEFRAMES).default(def).meta({
      label: 'Timeframe',
      help: 'Length of the candles the strategy decides on: it decides once each time one closes.',
    }),
  /** A USD amount with at most 2 decimals (cents), so it converts to base units exactly. */
  usd: (o: Omit<NumberOptions, 'unit'>) =>
    z
      .number()
      .min(o.min)
      .max(o.max)
      .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, {
        message: 'at most 2 decimal places',
      })
      .default(o.default)
      .meta(meta({ ...o, unit: 'USD' })),
};

interface JsonSchemaNode {
  type?: string;
  label?: string;
  unit?: string;
  help?: string;
  offHelp?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  anyOf?: JsonSchemaNode[];
  properties?: Record<string, JsonSchemaNode>;
}

/** "fastPeriod" -> "Fast period": only for a parameter built without `param` (none of the built-ins). */
function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The parameters of a schema built with `param`, with their labels, units, help, defaults and bounds. */
export function describeParams(schema: z.ZodType): ParamInfo[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return Object.entries(json.properties ?? {}).map(([name, node]) => {
    const variants = node.anyOf ?? [node];
    const main = variants.find((v) => v.type !== 'null') ?? node;
    const nullable = variants.some((v) => v.type === 'null');
    const help = node.help ?? node.description ?? main.description ?? '';
    const info: ParamInfo = {
      name,
      label: node.label ?? humanize(name),
      help,
      description: help,
      type: (main.type === 'integer' || main.type === 'number' || main.type === 'boolean'
        ? main.type
        : 'string') as ParamInfo['type'],
      default: node.default,
      nullable,
    };
    if (node.unit !== undefined) info.unit = node.unit;
    if (node.offHelp !== undefined) info.offHelp = node.offHelp;
    if (main.minimum !== undefined) info.min = main.minimum;
    if (main.maximum !== undefined) info.max = main.maximum;
    if (main.enum) {
      info.options = main.enum.map(String);
      if (name === 'timeframe') info.optionLabels = info.options.map((o) => TIMEFRAME_WORDS[o as Timeframe] ?? o);
    }
    return info;
  });
}

/** The ATR length every ATR-stopped strategy asks for (one definition, one label and help). */
export const atrPeriodParam = param.int({
  default: 14,
  min: 2,
  max: 100,
  label: 'ATR length',
  unit: 'candles',
  help: 'Candles the Average True Range (typical candle size) is measured over, for the stop.',
});

/** An entry's stop k ATRs below the entry price: trend and breakout share it. */
export const atrStopParams = {
  atrPeriod: atrPeriodParam,
  stopAtr: param.num({
    default: 2,
    min: 0.5,
    max: 10,
    label: 'Stop distance',
    unit: 'ATR multiples',
    help: 'The stop-loss sits this many ATRs below the entry price.',
  }),
};
