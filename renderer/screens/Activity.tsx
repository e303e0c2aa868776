import { useState } from 'react';
import { Empty, Panel, Seg } from '../components/ui';
import { fmtAmount, fmtDateTime, fmtPrice, fmtSigned, humanizeEventType, pnlClass, shortAddr } from '../lib/format';
import { tradePnl } from '../state/reducers';
import { actions, describeEventBody, useApp } from '../state/store';
import { eventSummary } from './Overview';
import { IconRefresh } from '../components/icons';
import { ExportCsvButton } from './Ledger';
import type { AuditEntry, EventRow, Order, Trade } from '../state/types';
import { describeDetails, tokenAmount, tokenLabel } from '../../engine/api/human-text';

type Sub = 'trades' | 'orders' | 'events' | 'audit';

export function ActivityTab({ userId }: { userId: number }) {
  const [sub, setSub] = useState<Sub>('trades');
  const trades = useApp((s) => s.trades[userId]);
  const orders = useApp((s) => s.orders[userId]);
  const allEvents = useApp((s) => s.events);
  const audit = useApp((s) => s.audit[userId]);
  const events = allEvents.filter((e) => e.userId === userId);

  const refresh = () => void actions().loadUserTab(userId, 'activity');

  return (
    <Panel
      title="Activity"
      flush
      testId="activity-tab"
      actions={
        <div className="row">
          <Seg
            value={sub}
            onChange={setSub}
            options={[
              { value: 'trades', label: `Trades${trades ? ` · ${trades.length}` : ''}`, testId: 'activity-trades-tab' },
              { value: 'orders', label: 'Orders', testId: 'activity-orders-tab' },
              {
                value: 'events',
                label: `Events${events.length ? ` · ${events.length}` : ''}`,
                testId: 'activity-events-tab',
              },
              { value: 'audit', label: 'Audit', testId: 'activity-audit-tab' },
            ]}
          />
          <ExportCsvButton userId={userId} kind="trades" />
          <ExportCsvButton userId={userId} kind="flows" />
          <button className="btn icon sm ghost" title="Refresh" onClick={refresh}>
            <IconRefresh size={14} />
          </button>
        </div>
      }
    >
      {sub === 'trades' && <TradesTable trades={trades ?? []} />}
      {sub === 'orders' && <OrdersTable orders={orders ?? []} trades={trades ?? []} />}
      {sub === 'events' && <EventsTable events={events} />}
      {sub === 'audit' && <AuditTable entries={audit ?? []} />}
    </Panel>
  );
}

