import { app, Notification } from 'electron';
import type { EngineEvent, EventPayload, Severity } from '../engine/api/events';
import { shouldAlert, UserSettingsSchema } from '../engine/users/settings';

/** What notifications need of the engine (a real Engine, or a fake in tests). */
export interface NotifyEngine {
  readonly bus: { subscribe(listener: (event: EngineEvent) => void): () => void };
  readonly store: {
    settings: { get(userId: number): { settings: unknown } | null };
    users: { byId(id: number): { name: string } | null };
  };
}

export interface NotifierOptions {
  /** Clicking a notification (usually: show the window). */
  onClick?: (event: EngineEvent) => void;
  /** Wall-clock milliseconds, for the rate limit. */
  now?: () => number;
  /** The same kind of alert for the same user at most once per this interval. Default 60 s. */
  repeatIntervalMs?: number;
  /** At most this many warnings per window (critical alerts are never dropped by it). Default 5 per 60 s. */
  maxPerWindow?: number;
  windowMs?: number;
}

/**
 * The installer's appId (build/electron-builder.json; a test keeps them equal). Windows
 * delivers a toast only when the running app's AppUserModelId matches the one NSIS wrote
 * on the Start-menu shortcut; Electron's default id matches none, and toasts vanish.
 */
export const APP_USER_MODEL_ID = 'app.harvest.desktop';

/** Before any notification: on Windows, take the installer's AppUserModelId. */
export function registerAppUserModelId(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'win32') return false;
  app.setAppUserModelId(APP_USER_MODEL_ID);
  return true;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Whether one of a user's events alerts the operator, by that user's
 * settings.notifications (enabled, minSeverity, muted types; the engine's own
 * rule, engine/users shouldAlert). Settings that do not parse count as the defaults.
 */
export function userWantsAlert(
  engine: NotifyEngine,
  userId: number,
  event: Pick<EngineEvent, 'type' | 'severity'>,
): boolean {
  const raw = (engine.store.settings.get(userId)?.settings as { notifications?: unknown } | undefined)?.notifications;
  const schema = UserSettingsSchema.shape.notifications;
  const parsed = schema.safeParse(raw);
  return shouldAlert({ notifications: parsed.success ? parsed.data : schema.parse(undefined) }, event);
}

function short(addr: string): string {
  return addr.length > 12 ? `${addr.slice(0, 4)}…${addr.slice(-4)}` : addr;
}

/** The title and body an OS notification shows for an engine event. */
export function describeEvent(event: EngineEvent, userName: string | null): { title: string; body: string } {
  const who = userName ?? (event.userId !== null ? `user #${event.userId}` : null);
  const forWho = who ? ` — ${who}` : '';
  switch (event.type) {
    case 'breaker.tripped': {
      const p = event.payload as EventPayload<'breaker.tripped'>;
      return {
        title: `Breaker tripped${forWho}`,
        body: `Trading paused after ${p.failures} failed orders: ${p.reason}`,
      };
    }
    case 'breaker.globalTripped': {
      const p = event.payload as EventPayload<'breaker.globalTripped'>;
      return {
        title: 'Global breaker tripped',
        body: `${p.failures} failed orders across ${p.userIds.length} friend(s) in ${p.windowSeconds} s: no new entries for anyone until ${p.until}. Exits still run.`,
      };
    }
    case 'exit.stuck': {
      const p = event.payload as EventPayload<'exit.stuck'>;
      return {
        title: `Exit stuck${forWho}`,
        body: `Position ${p.positionId} (${short(p.mint)}) could not be closed: ${p.reason}`,
      };
    }
    case 'risk.drawdownPaused': {
      const p = event.payload as EventPayload<'risk.drawdownPaused'>;
      return {
        title: `Drawdown limit${forWho}`,
        body: `Paused: equity is ${p.drawdownPct.toFixed(1)}% below its high (limit ${p.limitPct}%).`,
      };
    }
    case 'risk.dailyLossHit': {
      const p = event.payload as EventPayload<'risk.dailyLossHit'>;
      return {
        title: `Daily loss limit${forWho}`,
        body: `Down $${p.lossUsd.toFixed(2)} (${p.lossPct.toFixed(1)}%) today; new entries resume ${p.resumesAt}.`,
      };
    }
    case 'controls.changed': {
      const p = event.payload as EventPayload<'controls.changed'>;
      const what = p.halted ? 'halted' : p.paused ? 'paused' : 'resumed';
      const scope = p.scope === 'global' ? 'Trading' : `Trading for ${who ?? p.scope}`;
      return { title: `${scope} ${what}`, body: p.reason ?? (p.halted ? 'Nothing is signed until you resume.' : '') };
    }
    case 'user.deactivated': {
      const p = event.payload as EventPayload<'user.deactivated'>;
      return {
        title: `Trading stopped${forWho}`,
        body: `The wallet's SOL balance (${p.balanceLamports} lamports) is below the minimum of ${p.minimumLamports}.`,
      };
    }
    case 'withdrawal.failed': {
      const p = event.payload as EventPayload<'withdrawal.failed'>;
      return { title: `Withdrawal failed${forWho}`, body: p.reason };
    }
    case 'whitelist.changed': {
      const p = event.payload as EventPayload<'whitelist.changed'>;
      return {
        title: `Withdrawal whitelist changed${forWho}`,
        body: `${p.action === 'added' ? 'Added' : 'Removed'} ${p.address}`,
      };
    }
    case 'rpc.degraded': {
      const p = event.payload as EventPayload<'rpc.degraded'>;
      return { title: 'RPC endpoint degraded', body: `${p.endpoint}: ${p.reason}` };
    }
    case 'order.failed': {
      const p = event.payload as EventPayload<'order.failed'>;
      return { title: `Order failed${forWho}`, body: `Order ${p.intentId} ${p.status}: ${p.reason}` };
    }
    case 'strategy.error': {
      const p = event.payload as EventPayload<'strategy.error'>;
      return {
        title: `Strategy error${forWho}`,
        body: `${p.strategy}${p.token ? ` on ${p.token}` : ''}: ${p.message}`,
      };
    }
    default:
      return { title: `${event.type}${forWho}`, body: JSON.stringify(event.payload).slice(0, 200) };
  }
}

