import { useCallback, useEffect, useState } from 'react';
import type { CommandOutput } from '../../engine/api/contract';
import { hasCommand } from '../client/commands';
import { Field, Panel, Seg, escapeDiscards } from '../components/ui';
import { actions, useApp } from '../state/store';

type FollowOut = CommandOutput<'copy.list'>['follows'][number];
type CopyTradeOut = CommandOutput<'copy.trades'>['trades'][number];
type Sizing = 'fixed' | 'proportional' | 'multiplier';

const TOKENS = ['SOL', 'WETH', 'WBTC'];
const short = (a: string): string => `${a.slice(0, 4)}…${a.slice(-4)}`;
const leaderLabel = (o: { leader: string; leaderName: string | null }, whale: string | null): string =>
  o.leaderName ?? (o.leader === whale ? `sandbox whale ${short(o.leader)}` : short(o.leader));
const nowrap = { whiteSpace: 'nowrap' } as const;

function sizingText(f: FollowOut): string {
  const base =
    f.sizing === 'fixed'
      ? `$${f.fixedUsd} per trade`
      : f.sizing === 'multiplier'
        ? `${f.multiplier}× the leader’s amount`
        : 'same share of equity as the leader';
  return f.maxUsd !== null ? `${base}, at most $${f.maxUsd}` : base;
}

/** A positive number typed by a person, or an error in words; empty is allowed where `optional`. */
function positive(
  text: string,
  optional: boolean,
): { ok: true; value: number | undefined } | { ok: false; error: string } {
  const t = text.trim();
  if (t === '') return optional ? { ok: true, value: undefined } : { ok: false, error: 'Enter an amount' };
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) return { ok: false, error: 'A number above zero' };
  return { ok: true, value: n };
}

/**
 * Copy trading for one friend (issue 16): whom they follow, with what sizing,
 * and every leader trade seen, copied, skipped or refused with its reason.
 * Copies run within the friend's own risk limits, beside their strategy.
 */
