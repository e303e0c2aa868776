import { CopyButton, Stat, StateBadge, useNow } from '../components/ui';
import { IconPause, IconPlay } from '../components/icons';
import { fmtPct, fmtUsd, pnlClass, shortAddr } from '../lib/format';
import { summarizeUser, selectSlices } from '../state/derived';
import { actions, useApp, useAppShallow } from '../state/store';
import { USER_TABS, type UserTab } from '../state/types';
import { pauseUser, resumeUser } from './Overview';
import { WalletTab } from './Wallet';
import { PositionsTab } from './Positions';
import { RiskTab } from './Risk';
import { StrategyTab } from './Strategy';
import { ActivityTab } from './Activity';
import { TelegramTab } from './Telegram';

const TAB_LABEL: Record<UserTab, string> = {
  wallet: 'Wallet',
  positions: 'Positions',
  risk: 'Risk',
  strategy: 'Strategy',
  activity: 'Activity',
  telegram: 'Telegram',
};

export function UserView({ userId, tab }: { userId: number; tab: UserTab }) {
  const slices = useAppShallow(selectSlices);
  const now = useNow(15_000);
  const user = slices.users.find((u) => u.id === userId);
  const openCount = useApp((s) => (s.positions[userId] ?? []).filter((p) => p.status === 'open').length);
  if (!user) {
    return (
      <div className="empty" data-testid="user-missing">
        {slices.users.length === 0 ? 'Loading…' : 'This friend no longer exists.'}
      </div>
    );
  }
  const s = summarizeUser(slices, user, now);
  const paused = s.control?.paused ?? false;
  return (
    <div data-testid="user-view" data-user-id={userId}>
      <div className="page-head" style={{ alignItems: 'flex-start' }}>
        <div className="col" style={{ gap: 4, minWidth: 0 }}>
          <div className="row" style={{ gap: 10 }}>
            <h1 data-testid="user-name">{user.name}</h1>
            <StateBadge state={s.state} testId="user-state" />
            {s.mode && (
              <span className={`badge upper ${s.mode === 'live' ? 'accent' : ''}`} data-testid="user-mode">
                {s.mode}
              </span>
            )}
            {s.breaker && (
              <span className="badge neg" title={s.control?.reason ?? ''}>
                breaker tripped
              </span>
            )}
          </div>
          <div className="row muted small" style={{ gap: 6 }}>
            {user.address ? (
              <>
                <span className="mono" title={user.address}>
                  {shortAddr(user.address, 6, 6)}
                </span>
                <CopyButton text={user.address} testId="copy-address-header" />
              </>
            ) : (
              <span>No wallet yet — create or import one on the Wallet tab.</span>
            )}
            {s.control?.reason && paused && <span>· {s.control.reason}</span>}
          </div>
        </div>
        <span className="spacer" />
        <div className="stat-strip">
          <Stat label="Equity" value={fmtUsd(s.equityUsd)} testId="user-equity" />
          <Stat
            label="Today"
            value={fmtUsd(s.todayPnlUsd, { sign: true })}
            valueClass={pnlClass(s.todayPnlUsd)}
            testId="user-today-pnl"
          />
          <Stat
            label="Total PnL"
            value={fmtUsd(s.totalPnlUsd, { sign: true })}
            valueClass={pnlClass(s.totalPnlUsd)}
            testId="user-total-pnl"
          />
          {s.returnPct !== null && (
            <Stat
              label="Return · all time"
              value={fmtPct(s.returnPct, { sign: true })}
              valueClass={pnlClass(s.returnPct)}
            />
          )}
          <div className="row" style={{ alignSelf: 'center' }}>
            {paused ? (
              <button className="btn sm outline-pos" data-testid="user-resume" onClick={() => void resumeUser(s)}>
                <IconPlay size={12} /> Resume
              </button>
            ) : (
              <button
                className="btn sm outline-warn"
                data-testid="user-pause"
                onClick={() => void pauseUser(s)}
                disabled={!user.address}
              >
                <IconPause size={12} /> Pause
              </button>
            )}
          </div>
        </div>
      </div>
      <div className="tabs" role="tablist">
        {USER_TABS.map((t) => (
          <button
            key={t}
            role="tab"
            aria-selected={t === tab}
            className={`tab ${t === tab ? 'active' : ''}`}
            data-testid={`tab-${t}`}
            onClick={() => actions().navigate({ kind: 'user', userId, tab: t })}
          >
            {TAB_LABEL[t]}
            {t === 'positions' && openCount > 0 && <span className="count">{openCount}</span>}
          </button>
        ))}
      </div>
      {tab === 'wallet' && <WalletTab userId={userId} />}
      {tab === 'positions' && <PositionsTab userId={userId} />}
      {tab === 'risk' && <RiskTab userId={userId} />}
      {tab === 'strategy' && <StrategyTab userId={userId} />}
      {tab === 'activity' && <ActivityTab userId={userId} />}
      {tab === 'telegram' && <TelegramTab userId={userId} />}
    </div>
  );
}
