/**
 * The paper account panel (issue #9, item 3): a friend's virtual book, shown
 * under its own label beside the on-chain wallet, with its starting capital,
 * a reset and a top-up (both paper flows: neither counts as profit).
 */
import { useCallback, useEffect, useState } from 'react';
import { Empty, Field, Panel } from '../components/ui';
import { IconRefresh } from '../components/icons';
import { fmtAmount, fmtUsd } from '../lib/format';
import { usdPrice } from '../state/reducers';
import { actions, useApp } from '../state/store';
import { hasCommand } from '../client/commands';
import type { CommandOutput } from '../../engine/api/contract';

type PaperAccount = CommandOutput<'paper.account'>;

const DECIMAL = /^\d{1,12}(\.\d{1,9})?$/u;

export function PaperAccountPanel({ userId }: { userId: number }) {
  const prices = useApp((s) => s.prices);
  // The friend's figures are refreshed after their trades, faucet payments and flows: read the book again then.
  const stats = useApp((s) => s.stats[userId]);
  const [paper, setPaper] = useState<PaperAccount | null>(null);
  const [usdc, setUsdc] = useState('');
  const [sol, setSol] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const r = await actions().run('paper.account', { user: userId }, { silent: true });
    if (r.ok) {
      setPaper(r.value);
      setUsdc((v) => v || (r.value.startingCapital['USDC'] ?? ''));
      setSol((v) => v || (r.value.startingCapital['SOL'] ?? ''));
    }
  }, [userId]);
  useEffect(() => {
    void load();
  }, [load, stats]);

  if (!hasCommand('paper.account')) return null;

  const amounts = (): Record<string, string> | null => {
    const out: Record<string, string> = {};
    if (usdc.trim()) out['USDC'] = usdc.trim();
    if (sol.trim()) out['SOL'] = sol.trim();
    const entries = Object.values(out);
    return entries.length > 0 && entries.every((a) => DECIMAL.test(a)) ? out : null;
  };
  const after = async () => {
    await load();
    void actions().refreshStats(userId);
    void actions().refreshEquity(userId);
  };
  const reset = async () => {
    const capital = amounts();
    if (!capital) return;
    const list = Object.entries(capital).map(([s, a]) => `${a} ${s}`);
    setBusy(true);
    const r = await actions().run(
      'paper.reset',
      { user: userId, capital, confirm: true },
      {
        confirm: {
          title: 'Reset the paper account?',
          body: 'The paper book is replaced by this starting capital. What it held leaves as a paper withdrawal and the capital arrives as a paper deposit: neither counts as profit or loss. The on-chain wallet is not touched.',
          details: [['Starting capital', list.join(', ')]],
          confirmLabel: 'Reset',
        },
      },
    );
    setBusy(false);
    if (r.ok) {
      actions().toast('success', 'Paper account reset', r.value.message);
      await after();
    }
  };
  const topUp = async () => {
    const add = amounts();
    if (!add) return;
    setBusy(true);
    const r = await actions().run('paper.topUp', { user: userId, amounts: add });
    setBusy(false);
    if (r.ok) {
      actions().toast('success', 'Paper account topped up', r.value.message);
      await after();
    }
  };

  return (
    <Panel
      title="Paper account"
      hint={
        paper ? (paper.current ? 'trading now · virtual funds' : 'not in use · this friend trades live') : undefined
      }
      flush
      testId="paper-account-panel"
      actions={
        <button className="btn sm ghost" onClick={() => void load()} disabled={busy}>
          <IconRefresh size={13} /> Refresh
        </button>
      }
    >
      {!paper ? (
        <Empty>Reading the paper account…</Empty>
      ) : (
        <>
          {!paper.open ? (
            <Empty>Opens with its starting capital at the first paper order, or with a reset below.</Empty>
          ) : (
            <table className="table" data-testid="paper-balances-table">
              <thead>
                <tr>
                  <th>Asset</th>
                  <th className="num">Amount</th>
                  <th className="num">Value</th>
                </tr>
              </thead>
              <tbody>
                {paper.tokens.map((t) => {
                  const p = usdPrice(t.symbol, prices);
                  return (
                    <tr key={t.mint} data-testid={`paper-balance-${t.symbol}`}>
                      <td style={{ fontWeight: 600 }}>{t.symbol}</td>
                      <td className="num">{fmtAmount(t.uiAmount, t.symbol === 'SOL' ? 6 : 4)}</td>
                      <td className="num">{p === null ? '—' : fmtUsd(Number(t.uiAmount) * p)}</td>
                    </tr>
                  );
                })}
                <tr>
                  <td className="muted">Equity</td>
                  <td />
                  <td className="num" style={{ fontWeight: 650 }} data-testid="paper-equity">
                    {fmtUsd(paper.equityUsd)}
                  </td>
                </tr>
              </tbody>
            </table>
          )}
          <div className="col" style={{ gap: 10, padding: 12 }}>
            <Field
              label="Starting capital"
              help="What a reset puts in the paper account (like a dry-run wallet). A top-up adds these amounts instead."
            >
              <div className="row">
                <AmountInput symbol="USDC" value={usdc} onChange={setUsdc} />
                <AmountInput symbol="SOL" value={sol} onChange={setSol} />
              </div>
            </Field>
            <div className="row">
              <button
                className="btn"
                disabled={busy || !amounts()}
                onClick={() => void reset()}
                data-testid="paper-reset"
              >
                Reset to this capital
              </button>
              <button
                className="btn ghost"
                disabled={busy || !amounts()}
                onClick={() => void topUp()}
                data-testid="paper-top-up"
              >
                Top up
              </button>
              {busy && <span className="spinner" />}
            </div>
            {paper.openPositions > 0 && (
              <div className="callout small warn">
                {paper.openPositions} paper position(s) open: close them before a reset.
              </div>
            )}
          </div>
        </>
      )}
    </Panel>
  );
}

/** One token amount of the capital, labelled with its symbol. */
function AmountInput(props: { symbol: string; value: string; onChange: (v: string) => void }) {
  return (
    <>
      <input
        className="input"
        style={{ width: 110 }}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        inputMode="decimal"
        placeholder={props.symbol}
        aria-label={props.symbol}
        data-testid={`paper-capital-${props.symbol.toLowerCase()}`}
      />
      <span className="muted small">{props.symbol}</span>
    </>
  );
}