export function CopyPanel({ userId }: { userId: number }) {
  const users = useApp((s) => s.users);
  const onSandbox = useApp((s) => s.network?.network === 'sandbox');
  const [follows, setFollows] = useState<FollowOut[]>([]);
  const [trades, setTrades] = useState<CopyTradeOut[]>([]);
  const [whale, setWhale] = useState<string | null>(null);
  const [leader, setLeader] = useState('');
  const [sizing, setSizing] = useState<Sizing>('fixed');
  const [amount, setAmount] = useState('25');
  const [maxUsd, setMaxUsd] = useState('');
  const [copySells, setCopySells] = useState(true);
  const [only, setOnly] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    const client = actions().client;
    const [l, t] = await Promise.all([
      client.call('copy.list', { user: userId }),
      client.call('copy.trades', { user: userId, limit: 20 }),
    ]);
    setFollows(l.follows);
    setTrades(t.trades);
  }, [userId]);

  useEffect(() => {
    if (!hasCommand('copy.list')) return;
    void load().catch(() => undefined);
    const timer = setInterval(() => void load().catch(() => undefined), 5_000);
    return () => clearInterval(timer);
  }, [load]);

  useEffect(() => {
    if (!onSandbox) return;
    void actions()
      .client.call('sandbox.whale', { action: 'status' })
      .then((w) => setWhale(w.address))
      .catch(() => undefined);
  }, [onSandbox]);

  if (!hasCommand('copy.list')) return null;

  const amountCheck = sizing === 'proportional' ? ({ ok: true, value: undefined } as const) : positive(amount, false);
  const maxCheck = positive(maxUsd, true);
  const friends = users.filter((u) => u.id !== userId && u.address);

  const follow = async () => {
    if (!amountCheck.ok || !maxCheck.ok || !leader.trim()) return;
    setSaving(true);
    setError(null);
    const r = await actions().run(
      'copy.follow',
      {
        user: userId,
        leader: leader.trim(),
        sizing,
        copySells,
        ...(sizing === 'fixed' ? { fixedUsd: amountCheck.value! } : {}),
        ...(sizing === 'multiplier' ? { multiplier: amountCheck.value! } : {}),
        ...(maxCheck.value !== undefined ? { maxUsd: maxCheck.value } : {}),
        ...(only.length > 0 ? { allow: only } : {}),
      },
      { silent: true, success: 'Following — copies start with the leader’s next trade' },
    );
    setSaving(false);
    if (!r.ok) return setError(r.error.message);
    setLeader('');
    await load();
  };

  const unfollow = async (f: FollowOut) => {
    const r = await actions().run(
      'copy.unfollow',
      { user: userId, leader: f.leader },
      { success: 'Stopped following' },
    );
    if (r.ok) await load();
  };

  return (
    <div className="grid main-side" data-testid="copy-panel">
      <Panel title="Copy trading" hint="Follow a friend or any Solana wallet, within this friend’s own risk limits">
        {follows.length === 0 ? (
          <div className="muted small">Not following anyone.</div>
        ) : (
          <table className="table compact" data-testid="copy-follows">
            <thead>
              <tr>
                <th>Leader</th>
                <th>Size</th>
                <th>Copies</th>
                <th>Copied / skipped / refused</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {follows.map((f) => (
                <tr key={f.id}>
                  <td title={f.leader} style={nowrap}>
                    {leaderLabel(f, whale)}
                  </td>
                  <td>{sizingText(f)}</td>
                  <td>
                    {f.tokensMode === 'all'
                      ? 'every token'
                      : `${f.tokensMode === 'allow' ? 'only' : 'not'} ${f.tokens.join(', ')}`}
                    {f.copySells ? ', sells too' : ', buys only'}
                  </td>
                  <td>
                    {f.counts.copied} / {f.counts.skipped} / {f.counts.refused}
                  </td>
                  <td>
                    <button
                      className="btn small"
                      onClick={() => void unfollow(f)}
                      data-testid={`copy-unfollow-${f.id}`}
                    >
                      Unfollow
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h4 style={{ margin: '16px 0 8px' }}>Leader trades seen</h4>
        {trades.length === 0 ? (
          <div className="muted small">None yet. A leader’s swaps show here once found on chain.</div>
        ) : (
          <table className="table compact" data-testid="copy-trades">
            <thead>
              <tr>
                <th>When</th>
                <th>Leader</th>
                <th>Trade</th>
                <th>Outcome</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {trades.map((t) => (
                <tr key={t.id}>
                  <td className="muted" style={nowrap}>
                    {new Date(t.at ?? t.seenAt).toLocaleTimeString()}
                  </td>
                  <td title={t.leader} style={nowrap}>
                    {leaderLabel(t, whale)}
                  </td>
                  <td>
                    <span className={`badge upper ${t.side === 'buy' ? 'pos' : 'neg'}`}>{t.side}</span> {t.leaderAmount}{' '}
                    {t.token}
                    {t.leaderUsd !== null && <span className="muted"> (${t.leaderUsd.toFixed(2)})</span>}
                  </td>
                  <td>
                    <span
                      className={`badge ${t.outcome === 'copied' ? 'pos' : t.outcome === 'refused' || t.outcome === 'failed' ? 'neg' : 'warn'}`}
                    >
                      {t.outcome}
                    </span>
                  </td>
                  <td className="small">{t.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>

      <Panel title="Follow" testId="copy-form">
        <div
          className="col"
          style={{ gap: 12 }}
          onKeyDown={escapeDiscards(() => (setLeader(''), setAmount('25'), setMaxUsd(''), setOnly([]), setError(null)))}
        >
          <Field label="Leader" help="A friend, or any Solana wallet address.">
            <input
              className="input"
              list="copy-leaders"
              value={leader}
              placeholder="friend or address"
              onChange={(e) => {
                setLeader(e.target.value);
                setError(null);
              }}
              data-testid="copy-leader"
            />
            <datalist id="copy-leaders">
              {friends.map((u) => (
                <option key={u.id} value={u.name} />
              ))}
              {whale && <option value={whale}>sandbox whale</option>}
            </datalist>
          </Field>
          {whale && (
            <button type="button" className="btn small" onClick={() => setLeader(whale)} data-testid="copy-whale">
              Use the sandbox whale
            </button>
          )}
          <Field label="Size of each copy">
            <Seg
              className="block"
              value={sizing}
              onChange={setSizing}
              options={[
                { value: 'fixed', label: 'Fixed $' },
                { value: 'proportional', label: 'Proportional' },
                { value: 'multiplier', label: 'Multiplier' },
              ]}
            />
          </Field>
          {sizing !== 'proportional' ? (
            <Field
              label={sizing === 'fixed' ? 'USD per trade' : 'Times the leader’s amount'}
              error={amountCheck.ok ? null : amountCheck.error}
            >
              <input
                className={`input ${amountCheck.ok ? '' : 'invalid'}`}
                value={amount}
                inputMode="decimal"
                onChange={(e) => setAmount(e.target.value)}
                data-testid="copy-amount"
              />
            </Field>
          ) : (
            <div className="muted small">
              Each buy takes the same share of this friend’s equity as the leader’s took of its own.
            </div>
          )}
          <Field
            label="At most, USD per trade"
            help="Empty: only the risk limits cap it."
            error={maxCheck.ok ? null : maxCheck.error}
          >
            <input
              className={`input ${maxCheck.ok ? '' : 'invalid'}`}
              value={maxUsd}
              placeholder="no cap"
              inputMode="decimal"
              onChange={(e) => setMaxUsd(e.target.value)}
              data-testid="copy-max"
            />
          </Field>
          <Field label="Tokens" help="None picked: every token Harvest trades.">
            <div className="chips">
              {TOKENS.map((t) => {
                const on = only.includes(t);
                return (
                  <button
                    key={t}
                    type="button"
                    className={`chip ${on ? 'on' : ''}`}
                    aria-pressed={on}
                    onClick={() => setOnly((ts) => (on ? ts.filter((x) => x !== t) : [...ts, t]))}
                  >
                    {t}
                  </button>
                );
              })}
            </div>
          </Field>
          <label className="checkbox">
            <input type="checkbox" checked={copySells} onChange={(e) => setCopySells(e.target.checked)} />
            Copy sells (the same share of what the copies bought)
          </label>
          {error && (
            <div className="callout neg small" data-testid="copy-error">
              {error}
            </div>
          )}
          <button
            className="btn primary"
            disabled={saving || !leader.trim() || !amountCheck.ok || !maxCheck.ok}
            onClick={() => void follow()}
            data-testid="copy-follow"
          >
            {saving ? 'Saving…' : 'Follow'}
          </button>
        </div>
      </Panel>
    </div>
  );
}
