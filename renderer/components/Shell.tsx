import { useEffect, useState, type FormEvent } from 'react';
import { fmtDuration, fmtUsd } from '../lib/format';
import { selectSlices, summarizeAll } from '../state/derived';
import { actions, useApp, useAppShallow } from '../state/store';
import {
  IconAlert,
  IconMoon,
  IconOverview,
  IconPause,
  IconPlay,
  IconPlus,
  IconSettings,
  IconStop,
  IconSun,
  IconTrophy,
  IconHistory,
  IconX,
  Logo,
} from './icons';
import { stateDotClass, useEscape, useNow } from './ui';

const noop = (): void => undefined;

export function TopBar() {
  const { network, paperSandbox, health, controls, conn, theme } = useAppShallow((s) => ({
    network: s.network?.network ?? s.health?.network ?? null,
    paperSandbox: s.network?.paperSandbox ?? s.health?.paperSandbox ?? null,
    health: s.health,
    controls: s.controls?.global ?? s.health?.controls ?? null,
    conn: s.conn,
    theme: s.theme,
  }));
  const halted = controls?.halted ?? false;
  const paused = controls?.paused ?? false;
  // Unreachable engine: no figure it sent before is a state to trust, and no button can reach it.
  const offline = conn !== 'open';
  const engineLabel = offline
    ? conn === 'connecting'
      ? 'Connecting'
      : 'Engine stopped'
    : halted
      ? 'Halted'
      : paused
        ? 'Paused'
        : health?.trading
          ? 'Trading'
          : 'Idle';
  const engineCls = offline ? 'neg' : halted ? 'neg' : paused ? 'warn' : health?.trading ? 'pos' : '';
  const cycle = offline ? undefined : health?.lastCycle;

  const pauseAll = () =>
    void actions().run(
      'controls.pause',
      { reason: 'paused from the UI' },
      { success: 'Paused: no new entries for anyone (sells, closes and exits continue)' },
    );
  const resumeAll = () =>
    void actions().run(
      'controls.resume',
      {},
      {
        confirm: {
          title: halted ? 'Resume after a halt?' : 'Resume trading for everyone?',
          body: halted
            ? 'Signing starts again and every active friend can trade. Make sure whatever made you halt is dealt with.'
            : 'New entries start again for every active friend (friends paused one by one stay paused).',
          confirmLabel: 'Resume trading',
        },
        success: 'Trading resumed',
      },
    );
  const halt = () =>
    void actions().run(
      'controls.halt',
      { reason: 'halted from the UI' },
      {
        confirm: {
          title: 'Halt everything?',
          body: 'Nothing is signed at all until you resume — no entries, no exits, no withdrawals. Orders already in flight finish or expire.',
          confirmLabel: 'Halt now',
          danger: true,
        },
        success: 'Halted: nothing will be signed',
      },
    );

  return (
    <header className="topbar">
      <div className="brand">
        <Logo />
        Harvest
      </div>
      {network && (
        <span
          className={`badge upper ${network === 'mainnet' ? 'neg' : network === 'devnet' ? 'info' : 'warn'}`}
          data-testid="network-badge"
          title={paperSandbox?.notice}
        >
          {paperSandbox ? paperSandbox.label : network}
        </span>
      )}
      <span
        className={`pill ${offline ? 'pill-offline' : ''}`}
        data-testid="engine-state"
        data-state={offline ? (conn === 'connecting' ? 'connecting' : 'stopped') : engineLabel.toLowerCase()}
      >
        <span className={`dot ${engineCls} ${engineCls === 'pos' ? 'pulse' : ''}`} />
        {engineLabel}
      </span>
      {cycle && (
        <span className="muted small nowrap" title="Last trading cycle">
          cycle #{cycle.cycle} · {fmtDuration(cycle.durationMs)} · {cycle.active}/{cycle.users} active
          {cycle.errors > 0 && <span className="neg"> · {cycle.errors} errors</span>}
        </span>
      )}
      <span className="spacer" />
      <ConnIndicator conn={conn} />
      <span className="sep" />
      <button
        className="btn sm outline-warn"
        data-testid="global-pause"
        onClick={pauseAll}
        disabled={offline || paused || halted}
        title="Pause new entries for everyone"
      >
        <IconPause size={13} /> Pause all
      </button>
      <button
        className="btn sm outline-pos"
        data-testid="global-resume"
        onClick={resumeAll}
        disabled={offline || (!paused && !halted)}
        title="Resume trading"
      >
        <IconPlay size={13} /> Resume
      </button>
      <button
        className="btn sm danger"
        data-testid="global-halt"
        onClick={halt}
        disabled={offline || halted}
        title="Halt: sign nothing"
      >
        <IconStop size={13} /> Halt
      </button>
      <span className="sep" />
      <button
        className="btn icon ghost"
        data-testid="theme-toggle"
        title={theme === 'dark' ? 'Light theme' : 'Dark theme'}
        onClick={() => actions().setTheme(theme === 'dark' ? 'light' : 'dark')}
      >
        {theme === 'dark' ? <IconSun /> : <IconMoon />}
      </button>
    </header>
  );
}

