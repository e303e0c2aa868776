import { useEffect, useState } from 'react';
import { BusyOverlay, ConfirmDialog, GlobalBanner, Sidebar, Toasts, TopBar } from './components/Shell';
import { Logo } from './components/icons';
import { ErrorBoundary } from './components/ErrorBoundary';
import { hashToView } from './state/reducers';
import { actions, useApp } from './state/store';
import { Overview } from './screens/Overview';
import { UserView } from './screens/User';
import { Leaderboard } from './screens/Leaderboard';
import { Settings } from './screens/Settings';
import { Backtest } from './screens/Backtest';
import { Wizard } from './screens/Wizard';
import { TOKEN_STORAGE_KEY, tokenFromPaste } from './client/token';
import { HOST_PATHS } from '../engine/api/client';

const SKIP_KEY = 'harvest.setupSkipped';

function useThemeAttribute(): void {
  const theme = useApp((s) => s.theme);
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
}

export function App() {
  useThemeAttribute();
  const view = useApp((s) => s.view);
  const loaded = useApp((s) => s.loaded);
  const userCount = useApp((s) => s.users.length);
  const loadError = useApp((s) => s.loadError);
  const offline = useApp((s) => s.conn === 'closed');
  const [skipped, setSkipped] = useState(() => readFlag(SKIP_KEY));

  useEffect(() => {
    const onHash = () => {
      const v = hashToView(location.hash);
      if (v) actions().navigate(v);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  if (!loaded) return <Connecting />;
  const wizard = view.kind === 'wizard' || (userCount === 0 && !skipped && !loadError);
  if (wizard) {
    return (
      <>
        <Wizard
          onSkip={() => {
            writeFlag(SKIP_KEY);
            setSkipped(true);
            actions().navigate({ kind: 'overview' });
          }}
        />
        <ConfirmDialog />
        <BusyOverlay />
        <Toasts />
      </>
    );
  }
  return (
    <div className="app">
      <TopBar />
      <div className="body">
        <Sidebar />
        <main className={`main ${offline ? 'offline' : ''}`} data-offline={offline || undefined}>
          <GlobalBanner />
          {/* Inert while the engine is away: no click, Tab or Enter reaches a control; the figures still scroll. */}
          <div className="main-screen" inert={offline} data-testid="main-screen">
            <ErrorBoundary resetKey={JSON.stringify(view)}>
              {view.kind === 'overview' && <Overview />}
              {view.kind === 'leaderboard' && <Leaderboard />}
              {view.kind === 'settings' && <Settings />}
              {view.kind === 'backtest' && <Backtest />}
              {view.kind === 'user' && <UserView userId={view.userId} tab={view.tab} />}
            </ErrorBoundary>
          </div>
        </main>
      </div>
      <Toasts />
      <ConfirmDialog />
      <BusyOverlay />
    </div>
  );
}

function readFlag(key: string): boolean {
  try {
    return localStorage.getItem(key) === '1';
  } catch {
    return false;
  }
}

function writeFlag(key: string): void {
  try {
    localStorage.setItem(key, '1');
  } catch {
    // private mode: the flag lasts for this page only
  }
}

function Connecting() {
  useThemeAttribute();
  const conn = useApp((s) => s.conn);
  const [slow, setSlow] = useState(false);
  const [badToken, setBadToken] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setSlow(true), 5000);
    // A refused WebSocket upgrade says nothing to the page; the health endpoint says 401 plainly.
    const token = window.harvest ? null : sessionStorage.getItem(TOKEN_STORAGE_KEY);
    const probe = setTimeout(() => {
      if (!token) return;
      fetch(HOST_PATHS.health, { headers: { authorization: `Bearer ${token}` } }).then(
        (r) => setBadToken(r.status === 401),
        () => undefined,
      );
    }, 1500);
    return () => {
      clearTimeout(t);
      clearTimeout(probe);
    };
  }, []);
  return (
    <div className="splash" data-testid="connecting" data-status={conn}>
      <div className="locked">
        <div className="brand" style={{ width: 'auto' }}>
          <Logo /> Harvest
        </div>
        <div className="row">
          <span className="spinner" /> Connecting to the engine…
        </div>
        {badToken && (
          <div className="callout neg small" data-testid="bad-token">
            <span>
              This link&apos;s access token is not valid. <code>harvest serve</code> makes a new one each time it
              starts: open the URL it printed last.
            </span>
          </div>
        )}
        {(slow || badToken) && (
          <>
            <div className="muted small" hidden={badToken}>
              Still waiting. The engine may have stopped, or this link is from an earlier run:{' '}
              <code>harvest serve</code> makes a new access token each time it starts. Open the URL it printed.
            </div>
            {!window.harvest && (
              <div>
                <button
                  className="btn"
                  onClick={() => {
                    sessionStorage.removeItem(TOKEN_STORAGE_KEY);
                    location.reload();
                  }}
                  data-testid="use-other-link"
                >
                  Use another link
                </button>
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}

/** No Electron bridge and no token: ask for the URL `harvest serve` printed. */
export function Locked() {
  useThemeAttribute();
  const [text, setText] = useState('');
  const token = tokenFromPaste(text);
  return (
    <div className="splash" data-testid="locked">
      <form
        className="locked"
        onSubmit={(e) => {
          e.preventDefault();
          if (!token) return;
          sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
          location.reload();
        }}
      >
        <div className="brand" style={{ width: 'auto' }}>
          <Logo /> Harvest
        </div>
        <h2 style={{ margin: 0, fontSize: 18 }}>
          Open the link from <code>harvest serve</code>
        </h2>
        <p className="muted" style={{ margin: 0 }}>
          The engine prints a URL with an access token when it starts (…/?token=…). Open that URL, or paste it here.
        </p>
        <input
          className="input mono"
          placeholder="http://127.0.0.1:…/?token=…"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoFocus
          data-testid="token-input"
        />
        <div>
          <button className="btn primary" disabled={!token} data-testid="token-submit">
            Connect
          </button>
        </div>
      </form>
    </div>
  );
}
