import { useEffect, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import type { UserState } from '../state/reducers';
import { fmtDuration } from '../lib/format';
import { actions, useApp } from '../state/store';
import { IconCheck, IconCopy } from './icons';

export function Panel(props: {
  title?: ReactNode;
  hint?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  flush?: boolean;
  className?: string;
  testId?: string;
}) {
  const offline = useApp((s) => s.conn === 'closed');
  return (
    <section
      className={`panel ${offline ? 'stale' : ''} ${props.className ?? ''}`}
      data-testid={props.testId}
      data-stale={offline || undefined}
    >
      {props.title !== undefined && (
        <div className="panel-head">
          <h2>{props.title}</h2>
          {props.hint !== undefined && <span className="hint">{props.hint}</span>}
          {offline && <StaleAge />}
          <span className="spacer" />
          {props.actions}
        </div>
      )}
      {props.title === undefined && offline && <StaleAge floating />}
      <div className={`panel-body ${props.flush ? 'flush' : ''}`}>{props.children}</div>
    </section>
  );
}

/** "stale · 2 min old": how old a panel's figures are while the engine does not answer. */
export function StaleAge({ floating }: { floating?: boolean }) {
  const lostAt = useApp((s) => s.connLostAt);
  const now = useNow(1000);
  const age =
    lostAt === null ? 'age unknown' : now - lostAt < 1000 ? 'a moment old' : `${fmtDuration(now - lostAt)} old`;
  return (
    <span
      className={`stale-age ${floating ? 'floating' : ''}`}
      data-testid="stale-age"
      title="The engine is not answering: these figures are what it last said and do not change until it answers again."
    >
      stale · {age}
    </span>
  );
}

export function Kpi(props: {
  label: string;
  value: ReactNode;
  foot?: ReactNode;
  valueClass?: string;
  testId?: string;
}) {
  return (
    <div className="kpi" data-testid={props.testId}>
      <div className="label">{props.label}</div>
      <div className={`value ${props.valueClass ?? ''}`}>{props.value}</div>
      {props.foot !== undefined && <div className="foot">{props.foot}</div>}
    </div>
  );
}

export function Stat(props: { label: string; value: ReactNode; valueClass?: string; testId?: string }) {
  return (
    <div className="stat" data-testid={props.testId}>
      <div className="label">{props.label}</div>
      <div className={`value ${props.valueClass ?? ''}`}>{props.value}</div>
    </div>
  );
}

const STATE_LOOK: Record<UserState, { cls: string; label: string }> = {
  active: { cls: 'pos', label: 'Active' },
  inactive: { cls: '', label: 'Unfunded' },
  paused: { cls: 'warn', label: 'Paused' },
  breaker: { cls: 'neg', label: 'Breaker' },
  halted: { cls: 'neg', label: 'Halted' },
  'no-wallet': { cls: '', label: 'No wallet' },
};

export function StateBadge({ state, testId }: { state: UserState; testId?: string }) {
  const look = STATE_LOOK[state];
  return (
    <span className={`badge ${look.cls}`} data-testid={testId} data-state={state}>
      <span className={`dot ${look.cls}`} style={{ width: 6, height: 6, boxShadow: 'none' }} />
      {look.label}
    </span>
  );
}

export function stateDotClass(state: UserState): string {
  return STATE_LOOK[state].cls;
}

export function Seg<T extends string>(props: {
  value: T;
  options: readonly { value: T; label: ReactNode; testId?: string; className?: string }[];
  onChange: (v: T) => void;
  className?: string;
}) {
  return (
    <div className={`seg ${props.className ?? ''}`} role="radiogroup">
      {props.options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="radio"
          aria-checked={props.value === o.value}
          className={`${props.value === o.value ? 'on' : ''} ${o.className ?? ''}`}
          data-testid={o.testId}
          onClick={() => props.onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

export function Field(props: {
  label: ReactNode;
  help?: ReactNode;
  error?: string | null;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <div className={`field ${props.className ?? ''}`} data-testid={props.testId}>
      <label>{props.label}</label>
      {props.children}
      {props.error ? (
        <div className="error">{props.error}</div>
      ) : props.help ? (
        <div className="help">{props.help}</div>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Spinner() {
  return <span className="spinner" aria-label="working" />;
}

/** The current time, re-rendered every `ms`. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function CopyButton({ text, testId, label }: { text: string; testId?: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className={label ? 'btn sm' : 'btn icon sm ghost'}
      title="Copy"
      data-testid={testId}
      onClick={() => {
        navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1200);
          },
          () => actions().toast('warning', 'Could not copy', 'Select the text and copy it by hand.'),
        );
      }}
    >
      {done ? <IconCheck size={14} /> : <IconCopy size={14} />}
      {label}
    </button>
  );
}

/** Escape closes what is open (a form, a dialog): `onEscape` runs while `active`. */
export function useEscape(onEscape: () => void, active = true): void {
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onEscape();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onEscape, active]);
}

/**
 * Escape inside an inline form (a panel's fields, not a dialog): what was typed is
 * discarded, back to the saved values, and its inline errors go. Goes on the form's
 * element as onKeyDown, so it acts only while the focus is inside. The focus stays:
 * a field that saves when left must not save what Escape just discarded.
 */
export function escapeDiscards(discard: () => void): (e: ReactKeyboardEvent) => void {
  return (e) => {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    e.preventDefault();
    discard();
  };
}

/** Token toggles: one chip per symbol, pressed when chosen (the Strategy tab and the Backtest screen). */
export function TokenChips(props: {
  symbols: readonly string[];
  chosen: readonly string[];
  onChange: (next: string[]) => void;
  testIdPrefix: string;
}) {
  return (
    <div className="chips">
      {props.symbols.map((t) => {
        const on = props.chosen.includes(t);
        return (
          <button
            key={t}
            type="button"
            className={`chip ${on ? 'on' : ''}`}
            data-testid={`${props.testIdPrefix}-${t}`}
            aria-pressed={on}
            onClick={() => props.onChange(on ? props.chosen.filter((x) => x !== t) : [...props.chosen, t])}
          >
            {t}
          </button>
        );
      })}
    </div>
  );
}
