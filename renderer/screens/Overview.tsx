import { useState } from 'react';
import { PriceChart } from '../charts/Charts';
import { Seg, Empty, Kpi, Panel, StateBadge, useNow } from '../components/ui';
import { IconPause, IconPlay, IconPlus } from '../components/icons';
import { fmtAmount, fmtDuration, fmtTime, fmtUsd, plural, pnlClass, relTime } from '../lib/format';
import { describeEventBody } from '../state/store';
import { selectSlices, summarizeAll, type UserSummary } from '../state/derived';
import { actions, useApp, useAppShallow } from '../state/store';
import { useStrategyStatus, type UserStrategy } from '../state/strategy-status';
import { fmtPrice, humanizeEventType } from '../lib/format';
import { tokenAmount, tokenLabel } from '../../engine/api/human-text';

export function Overview() {
  const slices = useAppShallow(selectSlices);
  const now = useNow(15_000);
  const rows = summarizeAll(slices, now);
  const totalEquity = sumOrNull(rows.map((r) => r.equityUsd));
  const today = sumOrNull(rows.map((r) => r.todayPnlUsd));
  const open = rows.reduce((a, r) => a + r.openPositions, 0);
  const trading = rows.filter((r) => r.state === 'active').length;
  const health = useApp((s) => s.health);
  const sol = slices.prices['SOL'];
  const [token, setToken] = useState('SOL');
  // 5m: history is seeded at 5m and coarser (the finest every source has); 1m builds up live.
  const [tf, setTf] = useState<'1m' | '5m' | '15m' | '1h'>('5m');
  const [adding, setAdding] = useState(false);
  const { status: strategyStatus } = useStrategyStatus(undefined, true);
  const strategies = new Map((strategyStatus?.users ?? []).map((u) => [u.userId, u]));

  return (
    <div data-testid="overview">
      <GlobalBreakerCallout />
      <div className="kpis">
        <Kpi
          label="Total equity"
          value={fmtUsd(totalEquity)}
          foot={`${rows.length} friends${rows.some((r) => r.equityUsd === null && r.user.address) ? ' · some unpriced' : ''}`}
          testId="kpi-equity"
        />
        <Kpi
          label="Today's PnL"
          value={fmtUsd(today, { sign: true })}
          valueClass={pnlClass(today)}
          foot="realized, since 00:00 UTC"
          testId="kpi-today"
        />
        <Kpi
          label="Open positions"
          value={open}
          foot={plural(rows.filter((r) => r.openPositions > 0).length, 'friend', 'across ')}
          testId="kpi-open"
        />
        <Kpi
          label="Trading"
          value={`${trading} / ${rows.length}`}
          foot={`${rows.filter((r) => r.state === 'paused' || r.state === 'breaker').length} paused · ${rows.filter((r) => r.breaker).length} breaker`}
          testId="kpi-trading"
        />
        <Kpi
          label="Engine cycle"
          value={health?.lastCycle ? fmtDuration(health.lastCycle.durationMs) : health?.trading ? '—' : 'not running'}
          foot={
            health?.lastCycle
              ? `#${health.lastCycle.cycle} · ${relTime(health.lastCycle.startedAt, now)}`
              : 'no cycle yet'
          }
          valueClass={health?.lastCycle && health.lastCycle.errors > 0 ? 'warn-text' : ''}
          testId="kpi-cycle"
        />
      </div>

      <div className="grid main-side">
        <div className="col" style={{ gap: 14, minWidth: 0 }}>
          <Panel
            title="Friends"
            hint={sol ? `SOL ${fmtUsd(sol)}` : undefined}
            flush
            testId="overview-users"
            actions={
              <button className="btn sm" onClick={() => setAdding((a) => !a)} data-testid="overview-add-user">
                <IconPlus size={13} /> Add friend
              </button>
            }
          >
            {adding && <InlineAdd onDone={() => setAdding(false)} />}
            <UsersTable rows={rows} strategies={strategies} />
          </Panel>
          <Panel
            title="Market"
            hint="candles from the engine's price feed"
            actions={
              <div className="row">
                <Seg
                  value={token}
                  onChange={setToken}
                  options={['SOL', 'WETH', 'WBTC'].map((t) => ({ value: t, label: t }))}
                />
                <Seg
                  value={tf}
                  onChange={setTf}
                  options={(['1m', '5m', '15m', '1h'] as const).map((t) => ({ value: t, label: t }))}
                />
              </div>
            }
            flush
          >
            <PriceChart token={token} timeframe={tf} height={260} testId="overview-price-chart" />
          </Panel>
        </div>
        <div className="col" style={{ gap: 14, minWidth: 0 }}>
          <HealthPanel />
          <EventFeed limit={14} />
        </div>
      </div>
    </div>
  );
}

