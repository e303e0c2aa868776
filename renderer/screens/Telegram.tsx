import { useEffect, useState } from 'react';
import { CopyButton, Panel } from '../components/ui';
import { fmtDateTime, plural } from '../lib/format';
import { actions } from '../state/store';
import type { CommandOutput } from '../../engine/api/contract';

/**
 * The Telegram bridge (issue #15): the operator's settings (token, connection,
 * a test message) and, on a friend's page, their link code, link status and
 * what they may do from Telegram.
 */

type Status = CommandOutput<'telegram.status'>;
type Friend = CommandOutput<'telegram.friend'>;
type Permission = Friend['permissions'][number];

const STATE_LABEL: Record<Status['state'], string> = {
  off: 'Off',
  starting: 'Connecting…',
  connected: 'Connected',
  unreachable: 'Telegram unreachable — retrying (trading is not affected)',
  'token-refused': 'Telegram refused the token',
};

const PERMISSIONS: { value: Permission; label: string; help: string }[] = [
  { value: 'view', label: 'View', help: 'balance, positions, trades, PnL, deposit address' },
  { value: 'trade', label: 'Trade', help: 'buy, sell and close within their risk settings' },
  { value: 'pause', label: 'Pause / resume', help: 'their own trading' },
  { value: 'withdraw', label: 'Withdraw', help: 'to their whitelisted addresses, with a second confirmation' },
  { value: 'risk', label: 'Risk preset', help: 'within your global limits' },
];

export function TelegramSettingsPanel() {
  const [status, setStatus] = useState<Status | null>(null);
  const [token, setToken] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const [operatorCode, setOperatorCode] = useState<CommandOutput<'telegram.link'> | null>(null);
  const load = async () => {
    try {
      setStatus(await actions().client.call('telegram.status', {}));
    } catch {
      setStatus(null);
    }
  };
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => clearInterval(t);
  }, []);
  const saveToken = async (value: string | null) => {
    const r = await actions().run('telegram.token', { token: value });
    if (r.ok) {
      setToken('');
      setNote(r.value.configured ? 'Token stored in the OS keychain; the bridge is starting.' : 'Token removed.');
      void load();
    }
  };
  const test = async () => {
    const r = await actions().run('telegram.test', {}, { silent: true });
    setNote(r.ok ? r.value.message : r.error.message);
  };
  const linkOperator = async () => {
    const r = await actions().run('telegram.link', { operator: true });
    if (r.ok) setOperatorCode(r.value);
  };
  const state = status?.state ?? 'off';
  return (
    <Panel title="Telegram" hint="friends reach their own account from their phone" testId="telegram-panel">
      <div className="col" style={{ gap: 10 }}>
        <div className="row" style={{ gap: 8 }}>
          <span
            className={`badge ${state === 'connected' ? 'pos' : state === 'off' ? '' : 'warn'}`}
            data-testid="telegram-state"
          >
            {status?.configured ? STATE_LABEL[state] : 'No bot token'}
          </span>
          {status?.botUsername && <span className="mono small">@{status.botUsername}</span>}
          <span className="spacer" />
          {status && (
            <span className="muted small" data-testid="telegram-linked">
              {plural(status.linkedFriends, 'friend')} linked{status.operatorLinked ? ' · your chat linked' : ''}
            </span>
          )}
        </div>
        {status?.lastError && state !== 'connected' && (
          <div className="muted small">Last error: {status.lastError}</div>
        )}
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void saveToken(token.trim());
          }}
        >
          <input
            className="input grow mono"
            type="password"
            placeholder="bot token from @BotFather"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            autoComplete="off"
            data-testid="telegram-token"
          />
          <button className="btn" disabled={token.trim().length < 20} data-testid="telegram-token-save">
            Save…
          </button>
          {status?.configured && (
            <button type="button" className="btn ghost" onClick={() => void saveToken(null)}>
              Remove
            </button>
          )}
        </form>
        <div className="row" style={{ gap: 8 }}>
          <button type="button" className="btn sm" onClick={() => void linkOperator()} data-testid="telegram-link-me">
            Link my chat for alerts
          </button>
          <button
            type="button"
            className="btn sm"
            disabled={!status?.configured}
            onClick={() => void test()}
            data-testid="telegram-test"
          >
            Send a test message
          </button>
        </div>
        {operatorCode && <LinkCode code={operatorCode} />}
        <div className="muted small" data-testid="telegram-note">
          {note ??
            'The token is kept in the OS keychain. Harvest polls Telegram from this machine: no port is opened. Key export is never possible over Telegram.'}
        </div>
        {status && <div className="muted small mono">Bot API: {status.apiRoot}</div>}
      </div>
    </Panel>
  );
}

