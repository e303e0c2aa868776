/**
 * A strategy parameter as a person reads it (CLI, UI, error messages). No zod here: the CLI
 * prints parameters from an answer without loading the schemas (engine/strategy/params.ts).
 */

/** One parameter as shown to a person (CLI, UI, error messages). */
export interface ParamInfo {
  /** The key in settings and on the CLI (`--param name=value`). */
  name: string;
  label: string;
  unit?: string;
  /** Help text (same as `description`, kept for older clients). */
  help: string;
  description: string;
  /** What "off" means, for an optional parameter. */
  offHelp?: string;
  type: 'integer' | 'number' | 'boolean' | 'string';
  default: unknown;
  min?: number;
  max?: number;
  /** Allowed values of an enumerated parameter. */
  options?: readonly string[];
  /** Human words for each option, same order (e.g. "5 minutes"). */
  optionLabels?: readonly string[];
  /** Whether the parameter can be off (null). */
  nullable: boolean;
}

/** 10000000 -> "10,000,000", 1e-9 -> "0.000000001": never exponent notation. */
export function formatParamNumber(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 0.001 ? 12 : 6 });
}

/** The unit after a number: "%" sticks to it, a word gets a space. */
export function unitSuffix(unit: string | undefined): string {
  return unit ? (unit === '%' ? '%' : ` ${unit}`) : '';
}

/** A value as a person reads it: "Off", "On", "12 candles", "25 USD", "1 hour". */
export function formatParamValue(p: ParamInfo, v: unknown): string {
  if (v === null || v === undefined) return 'Off';
  if (typeof v === 'boolean') return v ? 'On' : 'Off';
  if (p.options && p.optionLabels) {
    const i = p.options.indexOf(String(v));
    if (i >= 0) return p.optionLabels[i]!;
  }
  if (typeof v === 'number') return `${formatParamNumber(v)}${unitSuffix(p.unit)}`;
  return String(v);
}

/** "2 to 150 candles", "5 minutes, 15 minutes or 1 hour", "on or off". */
export function formatParamRange(p: ParamInfo): string {
  if (p.type === 'boolean') return 'on or off';
  if (p.options) {
    const words = p.optionLabels ?? p.options;
    return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]!}` : (words[0] ?? '');
  }
  const unit = unitSuffix(p.unit);
  const range =
    p.min !== undefined && p.max !== undefined
      ? `${formatParamNumber(p.min)} to ${formatParamNumber(p.max)}${unit}`
      : p.min !== undefined
        ? `at least ${formatParamNumber(p.min)}${unit}`
        : p.max !== undefined
          ? `at most ${formatParamNumber(p.max)}${unit}`
          : '';
  return p.nullable ? `${range}, or off` : range;
}

/** "Fast EMA (fastPeriod): 2 to 150 candles, default 12 candles." One per parameter, for the CLI and errors. */
export function formatParamInfo(p: ParamInfo): string {
  return `${p.label} (${p.name}): ${formatParamRange(p)}, default ${formatParamValue(p, p.default)}`;
}
