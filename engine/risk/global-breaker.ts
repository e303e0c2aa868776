import { isRiskReducing } from '../order';
import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import type { Logger } from '../kernel/logger';
import type { Store } from '../store';
import { refuse, type RiskGate } from './gate';
// From presets, not risk-engine (which reads readGlobalLimits the same way): the engine builds a breaker
// at open, and risk-engine would bring the market and funds modules into every light command.
import { GLOBAL_LIMITS_META_KEY, parseGlobalLimits } from './presets';

/** Meta key of the breaker's persisted state (the database is the truth; nothing is kept only in memory). */
export const GLOBAL_BREAKER_META_KEY = 'breaker.global';

export const GLOBAL_BREAKER_DEFAULTS = { failures: 5, windowSeconds: 60, cooldownMinutes: 15 } as const;

export interface GlobalBreakerSettings {
  failures: number;
  windowSeconds: number;
  cooldownMinutes: number;
}

export interface GlobalBreakerStatus {
  tripped: boolean;
  trippedAt: string | null;
  /** When entries resume on their own (the cooldown's end), while tripped. */
  until: string | null;
  /** The failures that tripped it, and whose orders they were. */
  failures: number;
  userIds: number[];
  reason: string | null;
  settings: GlobalBreakerSettings;
}

interface Persisted {
  trippedAt: string | null;
  until: string | null;
  failures: number;
  userIds: number[];
  reason: string | null;
  /** Failures finished at or before this time no longer count: a reset really resets. */
  countFrom: string | null;
}

const CLEAR: Persisted = { trippedAt: null, until: null, failures: 0, userIds: [], reason: null, countFrom: null };

/** The global limits' breaker settings, with the defaults (5 failures in 60 s, 15 min cooldown) where unset. */
export function globalBreakerSettings(store: Store): GlobalBreakerSettings {
  const g = parseGlobalLimits(store.meta.get(GLOBAL_LIMITS_META_KEY));
  return {
    failures: g.globalBreakerFailures ?? GLOBAL_BREAKER_DEFAULTS.failures,
    windowSeconds: g.globalBreakerWindowSeconds ?? GLOBAL_BREAKER_DEFAULTS.windowSeconds,
    cooldownMinutes: g.globalBreakerCooldownMinutes ?? GLOBAL_BREAKER_DEFAULTS.cooldownMinutes,
  };
}

/**
 * The breaker over everyone. A per-user breaker catches one friend's broken
 * wallet; this one catches the world breaking (RPC, swap API, a bad release):
 * when execution failures across all friends reach the limit within the
 * window, new entries stop for everyone for a cooldown and a critical event
 * goes out. Exits keep running. The operator can resume early.
 */
export class GlobalBreaker {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** The state now; a cooldown that has run out is ended here (recorded once, with an event). */
  status(): GlobalBreakerStatus {
    const p = this.read();
    if (p.until !== null && Date.parse(p.until) <= this.clock.now()) this.reset(p.until, 'cooldown', 'engine');
    return this.view(this.read());
  }

  /** Whether entries are refused at `nowMs`: read-only, for the risk gate. */
  blocks(nowMs: number): GlobalBreakerStatus | null {
    const p = this.read();
    return p.until !== null && Date.parse(p.until) > nowMs ? this.view(p) : null;
  }

  /**
   * Called after an execution failure has been journaled: counts failures of
   * every user in the window (from the database) and trips when they reach the limit.
   */
  recordFailure(): void {
    const current = this.status();
    if (current.tripped) return;
    const s = current.settings;
    const now = this.clock.now();
    const windowStart = new Date(now - s.windowSeconds * 1000).toISOString();
    const countFrom = this.read().countFrom;
    const since = countFrom !== null && countFrom > windowStart ? countFrom : windowStart;
    const failures = this.store.intents.failuresSince(since);
    if (failures.length < s.failures) return;
    const userIds = [...new Set(failures.map((f) => f.userId))].sort((a, b) => a - b);
    const at = isoTime(this.clock);
    const until = new Date(now + s.cooldownMinutes * 60_000).toISOString();
    const reason = `global breaker: ${failures.length} failed orders across ${userIds.length} user(s) within ${s.windowSeconds} s`;
    this.store.tx(() => {
      this.write({ trippedAt: at, until, failures: failures.length, userIds, reason, countFrom });
      this.store.audit.append(
        {
          actor: 'engine',
          action: 'breaker.globalTripped',
          userId: null,
          details: { failures: failures.length, userIds, until, windowSeconds: s.windowSeconds },
        },
        at,
      );
      this.bus.emit('breaker.globalTripped', null, {
        failures: failures.length,
        userIds,
        windowSeconds: s.windowSeconds,
        until,
        reason,
      });
    });
    this.log.error({ failures: failures.length, userIds, until }, reason);
  }

  /** The operator ends the cooldown now. A breaker that is not tripped is left as it is. */
  resume(actor: string): GlobalBreakerStatus {
    const current = this.status();
    if (current.tripped) this.reset(isoTime(this.clock), 'operator', actor);
    return this.status();
  }

  /** Refuses entries while tripped; exits and other risk-reducing orders pass. */
  gate(): RiskGate {
    return {
      check: (order, ctx) => {
        if (isRiskReducing(order)) return { ok: true };
        const b = this.blocks(ctx.nowMs);
        if (!b) return { ok: true };
        return refuse(
          'GLOBAL_BREAKER',
          `The global breaker tripped (${b.failures} failed orders across ${b.userIds.length} user(s) within ${b.settings.windowSeconds} s): no new entries for anyone until ${b.until}, or until the operator resumes it. Sells, closes and exits still run.`,
        );
      },
    };
  }

  private reset(at: string, by: 'cooldown' | 'operator', actor: string): void {
    const p = this.read();
    this.store.tx(() => {
      this.write({ ...CLEAR, countFrom: at });
      this.store.audit.append(
        { actor, action: 'breaker.globalReset', userId: null, details: { by, trippedAt: p.trippedAt } },
        isoTime(this.clock),
      );
      this.bus.emit('breaker.globalReset', null, { by, trippedAt: p.trippedAt });
    });
    this.log.info({ by }, 'global breaker reset: entries resume');
  }

  private view(p: Persisted): GlobalBreakerStatus {
    const tripped = p.until !== null && Date.parse(p.until) > this.clock.now();
    return {
      tripped,
      trippedAt: tripped ? p.trippedAt : null,
      until: tripped ? p.until : null,
      failures: tripped ? p.failures : 0,
      userIds: tripped ? p.userIds : [],
      reason: tripped ? p.reason : null,
      settings: globalBreakerSettings(this.store),
    };
  }

  private read(): Persisted {
    const raw = this.store.meta.get(GLOBAL_BREAKER_META_KEY);
    return raw === null ? CLEAR : { ...CLEAR, ...(JSON.parse(raw) as Partial<Persisted>) };
  }

  private write(p: Persisted): void {
    this.store.meta.set(GLOBAL_BREAKER_META_KEY, JSON.stringify(p));
  }
}