function LinkCode({ code }: { code: CommandOutput<'telegram.link'> }) {
  return (
    <div className="col" style={{ gap: 4 }} data-testid="telegram-code">
      <div className="row" style={{ gap: 8 }}>
        <span className="mono" style={{ fontSize: 20, letterSpacing: 2 }}>
          {code.code}
        </span>
        <CopyButton text={code.deepLink ?? code.command} testId="telegram-code-copy" />
      </div>
      <div className="muted small">
        {code.deepLink ? (
          <>
            Open <span className="mono">{code.deepLink}</span> on the phone,
          </>
        ) : (
          <>
            Send <span className="mono">{code.command}</span> to the bot,
          </>
        )}{' '}
        before {fmtDateTime(code.expiresAt)}. It works once.
      </div>
    </div>
  );
}

export function TelegramTab({ userId }: { userId: number }) {
  const [friend, setFriend] = useState<Friend | null>(null);
  const [code, setCode] = useState<CommandOutput<'telegram.link'> | null>(null);
  const load = async () => {
    try {
      setFriend(await actions().client.call('telegram.friend', { user: userId }));
    } catch {
      setFriend(null);
    }
  };
  useEffect(() => {
    setCode(null);
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => clearInterval(t);
  }, [userId]);
  const newCode = async () => {
    const r = await actions().run('telegram.link', { user: userId });
    if (r.ok) setCode(r.value);
  };
  const unlink = async () => {
    const r = await actions().run(
      'telegram.unlink',
      { user: userId },
      {
        confirm: {
          title: 'Unlink this Telegram chat?',
          body: 'The friend stops getting alerts and answers.',
          confirmLabel: 'Unlink',
          danger: true,
        },
      },
    );
    if (r.ok) void load();
  };
  const toggle = async (p: Permission, on: boolean) => {
    if (!friend) return;
    const next = on ? [...friend.permissions, p] : friend.permissions.filter((x) => x !== p);
    const r = await actions().run('telegram.permissions', { user: userId, permissions: next });
    if (r.ok) setFriend(r.value);
  };
  return (
    <div className="grid two" data-testid="telegram-tab">
      <Panel title="Telegram link" hint="their own window, from their phone" testId="telegram-link-panel">
        <div className="col" style={{ gap: 10 }}>
          <div className="row" style={{ gap: 8 }}>
            <span className={`badge ${friend?.linked ? 'pos' : ''}`} data-testid="telegram-link-status">
              {friend?.linked ? 'Linked' : 'Not linked'}
            </span>
            {friend?.linkedAt && <span className="muted small">since {fmtDateTime(friend.linkedAt)}</span>}
            <span className="spacer" />
            {friend?.linked && (
              <button className="btn sm ghost" onClick={() => void unlink()} data-testid="telegram-unlink">
                Unlink
              </button>
            )}
          </div>
          <button
            className="btn sm"
            style={{ alignSelf: 'flex-start' }}
            onClick={() => void newCode()}
            data-testid="telegram-new-code"
          >
            {friend?.linked ? 'New link code (re-link)' : 'Show a link code'}
          </button>
          {code && <LinkCode code={code} />}
          {friend && (
            <div className="muted small">
              Alerts: {friend.alertMinSeverity} and above · daily summary{' '}
              {friend.summaryHour === null
                ? 'off (they choose it with /summary)'
                : `at ${String(friend.summaryHour).padStart(2, '0')}:00 UTC`}
              {friend.totp ? ' · TOTP on for withdrawals' : ''}
            </div>
          )}
        </div>
      </Panel>
      <Panel title="What they may do from Telegram" hint="key export: never" testId="telegram-permissions-panel">
        <div className="col" style={{ gap: 8 }}>
          {PERMISSIONS.map((p) => (
            <label key={p.value} className="row" style={{ gap: 8, alignItems: 'flex-start' }}>
              <input
                type="checkbox"
                checked={p.value === 'view' || (friend?.permissions.includes(p.value) ?? false)}
                disabled={p.value === 'view' || !friend}
                onChange={(e) => void toggle(p.value, e.target.checked)}
                data-testid={`telegram-perm-${p.value}`}
              />
              <span className="col" style={{ gap: 0 }}>
                <span>{p.label}</span>
                <span className="muted small">{p.help}</span>
              </span>
            </label>
          ))}
        </div>
      </Panel>
    </div>
  );
}
