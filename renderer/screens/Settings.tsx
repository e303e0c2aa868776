import { checkLimitInput } from './Risk';
import { useEffect, useState, type FormEvent } from 'react';
import { Field, Panel, Seg, escapeDiscards } from '../components/ui';
import { IconCheck, IconKey, IconShield } from '../components/icons';
import { fmtDateTime } from '../lib/format';
import { hasCommand } from '../client/commands';
import { actions, useApp } from '../state/store';
import type { CommandOutput } from '../../engine/api/contract';
import { TelegramSettingsPanel } from './Telegram';
import { PricesPanel } from './Prices';

export function Settings() {
  return (
    <div data-testid="settings">
      <div className="page-head">
        <h1>Settings</h1>
      </div>
      <div className="grid two">
        <div className="col" style={{ gap: 14 }}>
          <NetworkPanel />
          <JupiterPanel />
          <NotificationsPanel />
          {hasCommand('telegram.status') && <TelegramSettingsPanel />}
          {hasCommand('risk.global') && <GlobalLimitsPanel />}
          {hasCommand('prices.status') && <PricesPanel />}
        </div>
        <div className="col" style={{ gap: 14 }}>
          <AppearancePanel />
          <SecurityPanel />
          <Panel title="Recovery kit" hint="database + master key, under a passphrase" testId="backup-panel">
            <RecoveryKitForm />
          </Panel>
          <AboutPanel />
        </div>
      </div>
    </div>
  );
}

const NETWORK_INFO: Record<string, string> = {
  sandbox: 'A local mainnet twin: no internet, no real money, a faucet.',
  devnet: 'Solana devnet: free test SOL, real network.',
  mainnet: 'Real funds. Needs your own RPC endpoint(s).',
  'paper-sandbox': 'The same replayed market on paper, with no chain: for computers the sandbox cannot run on.',
};

function NetworkPanel() {
  const net = useApp((s) => s.network);
  const netErr = useApp((s) => s.networkError);
  const [target, setTarget] = useState<'sandbox' | 'devnet' | 'mainnet' | 'paper-sandbox'>('sandbox');
  const [rpc, setRpc] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (net) {
      setTarget(net.network);
      setRpc(net.network === 'sandbox' || net.network === 'paper-sandbox' ? '' : net.rpcEndpoints.join('\n'));
    }
  }, [net]);
  const urls = rpc
    .split(/[\s,]+/u)
    .map((u) => u.trim())
    .filter(Boolean);
  const badUrl = urls.find((u) => !/^https?:\/\/\S+$/u.test(u));
  // The two sandboxes run locally: no RPC endpoints to give.
  const noRpc = target === 'sandbox' || target === 'paper-sandbox';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setNotice(null);
    const r = await actions().run(
      'network.set',
      { network: target, rpcUrls: noRpc ? [] : urls, confirm: true },
      {
        silent: true,
        confirm: {
          title: `Switch to ${target}?`,
          body:
            target === 'mainnet'
              ? 'Harvest will trade with real funds on Solana mainnet.'
              : `Harvest will use ${target}. Balances and positions are kept per network.`,
          details: noRpc ? [] : urls.map((u, i) => [`RPC ${i + 1}`, u] as [string, string]),
          confirmLabel: `Switch to ${target}`,
          danger: target === 'mainnet',
        },
      },
    );
    if (!r.ok) {
      if (!r.cancelled) setError(r.error.message);
      return;
    }
    setNotice(
      r.value.restartNeeded ? `Saved. Restart Harvest to connect to ${r.value.network}.` : `Now on ${r.value.network}.`,
    );
    void actions().refreshNetwork();
  };
  return (
    <Panel title="Network" hint={net ? `on ${net.network}` : undefined} testId="network-panel">
      <div className="col" style={{ gap: 12 }}>
        {netErr && <div className="callout neg small">{netErr}</div>}
        {net?.paperSandbox && <div className="callout warn small">{net.paperSandbox.notice}</div>}
        {net && (
          <dl className="kv">
            <dt>Network</dt>
            <dd>{net.paperSandbox ? net.paperSandbox.label : net.network}</dd>
            <dt>RPC endpoints</dt>
            <dd className="mono" title={net.rpcEndpoints.join('\n')}>
              {net.rpcEndpoints.join(', ') || '—'}
            </dd>
            <dt>Swap API</dt>
            <dd className="mono">{net.swapApi}</dd>
            <dt>Block height</dt>
            <dd>{Number(net.blockHeight).toLocaleString('en-US')}</dd>
          </dl>
        )}
        <hr className="sep" />
        <form
          className="col"
          style={{ gap: 10 }}
          onSubmit={submit}
          data-testid="network-form"
          onKeyDown={escapeDiscards(() => {
            if (net) setTarget(net.network);
            setRpc(net && net.network !== 'sandbox' ? net.rpcEndpoints.join('\n') : '');
            setError(null);
          })}
        >
          <Seg
            className="block"
            value={target}
            onChange={setTarget}
            options={(['sandbox', 'devnet', 'mainnet', 'paper-sandbox'] as const).map((n) => ({
              value: n,
              label: n === 'paper-sandbox' ? 'Paper sandbox' : n[0]!.toUpperCase() + n.slice(1),
              testId: `network-${n}`,
            }))}
          />
          <div className="muted small">{NETWORK_INFO[target]}</div>
          {!noRpc && (
            <Field
              label="RPC endpoints"
              help="One per line; several give failover."
              error={badUrl ? `Not a URL: ${badUrl}` : null}
            >
              <textarea
                className="textarea"
                rows={3}
                value={rpc}
                onChange={(e) => setRpc(e.target.value)}
                placeholder="https://…"
                data-testid="network-rpc"
                spellCheck={false}
              />
            </Field>
          )}
          {error && <div className="callout neg small">{error}</div>}
          {notice && <div className="callout info small">{notice}</div>}
          <div>
            <button
              className="btn"
              disabled={!!badUrl || (target === 'mainnet' && urls.length === 0)}
              data-testid="network-save"
            >
              Apply…
            </button>
          </div>
        </form>
      </div>
    </Panel>
  );
}

