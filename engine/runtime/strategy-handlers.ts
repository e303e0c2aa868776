/**
 * Handlers of strategy.status and strategy.decisions (issue #11, item 3):
 * read from the store only (the runner writes there), so they answer the
 * same whether or not the engine is trading in this process.
 */
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import type { DecisionRow, StrategyStateRow } from '../store';
import { UserSettingsSchema } from '../users/settings';
import { decisionLabel, strategyHeadline } from './decisions';
import type { Engine } from './engine';

type StrategyStatusCommand = 'strategy.status' | 'strategy.decisions';
export type StrategyStatusHandlers = {
  [K in StrategyStatusCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

type DecisionOut = CommandOutput<'strategy.decisions'>['decisions'][number];
type TokenStateOut = CommandOutput<'strategy.status'>['users'][number]['tokens'][number];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** A date alone means its UTC midnight. */
const toIso = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : new Date(/^\d{4}-\d{2}-\d{2}$/u.test(s) ? `${s}T00:00:00.000Z` : s).toISOString();

export function decisionOut(d: DecisionRow): DecisionOut {
  return {
    id: d.id,
    token: d.token,
    strategy: d.strategyId,
    candleAt: iso(d.candleTime),
    at: d.recordedAt,
    outcome: d.outcome,
    code: d.code,
    label: decisionLabel(d.code),
    message: d.message,
    side: d.signalSide,
    indicators: d.indicators,
    orderId: d.intentId,
  };
}

function tokenStateOut(s: StrategyStateRow): TokenStateOut {
  return {
    token: s.token,
    strategy: s.strategyId,
    timeframe: s.timeframe,
    warmup: { have: s.warmupHave, needed: s.warmupNeeded },
    lastCandleAt: iso(s.lastCandle),
    indicators: s.indicators,
    lastSignal: s.signal
      ? { side: s.signal.side, reason: s.signal.reason, candleAt: new Date(s.signal.candleTime).toISOString() }
      : null,
    lastDecision: {
      outcome: s.outcome,
      code: s.code,
      label: decisionLabel(s.code),
      message: s.message,
      at: s.decidedAt,
    },
    lastTradeAt: s.tradedAt,
  };
}

export function buildStrategyStatusHandlers(engine: Engine): StrategyStatusHandlers {
  const { store } = engine;
  return {
    'strategy.status': ({ user, headlinesOnly }) => {
      const now = engine.clock.now();
      const users = user === undefined ? store.users.list() : [engine.users.resolve(user)];
      const states = new Map<number, StrategyStateRow[]>();
      for (const s of user === undefined ? store.decisions.states() : store.decisions.states(users[0]!.id)) {
        let list = states.get(s.userId);
        if (!list) states.set(s.userId, (list = []));
        list.push(s);
      }
      const global = engine.controls.global();
      return {
        at: new Date(now).toISOString(),
        users: users.map((u) => {
          const settings = UserSettingsSchema.parse(store.settings.get(u.id)?.settings ?? {});
          // Only the tokens traded now, in the order the settings list them.
          const mine = states.get(u.id) ?? [];
          const tokens = settings.strategy.tokens
            .map((t) => mine.find((s) => s.token === t))
            .filter((s): s is StrategyStateRow => s !== undefined);
          const { state, headline } = strategyHeadline({
            enabled: settings.strategy.enabled,
            // The runner's word when it has run for this friend (it knows paper from live), else the activation flag.
            active: tokens.length > 0 ? !tokens.some((t) => t.code === 'NOT_FUNDED') : store.users.isActive(u.id),
            global,
            user: engine.controls.user(u.id),
            tokens,
            now,
          });
          return {
            userId: u.id,
            name: u.name,
            strategy: settings.strategy.id,
            enabled: settings.strategy.enabled,
            mode: settings.mode,
            state,
            headline,
            tokens: headlinesOnly ? [] : tokens.map(tokenStateOut),
            recent: user === undefined ? [] : store.decisions.list(u.id, { limit: 20 }).map(decisionOut),
          };
        }),
      };
    },
    'strategy.decisions': ({ user, from, to, limit }) => {
      const u = engine.users.resolve(user);
      const range = { from: toIso(from), to: toIso(to) };
      return {
        userId: u.id,
        name: u.name,
        decisions: store.decisions
          .list(u.id, { ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}), limit })
          .map(decisionOut),
      };
    },
  };
}
