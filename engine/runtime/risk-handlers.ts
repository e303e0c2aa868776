/**
 * Handlers of the risk and performance commands (risk.*, stats.*), kept apart
 * from handlers.ts so the table there only spreads them in.
 */
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { describeIssues } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { formatUnits, tokenByMint } from '../market';
import {
  accountKey,
  accountLabel,
  equityCurve,
  flowMarkers,
  Performance,
  rankLeaderboard,
  userMode,
  userStats,
  type AccountMode,
  type PriceFn,
  type UserStats,
} from '../portfolio';
import {
  effectiveLimits,
  GlobalLimitsSchema,
  presetSettings,
  readGlobalLimits,
  setRiskValue,
  userRiskLimits,
  writeGlobalLimits,
  type RiskSettings,
} from '../risk';
import { describeUnknownSetting, unknownSettingKey, USER_SETTING_KEYS, UserSettingsSchema } from '../users/settings';
import type { Store } from '../store';
import type { Engine } from './engine';
import { readNetworkConfig } from './network';

type RiskCommand =
  | 'risk.preset'
  | 'risk.limits'
  | 'risk.global'
  | 'risk.setGlobal'
  | 'stats.user'
  | 'stats.equityCurve'
  | 'stats.leaderboard';
export type RiskHandlers = {
  [K in RiskCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

/**
 * What `settings.set KEY VALUE` stores: `risk.X` (dotted, e.g.
 * `risk.lossStreak.losses`) changes one risk limit (the section goes custom),
 * `risk.preset` / `riskPreset` apply a preset; anything else must be one of
 * the known top-level keys, with no unknown key inside its value. `current`
 * is the stored settings as read (unknown keys already dropped).
 */
export function applySettingKey(
  current: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  if (key === 'riskPreset' || key.startsWith('risk.')) {
    const sub = key === 'riskPreset' ? 'preset' : key.slice('risk.'.length);
    const parsed = UserSettingsSchema.safeParse(current);
    const risk = parsed.success ? parsed.data.risk : undefined;
    const r = setRiskValue(risk, sub, value);
    if (!r.ok) throw new HarvestError('INVALID_INPUT', `Invalid value for ${key}: ${r.message}`);
    return withRisk(current, r.risk);
  }
  // One landing-control value (landing.priorityLevel, ...): merged into the section, checked like the rest.
  if (key.startsWith('landing.')) {
    const landing = (current['landing'] ?? {}) as Record<string, unknown>;
    const sub = key.slice('landing.'.length);
    // `set landing.jitoTipSol 0.0002` arrives as a number; the amount is kept as exact text.
    const v = sub.endsWith('Sol') && typeof value === 'number' ? String(value) : value;
    return applySettingKey(current, 'landing', { ...landing, [sub]: v });
  }
  // Strict: a misspelt key (maxOrderUSD) must be refused, not stored beside the real one and ignored.
  if (!Object.hasOwn(UserSettingsSchema.shape, key)) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Unknown setting "${key}". Known: ${USER_SETTING_KEYS.join(', ')}, and risk.LIMIT for one risk limit (see \`harvest risk USER\`).`,
    );
  }
  const next = { ...current, [key]: value };
  const unknown = unknownSettingKey(next);
  if (unknown) throw new HarvestError('INVALID_INPUT', describeUnknownSetting(unknown));
  return next;
}

/** The settings with a new risk section; the legacy top-level mirrors (riskPreset, maxOrderUsd) follow it. */
function withRisk(current: Record<string, unknown>, risk: RiskSettings): Record<string, unknown> {
  return { ...current, risk, riskPreset: risk.preset, maxOrderUsd: userRiskLimits(risk).maxOrderUsd };
}

/** How returns are computed, for every output that shows one (engine/portfolio/figures.ts says why). */
export const RETURN_METHOD =
  'Modified Dietz since the first equity snapshot, net of deposits and withdrawals; total PnL = equity − starting equity − net flows (same sign)';

function statsOut(userId: number, name: string, s: UserStats, mode: AccountMode) {
  const q = tokenByMint(s.quoteMint);
  const qd = q?.decimals ?? 0;
  return {
    userId,
    name,
    network: s.network,
    mode,
    account: accountLabel(mode),
    quoteSymbol: s.quoteSymbol,
    realizedPnl: s.realizedPnl.toString(),
    uiRealizedPnl: formatUnits(s.realizedPnl, qd),
    unrealizedPnl: s.unrealizedPnl === null ? null : s.unrealizedPnl.toString(),
    uiUnrealizedPnl: s.unrealizedPnl === null ? null : formatUnits(s.unrealizedPnl, qd),
    realizedPnlUsd: s.realizedPnlUsd,
    unrealizedPnlUsd: s.unrealizedPnlUsd,
    pnlUsd: s.pnlUsd,
    tradePnlUsd: s.tradePnlUsd,
    dayPnlUsd: s.dayPnlUsd,
    tradeCount: s.tradeCount,
    roundTrips: s.roundTrips,
    wins: s.wins,
    losses: s.losses,
    winRate: s.winRate,
    volumeUsd: s.volumeUsd,
    volume: Object.entries(s.volumeByQuote).map(([mint, amount]) => ({
      symbol: tokenByMint(mint)?.symbol ?? mint,
      amount: amount.toString(),
    })),
    feesLamports: s.feesLamports.toString(),
    feesUsd: s.feesUsd,
    openPositions: s.openPositions,
    equityUsd: s.equityUsd,
    startEquityUsd: s.startEquityUsd,
    highWaterUsd: s.highWaterUsd,
    drawdownPct: s.drawdownPct,
    depositsUsd: s.depositsUsd,
    withdrawalsUsd: s.withdrawalsUsd,
    netFlowsUsd: s.netFlowsUsd,
    returnPct: s.returnPct,
    returnMethod: RETURN_METHOD,
    maxDrawdownPct: s.maxDrawdownPct,
    since: s.since,
    snapshots: s.snapshots,
  };
}

export function buildRiskHandlers(engine: Engine): RiskHandlers {
  const { store, users } = engine;
  const actor = engine.actor;
  const network = (): string => readNetworkConfig(store.meta).network;

  /** Current prices when the network answers; otherwise null (stats fall back to the last snapshot). */
  const pricesOrNull = async (): Promise<PriceFn | null> => {
    try {
      const f = await engine.funds();
      await f.refreshPrices();
      return (m) => f.prices.price(m);
    } catch (e) {
      engine.log.warn({ err: (e as Error).message }, 'no prices for performance figures');
      return null;
    }
  };

  /** One account's figures (default: the one the user trades now), all from engine/portfolio/figures.ts. */
  const statsOf = (userId: number, price: PriceFn | null, mode: AccountMode = userMode(store, userId)): UserStats => {
    const net = network();
    const p: PriceFn = price ?? (() => null);
    const equity = price ? new Performance(store, net, { price }, engine.clock).equity(userId, mode) : null;
    return userStats(store, userId, net, p, engine.clock.now(), equity, mode);
  };

  const limitsOut = (userId: number) => {
    const settings = UserSettingsSchema.parse(store.settings.get(userId)?.settings ?? {});
    const own = userRiskLimits(settings.risk);
    const eff = effectiveLimits(own, readGlobalLimits(store));
    const { fromGlobal, ...effective } = eff;
    return { userId, preset: settings.risk.preset, limits: own, effective, fromGlobal: [...fromGlobal].sort() };
  };

  return {
    'risk.preset': ({ user, preset, expectedVersion }) => {
      const u = users.resolve(user);
      return store.tx(() => {
        const row = store.settings.get(u.id)!;
        if (expectedVersion !== undefined && expectedVersion !== row.version) {
          throw new HarvestError(
            'CONFLICT',
            `The settings changed since version ${expectedVersion} (now ${row.version}); reload and try again.`,
          );
        }
        const next = withRisk(row.settings as Record<string, unknown>, presetSettings(preset));
        const r = UserSettingsSchema.safeParse(next);
        if (!r.success)
          throw new HarvestError(
            'INVALID_INPUT',
            `These settings do not validate with the ${preset} preset: ${describeIssues(r.error)}`,
          );
        const at = isoTime(engine.clock);
        if (!store.settings.update(u.id, row.version, r.data, at))
          throw new HarvestError('CONFLICT', 'The settings changed meanwhile; try again.');
        store.audit.append(
          { actor, action: 'settings.changed', userId: u.id, details: { key: 'risk.preset', value: preset } },
          at,
        );
        return { version: row.version + 1, ...limitsOut(u.id) };
      });
    },

    'risk.limits': ({ user }) => {
      const u = users.resolve(user);
      return { version: store.settings.get(u.id)!.version, ...limitsOut(u.id) };
    },

    'risk.global': () => ({ limits: readGlobalLimits(store) }),

    'risk.setGlobal': ({ key, value }) => {
      const { parsed, limits } = parseGlobalLimitChange(store, key, value);
      const at = isoTime(engine.clock);
      store.tx(() => {
        writeGlobalLimits(store, limits);
        store.audit.append(
          { actor, action: 'risk.globalLimits', userId: null, details: { key, value: (parsed ?? null) as never } },
          at,
        );
      });
      return { limits };
    },

    'stats.user': async ({ user, mode }) => {
      const u = users.resolve(user);
      const m = mode ?? userMode(store, u.id);
      return statsOut(u.id, u.name, statsOf(u.id, await pricesOrNull(), m), m);
    },

    'stats.equityCurve': ({ user, limit, since, mode }) => {
      const u = users.resolve(user);
      const m = mode ?? userMode(store, u.id);
      const key = accountKey(network(), m);
      // PnL is measured from the account's first snapshot, whatever part of the curve is shown.
      const all = store.risk.snapshots(u.id, key);
      const flows = store.risk.cashFlows(u.id, key);
      const points = equityCurve(all, flows);
      const keep = points
        .map((_, i) => i)
        .filter((i) => !since || all[i]!.ts >= since)
        .slice(-limit);
      const from = keep.length > 0 ? all[keep[0]!]!.ts : null;
      return {
        userId: u.id,
        mode: m,
        account: accountLabel(m),
        points: keep.map((i) => points[i]!),
        flows: from === null ? [] : flowMarkers(all, flows).filter((f) => f.ts >= from),
      };
    },

    'stats.leaderboard': async ({ by, anonymous }) => {
      const price = await pricesOrNull();
      const rows = rankLeaderboard(
        users.list().map((u) => ({ userId: u.id, name: u.name, stats: statsOf(u.id, price) })),
        by,
        anonymous,
      );
      return {
        by,
        anonymous,
        method: `each friend's current account (paper or on-chain); return = ${RETURN_METHOD}`,
        rows,
      };
    },
  };
}

/**
 * One global limit changed, checked against the limits' bounds: the same check
 * runs before a confirmation is offered and when the change is applied.
 */
export function parseGlobalLimitChange(
  store: Store,
  key: string,
  value: string,
): { parsed: unknown; limits: ReturnType<typeof readGlobalLimits> } {
  const current = readGlobalLimits(store);
  let parsed: unknown;
  if (value === 'none') parsed = undefined;
  else {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = value;
    }
  }
  if (!(key in GlobalLimitsSchema.shape)) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Unknown global limit "${key}". Known: ${Object.keys(GlobalLimitsSchema.shape).join(', ')}.`,
    );
  }
  const next: Record<string, unknown> = { ...current, [key]: parsed };
  if (parsed === undefined) delete next[key];
  const r = GlobalLimitsSchema.safeParse(next);
  if (!r.success) throw new HarvestError('INVALID_INPUT', `Invalid value for ${key}: ${describeIssues(r.error)}`);
  return { parsed, limits: r.data };
}