function JupiterPanel() {
  const [key, setKey] = useState('');
  const [state, setState] = useState<string | null>(null);
  const save = async (value: string | null) => {
    const r = await actions().run(
      'settings.jupiterKey',
      { key: value },
      {
        confirm: value
          ? {
              title: 'Store the Jupiter API key?',
              body: 'It is kept in the OS keychain and used for swaps on devnet and mainnet.',
              confirmLabel: 'Store key',
            }
          : {
              title: 'Remove the Jupiter API key?',
              body: 'Swaps on mainnet will fail until a key is stored again.',
              confirmLabel: 'Remove',
              danger: true,
            },
      },
    );
    if (r.ok) {
      setKey('');
      setState(r.value.configured ? 'A key is stored in the keychain.' : 'No key stored.');
    }
  };
  return (
    <Panel title="Jupiter API key" hint="for swaps off the sandbox" testId="jupiter-panel">
      <form
        className="col"
        style={{ gap: 8 }}
        onSubmit={(e) => {
          e.preventDefault();
          void save(key.trim());
        }}
      >
        <div className="row">
          <input
            className="input grow mono"
            type="password"
            placeholder="paste your API key"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            autoComplete="off"
            data-testid="jupiter-key"
          />
          <button className="btn" disabled={key.trim().length < 8} data-testid="jupiter-save">
            Save…
          </button>
          <button type="button" className="btn ghost" onClick={() => void save(null)} data-testid="jupiter-clear">
            Clear
          </button>
        </div>
        <div className="muted small">{state ?? 'Stored in the OS keychain, never shown again.'}</div>
      </form>
    </Panel>
  );
}

interface NotificationSettings {
  enabled?: boolean;
  minSeverity?: 'info' | 'warning' | 'critical';
  muted?: string[];
}

