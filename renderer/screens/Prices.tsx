import { useEffect, useState } from 'react';
import { Panel } from '../components/ui';
import { fmtDuration, fmtPrice, shortAddr } from '../lib/format';
import { actions } from '../state/store';
import type { CommandOutput } from '../../engine/api/contract';

type Row = CommandOutput<'prices.status'>['tokens'][number];

/** How often the panel re-reads the engine's trusted prices (the engine refreshes them every cycle). */
const REFRESH_MS = 10_000;

/**
 * The prices Harvest trusts (issue #10, items 1 and 2): each token's trusted
 * price, its age and the sources that agreed, or why there is none. A token
 * the operator allowed to trade on one source is marked "single-source
 * price", so nobody mistakes it for a price two independent sources agree on.
 */
export function PricesPanel() {
  const [rows, setRows] = useState<Row[] | null>(null);
  useEffect(() => {
    let live = true;
    const load = async () => {
      const r = await actions().run('prices.status', {}, { silent: true });
      if (live && r.ok) setRows(r.value.tokens);
    };
    void load();
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, []);
  return (
    <Panel title="Trusted prices" hint="two agreeing sources, or a marked opt-in" flush testId="prices-panel">
      {!rows ? (
        <div className="muted small">Reading the engine’s prices…</div>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th>Token</th>
              <th className="num">Price</th>
              <th>Sources</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.mint} data-testid={`price-row-${r.symbol ?? r.mint}`}>
                <td>
                  {r.symbol ?? `token ${shortAddr(r.mint)}`}{' '}
                  {r.singleSourcePrice && (
                    <span
                      className="badge warn"
                      title="Allowed to trade on one price source (no oracle): nothing cross-checks this price"
                      data-testid={`price-single-source-${r.mint}`}
                    >
                      single-source price
                    </span>
                  )}
                </td>
                <td className="num">{r.trusted ? fmtPrice(r.trusted.usd) : '—'}</td>
                <td className="small">
                  {r.trusted
                    ? `${r.trusted.sources.join(' + ')}, ${fmtDuration(r.trusted.ageMs)} old`
                    : `no trusted price: ${r.untrustedReason ?? 'no source has one'}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}
