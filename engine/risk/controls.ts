import { isoTime, type Clock } from '../kernel/clock';
import type { EventBus } from '../kernel/event-bus';
import type { Store } from '../store';

export const GLOBAL_SCOPE = 'global';
export const userScope = (userId: number): string => `user:${userId}`;
/**
 * Meta key holding the id of the user's newest order at the moment they were
 * last resumed: their breaker counts only failures after it, so a resume
 * really resets the breaker instead of leaving it one failure from tripping.
 */
export const breakerBaselineKey = (userId: number): string => `breaker.baseline.user:${userId}`;

/** The pause an emergency close-all leaves behind: that user's strategy entries stop until the operator resumes them. */
export const CLOSE_ALL_PAUSE_REASON = 'close-all: entries paused until resumed';

export interface ControlState {
  paused: boolean;
  halted: boolean;
  reason: string | null;
}

/**
 * Pause and halt, persisted so they survive a restart.
 *  - global pause: no new entries; sells, closes and exits continue (reducing risk is always allowed);
 *  - global halt: nothing is signed at all until resumed (orders in flight finish or expire);
 *  - user pause: that user gets no new entries (also what a tripped breaker, the drawdown limit and an
 *    emergency close-all do); their sells, closes and exits continue.
 * The in-memory copy is updated before the call returns, so a halt is in force
 * for the signer the moment it is acknowledged.
 */
/** The state of a scope never paused (one object: the gates ask for a friend's state on every check). */
const RUNNING: ControlState = Object.freeze({ paused: false, halted: false, reason: null });

export class Controls {
  private cache = new Map<string, ControlState>();
  /** The user scopes of `cache` by user id, so a check builds no scope text to look its friend up. */
  private readonly users = new Map<number, ControlState>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly clock: Clock,
  ) {
    for (const row of store.controls.all())
      this.remember(row.scope, { paused: row.paused, halted: row.halted, reason: row.reason });
  }

  global(): ControlState {
    return this.cache.get(GLOBAL_SCOPE) ?? RUNNING;
  }

  user(userId: number): ControlState {
    return this.users.get(userId) ?? RUNNING;
  }

  private remember(scope: string, state: ControlState): void {
    this.cache.set(scope, state);
    const userId = userIdOf(scope);
    if (userId !== null) this.users.set(userId, state);
  }

  private forget(scope: string): void {
    this.cache.delete(scope);
    const userId = userIdOf(scope);
    if (userId !== null) this.users.delete(userId);
  }

  /** The newest order id of this user when they were last resumed (0 if never): the breaker counts failures after it. */
  breakerBaseline(userId: number): number {
    return Number(this.store.meta.get(breakerBaselineKey(userId)) ?? 0);
  }

  get halted(): boolean {
    return this.global().halted;
  }

  pauseAll(reason: string | null, actor: string): void {
    this.set(GLOBAL_SCOPE, { ...this.global(), paused: true, reason }, actor);
  }

  halt(reason: string | null, actor: string): void {
    this.set(GLOBAL_SCOPE, { paused: true, halted: true, reason }, actor);
  }

  resumeAll(actor: string): void {
    this.set(GLOBAL_SCOPE, { paused: false, halted: false, reason: null }, actor);
  }

  pauseUser(userId: number, reason: string | null, actor: string): void {
    this.set(userScope(userId), { paused: true, halted: false, reason }, actor, userId);
  }

  resumeUser(userId: number, actor: string): void {
    this.set(userScope(userId), { paused: false, halted: false, reason: null }, actor, userId);
  }

  private set(scope: string, state: ControlState, actor: string, userId: number | null = null): void {
    const at = isoTime(this.clock);
    const previous = this.cache.get(scope);
    const stricter = state.halted || state.paused;
    // Tightening takes effect in memory first, so the signer refuses before the row is even written;
    // loosening takes effect only once it is durable.
    if (stricter) this.remember(scope, state);
    try {
      this.store.tx(() => {
        this.store.controls.set(scope, state, at);
        if (userId !== null && !state.paused) {
          // Resuming a user resets their breaker: earlier failures no longer count towards the next trip.
          this.store.meta.set(breakerBaselineKey(userId), String(this.store.intents.list(userId, 1)[0]?.id ?? 0));
        }
        this.store.audit.append({ actor, action: 'controls.changed', userId, details: { scope, ...state } }, at);
        // Listeners of the event read the new state: it is in force once the transaction commits (reverted below if not).
        this.remember(scope, state);
        this.bus.emit('controls.changed', userId, { scope, ...state });
      });
    } catch (e) {
      // A failed tightening stays in force (fail closed); a failed loosening is undone.
      if (!stricter) {
        if (previous) this.remember(scope, previous);
        else this.forget(scope);
      }
      throw e;
    }
  }
}

/** The user id of a user scope (userScope), else null. */
function userIdOf(scope: string): number | null {
  const m = /^user:(\d+)$/u.exec(scope);
  return m ? Number(m[1]) : null;
}