function NotificationsPanel() {
  const users = useApp((s) => s.users);
  const settings = useApp((s) => s.settings);
  const save = async (userId: number, next: NotificationSettings) => {
    const r = await actions().run(
      'settings.set',
      { user: userId, key: 'notifications', value: JSON.stringify(next) },
      { success: 'Notifications saved' },
    );
    if (r.ok) await actions().refreshSettings(userId);
  };
  return (
    <Panel title="Notifications" hint="OS alerts per friend" flush testId="notifications-panel">
      {users.length === 0 ? (
        <div className="empty">No friends yet.</div>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Friend</th>
              <th>Alerts</th>
              <th>From severity</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const n = (settings[u.id]?.settings['notifications'] ?? {}) as NotificationSettings;
              const current: Required<NotificationSettings> = {
                enabled: n.enabled ?? true,
                minSeverity: n.minSeverity ?? 'warning',
                muted: n.muted ?? [],
              };
              return (
                <tr key={u.id} data-testid={`notifications-${u.id}`}>
                  <td style={{ fontWeight: 600 }}>{u.name}</td>
                  <td>
                    <label className="checkbox">
                      <input
                        type="checkbox"
                        checked={current.enabled}
                        onChange={(e) => void save(u.id, { ...current, enabled: e.target.checked })}
                        data-testid={`notifications-enabled-${u.id}`}
                      />
                      {current.enabled ? 'On' : 'Off'}
                    </label>
                  </td>
                  <td>
                    <select
                      className="select"
                      style={{ width: 130, height: 28 }}
                      value={current.minSeverity}
                      disabled={!current.enabled}
                      onChange={(e) =>
                        void save(u.id, { ...current, minSeverity: e.target.value as 'info' | 'warning' | 'critical' })
                      }
                      data-testid={`notifications-severity-${u.id}`}
                    >
                      <option value="info">Everything</option>
                      <option value="warning">Warnings</option>
                      <option value="critical">Critical only</option>
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function AppearancePanel() {
  const theme = useApp((s) => s.theme);
  return (
    <Panel title="Appearance">
      <div className="row">
        <span className="grow">Theme</span>
        <Seg
          value={theme}
          onChange={(t) => actions().setTheme(t)}
          options={[
            { value: 'dark', label: 'Dark', testId: 'theme-dark' },
            { value: 'light', label: 'Light', testId: 'theme-light' },
          ]}
        />
      </div>
    </Panel>
  );
}

function SecurityPanel() {
  const status = useApp((s) => s.engineStatus);
  const [verify, setVerify] = useState<CommandOutput<'audit.verify'> | null>(null);
  const [rotated, setRotated] = useState<CommandOutput<'keys.rotate'> | null>(null);
  const rotate = async () => {
    const r = await actions().run(
      'keys.rotate',
      {},
      {
        progress: 'Rotating the master key — re-sealing every wallet',
        confirm: {
          title: 'Rotate the master key?',
          body: 'Every wallet is re-sealed under a new master key in the OS keychain. Older recovery kits keep working with their own passphrase, but make a fresh one afterwards.',
          confirmLabel: 'Rotate key',
        },
      },
    );
    if (r.ok) {
      setRotated(r.value);
      actions().toast('success', 'Master key rotated', `${r.value.wallets} wallet(s) re-sealed`);
      void actions().refreshEngineStatus();
    }
  };
  const runVerify = async () => {
    const r = await actions().run('audit.verify', {}, { progress: 'Checking the audit chain' });
    if (r.ok) setVerify(r.value);
  };
  return (
    <Panel title="Security" testId="security-panel">
      <div className="col" style={{ gap: 12 }}>
        {status && (
          <dl className="kv">
            <dt>Master key</dt>
            <dd>
              {status.keySource === 'keychain' ? (
                <span className="pos">
                  <IconCheck size={12} /> OS keychain
                </span>
              ) : status.keySource === 'file' ? (
                <span className="warn-text">Sandbox key file (no OS keychain; see harvest keys adopt)</span>
              ) : (
                <span className="warn-text">HARVEST_MASTER_KEY (environment)</span>
              )}
            </dd>
            <dt>Key id</dt>
            <dd className="mono">{status.keyId}</dd>
            <dt>Data directory</dt>
            <dd className="mono" title={status.dataDir}>
              {status.dataDir}
            </dd>
            <dt>Users · wallets</dt>
            <dd>
              {status.users} · {status.wallets}
            </dd>
            <dt>Engine</dt>
            <dd>
              {status.owner.kind} · pid {status.owner.pid} · since {fmtDateTime(status.owner.startedAt)}
            </dd>
          </dl>
        )}
        <div className="row wrap">
          <button className="btn" onClick={() => void rotate()} data-testid="rotate-keys">
            <IconKey size={13} /> Rotate master key…
          </button>
          <button className="btn" onClick={() => void runVerify()} data-testid="audit-verify">
            <IconShield size={13} /> Verify audit log
          </button>
        </div>
        {rotated && (
          <div className="callout pos small" data-testid="rotate-result">
            Re-sealed {rotated.wallets} wallet(s): key {rotated.oldKeyId.slice(0, 8)} → {rotated.newKeyId.slice(0, 8)}.
          </div>
        )}
        {verify && (
          <div className={`callout small ${verify.ok ? 'pos' : 'neg'}`} data-testid="audit-result">
            {verify.ok
              ? `Audit chain intact: ${verify.rows} entries.`
              : `Audit chain broken at entry ${verify.firstBadId} (${verify.problem}): ${verify.message}`}
          </div>
        )}
      </div>
    </Panel>
  );
}

function parentDir(p: string): string {
  const trimmed = p.replace(/[\\/]+$/u, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i > 0 ? trimmed.slice(0, i) : trimmed;
}

export function defaultKitPath(dataDir: string | undefined, now = new Date()): string {
  const day = now.toISOString().slice(0, 10);
  const sep = dataDir?.includes('\\') && !dataDir.includes('/') ? '\\' : '/';
  return dataDir ? `${parentDir(dataDir)}${sep}harvest-recovery-${day}.hvkit` : `harvest-recovery-${day}.hvkit`;
}

export const MIN_PASSPHRASE = 12;

/** The recovery kit (backup.create): where, a passphrase typed twice, progress while it is written. */
export function RecoveryKitForm({
  onDone,
  compact,
}: {
  onDone?: (r: CommandOutput<'backup.create'>) => void;
  compact?: boolean;
}) {
  const status = useApp((s) => s.engineStatus);
  const [file, setFile] = useState('');
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<CommandOutput<'backup.create'> | null>(null);
  useEffect(() => {
    if (!file && status) setFile(defaultKitPath(status.dataDir));
  }, [status, file]);
  const short = pass.length > 0 && [...pass].length < MIN_PASSPHRASE;
  const mismatch = pass2.length > 0 && pass !== pass2;
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    const r = await actions().run(
      'backup.create',
      { file: file.trim(), passphrase: pass },
      {
        silent: true,
        progress: 'Writing the recovery kit',
        confirm: {
          title: 'Write a recovery kit?',
          body: 'The kit holds the database and the master key, sealed with your passphrase. With both, every wallet can be restored on another machine — keep it somewhere safe, apart from the passphrase.',
          details: [['File', file.trim()]],
          confirmLabel: 'Write kit',
        },
      },
    );
    setBusy(false);
    if (!r.ok) {
      if (!r.cancelled) setError(r.error.message);
      return;
    }
    setDone(r.value);
    setPass('');
    setPass2('');
    onDone?.(r.value);
  };
  return (
    <form className="col" style={{ gap: 10 }} onSubmit={submit} data-testid="backup-form">
      <Field label="File (on the engine's machine)">
        <input
          className="input mono"
          value={file}
          onChange={(e) => setFile(e.target.value)}
          data-testid="backup-file"
          spellCheck={false}
        />
      </Field>
      <div className={compact ? 'col' : 'form-grid'} style={compact ? { gap: 10 } : undefined}>
        <Field
          label="Passphrase"
          error={short ? `At least ${MIN_PASSPHRASE} characters — a few random words work well` : null}
        >
          <input
            className={`input ${short ? 'invalid' : ''}`}
            type="password"
            value={pass}
            onChange={(e) => setPass(e.target.value)}
            autoComplete="new-password"
            data-testid="backup-pass"
          />
        </Field>
        <Field label="Repeat passphrase" error={mismatch ? 'The passphrases differ' : null}>
          <input
            className={`input ${mismatch ? 'invalid' : ''}`}
            type="password"
            value={pass2}
            onChange={(e) => setPass2(e.target.value)}
            autoComplete="new-password"
            data-testid="backup-pass2"
          />
        </Field>
      </div>
      {error && (
        <div className="callout neg small" data-testid="backup-error">
          {error}
        </div>
      )}
      {done && (
        <div className="callout pos small" data-testid="backup-done">
          <IconCheck size={14} style={{ flex: 'none', marginTop: 2 }} />
          <span>
            Wrote {(done.bytes / 1024).toFixed(1)} KiB to{' '}
            <span className="mono" style={{ wordBreak: 'break-all' }}>
              {done.file}
            </span>
          </span>
        </div>
      )}
      <div>
        <button
          className="btn primary"
          disabled={busy || !file.trim() || [...pass].length < MIN_PASSPHRASE || pass !== pass2}
          data-testid="backup-create"
        >
          {busy ? (
            <>
              <span className="spinner" /> Writing…
            </>
          ) : (
            'Write recovery kit…'
          )}
        </button>
      </div>
    </form>
  );
}

const GLOBAL_KEYS: { key: string; label: string; unit: string }[] = [
  { key: 'maxOrderUsd', label: 'Max order', unit: 'USD' },
  { key: 'maxPositionUsd', label: 'Max position', unit: 'USD' },
  { key: 'maxPositionPctEquity', label: 'Max position', unit: '% equity' },
  { key: 'maxConcurrentPositions', label: 'Max open positions', unit: '' },
  { key: 'maxExposurePct', label: 'Max exposure', unit: '% equity' },
  { key: 'maxDailyLossPct', label: 'Daily loss', unit: '%' },
  { key: 'maxDailyLossUsd', label: 'Daily loss', unit: 'USD' },
  { key: 'maxDrawdownPct', label: 'Max drawdown', unit: '%' },
  { key: 'maxTradesPerDay', label: 'Entries per day', unit: '' },
  { key: 'minOrderUsd', label: 'Min order (floor)', unit: 'USD' },
];

function GlobalLimitsPanel() {
  const [limits, setLimits] = useState<Record<string, unknown> | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const load = async () => {
    try {
      const r = await actions().client.call('risk.global', {});
      setLimits(r.limits as Record<string, unknown>);
      setDraft({});
    } catch {
      setLimits(null);
    }
  };
  useEffect(() => {
    void load();
  }, []);
  // Checked against the engine's bounds before anything is sent: a −5 never reaches "Apply to everyone".
  const checkGlobal = (key: string, value: string): string | null => {
    if (value.trim() === '' || key === 'requireStopLoss') return null;
    const int = key === 'maxConcurrentPositions' || key === 'maxTradesPerDay';
    return checkLimitInput(value, int, key);
  };
  const save = async (key: string, value: string) => {
    const invalid = checkGlobal(key, value);
    if (invalid) return setErrors((e) => ({ ...e, [key]: invalid }));
    const g = GLOBAL_KEYS.find((x) => x.key === key);
    const r = await actions().run(
      'risk.setGlobal',
      { key, value: value.trim() === '' ? 'none' : value.trim() },
      {
        silent: true,
        confirm: {
          title: 'Change a global limit?',
          body: 'Global limits cap every friend’s own values.',
          details: [
            [
              g ? `${g.label}${g.unit ? ` (${g.unit})` : ''}` : 'Stop-loss on every entry',
              value.trim() === '' ? 'none (removed)' : value.trim(),
            ],
          ],
          confirmLabel: 'Apply to everyone',
        },
      },
    );
    if (!r.ok) {
      if (!r.cancelled)
        setErrors((e) => ({ ...e, [key]: r.error.message.replace(/^Invalid value for [\w.]+:\s*/u, '') }));
      return;
    }
    setErrors((e) => {
      const n = { ...e };
      delete n[key];
      return n;
    });
    setLimits(r.value.limits as Record<string, unknown>);
    setDraft((d) => {
      const n = { ...d };
      delete n[key];
      return n;
    });
    actions().toast('success', 'Global limit saved');
  };
  if (!limits) return null;
  return (
    <Panel title="Global limits" hint="caps for everyone; empty = none" testId="global-limits">
      <div className="col" style={{ gap: 10 }} onKeyDown={escapeDiscards(() => (setDraft({}), setErrors({})))}>
        <div className="form-grid">
          {GLOBAL_KEYS.map((g) => {
            const stored = limits[g.key];
            const text = g.key in draft ? draft[g.key]! : stored === undefined ? '' : String(stored);
            return (
              <Field
                key={g.key}
                label={g.label}
                error={errors[g.key] ?? (g.key in draft ? checkGlobal(g.key, draft[g.key]!) : null)}
                testId={`global-field-${g.key}`}
              >
                <div className="input-group">
                  <input
                    className={`input ${(errors[g.key] ?? (g.key in draft ? checkGlobal(g.key, draft[g.key]!) : null)) ? 'invalid' : ''}`}
                    value={text}
                    placeholder="none"
                    inputMode="decimal"
                    onChange={(e) => {
                      setDraft((d) => ({ ...d, [g.key]: e.target.value }));
                      setErrors((x) => {
                        const n = { ...x };
                        delete n[g.key];
                        return n;
                      });
                    }}
                    onBlur={() =>
                      g.key in draft &&
                      draft[g.key] !== (stored === undefined ? '' : String(stored)) &&
                      void save(g.key, draft[g.key]!)
                    }
                    data-testid={`global-${g.key}`}
                  />
                  {g.unit && <span className="addon">{g.unit}</span>}
                </div>
              </Field>
            );
          })}
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={limits['requireStopLoss'] === true}
            onChange={(e) => void save('requireStopLoss', String(e.target.checked))}
          />
          Every entry needs a stop-loss (for everyone)
        </label>
      </div>
    </Panel>
  );
}

function AboutPanel() {
  const status = useApp((s) => s.engineStatus);
  return (
    <Panel title="About" testId="about-panel">
      <div className="col small" style={{ gap: 6 }}>
        <div>
          Harvest · database schema {status?.schemaVersion ?? '—'} ·{' '}
          {window.harvest ? 'desktop app' : 'browser, via harvest serve'}
        </div>
        <div className="muted">
          Charts by{' '}
          <a href="https://www.tradingview.com/" target="_blank" rel="noreferrer noopener">
            TradingView
          </a>{' '}
          Lightweight Charts™ (Apache 2.0).
        </div>
      </div>
    </Panel>
  );
}