function ConnIndicator({ conn }: { conn: string }) {
  // "Connected", not "Live": beside SANDBOX or PAPER, "Live" reads like live trading.
  const label = conn === 'open' ? 'Connected' : conn === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  const cls = conn === 'open' ? 'pos' : conn === 'connecting' ? 'warn pulse' : 'neg pulse';
  return (
    <span className="conn" data-testid="connection-status" data-status={conn} title="Connection to the engine">
      <span className={`dot ${cls}`} />
      {label}
    </span>
  );
}

export function Sidebar() {
  const view = useApp((s) => s.view);
  const slices = useAppShallow(selectSlices);
  const now = useNow(30_000);
  const summaries = summarizeAll(slices, now);
  const [adding, setAdding] = useState(false);
  const nav = (
    kind: 'overview' | 'leaderboard' | 'settings' | 'backtest',
    label: string,
    Icon: typeof IconOverview,
  ) => (
    <button
      className={`nav-item ${view.kind === kind ? 'active' : ''}`}
      data-testid={`nav-${kind}`}
      onClick={() => actions().navigate({ kind })}
    >
      <Icon /> {label}
    </button>
  );
  return (
    <aside className="sidebar">
      <nav className="nav">
        {nav('overview', 'Overview', IconOverview)}
        {nav('leaderboard', 'Leaderboard', IconTrophy)}
        {nav('backtest', 'Backtest', IconHistory)}
        {nav('settings', 'Settings', IconSettings)}
      </nav>
      <div className="side-head">
        <span>Friends · {summaries.length}</span>
        <button
          className="btn icon sm ghost"
          title="Add a friend"
          data-testid="add-user-open"
          onClick={() => setAdding((a) => !a)}
        >
          <IconPlus size={14} />
        </button>
      </div>
      {adding && <AddUserForm onDone={() => setAdding(false)} onCancel={() => setAdding(false)} />}
      <div className="user-list" data-testid="user-list">
        {summaries.map((u) => {
          const active = view.kind === 'user' && view.userId === u.user.id;
          return (
            <button
              key={u.user.id}
              className={`user-item ${active ? 'active' : ''}`}
              data-testid={`user-tab-${u.user.id}`}
              data-user-name={u.user.name}
              onClick={() =>
                actions().navigate({
                  kind: 'user',
                  userId: u.user.id,
                  tab: view.kind === 'user' ? view.tab : 'positions',
                })
              }
            >
              <span className={`dot ${stateDotClass(u.state)}`} />
              <span className="name">{u.user.name}</span>
              <span className="num small">{fmtUsd(u.equityUsd, { compact: true })}</span>
              <span className="sub">
                <span>
                  {u.state === 'no-wallet'
                    ? 'no wallet'
                    : u.breaker
                      ? 'breaker'
                      : u.state === 'inactive'
                        ? 'unfunded'
                        : u.state}
                  {u.mode ? ` · ${u.mode}` : ''}
                </span>
                {u.openPositions > 0 && <span>{u.openPositions} open</span>}
              </span>
            </button>
          );
        })}
        {summaries.length === 0 && (
          <div className="muted small" style={{ padding: '6px 10px' }}>
            No friends yet.
          </div>
        )}
      </div>
    </aside>
  );
}

