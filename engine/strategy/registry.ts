import type { z } from 'zod';
import { HarvestError } from '../kernel/errors';
import type { IndicatorSpec } from '../market/indicator-spec';
import type { Timeframe } from '../market/types';
import { breakoutStrategy } from './breakout';
import { dcaStrategy } from './dca';
import { evaluateWith, type EvaluateInput, type Evaluation } from './evaluate';
import { meanReversionStrategy } from './mean-reversion';
import { describeParams, formatParamInfo, formatParamNumber, unitSuffix, type ParamInfo } from './params';
import { gridStrategy } from './grid';
import { trendStrategy } from './trend';
import type { Strategy } from './types';

/** The built-in strategies, by id. */
export const STRATEGIES = {
  trend: trendStrategy,
  'mean-reversion': meanReversionStrategy,
  dca: dcaStrategy,
  breakout: breakoutStrategy,
  grid: gridStrategy,
} as const;

export type StrategyId = keyof typeof STRATEGIES;
export type ParamsOf<K extends StrategyId> = (typeof STRATEGIES)[K] extends Strategy<infer P> ? P : never;
export const STRATEGY_IDS = Object.keys(STRATEGIES) as StrategyId[];

export interface StrategyInfo {
  id: StrategyId;
  name: string;
  description: string;
  params: ParamInfo[];
}

/** A strategy with validated parameters bound to it: what the loop keeps per user. */
export interface BoundStrategy {
  readonly id: StrategyId;
  /** The full, validated parameters (defaults filled in); JSON-safe. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly timeframe: Timeframe;
  readonly warmup: number;
  readonly indicators: readonly IndicatorSpec[];
  evaluate(input: EvaluateInput): Evaluation;
}

export function isStrategyId(id: string): id is StrategyId {
  return Object.prototype.hasOwnProperty.call(STRATEGIES, id);
}

function unknownStrategy(id: string): never {
  throw new HarvestError('NOT_FOUND', `Unknown strategy "${id}". Available: ${STRATEGY_IDS.join(', ')}.`);
}

export function listStrategies(): StrategyInfo[] {
  return STRATEGY_IDS.map((id) => {
    const s = STRATEGIES[id] as Strategy<unknown>;
    return { id, name: s.name, description: s.description, params: describeParams(s.params) };
  });
}

/** The strategy with this id; NOT_FOUND otherwise. */
export function getStrategy<K extends StrategyId>(id: K): (typeof STRATEGIES)[K];
export function getStrategy(id: string): Strategy<unknown>;
export function getStrategy(id: string): Strategy<unknown> {
  if (!isStrategyId(id)) unknownStrategy(id);
  return STRATEGIES[id] as Strategy<unknown>;
}

/** One zod issue in a person's words, naming the parameter by its label and its key. */
function describeIssue(issue: z.core.$ZodIssue, infos: ParamInfo[]): string {
  const key = issue.path.length ? issue.path.map(String).join('.') : '';
  const p = infos.find((x) => x.name === key);
  const who = p ? `${p.label} (${p.name})` : key ? `"${key}"` : 'The parameters';
  const unit = unitSuffix(p?.unit);
  const num = (v: unknown) => (typeof v === 'number' ? formatParamNumber(v) : String(v));
  switch (issue.code) {
    case 'too_big':
      return `${who} must be at most ${num(issue.maximum)}${unit}`;
    case 'too_small':
      return `${who} must be at least ${num(issue.minimum)}${unit}`;
    case 'invalid_type':
      if (issue.expected === 'int') return `${who} must be a whole number`;
      if (issue.expected === 'number') return `${who} must be a number${p?.nullable ? ' (or off)' : ''}`;
      if (issue.expected === 'boolean') return `${who} must be true or false`;
      if (issue.expected === 'object') return 'The parameters must be a set of name=value pairs';
      return `${who} has the wrong type`;
    case 'invalid_value':
      return `${who} must be one of ${p?.options?.join(', ') ?? issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return `Unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    default:
      return `${who}: ${issue.message}`;
  }
}

function paramsError(id: string, schema: z.ZodType, error: z.ZodError): HarvestError {
  const infos = describeParams(schema);
  const problems = error.issues.map((i) => describeIssue(i, infos));
  const allowed = infos.map(formatParamInfo);
  return new HarvestError(
    'INVALID_INPUT',
    `Invalid parameters for strategy "${id}": ${problems.join('; ')}. Allowed: ${allowed.join('; ')}.`,
  );
}

/**
 * Validates raw parameters (e.g. from settings or the CLI) for a strategy:
 * missing ones get their defaults, unknown ones and values out of bounds are
 * refused with INVALID_INPUT listing every parameter's bounds.
 */
export function parseParams<K extends StrategyId>(id: K, raw: unknown): ParamsOf<K>;
export function parseParams(id: string, raw: unknown): unknown;
export function parseParams(id: string, raw: unknown): unknown {
  const s = getStrategy(id);
  const r = s.params.safeParse(raw ?? {});
  if (!r.success) throw paramsError(id, s.params, r.error);
  return r.data;
}

function bind<P>(id: StrategyId, s: Strategy<P>, raw: unknown): BoundStrategy {
  const r = s.params.safeParse(raw ?? {});
  if (!r.success) throw paramsError(id, s.params, r.error);
  const params = Object.freeze(r.data);
  const timeframe = s.timeframe(params);
  const warmup = s.warmup(params);
  return Object.freeze({
    id,
    params: params as Readonly<Record<string, unknown>>,
    timeframe,
    warmup,
    indicators: Object.freeze(s.indicators(params)),
    evaluate: (input: EvaluateInput) => evaluateWith(s, params, timeframe, warmup, input),
  });
}

/** Validates the parameters and binds them to the strategy (see BoundStrategy). */
export function bindStrategy(id: string, rawParams: unknown): BoundStrategy {
  if (!isStrategyId(id)) unknownStrategy(id);
  return bind(id, STRATEGIES[id] as Strategy<unknown>, rawParams);
}
