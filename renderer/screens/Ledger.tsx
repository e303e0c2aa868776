import { useState } from 'react';
import { Panel } from '../components/ui';
import { IconCheck, IconDownload, IconX } from '../components/icons';
import { fmtDateTime, shortAddr } from '../lib/format';
import { tokenAmount } from '../../engine/api/human-text';
import { actions } from '../state/store';
import type { CommandOutput } from '../../engine/api/contract';

type Result = CommandOutput<'ledger.reconcile'>['results'][number];

/**
 * Ledger = chain for this friend's wallet (the Wallet tab's Reconcile button):
 * every asset's on-chain balance against what Harvest's records add up to,
 * with each discrepancy and the transactions involved, and the acknowledgement
 * that lifts the pause a mismatch sets.
 */
export function LedgerPanel({ userId }: { userId: number }) {
  const [result, setResult] = useState<Result | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setBusy(true);
    const r = await actions().run('ledger.reconcile', { user: userId }, { progress: 'Reading the wallet’s history…' });
    setBusy(false);
    if (r.ok) setResult(r.value.results[0] ?? null);
  };
  const ack = async () => {
    const r = await actions().run(
      'ledger.ack',
      { user: userId },
      {
        confirm: {
          title: 'Acknowledge the mismatch?',
          body: 'You have looked at the discrepancies listed. Entries resume; the same differences will not pause this friend again, new ones will.',
          confirmLabel: 'Acknowledge',
        },
        success: 'Acknowledged',
      },
    );
    if (r.ok) await check();
  };
  return (
    <Panel
      title="Ledger = chain"
      hint="every asset, to the base unit"
      testId="ledger-panel"
      actions={
        <button className="btn sm" onClick={() => void check()} disabled={busy} data-testid="reconcile">
          Reconcile
        </button>
      }
    >
      {!result ? (
        <div className="muted small">Checks on-chain balances against trades, flows, fees, faucet and withdrawals.</div>
      ) : result.ok === null ? (
        <div className="callout small warn" data-testid="reconcile-inconclusive">
          Could not conclude: {result.inconclusive}. Try again shortly.
        </div>
      ) : result.ok ? (
        <div className="callout small pos" data-testid="reconcile-ok">
          <IconCheck size={14} /> Ledger = chain for {result.assets.length} assets ({fmtDateTime(result.checkedAt)}).
        </div>
      ) : (
        <div className="col" style={{ gap: 8 }} data-testid="reconcile-mismatch">
          <div className="callout small neg">
            <IconX size={14} /> {result.discrepancies.length} discrepanc
            {result.discrepancies.length === 1 ? 'y' : 'ies'}
            {result.acknowledged ? ' (acknowledged)' : result.paused ? ': entries paused until acknowledged' : ''}
          </div>
          <table className="table compact">
            <thead>
              <tr>
                <th>Asset</th>
                <th className="num">Chain</th>
                <th className="num">Ledger</th>
                <th className="num">Off by</th>
                <th>Transactions</th>
              </tr>
            </thead>
            <tbody>
              {result.discrepancies.map((d, i) => (
                <tr key={i} title={d.note} data-testid={`discrepancy-${d.kind}-${d.symbol}`}>
                  <td>
                    {d.symbol} <span className="muted small">{d.kind}</span>
                  </td>
                  <td className="num">{tokenAmount(d.chain, d.asset)}</td>
                  <td className="num">{tokenAmount(d.ledger, d.asset)}</td>
                  <td className="num">{tokenAmount(d.difference, d.asset)}</td>
                  <td className="mono small">{d.signatures.map((s) => shortAddr(s)).join(' ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {!result.acknowledged && (
            <button className="btn outline-danger sm" onClick={() => void ack()} data-testid="reconcile-ack">
              Acknowledge
            </button>
          )}
        </div>
      )}
    </Panel>
  );
}

/** Activity's export: trades or flows as CSV (FIFO cost basis), saved by the browser's download. */
export function ExportCsvButton({ userId, kind }: { userId: number; kind: 'trades' | 'flows' }) {
  const download = async () => {
    const r = await actions().run('export.csv', { kind, user: userId });
    if (!r.ok) return;
    const url = URL.createObjectURL(new Blob([r.value.csv], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `harvest-${kind}-${userId}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <button
      className="btn sm ghost"
      title={`Export ${kind} as CSV (FIFO cost basis)`}
      onClick={() => void download()}
      data-testid={`export-${kind}`}
    >
      <IconDownload size={13} /> {kind === 'trades' ? 'Trades CSV' : 'Flows CSV'}
    </button>
  );
}
