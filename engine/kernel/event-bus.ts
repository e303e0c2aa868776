import type { EngineEvent, EventPayload, EventType, Severity } from '../api/events';
import { defaultSeverity } from '../api/event-severity';

export type EventListener = (event: EngineEvent) => void;
/** Writes an event to the database and returns it with its id (DB first, then listeners). */
export type EventPersister = (event: Omit<EngineEvent, 'id'>) => EngineEvent;

/**
 * Engine events: persisted, then delivered to listeners (UI, tray,
 * notifications). A listener that throws never stops the others or the emitter.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(
    private readonly persist: EventPersister,
    private readonly nowIso: () => string,
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {}

  emit<T extends EventType>(
    type: T,
    userId: number | null,
    payload: EventPayload<T>,
    severity?: Severity,
  ): EngineEvent<T> {
    const event = this.persist({
      ts: this.nowIso(),
      type,
      severity: severity ?? defaultSeverity[type],
      userId,
      payload,
    }) as EngineEvent<T>;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.onListenerError(e);
      }
    }
    return event;
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
