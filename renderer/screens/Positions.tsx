import { useEffect, useState, type FormEvent } from 'react';
import { EquityChart, PriceChart } from '../charts/Charts';
import { Empty, Field, Panel, Seg, useNow, escapeDiscards } from '../components/ui';
import { fmtAmount, fmtDateTime, fmtPrice, fmtSigned, fmtUsd, pnlClass, relTime } from '../lib/format';
import { hasCommand } from '../client/commands';
import { actions, useApp } from '../state/store';
import { PasteMint } from '../components/TokenDialog';
import type { CommandOutput } from '../../engine/api/contract';
import type { Position, Trade } from '../state/types';
import {
  ExitsEditor,
  OpenOrders,
  placeTriggerOrder,
  TicketKindTabs,
  TriggerFields,
  triggerPriceError,
  type TicketKind,
} from './Orders';

const TRADEABLE = ['SOL', 'WETH', 'WBTC'];
type Tf = '1m' | '5m' | '15m' | '1h';

export function PositionsTab({ userId }: { userId: number }) {
  const positions = useApp((s) => s.positions[userId]);
  const trades = useApp((s) => s.trades[userId]);
  const equity = useApp((s) => s.equity[userId]);
  const flows = useApp((s) => s.equityFlows[userId]);
  const account = useApp((s) => s.stats[userId]?.account);
  const [chart, setChart] = useState<'price' | 'equity'>('price');
  const [token, setToken] = useState('SOL');
  // 5m: history is seeded at 5m and coarser (the finest every source has); 1m builds up live.
  const [tf, setTf] = useState<Tf>('5m');
  const open = (positions ?? []).filter((p) => p.status === 'open');
  const closed = (positions ?? []).filter((p) => p.status === 'closed');
  const hasEquity = hasCommand('stats.equityCurve');

  return (
    <div className="col" style={{ gap: 14 }} data-testid="positions-tab">
      <div className="grid chart-ticket">
        <Panel
          title={chart === 'price' ? token : 'Equity'}
          hint={chart === 'price' ? 'B/S: trades' : account}
          flush
          className="fill"
          actions={
            <div className="row">
              {chart === 'price' && (
                <>
                  <Seg
                    value={token}
                    onChange={setToken}
                    options={TRADEABLE.map((t) => ({ value: t, label: t, testId: `chart-token-${t}` }))}
                  />
                  <Seg
                    value={tf}
                    onChange={setTf}
                    options={(['1m', '5m', '15m', '1h'] as const).map((t) => ({ value: t, label: t }))}
                  />
                </>
              )}
              {hasEquity && (
                <Seg
                  value={chart}
                  onChange={setChart}
                  options={[
                    { value: 'price', label: 'Price', testId: 'chart-price' },
                    { value: 'equity', label: 'Equity', testId: 'chart-equity' },
                  ]}
                />
              )}
            </div>
          }
        >
          {chart === 'price' ? (
            <PriceChart token={token} timeframe={tf} trades={trades} height={330} fill />
          ) : (
            <EquityChart points={equity ?? []} flows={flows ?? []} account={account} height={330} fill />
          )}
        </Panel>
        <OrderTicket userId={userId} token={token} onToken={setToken} openPositions={open} />
      </div>

      <Panel
        title="Open positions"
        hint={open.length ? `${open.length} open` : undefined}
        flush
        testId="positions-open"
        actions={
          open.length > 0 && (
            <button
              className="btn sm outline-danger"
              data-testid="close-all"
              onClick={() => void closeAll(userId, open.length)}
            >
              Close all…
            </button>
          )
        }
      >
        {open.length === 0 ? <Empty>No open positions.</Empty> : <PositionsTable rows={open} userId={userId} open />}
      </Panel>
      <OpenOrders userId={userId} />
      <Panel
        title="Closed positions"
        hint={closed.length ? `${closed.length}` : undefined}
        flush
        testId="positions-closed"
      >
        {closed.length === 0 ? (
          <Empty>No closed positions yet.</Empty>
        ) : (
          <PositionsTable rows={closed.slice(0, 25)} userId={userId} open={false} />
        )}
      </Panel>
    </div>
  );
}

