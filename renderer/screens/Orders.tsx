/**
 * Limit and stop orders on the order ticket, the open-orders list, and the editor of an open
 * position's exits (issue 14, points 4 and 5). Every check a person can act on is made here
 * before anything is confirmed; the engine checks again.
 */
import { useCallback, useEffect, useState } from 'react';
import type { CommandOutput } from '../../engine/api/contract';
import { Empty, Field, Panel, Seg } from '../components/ui';
import { hasCommand } from '../client/commands';
import { fmtDateTime, fmtPrice } from '../lib/format';
import { actions, useApp } from '../state/store';
import type { Position } from '../state/types';

export type TicketKind = 'market' | 'limit' | 'stop';
type TriggerOrder = CommandOutput<'orders.open'>['orders'][number];

export const EXPIRIES = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
  { value: '2592000', label: '30 days' },
] as const;

/** Market / Limit / Stop, shown only when the engine has limit orders. */
export function TicketKindTabs({ kind, onKind }: { kind: TicketKind; onKind: (k: TicketKind) => void }) {
  if (!hasCommand('orders.place')) return null;
  return (
    <Seg
      className="block"
      value={kind}
      onChange={onKind}
      options={[
        { value: 'market', label: 'Market', testId: 'order-kind-market' },
        { value: 'limit', label: 'Limit', testId: 'order-kind-limit' },
        { value: 'stop', label: 'Stop', testId: 'order-kind-stop' },
      ]}
    />
  );
}

/** Why a trigger price is not acceptable now, in words; null when it is. */
export function triggerPriceError(
  kind: 'limit' | 'stop',
  side: 'buy' | 'sell',
  text: string,
  now: number | null,
  quote: string,
): string | null {
  if (text.trim() === '') return `A price in ${quote}`;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) return 'A positive price';
  if (now === null) return null;
  if (kind === 'stop' && n >= now) return `Below the price now (${fmtPrice(now)} ${quote})`;
  if (kind === 'limit' && side === 'buy' && n >= now) return `Below the price now (${fmtPrice(now)} ${quote})`;
  if (kind === 'limit' && side === 'sell' && n <= now) return `Above the price now (${fmtPrice(now)} ${quote})`;
  return null;
}

/** The trigger price and expiry fields of a limit or stop order. */
export function TriggerFields(props: {
  kind: 'limit' | 'stop';
  side: 'buy' | 'sell';
  quote: string;
  price: string;
  onPrice: (v: string) => void;
  expires: string;
  onExpires: (v: string) => void;
  error: string | null;
}) {
  const help =
    props.kind === 'stop'
      ? 'Sells when a trusted price falls to this'
      : props.side === 'buy'
        ? 'Buys when a trusted price falls to this'
        : 'Sells when a trusted price rises to this';
  return (
    <div className="form-grid">
      <Field
        label={`${props.kind === 'stop' ? 'Stop' : 'Limit'} price (${props.quote})`}
        error={props.error}
        help={help}
      >
        <input
          className={`input ${props.error && props.price.trim() !== '' ? 'invalid' : ''}`}
          value={props.price}
          onChange={(e) => props.onPrice(e.target.value)}
          placeholder={props.quote}
          inputMode="decimal"
          data-testid="order-trigger-price"
        />
      </Field>
      <Field label="Expires after">
        <select
          className="select"
          value={props.expires}
          onChange={(e) => props.onExpires(e.target.value)}
          data-testid="order-expiry"
        >
          {EXPIRIES.map((x) => (
            <option key={x.value} value={x.value}>
              {x.label}
            </option>
          ))}
        </select>
      </Field>
    </div>
  );
}

/** Places a limit or stop order; true when it was placed. */
export async function placeTriggerOrder(input: {
  user: number;
  kind: 'limit' | 'stop';
  side: 'buy' | 'sell';
  token: string;
  amount: string;
  price: number;
  expiresInSec: number;
}): Promise<{ ok: true; description: string } | { ok: false; message: string }> {
  const r = await actions().run('orders.place', input, { silent: true });
  if (!r.ok) return { ok: false, message: r.error.message };
  actions().toast('success', 'Order placed', `${r.value.description}.`);
  return { ok: true, description: r.value.description };
}

const STATUS_TEXT: Record<TriggerOrder['status'], string> = {
  open: 'waiting',
  triggered: 'filling',
  filled: 'filled',
  cancelled: 'cancelled',
  expired: 'expired',
  failed: 'not filled',
};