function TradesTable({ trades }: { trades: Trade[] }) {
  if (trades.length === 0) return <Empty>No trades yet.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table compact" data-testid="activity-trades">
        <thead>
          <tr>
            <th>Time</th>
            <th>Side</th>
            <th>Pair</th>
            <th className="num">Amount</th>
            <th className="num">Price</th>
            <th className="num">Total</th>
            <th className="num">Realized</th>
            <th>Source</th>
            <th>Signature</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => (
            <tr key={t.id} data-testid={`trade-${t.id}`}>
              <td className="muted nowrap">{fmtDateTime(t.executedAt)}</td>
              <td>
                <span className={`badge upper ${t.side === 'buy' ? 'pos' : 'neg'}`}>{t.side}</span>
              </td>
              <td style={{ fontWeight: 600 }}>
                {t.symbol}
                <span className="muted">/{t.quoteSymbol}</span>
              </td>
              <td className="num">{fmtAmount(t.uiBaseAmount, 6)}</td>
              <td className="num">{fmtPrice(t.price)}</td>
              <td className="num">
                {fmtAmount(t.uiQuoteAmount, 2)} <span className="muted tiny">{t.quoteSymbol}</span>
              </td>
              <td className={`num ${pnlClass(t.realizedPnl)}`}>
                {t.realizedPnl === '0' ? '—' : fmtSigned(String(tradePnl(t)), 2)}
              </td>
              <td className="muted small">
                {t.context} · {t.venue}
              </td>
              <td className="mono small muted" title={t.signature ?? ''}>
                {t.signature ? shortAddr(t.signature, 6, 4) : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The trade an order made: by signature (live), else the same side and the
 * same amount in (a buy spends its quote amount, a sell its base amount).
 */
function tradeOf(o: Order, trades: Trade[]): Trade | null {
  if (o.status !== 'confirmed') return null;
  if (o.signature) return trades.find((t) => t.signature === o.signature) ?? null;
  return (
    trades.find((t) => t.side === o.side && (o.side === 'buy' ? t.quoteAmount : t.baseAmount) === o.amount) ?? null
  );
}

function OrdersTable({ orders, trades }: { orders: Order[]; trades: Trade[] }) {
  if (orders.length === 0) return <Empty>No orders yet.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table compact" data-testid="activity-orders">
        <thead>
          <tr>
            <th>Time</th>
            <th>Pair</th>
            <th>Side</th>
            <th className="num">Amount</th>
            <th className="num">Price</th>
            <th className="num">Value</th>
            <th className="num">Fee</th>
            <th>Status</th>
            <th>Source</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const base = o.side === 'buy' ? o.outputMint : o.inputMint;
            const quote = o.side === 'buy' ? o.inputMint : o.outputMint;
            const t = tradeOf(o, trades);
            return (
              <tr key={o.id} data-testid="order-row">
                <td className="muted nowrap">{fmtDateTime(o.createdAt)}</td>
                <td className="nowrap" data-testid="order-pair">
                  {tokenLabel(base)}/{tokenLabel(quote)}
                </td>
                <td>
                  <span className={`badge upper ${o.side === 'buy' ? 'pos' : 'neg'}`}>{o.side}</span>
                </td>
                <td className="num nowrap" data-testid="order-amount">
                  {t ? `${fmtAmount(t.uiBaseAmount)} ${t.symbol}` : tokenAmount(o.amount, o.inputMint)}
                </td>
                <td className="num nowrap">{t ? `${fmtPrice(t.price)} ${t.quoteSymbol}` : '—'}</td>
                <td className="num nowrap">{t ? `${fmtAmount(t.uiQuoteAmount, 2)} ${t.quoteSymbol}` : '—'}</td>
                <td className="num nowrap muted">{t ? tokenAmount(t.feeLamports, 'SOL') : '—'}</td>
                <td>
                  <span
                    className={`badge ${o.status === 'confirmed' ? 'pos' : o.status === 'rejected' || o.status === 'failed' || o.status === 'expired' ? 'neg' : 'warn'}`}
                  >
                    {o.status}
                  </span>
                </td>
                <td className="muted small">
                  {o.context} · {o.venue}
                </td>
                <td className="small ellipsis" style={{ maxWidth: 260 }} title={o.error ?? ''}>
                  {o.error ?? (o.reasonCode ? humanizeEventType(o.reasonCode.toLowerCase()) : null)}
                  {!o.reasonCode && !o.error ? <span className="muted">—</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function EventsTable({ events }: { events: EventRow[] }) {
  if (events.length === 0) return <Empty>No events for this friend yet.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table compact" data-testid="activity-events">
        <thead>
          <tr>
            <th>Time</th>
            <th>Severity</th>
            <th>Event</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td className="muted nowrap">{fmtDateTime(e.ts)}</td>
              <td>
                <span
                  className={`badge ${e.severity === 'critical' ? 'neg' : e.severity === 'warning' ? 'warn' : 'info'}`}
                >
                  {e.severity}
                </span>
              </td>
              <td style={{ fontWeight: 600 }}>{humanizeEventType(e.type)}</td>
              <td className="small muted ellipsis" style={{ maxWidth: 480 }}>
                {describeEventBody(e as never) || eventSummary(e.type, e.payload)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  const users = useApp((s) => s.users);
  const nameOf = (id: number) => users.find((u) => u.id === id)?.name ?? null;
  const detailsText = (d: unknown) => describeDetails(d, nameOf) || '—';
  if (entries.length === 0) return <Empty>No audit entries for this friend.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table compact" data-testid="activity-audit">
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Details</th>
            <th>Hash</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((a) => (
            <tr key={a.id}>
              <td className="muted nowrap">{fmtDateTime(a.ts)}</td>
              <td className="small">{a.actor}</td>
              <td className="small">{humanizeEventType(a.action)}</td>
              <td className="small muted ellipsis" style={{ maxWidth: 420 }} title={detailsText(a.details)}>
                {detailsText(a.details)}
              </td>
              <td className="mono tiny muted">{a.hash.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