async function closeAll(userId: number, n: number): Promise<void> {
  const r = await actions().run(
    'positions.closeAll',
    { user: userId, confirm: true },
    {
      progress: 'Closing every position',
      confirm: {
        title: `Close all ${n} positions?`,
        body: "Every open position is sold at the market now, through the usual risk checks (sells run even while this friend is paused). This friend's strategy entries are then paused until you resume them. This is recorded in the audit log.",
        confirmLabel: 'Sell everything',
        danger: true,
      },
    },
  );
  if (r.ok) {
    const ok = r.value.results.filter((x) => x.outcome.status === 'confirmed').length;
    actions().toast(
      ok === r.value.results.length ? 'success' : 'warning',
      `Closed ${ok} of ${r.value.results.length} positions`,
      r.value.entriesPaused ? 'Strategy entries are paused until you resume this friend.' : undefined,
    );
    void actions().refreshPositions(userId);
  }
}

/**
 * What a closed position held: the sells of its token while it was open (a
 * closed position's own quantity is 0, which reads as "nothing was traded").
 */
function closedSize(p: Position, trades: Trade[] | undefined): string | null {
  if (!trades || p.closedAt === null) return null;
  let total = 0;
  for (const t of trades) {
    if (t.side === 'sell' && t.symbol === p.symbol && t.executedAt >= p.openedAt && t.executedAt <= p.closedAt)
      total += Number(t.uiBaseAmount);
  }
  return total > 0 ? total.toFixed(9) : null;
}

