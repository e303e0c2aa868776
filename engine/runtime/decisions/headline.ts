import type { StrategyStateRow } from '../../store';
import { decisionLabel } from './codes';

export type StrategyStateWord =
  'off' | 'unfunded' | 'halted' | 'paused' | 'error' | 'starting' | 'warming-up' | 'skipped' | 'traded' | 'waiting';

export interface HeadlineFacts {
  enabled: boolean;
  active: boolean;
  global: { paused: boolean; halted: boolean };
  user: { paused: boolean; reason: string | null };
  /** The states of the tokens the friend's strategy trades now. */
  tokens: readonly StrategyStateRow[];
  now: number;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago". */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/**
 * What a friend's strategy is doing, in a few words, for the Overview (in
 * place of a bare "running"): controls first (they stop everything), then
 * the tokens: an error, warm-up progress, the latest skipped signal and why,
 * the last trade, or waiting for a signal.
 */
export function strategyHeadline(f: HeadlineFacts): { state: StrategyStateWord; headline: string } {
  if (!f.enabled) return { state: 'off', headline: 'strategy off' };
  if (!f.active) return { state: 'unfunded', headline: 'not funded' };
  if (f.global.halted) return { state: 'halted', headline: 'halted' };
  if (f.user.paused) {
    const r = f.user.reason ?? '';
    const word = /^breaker\b/iu.test(r) ? 'breaker tripped' : /^drawdown\b/iu.test(r) ? 'drawdown limit' : 'paused';
    return { state: 'paused', headline: `${word}: entries stopped` };
  }
  if (f.global.paused) return { state: 'paused', headline: 'everyone paused: entries stopped' };
  const evaluated = f.tokens.filter((t) => t.lastCandle !== null || t.outcome === 'warming-up');
  if (evaluated.length === 0) return { state: 'starting', headline: 'starting: no candle evaluated yet' };
  const failed = f.tokens.find((t) => t.outcome === 'error');
  if (failed) return { state: 'error', headline: `error on ${failed.token}` };
  const warming = f.tokens.filter((t) => t.outcome === 'warming-up');
  if (warming.length > 0) {
    // The slowest token: trading waits on it.
    const w = warming.reduce((a, b) =>
      a.warmupHave / (a.warmupNeeded || 1) <= b.warmupHave / (b.warmupNeeded || 1) ? a : b,
    );
    return { state: 'warming-up', headline: `warming up ${w.warmupHave}/${w.warmupNeeded}` };
  }
  const latest = [...f.tokens].sort((a, b) => b.decidedAt.localeCompare(a.decidedAt));
  const skipped = latest.find((t) => t.outcome === 'skipped');
  if (skipped) return { state: 'skipped', headline: `skipped: ${decisionLabel(skipped.code)}` };
  const traded = f.tokens
    .map((t) => t.tradedAt)
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1);
  if (traded) return { state: 'traded', headline: `last trade ${ago(traded, f.now)}` };
  return { state: 'waiting', headline: 'waiting for signal' };
}
