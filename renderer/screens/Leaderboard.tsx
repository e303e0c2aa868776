import { useEffect, useState } from 'react';
import { Empty, Panel, Seg } from '../components/ui';
import { IconTrophy } from '../components/icons';
import { fmtDrawdown, fmtPct, fmtUsd, pnlClass } from '../lib/format';
import { callOptional, hasCommand } from '../client/commands';
import { clientLeaderboard } from '../state/reducers';
import { actions, useApp, useAppShallow } from '../state/store';
import type { LeaderboardRowLike } from '../state/types';

interface EngineBoard {
  by: 'return' | 'pnl';
  method?: string;
  rows: LeaderboardRowLike[];
}

export function Leaderboard() {
  const hasEngine = hasCommand('stats.leaderboard');
  return (
    <div data-testid="leaderboard">
      <div className="page-head">
        <span className="icon-circle" style={{ background: 'var(--warn-bg)', color: 'var(--brand)' }}>
          <IconTrophy />
        </span>
        <h1>Leaderboard</h1>
      </div>
      {hasEngine ? <EngineLeaderboard /> : <ClientLeaderboard />}
    </div>
  );
}

function EngineLeaderboard() {
  const [by, setBy] = useState<'return' | 'pnl'>('return');
  const [anonymous, setAnonymous] = useState(false);
  const [board, setBoard] = useState<EngineBoard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tick = useApp((s) => s.leaderboard);
  useEffect(() => {
    let alive = true;
    callOptional<EngineBoard>(actions().client, 'stats.leaderboard', { by, anonymous }).then(
      (r) => alive && r && (setBoard(r), setError(null)),
      (e: Error) => alive && setError(e.message),
    );
    return () => {
      alive = false;
    };
  }, [by, anonymous, tick]);
  const rows = board?.rows ?? [];
  const maxAbs = Math.max(1e-9, ...rows.map((r) => Math.abs((by === 'return' ? r.returnPct : r.pnlUsd) ?? 0)));
  return (
    <Panel
      title="Ranking"
      hint={board?.method}
      flush
      actions={
        <div className="row">
          <label className="checkbox small">
            <input
              type="checkbox"
              checked={anonymous}
              onChange={(e) => setAnonymous(e.target.checked)}
              data-testid="leaderboard-anonymous"
            />
            Anonymous
          </label>
          <Seg
            value={by}
            onChange={setBy}
            options={[
              { value: 'return', label: 'Return %', testId: 'leaderboard-by-return' },
              { value: 'pnl', label: 'PnL', testId: 'leaderboard-by-pnl' },
            ]}
          />
        </div>
      }
    >
      {by === 'return' && rows.length > 1 && rows.every((r) => r.returnPct === null) && (
        <div className="callout info small" style={{ margin: 12 }}>
          No returns yet: they need equity snapshots, which the engine takes as it runs. Until then friends rank by name
          — switch to PnL to rank by profit.
        </div>
      )}
      {error && (
        <div className="callout neg small" style={{ margin: 12 }}>
          {error}
        </div>
      )}
      {rows.length === 0 ? (
        <Empty>No friends to rank yet.</Empty>
      ) : (
        <table className="table" data-testid="leaderboard-table">
          <thead>
            <tr>
              <th style={{ width: 50 }}>#</th>
              <th>Friend</th>
              <th style={{ width: 180 }} />
              <th className="num">Return</th>
              <th className="num">PnL</th>
              <th className="num">Equity</th>
              <th className="num">Trades</th>
              <th className="num">Win rate</th>
              <th className="num">Max DD</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const v = (by === 'return' ? r.returnPct : r.pnlUsd) ?? 0;
              return (
                <tr
                  key={`${r.rank}-${r.name}`}
                  data-testid={`leaderboard-row-${r.rank}`}
                  className={r.userId !== null ? 'clickable' : ''}
                  onClick={() =>
                    r.userId !== null && actions().navigate({ kind: 'user', userId: r.userId, tab: 'positions' })
                  }
                >
                  <td>
                    <Rank n={r.rank} />
                  </td>
                  <td
                    style={{ fontWeight: 600 }}
                    title={r.mode === 'paper' ? 'Paper account' : r.mode === 'live' ? 'On-chain wallet' : undefined}
                  >
                    {r.name}
                  </td>
                  <td>
                    <Bar value={v} max={maxAbs} />
                  </td>
                  <td className={`num ${pnlClass(r.returnPct)}`}>{fmtPct(r.returnPct, { sign: true })}</td>
                  <td className={`num ${pnlClass(r.pnlUsd)}`}>{fmtUsd(r.pnlUsd, { sign: true })}</td>
                  <td className="num">{fmtUsd(r.equityUsd)}</td>
                  <td className="num">{r.tradeCount}</td>
                  <td className="num">{r.winRate === null ? '—' : fmtPct(r.winRate * 100, { dp: 0 })}</td>
                  <td className={`num ${fmtDrawdown(r.maxDrawdownPct).cls}`}>{fmtDrawdown(r.maxDrawdownPct).text}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function ClientLeaderboard() {
  const { users, positions, prices } = useAppShallow((s) => ({
    users: s.users,
    positions: s.positions,
    prices: s.prices,
  }));
  const rows = clientLeaderboard(users, positions, prices);
  const maxAbs = Math.max(1e-9, ...rows.map((r) => Math.abs(r.totalUsd)));
  return (
    <Panel
      title="Ranking by PnL"
      hint="computed in this window from every position’s realized + unrealized PnL (the engine has no stats.leaderboard)"
      flush
    >
      {rows.length === 0 ? (
        <Empty>No friends to rank yet.</Empty>
      ) : (
        <table className="table" data-testid="leaderboard-table">
          <thead>
            <tr>
              <th style={{ width: 50 }}>#</th>
              <th>Friend</th>
              <th style={{ width: 180 }} />
              <th className="num">PnL</th>
              <th className="num">Realized</th>
              <th className="num">Unrealized</th>
              <th className="num">Closed</th>
              <th className="num">Win rate</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={r.userId}
                className="clickable"
                data-testid={`leaderboard-row-${r.rank}`}
                onClick={() => actions().navigate({ kind: 'user', userId: r.userId, tab: 'positions' })}
              >
                <td>
                  <Rank n={r.rank} />
                </td>
                <td style={{ fontWeight: 600 }}>{r.name}</td>
                <td>
                  <Bar value={r.totalUsd} max={maxAbs} />
                </td>
                <td className={`num ${pnlClass(r.totalUsd)}`}>{fmtUsd(r.totalUsd, { sign: true })}</td>
                <td className={`num ${pnlClass(r.realizedUsd)}`}>{fmtUsd(r.realizedUsd, { sign: true })}</td>
                <td className={`num ${pnlClass(r.unrealizedUsd)}`}>{fmtUsd(r.unrealizedUsd, { sign: true })}</td>
                <td className="num">{r.closedPositions}</td>
                <td className="num">{r.winRate === null ? '—' : fmtPct(r.winRate * 100, { dp: 0 })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function Rank({ n }: { n: number }) {
  const medal = n === 1 ? 'var(--brand)' : n === 2 ? '#a7b0be' : n === 3 ? '#c58a5a' : null;
  return (
    <span
      className="badge"
      style={
        medal
          ? {
              background: 'transparent',
              border: `1.5px solid ${medal}`,
              color: medal,
              minWidth: 26,
              justifyContent: 'center',
            }
          : { minWidth: 26, justifyContent: 'center' }
      }
    >
      {n}
    </span>
  );
}

function Bar({ value, max }: { value: number; max: number }) {
  const pct = Math.min(100, (Math.abs(value) / max) * 100);
  return (
    <div className="bar" title={String(value)}>
      <span style={{ width: `${pct}%`, background: value >= 0 ? 'var(--pos)' : 'var(--neg)' }} />
    </div>
  );
}