export function AddUserForm({
  onDone,
  onCancel,
  autoFocus = true,
}: {
  onDone?: (id: number) => void;
  /** Escape closes the form (when it can be closed). */
  onCancel?: () => void;
  autoFocus?: boolean;
}) {
  const [name, setName] = useState('');
  useEscape(onCancel ?? noop, onCancel !== undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await actions().run('users.add', { name }, { silent: true });
    setBusy(false);
    if (!r.ok) {
      setError(r.error.message);
      return;
    }
    setName('');
    setError(null);
    actions().toast('success', `Added ${r.value.name}`, 'Create or import their wallet next.');
    await actions().refreshUsers();
    await actions().refreshControls();
    actions().navigate({ kind: 'user', userId: r.value.id, tab: 'wallet' });
    onDone?.(r.value.id);
  };
  return (
    <form className="col" style={{ padding: '0 14px 10px', gap: 6 }} onSubmit={submit} data-testid="add-user-form">
      <input
        className={`input ${error ? 'invalid' : ''}`}
        placeholder="Friend's name"
        value={name}
        autoFocus={autoFocus}
        maxLength={64}
        data-testid="add-user-name"
        onChange={(e) => {
          setName(e.target.value);
          setError(null);
        }}
      />
      {error && <div className="small neg">{error}</div>}
      <button className="btn sm primary" type="submit" disabled={busy || !name.trim()} data-testid="add-user-submit">
        Add friend
      </button>
    </form>
  );
}

export function ConfirmDialog() {
  const req = useApp((s) => s.confirm);
  const [typed, setTyped] = useState('');
  useEffect(() => {
    setTyped('');
    if (!req) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') actions().resolveConfirm(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [req]);
  if (!req) return null;
  const blocked = req.typeToConfirm !== undefined && typed.trim() !== req.typeToConfirm;
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && actions().resolveConfirm(false)}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="confirm-title"
        data-testid="confirm-dialog"
      >
        <div className="dialog-head">
          <span className={`icon-circle ${req.danger ? 'danger' : ''}`}>
            <IconAlert size={16} />
          </span>
          <h3 id="confirm-title">{req.title}</h3>
        </div>
        <div className="dialog-body">
          <div>{req.body}</div>
          {req.details && req.details.length > 0 && (
            <dl
              className="kv"
              style={{
                background: 'var(--bg-2)',
                padding: '10px 12px',
                borderRadius: 8,
                border: '1px solid var(--border)',
              }}
            >
              {req.details.map(([k, v]) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{k}</dt>
                  <dd
                    className={v.length > 30 ? 'mono' : ''}
                    title={v}
                    style={{ whiteSpace: v.length > 44 ? 'normal' : 'nowrap', wordBreak: 'break-all' }}
                  >
                    {v}
                  </dd>
                </div>
              ))}
            </dl>
          )}
          {req.engineMessage && (
            <div className="callout info small" data-testid="confirm-engine-message">
              <IconShield16 /> <span>Engine: {req.engineMessage}</span>
            </div>
          )}
          {req.typeToConfirm !== undefined && (
            <div className="field">
              <label>
                Type <b className="mono">{req.typeToConfirm}</b> to confirm
              </label>
              <input
                className="input"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                data-testid="confirm-type"
                autoFocus
              />
            </div>
          )}
        </div>
        <div className="dialog-foot">
          <button className="btn" data-testid="confirm-cancel" onClick={() => actions().resolveConfirm(false)}>
            Cancel
          </button>
          <button
            className={`btn ${req.danger ? 'danger' : 'primary'}`}
            data-testid="confirm-ok"
            disabled={blocked}
            autoFocus={req.typeToConfirm === undefined}
            onClick={() => actions().resolveConfirm(true)}
          >
            {req.confirmLabel ?? 'Confirm'}
          </button>
        </div>
      </div>
    </div>
  );
}