/** A friend's waiting limit and stop orders, with Cancel. Reloads when one of their order events arrives. */
export function OpenOrders({ userId }: { userId: number }) {
  const [orders, setOrders] = useState<TriggerOrder[] | null>(null);
  const lastOrderEvent = useApp(
    (s) => s.events.find((e) => e.userId === userId && e.type.startsWith('triggerOrder.'))?.id ?? 0,
  );
  const load = useCallback(async () => {
    if (!hasCommand('orders.open')) return;
    try {
      setOrders((await actions().client.call('orders.open', { user: userId })).orders);
    } catch {
      setOrders([]);
    }
  }, [userId]);
  useEffect(() => {
    void load();
  }, [load, lastOrderEvent]);
  if (!hasCommand('orders.open')) return null;

  const cancel = async (o: TriggerOrder) => {
    const r = await actions().run(
      'orders.cancel',
      { user: userId, orderId: o.id },
      {
        confirm: {
          title: 'Cancel this order?',
          body: `The ${o.description} will not fire. Nothing has been bought or sold by it.`,
          details: [
            ['Order', `#${o.id}`],
            ['Expires', fmtDateTime(o.expiresAt)],
          ],
          confirmLabel: 'Cancel order',
        },
        success: 'Order cancelled',
      },
    );
    if (r.ok) void load();
  };

  return (
    <Panel
      title="Open orders"
      hint={orders?.length ? `${orders.length} waiting` : undefined}
      flush
      testId="open-orders"
    >
      {!orders || orders.length === 0 ? (
        <Empty>No limit or stop orders waiting.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="open-orders-table">
            <thead>
              <tr>
                <th>Order</th>
                <th className="num">Price</th>
                <th>Status</th>
                <th>Expires</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id} data-testid={`open-order-${o.id}`}>
                  <td>{o.description}</td>
                  <td className="num">
                    {fmtPrice(o.price)} {o.quoteSymbol}
                  </td>
                  <td>{STATUS_TEXT[o.status]}</td>
                  <td className="muted small">{fmtDateTime(o.expiresAt)}</td>
                  <td className="num">
                    {o.status === 'open' && (
                      <button
                        className="btn xs"
                        onClick={() => void cancel(o)}
                        data-testid={`open-order-cancel-${o.id}`}
                      >
                        Cancel
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

/** A level field's value: a number, null (empty: remove it), or an error in words. */
function levelOf(text: string): number | null | string {
  if (text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : 'A positive number, or empty for none';
}

/** Sets, moves or removes an open position's stop-loss, take-profit and trailing stop. */
export function ExitsEditor({ userId, p, onDone }: { userId: number; p: Position; onDone: () => void }) {
  const [stop, setStop] = useState(p.stopLoss === null ? '' : String(p.stopLoss));
  const [target, setTarget] = useState(p.takeProfit === null ? '' : String(p.takeProfit));
  const [trail, setTrail] = useState(p.trailingStopBps === null ? '' : String(p.trailingStopBps / 100));
  const [error, setError] = useState<string | null>(null);
  const quote = p.quoteSymbol;
  const s = levelOf(stop);
  const t = levelOf(target);
  const tr = levelOf(trail);
  const stopErr =
    typeof s === 'string'
      ? s
      : s !== null && p.price !== null && s >= p.price
        ? `Below the price now (${fmtPrice(p.price)} ${quote})`
        : null;
  const targetErr =
    typeof t === 'string'
      ? t
      : t !== null && p.price !== null && t <= p.price
        ? `Above the price now (${fmtPrice(p.price)} ${quote})`
        : typeof s === 'number' && t !== null && t <= s
          ? 'Above the stop'
          : null;
  const trailErr = typeof tr === 'string' ? tr : tr !== null && (tr < 0.1 || tr > 99) ? 'Between 0.1 and 99 %' : null;
  const invalid = !!(stopErr || targetErr || trailErr);
  const word = (v: number | null | string, unit: string) => (v === null ? 'none' : `${String(v)} ${unit}`);

  const save = async () => {
    setError(null);
    const stopLoss = s as number | null;
    const takeProfit = t as number | null;
    const trailingPct = tr as number | null;
    const r = await actions().run(
      'positions.setExits',
      { user: userId, positionId: p.id, stopLoss, takeProfit, trailingPct },
      {
        silent: true,
        confirm: {
          title: `Change the ${p.symbol} exits?`,
          body: 'The exit monitor uses the new levels from its next check. The change is recorded in the audit log.',
          details: [
            ['Stop-loss', word(stopLoss, quote)],
            ['Take-profit', word(takeProfit, quote)],
            ['Trailing stop', word(trailingPct, '%')],
          ],
          confirmLabel: 'Save exits',
        },
      },
    );
    if (!r.ok) {
      if (!r.cancelled) setError(r.error.message);
      return;
    }
    actions().toast('success', 'Exits saved', r.value.message);
    void actions().refreshPositions(userId);
    onDone();
  };

  return (
    <div className="col" style={{ gap: 8, padding: 12 }} data-testid={`exits-editor-${p.id}`}>
      <div className="small">
        Exits of the {p.symbol} position (empty: none). Price now {fmtPrice(p.price)} {quote}.
      </div>
      <div className="form-grid">
        <Field label={`Stop-loss (${quote})`} error={stopErr}>
          <input
            className={`input ${stopErr ? 'invalid' : ''}`}
            value={stop}
            onChange={(e) => setStop(e.target.value)}
            inputMode="decimal"
            data-testid="exits-stop"
          />
        </Field>
        <Field label={`Take-profit (${quote})`} error={targetErr}>
          <input
            className={`input ${targetErr ? 'invalid' : ''}`}
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            inputMode="decimal"
            data-testid="exits-target"
          />
        </Field>
        <Field label="Trailing stop (% below the high)" error={trailErr}>
          <input
            className={`input ${trailErr ? 'invalid' : ''}`}
            value={trail}
            onChange={(e) => setTrail(e.target.value)}
            inputMode="decimal"
            data-testid="exits-trailing"
          />
        </Field>
      </div>
      {error && (
        <div className="callout neg small" data-testid="exits-error">
          {error}
        </div>
      )}
      <div className="row">
        <button className="btn sm" disabled={invalid} onClick={() => void save()} data-testid="exits-save">
          Save exits
        </button>
        <button className="btn sm ghost" onClick={onDone}>
          Close
        </button>
      </div>
    </div>
  );
}