function InlineAdd({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [err, setErr] = useState<string | null>(null);
  return (
    <form
      className="row"
      style={{ padding: '10px 14px', borderBottom: '1px solid var(--border)' }}
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await actions().run('users.add', { name }, { silent: true });
        if (!r.ok) return setErr(r.error.message);
        await actions().refreshUsers();
        actions().toast('success', `Added ${r.value.name}`);
        onDone();
      }}
    >
      <input
        className={`input ${err ? 'invalid' : ''}`}
        style={{ maxWidth: 260 }}
        placeholder="Friend's name"
        value={name}
        onChange={(e) => (setName(e.target.value), setErr(null))}
        autoFocus
      />
      <button className="btn sm primary" disabled={!name.trim()}>
        Add
      </button>
      {err && <span className="small neg">{err}</span>}
    </form>
  );
}

function sumOrNull(values: (number | null)[]): number | null {
  let sum = 0;
  let any = false;
  for (const v of values) {
    if (v === null) continue;
    sum += v;
    any = true;
  }
  return any ? sum : values.length === 0 ? 0 : null;
}

/** The badge look of what a friend's strategy is doing. */
const STRATEGY_LOOK: Record<UserStrategy['state'], string> = {
  off: '',
  unfunded: '',
  halted: 'neg',
  paused: 'warn',
  error: 'neg',
  starting: '',
  'warming-up': '',
  skipped: 'warn',
  traded: 'pos',
  waiting: '',
};

/** What the strategy is doing ("warming up 12/39", "skipped: cooldown", "last trade 5 min ago"), not just "running". */
export function StrategyHeadline({ s, testId }: { s: UserStrategy | undefined; testId?: string }) {
  if (!s) return <span className="muted small">—</span>;
  const last = s.tokens.map((t) => t.lastDecision).sort((a, b) => b.at.localeCompare(a.at))[0];
  return (
    <span
      className={`badge ${STRATEGY_LOOK[s.state]}`}
      data-testid={testId}
      data-state={s.state}
      title={last ? `${last.label}: ${last.message}` : undefined}
    >
      {s.headline}
    </span>
  );
}