function IconShield16() {
  return (
    <svg
      width="14"
      height="14"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      style={{ flex: 'none', marginTop: 2 }}
      aria-hidden="true"
    >
      <path d="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z" />
    </svg>
  );
}

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.kind}`} data-testid={`toast-${t.kind}`}>
          <div className="grow">
            <div className="t-title">{t.title}</div>
            {t.body && <div className="t-body">{t.body}</div>}
          </div>
          <button className="btn icon xs ghost" onClick={() => actions().dismissToast(t.id)} title="Dismiss">
            <IconX size={12} />
          </button>
        </div>
      ))}
    </div>
  );
}

export function BusyOverlay() {
  const busy = useApp((s) => s.busy);
  const now = useNow(250);
  if (!busy) return null;
  return (
    <div className="overlay">
      <div className="dialog" data-testid="progress-dialog" role="alertdialog" aria-busy="true">
        <div className="dialog-head">
          <span className="spinner" />
          <h3>{busy.label}</h3>
        </div>
        <div className="dialog-body">
          <div className="progress" />
          <div className="muted small">
            Working… {fmtDuration(now - busy.startedAt)} elapsed. Keep Harvest open until this finishes.
          </div>
        </div>
        <div className="dialog-foot" />
      </div>
    </div>
  );
}

export function GlobalBanner() {
  const controls = useApp((s) => s.controls?.global ?? null);
  const loadError = useApp((s) => s.loadError);
  const networkError = useApp((s) => s.networkError);
  const paperSandbox = useApp((s) => s.network?.paperSandbox ?? s.health?.paperSandbox ?? null);
  const conn = useApp((s) => s.conn);
  const connLostAt = useApp((s) => s.connLostAt);
  const now = useNow(1000);
  if (conn === 'closed') {
    return (
      <div className="banner neg" data-testid="engine-offline-banner" role="alert">
        <IconStop /> Engine stopped or unreachable — reconnecting…
        <span className="muted small">
          {connLostAt
            ? `The figures below are from ${now - connLostAt < 1000 ? 'a moment' : fmtDuration(now - connLostAt)} ago and do not change until it answers; the controls are off meanwhile.`
            : 'The figures below may be out of date; the controls are off until it answers.'}
        </span>
      </div>
    );
  }
  if (loadError) {
    return (
      <div className="banner neg">
        <IconAlert /> Could not load from the engine: {loadError}
        <span className="spacer" />
        <button className="btn sm" onClick={() => void actions().loadAll()}>
          Retry
        </button>
      </div>
    );
  }
  if (controls?.halted) {
    return (
      <div className="banner neg" data-testid="halt-banner">
        <IconStop /> Trading is halted{controls.reason ? ` — ${controls.reason}` : ''}. Nothing is signed until you
        resume.
      </div>
    );
  }
  if (controls?.paused) {
    return (
      <div className="banner warn" data-testid="pause-banner">
        <IconPause /> Paused for everyone{controls.reason ? ` — ${controls.reason}` : ''}: no new entries; exits
        continue.
      </div>
    );
  }
  if (networkError) {
    return (
      <div className="banner warn">
        <IconAlert /> Network: {networkError}
      </div>
    );
  }
  if (paperSandbox) {
    return (
      <div className="banner warn" data-testid="paper-sandbox-banner">
        <IconAlert /> {paperSandbox.notice}
      </div>
    );
  }
  return null;
}