/**
 * OS notifications for warning-and-above events. A user's own events follow
 * their settings.notifications (enabled, minSeverity, muted); engine-wide
 * events (no user) always notify. Rate-limited: a repeat of the same alert for the same user within
 * repeatIntervalMs is dropped, and warnings beyond maxPerWindow per windowMs
 * are dropped; the next shown alert says how many were held back.
 */
export class Notifier {
  private readonly unsubscribe: () => void;
  private readonly lastByKey = new Map<string, number>();
  private recent: number[] = [];
  private suppressed = 0;
  /** Shown notifications stay referenced until closed (else their click handlers can be collected). */
  private readonly live = new Set<Notification>();
  private readonly now: () => number;
  private readonly repeatMs: number;
  private readonly maxPerWindow: number;
  private readonly windowMs: number;

  constructor(
    private readonly engine: NotifyEngine,
    private readonly opts: NotifierOptions = {},
  ) {
    this.now = opts.now ?? (() => Date.now());
    this.repeatMs = opts.repeatIntervalMs ?? 60_000;
    this.maxPerWindow = opts.maxPerWindow ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.unsubscribe = engine.bus.subscribe((e) => this.handle(e));
  }

  /**
   * Whether this event should notify at all, before rate limits: a user's
   * event by that user's settings (default: warning and above), an
   * engine-wide event when it is a warning or worse.
   */
  wants(event: EngineEvent): boolean {
    if (event.userId !== null) return userWantsAlert(this.engine, event.userId, event);
    return RANK[event.severity] >= RANK.warning;
  }

  /** Returns the notification shown, or null when none was. */
  handle(event: EngineEvent): Notification | null {
    if (!this.wants(event)) return null;
    if (!Notification.isSupported()) return null;
    const t = this.now();
    const key = `${event.type}:${event.userId ?? 'global'}`;
    const last = this.lastByKey.get(key);
    if (last !== undefined && t - last < this.repeatMs) {
      this.suppressed++;
      return null;
    }
    this.recent = this.recent.filter((x) => t - x < this.windowMs);
    if (event.severity !== 'critical' && this.recent.length >= this.maxPerWindow) {
      this.suppressed++;
      return null;
    }
    this.lastByKey.set(key, t);
    this.recent.push(t);
    const name = event.userId !== null ? (this.engine.store.users.byId(event.userId)?.name ?? null) : null;
    const { title, body } = describeEvent(event, name);
    const held = this.suppressed;
    this.suppressed = 0;
    const n = new Notification({
      title,
      body:
        held > 0 ? `${body}\n(+${held} more alert${held === 1 ? '' : 's'} held back — open Harvest to see them)` : body,
      urgency: event.severity === 'critical' ? 'critical' : 'normal',
    });
    this.live.add(n);
    // Some desktops never report 'close': keep only the most recent ones referenced.
    if (this.live.size > 50) this.live.delete(this.live.values().next().value!);
    n.on('click', () => this.opts.onClick?.(event));
    n.on('close', () => this.live.delete(n));
    n.show();
    return n;
  }

  dispose(): void {
    this.unsubscribe();
    this.live.clear();
  }
}

export function createNotifier(engine: NotifyEngine, opts?: NotifierOptions): Notifier {
  return new Notifier(engine, opts);
}