function UsersTable({ rows, strategies }: { rows: UserSummary[]; strategies: Map<number, UserStrategy> }) {
  if (rows.length === 0) return <Empty>No friends yet. Add one to get started.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table dense" data-testid="users-table">
        <thead>
          <tr>
            <th>Friend</th>
            <th>Status · strategy</th>
            <th className="num">SOL</th>
            <th className="num">USDC</th>
            <th className="num">Equity</th>
            <th className="num">Today</th>
            <th className="num">Total PnL</th>
            <th className="num">Open</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const usdc = r.balances?.tokens.find((t) => t.symbol === 'USDC')?.uiAmount ?? null;
            const paused = r.control?.paused ?? false;
            return (
              <tr
                key={r.user.id}
                className="clickable"
                data-testid={`overview-user-${r.user.id}`}
                data-state={r.state}
                onClick={() => actions().navigate({ kind: 'user', userId: r.user.id, tab: 'positions' })}
              >
                <td style={{ maxWidth: 150 }}>
                  <div className="ellipsis" style={{ fontWeight: 600 }}>
                    {r.user.name}
                  </div>
                  <div className="tiny muted ellipsis">
                    {r.mode ?? '—'}
                    {r.strategy ? ` · ${r.strategy.id}${r.strategy.enabled ? '' : ' (off)'}` : ''}
                  </div>
                </td>
                {/* State, breaker and what the strategy is doing share one cell: the table fits 1280 px with every column. */}
                <td style={{ maxWidth: 230 }}>
                  <div className="row" style={{ gap: 4 }}>
                    <StateBadge state={r.state} testId={`user-state-${r.user.id}`} />
                    {r.breaker && (
                      <span className="badge neg" title={r.control?.reason ?? ''}>
                        breaker tripped
                      </span>
                    )}
                  </div>
                  <div style={{ marginTop: 3 }}>
                    <StrategyHeadline s={strategies.get(r.user.id)} testId={`user-strategy-${r.user.id}`} />
                  </div>
                </td>
                <td className="num">{r.balances ? fmtAmount(r.balances.sol, 3) : '—'}</td>
                <td className="num">{usdc === null ? '—' : fmtAmount(usdc, 2)}</td>
                <td className="num" data-testid={`user-equity-${r.user.id}`}>
                  {fmtUsd(r.equityUsd)}
                </td>
                <td className={`num ${pnlClass(r.todayPnlUsd)}`}>{fmtUsd(r.todayPnlUsd, { sign: true })}</td>
                <td className={`num ${pnlClass(r.totalPnlUsd)}`}>{fmtUsd(r.totalPnlUsd, { sign: true })}</td>
                <td className="num">{r.openPositions}</td>
                <td className="num" onClick={(e) => e.stopPropagation()}>
                  {r.user.address &&
                    (paused ? (
                      <button
                        className="btn icon sm outline-pos"
                        title={`Resume ${r.user.name}`}
                        data-testid={`user-resume-${r.user.id}`}
                        onClick={() => void resumeUser(r)}
                      >
                        <IconPlay size={12} />
                      </button>
                    ) : (
                      <button
                        className="btn icon sm outline-warn"
                        title={`Pause ${r.user.name}`}
                        data-testid={`user-pause-${r.user.id}`}
                        onClick={() => void pauseUser(r)}
                      >
                        <IconPause size={12} />
                      </button>
                    ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Shown only while the global breaker holds entries for everyone; the operator can end it early. */
function GlobalBreakerCallout() {
  const b = useApp((s) => s.health?.globalBreaker);
  if (!b?.tripped) return null;
  return (
    <div className="callout neg small row" style={{ marginBottom: 12, gap: 12 }} data-testid="global-breaker">
      <span style={{ flex: 1 }}>
        Global breaker tripped: {b.failures} failed orders across {plural(b.userIds.length, 'friend')} within{' '}
        {b.settings.windowSeconds} s. No new entries for anyone until {fmtTime(b.until)}; exits still run.
      </span>
      <button className="btn sm" data-testid="global-breaker-resume" onClick={() => void resumeGlobalBreaker()}>
        <IconPlay size={12} /> Resume now
      </button>
    </div>
  );
}

export async function resumeGlobalBreaker(): Promise<void> {
  await actions().run(
    'breaker.resume',
    {},
    {
      confirm: {
        title: 'Resume entries for everyone?',
        body: 'The failures that tripped the breaker may not be over. New entries start again at once; the breaker trips again if failures continue.',
        confirmLabel: 'Resume',
      },
      success: 'Global breaker reset: entries resume',
    },
  );
  await actions().refreshHealth();
}

export async function pauseUser(r: Pick<UserSummary, 'user'>): Promise<void> {
  await actions().run(
    'controls.pause',
    { user: r.user.id, reason: 'paused from the UI' },
    { success: `${r.user.name} paused: no new entries` },
  );
  await actions().refreshControls();
}

export async function resumeUser(r: Pick<UserSummary, 'user' | 'breaker' | 'control'>): Promise<void> {
  await actions().run(
    'controls.resume',
    { user: r.user.id },
    {
      confirm: {
        title: `Resume ${r.user.name}?`,
        body: r.breaker
          ? `Their breaker tripped (${r.control?.reason ?? 'repeated failures'}). Resuming resets it and lets the engine trade for them again.`
          : 'The engine may open new positions for them again.',
        confirmLabel: 'Resume',
      },
      success: `${r.user.name} resumed`,
    },
  );
  await actions().refreshControls();
}

function HealthPanel() {
  const h = useApp((s) => s.health);
  const network = useApp((s) => s.network);
  const offline = useApp((s) => s.conn !== 'open');
  const healthAt = useApp((s) => s.healthAt);
  const networkAt = useApp((s) => s.networkAt);
  const now = useNow(offline ? 1_000 : 5_000);
  const rpc = h?.rpc;
  // Every figure says how old it is: a frozen one must not pass for a live one. While the engine is away the
  // age keeps growing and reads like the banner ("last heard 40s ago"), never a fresh-looking "0 s ago".
  const age = (at: number | null) =>
    at === null ? null : (
      <span className="stale-age" data-testid="figure-age">
        {offline
          ? `last heard ${now - at < 1000 ? 'a moment' : fmtDuration(now - at)} ago`
          : now - at < 120_000
            ? `${Math.max(0, Math.round((now - at) / 1000))} s ago`
            : relTime(at, now)}
      </span>
    );
  return (
    <Panel
      title="Engine health"
      testId="engine-health"
      hint={
        offline
          ? `engine unreachable${healthAt ? ` · last heard ${relTime(healthAt, now)}` : ''}`
          : !h?.trading
            ? 'loop stopped'
            : h.controls.halted
              ? 'loop running · halted'
              : h.controls.paused
                ? 'loop running · paused'
                : 'loop running'
      }
    >
      {!h ? (
        <div className="muted small">Waiting for the engine…</div>
      ) : (
        <div className="col" style={{ gap: 10 }}>
          {h.error && <div className="callout neg small">{h.error}</div>}
          <dl className="kv">
            <dt>Network</dt>
            <dd data-testid="health-network" title={h.paperSandbox?.notice}>
              {h.paperSandbox ? h.paperSandbox.label : (h.network ?? '—')}
            </dd>
            {/* No chain on the paper sandbox: no block height to show. */}
            {!h.paperSandbox && (
              <>
                <dt>Block height</dt>
                <dd>
                  {network ? Number(network.blockHeight).toLocaleString('en-US') : '—'}
                  {age(networkAt)}
                </dd>
              </>
            )}
            <dt>Last cycle</dt>
            <dd data-testid="health-cycle">
              {h.lastCycle ? `${fmtDuration(h.lastCycle.durationMs)} · ${relTime(h.lastCycle.startedAt, now)}` : '—'}
            </dd>
            <dt>Users · active</dt>
            <dd>{h.lastCycle ? `${h.lastCycle.users} · ${h.lastCycle.active}` : '—'}</dd>
            <dt>Signals · orders · exits</dt>
            <dd>{h.lastCycle ? `${h.lastCycle.signals} · ${h.lastCycle.orders} · ${h.lastCycle.exits}` : '—'}</dd>
            <dt>Cycle errors</dt>
            <dd className={h.lastCycle && h.lastCycle.errors > 0 ? 'neg' : ''}>{h.lastCycle?.errors ?? '—'}</dd>
            <dt>RPC requests</dt>
            <dd data-testid="health-rpc">{rpc ? rpc.requests.toLocaleString('en-US') : '—'}</dd>
            <dt>Retries · failovers</dt>
            <dd className={rpc && rpc.failovers > 0 ? 'warn-text' : ''}>
              {rpc ? `${rpc.retries} · ${rpc.failovers}` : '—'}
            </dd>
          </dl>
          {rpc && rpc.endpoints.length > 0 && (
            <div className="row wrap" style={{ gap: 6 }}>
              {rpc.endpoints.map((e) => (
                <span
                  key={e.label}
                  className={`badge ${e.healthy ? 'pos' : 'neg'}`}
                  title={e.healthy ? 'healthy' : 'unhealthy'}
                >
                  <span
                    className={`dot ${e.healthy ? 'pos' : 'neg'}`}
                    style={{ width: 6, height: 6, boxShadow: 'none' }}
                  />
                  {e.label}
                </span>
              ))}
            </div>
          )}
        </div>
      )}
    </Panel>
  );
}

const SEV_CLASS: Record<string, string> = { info: 'info', warning: 'warn', critical: 'neg' };

export function EventFeed({
  limit = 20,
  userId,
  title = 'Live events',
}: {
  limit?: number;
  userId?: number;
  title?: string;
}) {
  const events = useApp((s) => s.events);
  const users = useApp((s) => s.users);
  const now = useNow(15_000);
  const shown = (userId === undefined ? events : events.filter((e) => e.userId === userId)).slice(0, limit);
  const name = (id: number | null) => (id === null ? null : (users.find((u) => u.id === id)?.name ?? `#${id}`));
  return (
    <Panel title={title} hint={`${events.length} recent`} flush testId="event-feed">
      {shown.length === 0 ? (
        <Empty>Nothing yet. Trades, activations and alerts appear here as they happen.</Empty>
      ) : (
        <ul className="feed">
          {shown.map((e) => {
            const who = userId === undefined ? name(e.userId) : null;
            const body = describeEventBody(e as never) || eventSummary(e.type, e.payload);
            return (
              <li key={e.id} data-testid="event-item" data-type={e.type}>
                <span className={`dot ${SEV_CLASS[e.severity] ?? ''}`} />
                <span className="title">
                  {humanizeEventType(e.type)}
                  {who && <span className="muted"> · {who}</span>}
                </span>
                <span className="time" title={e.ts}>
                  {now - Date.parse(e.ts) < 3_600_000 ? relTime(e.ts, now) : fmtTime(e.ts)}
                </span>
                {body && (
                  <span className="body" title={body}>
                    {body}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </Panel>
  );
}

/** A short line for the common events. */
export function eventSummary(type: string, payload: unknown): string {
  const p = (payload ?? {}) as Record<string, unknown>;
  const str = (k: string) => (p[k] === undefined || p[k] === null ? '' : String(p[k]));
  switch (type) {
    case 'trade.executed': {
      const price = typeof p['price'] === 'number' ? (p['price'] as number) : null;
      const base = str('baseMint') && str('baseAmount') ? tokenAmount(str('baseAmount'), str('baseMint')) : '';
      const quote = str('quoteMint') && str('quoteAmount') ? tokenAmount(str('quoteAmount'), str('quoteMint')) : '';
      const verb = str('side') === 'sell' ? 'sold' : 'bought';
      return `${verb} ${base}${quote ? ` for ${quote}` : ''}${price !== null ? ` at ${fmtPrice(price)}` : ''} (${str('context')}, ${str('venue')})`;
    }
    case 'position.closed': {
      const pnl = str('realizedPnl') && str('quoteMint') ? tokenAmount(str('realizedPnl'), str('quoteMint')) : '';
      return `${str('mint') ? tokenLabel(str('mint')) : ''} position closed${pnl ? `, realized ${pnl}` : ''}`.trim();
    }
    case 'wallet.funded':
      return `${str('mint') === 'SOL' ? 'SOL' : 'tokens'} received`;
    case 'user.activated':
      return str('reason') === 'no-chain' ? 'trades on paper (no chain here)' : 'balance above the trading minimum';
    case 'user.deactivated':
      return 'balance below the trading minimum';
    case 'withdrawal.sent':
      return `${str('amount') && str('mint') ? `${tokenAmount(str('amount'), str('mint'))} ` : ''}to ${str('to').slice(0, 4)}…${str('to').slice(-4)}`;
    case 'whitelist.changed':
      return `${str('action')} ${str('address').slice(0, 8)}…`;
    case 'order.rejected':
      return `${str('code')}: ${str('message')}`;
    case 'risk.dailyLossHit':
      return `lost ${str('lossPct')} % today; resumes ${str('resumesAt').slice(11, 16)} UTC`;
    case 'feed.stale':
      return str('reason');
    case 'price.disagreement':
    case 'price.stale':
      return `no trusted price: ${str('message')}`;
    case 'price.restored':
      return `trusted again (${Array.isArray(p['sources']) ? (p['sources'] as string[]).join(' + ') : ''})`;
    case 'order.priceRefused':
      return `${str('code')}: ${str('message')}`;
    default:
      return '';
  }
}
