import { useCallback, useEffect, useState } from 'react';
import type { CommandOutput } from '../../engine/api/contract';
import { hasCommand } from '../client/commands';
import { actions } from './store';

export type StrategyStatus = CommandOutput<'strategy.status'>;
export type UserStrategy = StrategyStatus['users'][number];
export type StrategyDecision = UserStrategy['recent'][number];

/** How often the strategy state is re-read: the engine's cycle is 10 s. */
const POLL_MS = 10_000;

/**
 * What each friend's strategy is doing (strategy.status), re-read every cycle
 * while the screen is shown. One friend's (with their recent decisions), or
 * everyone's (`headlinesOnly`: without the per-token detail, for a long list
 * of friends); null until the first answer (or on an engine without it).
 */
export function useStrategyStatus(
  userId?: number,
  headlinesOnly = false,
): { status: StrategyStatus | null; reload: () => Promise<void> } {
  const [status, setStatus] = useState<StrategyStatus | null>(null);
  const reload = useCallback(async () => {
    if (!hasCommand('strategy.status')) return;
    const input = { ...(userId === undefined ? {} : { user: userId }), ...(headlinesOnly ? { headlinesOnly } : {}) };
    const r = await actions().run('strategy.status', input, { silent: true });
    if (r.ok) setStatus(r.value);
  }, [userId, headlinesOnly]);
  useEffect(() => {
    void reload();
    const t = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(t);
  }, [reload]);
  return { status, reload };
}