function PositionsTable({ rows, userId, open }: { rows: Position[]; userId: number; open: boolean }) {
  const now = useNow(30_000);
  const trades = useApp((s) => s.trades[userId]);
  const [closing, setClosing] = useState<number | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const close = async (p: Position) => {
    setClosing(p.id);
    const r = await actions().run(
      'positions.close',
      { user: userId, positionId: p.id },
      {
        confirm: {
          title: `Close ${p.symbol} position?`,
          body: `Sells ${fmtAmount(p.uiQuantity, 6)} ${p.symbol} at the market. Closing reduces risk, so it runs even while this friend is paused; only a halt stops it.`,
          details: [
            ['Entry', fmtPrice(p.averageEntryPrice)],
            ['Price now', fmtPrice(p.price)],
            [
              'Unrealized PnL',
              p.uiUnrealizedPnl === null ? '—' : `${fmtSigned(p.uiUnrealizedPnl, 2)} ${p.quoteSymbol}`,
            ],
          ],
          confirmLabel: 'Close position',
        },
      },
    );
    setClosing(null);
    if (r.ok) {
      const o = r.value;
      if (o.status === 'confirmed') actions().toast('success', `${p.symbol} position closed`);
      else actions().toast('warning', `Close ${o.status}`, o.message ?? o.code ?? undefined);
      void actions().refreshPositions(userId);
      void actions().refreshTrades(userId);
    }
  };
  return (
    <div className="table-wrap">
      <table className="table dense" data-testid={open ? 'positions-open-table' : 'positions-closed-table'}>
        <thead>
          <tr>
            <th>Token</th>
            <th className="num">{open ? 'Quantity' : 'Closed size'}</th>
            <th className="num">Entry</th>
            {open && <th className="num">Price</th>}
            {open && <th className="num">Unrealized</th>}
            <th className="num">Realized</th>
            <th className="num">Stop</th>
            <th className="num">Target</th>
            <th>{open ? 'Opened' : 'Closed'}</th>
            {open && <th />}
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => {
            const pct =
              p.averageEntryPrice && p.price ? ((p.price - p.averageEntryPrice) / p.averageEntryPrice) * 100 : null;
            return [
              <tr key={p.id} data-testid={`position-${p.id}`}>
                <td>
                  <span style={{ fontWeight: 650 }}>{p.symbol}</span>
                  <span className="muted tiny"> /{p.quoteSymbol}</span>
                  {/* Paper positions live in the paper account, never in the on-chain wallet. */}
                  {p.account === 'paper' && (
                    <span
                      className="badge info"
                      style={{ marginLeft: 6 }}
                      title="Paper account"
                      data-testid={`position-paper-${p.id}`}
                    >
                      paper
                    </span>
                  )}
                  {p.stuck && (
                    <span className="badge neg" style={{ marginLeft: 6 }}>
                      exit stuck
                    </span>
                  )}
                </td>
                <td className="num" data-testid={`position-size-${p.id}`}>
                  {open ? fmtAmount(p.uiQuantity, 6) : fmtAmount(closedSize(p, trades), 6)}
                </td>
                <td className="num">{fmtPrice(p.averageEntryPrice)}</td>
                {open && <td className="num">{fmtPrice(p.price)}</td>}
                {open && (
                  <td className={`num ${pnlClass(p.uiUnrealizedPnl)}`} data-testid={`position-upnl-${p.id}`}>
                    {p.uiUnrealizedPnl === null ? '—' : fmtSigned(p.uiUnrealizedPnl, 2)}
                    {/* On its own line: beside the amount it made the table wider than its panel at 1024 px. */}
                    {pct !== null && (
                      <span className="tiny" style={{ display: 'block' }}>
                        ({pct >= 0 ? '+' : '−'}
                        {Math.abs(pct).toFixed(2)} % since entry)
                      </span>
                    )}
                  </td>
                )}
                <td className={`num ${pnlClass(p.uiRealizedPnl)}`}>{fmtSigned(p.uiRealizedPnl, 2)}</td>
                <td className="num">
                  {p.stopLoss === null ? (
                    p.trailingStopBps ? (
                      <span className="muted">trail {p.trailingStopBps / 100}%</span>
                    ) : (
                      '—'
                    )
                  ) : (
                    fmtPrice(p.stopLoss)
                  )}
                </td>
                <td className="num">{p.takeProfit === null ? '—' : fmtPrice(p.takeProfit)}</td>
                <td className="muted small" title={fmtDateTime(open ? p.openedAt : p.closedAt)}>
                  {relTime(open ? p.openedAt : p.closedAt, now)}
                </td>
                {open && (
                  // The two buttons may stack when the panel is narrow, rather than push the table past its edge.
                  <td className="num" style={{ whiteSpace: 'normal' }}>
                    {hasCommand('positions.setExits') && (
                      <button
                        className="btn xs ghost"
                        onClick={() => setEditing(editing === p.id ? null : p.id)}
                        data-testid={`position-edit-exits-${p.id}`}
                      >
                        Edit exits
                      </button>
                    )}{' '}
                    <button
                      className="btn xs"
                      disabled={closing === p.id}
                      onClick={() => void close(p)}
                      data-testid={`position-close-${p.id}`}
                    >
                      Close
                    </button>
                  </td>
                )}
              </tr>,
              open && editing === p.id && (
                <tr key={`${p.id}-exits`}>
                  <td colSpan={10}>
                    <ExitsEditor userId={userId} p={p} onDone={() => setEditing(null)} />
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}

type Outcome = CommandOutput<'orders.submit'>;

function OrderTicket({
  userId,
  token,
  onToken,
  openPositions,
}: {
  userId: number;
  token: string;
  onToken: (t: string) => void;
  openPositions: Position[];
}) {
  const settings = useApp((s) => s.settings[userId]?.settings);
  const price = useApp((s) => s.prices[token] ?? null);
  const solPrice = useApp((s) => s.prices['SOL'] ?? null);
  const hasWallet = useApp((s) => !!s.users.find((u) => u.id === userId)?.address);
  const quote = settings?.['quoteAsset'] === 'SOL' ? 'SOL' : 'USDC';
  const paper = settings?.['mode'] !== 'live';
  const quoteBal = useApp((s) => {
    const b = s.balances[userId];
    if (!b) return null;
    return quote === 'SOL' ? b.sol : (b.tokens.find((t) => t.symbol === quote)?.uiAmount ?? '0');
  });
  const [side, setSide] = useState<'buy' | 'sell'>('buy');
  const [kind, setKind] = useState<TicketKind>('market');
  const [triggerText, setTriggerText] = useState('');
  const [expires, setExpires] = useState('86400');
  const [amount, setAmount] = useState('');
  const [stop, setStop] = useState('');
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stopRequired, setStopRequired] = useState<boolean | null>(null);
  // Tokens added by a pasted mint: offered in the list and sent by mint (a symbol may be shared).
  const [pasted, setPasted] = useState<Record<string, string>>({});
  const position = openPositions.find((p) => p.symbol === token);

  useEffect(() => {
    if (!hasCommand('risk.limits')) return;
    let alive = true;
    actions()
      .client.call('risk.limits', { user: userId })
      .then(
        (r) => alive && setStopRequired(r.effective.stopLossRequired),
        () => undefined,
      );
    return () => {
      alive = false;
    };
  }, [userId]);

  const amountOk = /^\d+(\.\d+)?$/u.test(amount.trim()) && Number(amount) > 0;
  const stopN = stop.trim() ? Number(stop) : null;
  const targetN = target.trim() ? Number(target) : null;
  const stopErr =
    stopN !== null && (!Number.isFinite(stopN) || stopN <= 0)
      ? 'A positive price'
      : stopN !== null && price !== null && stopN >= price
        ? 'Below the current price'
        : null;
  const targetErr =
    targetN !== null && (!Number.isFinite(targetN) || targetN <= 0)
      ? 'A positive price'
      : targetN !== null && price !== null && targetN <= price
        ? 'Above the current price'
        : null;
  const quoteUsd = quote === 'SOL' ? solPrice : 1;
  // Limit and stop prices are in the quote asset, like a position's exits.
  const priceInQuote = price !== null && quoteUsd ? price / quoteUsd : null;
  const triggerErr = kind === 'market' ? null : triggerPriceError(kind, side, triggerText, priceInQuote, quote);
  const estQty = side === 'buy' && amountOk && price && quoteUsd ? (Number(amount) * quoteUsd) / price : null;
  const estValue = side === 'sell' && amountOk && price ? Number(amount) * price : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setOutcome(null);
    if (kind !== 'market') {
      const placed = await placeTriggerOrder({
        user: userId,
        kind,
        side,
        token,
        amount: amount.trim(),
        price: Number(triggerText),
        expiresInSec: Number(expires),
      });
      setBusy(false);
      if (!placed.ok) return setError(placed.message);
      setAmount('');
      setTriggerText('');
      return;
    }
    const input = {
      user: userId,
      side,
      token: pasted[token] ?? token,
      amount: amount.trim(),
      ...(side === 'buy' && stopN !== null ? { stopLoss: stopN } : {}),
      ...(side === 'buy' && targetN !== null ? { takeProfit: targetN } : {}),
    };
    const r = await actions().run('orders.submit', input, { silent: true });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setOutcome(r.value);
    if (r.value.status === 'confirmed') {
      actions().toast('success', `${side === 'buy' ? 'Bought' : 'Sold'} ${token}`);
      setAmount('');
      setStop('');
      setTarget('');
      void actions().refreshPositions(userId);
      void actions().refreshTrades(userId);
      void actions().refreshBalances(userId);
    }
  };

  // Keeps the price's own precision: cents would turn a 0.0123 token's stop into 0.01 (−19 %, not −5 %).
  const preset = (pct: number, set: (v: string) => void) =>
    price !== null && set(String(Number((price * (1 + pct / 100)).toPrecision(6))));

  return (
    <Panel title="Order ticket" hint="manual order" testId="order-ticket">
      <form
        className="ticket"
        onSubmit={submit}
        data-testid="order-form"
        onKeyDown={escapeDiscards(
          () => (setAmount(''), setStop(''), setTarget(''), setTriggerText(''), setError(null), setOutcome(null)),
        )}
      >
        <TicketKindTabs
          kind={kind}
          onKind={(k) => {
            setKind(k);
            // A stop sells when the price falls: it has no buy side.
            if (k === 'stop') setSide('sell');
            setOutcome(null);
            setError(null);
          }}
        />
        <Seg
          className="block side"
          value={side}
          onChange={(v) => (setSide(v), setOutcome(null), setError(null))}
          options={[
            ...(kind === 'stop'
              ? []
              : [{ value: 'buy' as const, label: 'Buy', className: 'buy', testId: 'order-side-buy' }]),
            { value: 'sell', label: 'Sell', className: 'sell', testId: 'order-side-sell' },
          ]}
        />
        <Field label="Token">
          <select className="select" value={token} onChange={(e) => onToken(e.target.value)} data-testid="order-token">
            {[...TRADEABLE, ...Object.keys(pasted).filter((t) => !TRADEABLE.includes(t))].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
          <PasteMint
            onToken={(t) => {
              setPasted((p) => ({ ...p, [t.symbol]: t.mint }));
              onToken(t.symbol);
            }}
          />
        </Field>
        <Field
          label={side === 'buy' ? `Spend (${quote})` : `Sell (${token})`}
          help={
            side === 'sell'
              ? position
                ? `Position: ${fmtAmount(position.uiQuantity, 6)} ${token}`
                : `No open ${token} position`
              : paper
                ? 'Paper mode: simulated fill, the wallet is not touched'
                : quoteBal !== null
                  ? `Available: ${fmtAmount(quoteBal, 2)} ${quote}`
                  : undefined
          }
        >
          <div className="input-group">
            <input
              className="input"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              placeholder="0.00"
              inputMode="decimal"
              data-testid="order-amount"
            />
            {side === 'sell' && position ? (
              <span
                className="addon btnish"
                role="button"
                onClick={() => setAmount(position.uiQuantity)}
                data-testid="order-max"
              >
                Max
              </span>
            ) : (
              <span className="addon">{side === 'buy' ? quote : token}</span>
            )}
          </div>
        </Field>
        {kind !== 'market' && (
          <TriggerFields
            kind={kind}
            side={side}
            quote={quote}
            price={triggerText}
            onPrice={setTriggerText}
            expires={expires}
            onExpires={setExpires}
            error={triggerErr}
          />
        )}
        {side === 'buy' && kind === 'market' && (
          <div className="form-grid">
            <Field
              label={<>Stop-loss {stopRequired ? <span className="warn-text">· required</span> : null}</>}
              error={stopErr}
              help={stop.trim() === '' ? 'Empty: the engine’s default stop' : undefined}
            >
              <div className="input-group">
                <input
                  className={`input ${stopErr ? 'invalid' : ''}`}
                  value={stop}
                  onChange={(e) => setStop(e.target.value)}
                  placeholder="USD"
                  inputMode="decimal"
                  data-testid="order-stop"
                />
                <span
                  className="addon btnish"
                  role="button"
                  title="5 % below the price"
                  onClick={() => preset(-5, setStop)}
                >
                  −5%
                </span>
              </div>
            </Field>
            <Field label="Take-profit" error={targetErr}>
              <div className="input-group">
                <input
                  className={`input ${targetErr ? 'invalid' : ''}`}
                  value={target}
                  onChange={(e) => setTarget(e.target.value)}
                  placeholder="USD"
                  inputMode="decimal"
                  data-testid="order-target"
                />
                <span
                  className="addon btnish"
                  role="button"
                  title="10 % above the price"
                  onClick={() => preset(10, setTarget)}
                >
                  +10%
                </span>
              </div>
            </Field>
          </div>
        )}
        <div className="summary">
          <div className="line">
            <span>Price</span>
            <span>{price === null ? '—' : `$${fmtPrice(price)}`}</span>
          </div>
          <div className="line">
            <span>{side === 'buy' ? 'Est. quantity' : 'Est. value'}</span>
            <span>
              {side === 'buy'
                ? estQty === null
                  ? '—'
                  : `${estQty.toFixed(4)} ${token}`
                : estValue === null
                  ? '—'
                  : fmtUsd(estValue)}
            </span>
          </div>
        </div>
        {error && (
          <div className="callout neg small" data-testid="order-error">
            {error}
          </div>
        )}
        {outcome && <OutcomeLine o={outcome} />}
        <button
          className={`btn ${side === 'buy' ? 'buy' : 'sell'}`}
          style={{ height: 36 }}
          disabled={busy || !amountOk || !!stopErr || !!targetErr || !!triggerErr || !hasWallet}
          data-testid="order-submit"
        >
          {busy
            ? 'Sending…'
            : kind === 'market'
              ? `${side === 'buy' ? 'Buy' : 'Sell'} ${token}`
              : `Place ${kind === 'stop' ? 'stop' : `limit ${side}`}`}
        </button>
      </form>
    </Panel>
  );
}

function OutcomeLine({ o }: { o: Outcome }) {
  const cls = o.status === 'confirmed' ? 'pos' : o.status === 'pending' ? 'info' : 'neg';
  return (
    <div className={`callout ${cls} small`} data-testid="order-result" data-status={o.status}>
      <div>
        <b style={{ textTransform: 'capitalize' }}>{o.status}</b>
        {o.code ? ` · ${o.code}` : ''}
        {o.message ? ` — ${o.message}` : ''}
        {o.status === 'confirmed' && o.tradeId !== null ? ` · trade #${o.tradeId}` : ''}
      </div>
    </div>
  );
}
