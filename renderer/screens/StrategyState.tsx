import { Empty, Panel } from '../components/ui';
import { fmtAmount, relTime } from '../lib/format';
import type { StrategyDecision, UserStrategy } from '../state/strategy-status';

const OUTCOME_LOOK: Record<StrategyDecision['outcome'], { cls: string; word: string }> = {
  entered: { cls: 'pos', word: 'Bought' },
  exited: { cls: 'pos', word: 'Sold' },
  'no-signal': { cls: '', word: 'No signal' },
  skipped: { cls: 'warn', word: 'Skipped' },
  'warming-up': { cls: '', word: 'Warming up' },
  error: { cls: 'neg', word: 'Error' },
};

/** "14:05 UTC, 2 Jan": candles are UTC buckets, so their times are shown in UTC. */
function utc(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC, ${d.getUTCDate()} ${d.toLocaleString('en', { month: 'short', timeZone: 'UTC' })}`;
}

function value(v: number | null): string {
  if (v === null) return '—';
  return Math.abs(v) >= 1 ? fmtAmount(String(Number(v.toFixed(4))), 4) : v.toPrecision(4);
}

/** Per token: warm-up, the values the strategy decides on, its last signal and its last decision with the reason. */
export function StrategyNow({ s, now }: { s: UserStrategy | null; now: number }) {
  return (
    <Panel title="Now" hint={s ? s.headline : undefined} testId="strategy-now">
      {!s || s.tokens.length === 0 ? (
        <Empty>
          {s && !s.enabled
            ? 'The strategy is off.'
            : 'No candle evaluated yet: the state appears after the next engine cycle.'}
        </Empty>
      ) : (
        <div className="col" style={{ gap: 14 }}>
          {s.tokens.map((t) => {
            const warming = t.warmup.have < t.warmup.needed;
            const d = t.lastDecision;
            const look = OUTCOME_LOOK[d.outcome];
            return (
              <div key={t.token} className="col" style={{ gap: 6 }} data-testid={`strategy-now-${t.token}`}>
                <div className="row" style={{ gap: 8, alignItems: 'center' }}>
                  <strong>{t.token}</strong>
                  <span className="muted small">
                    {t.timeframe} candles · last closed {utc(t.lastCandleAt)}
                  </span>
                </div>
                <div className="small" data-testid={`strategy-warmup-${t.token}`}>
                  {warming ? (
                    <>
                      Warming up: {t.warmup.have} of {t.warmup.needed} candles
                      <progress max={t.warmup.needed} value={t.warmup.have} style={{ marginLeft: 8, width: 160 }} />
                    </>
                  ) : (
                    `Warmed up (${t.warmup.needed} candles)`
                  )}
                </div>
                {t.indicators && (
                  <div className="chips" data-testid={`strategy-values-${t.token}`}>
                    {Object.entries(t.indicators).map(([k, v]) => (
                      <span key={k} className="chip">
                        {k} <strong>{value(v)}</strong>
                      </span>
                    ))}
                  </div>
                )}
                <div className="small">
                  <span className="muted">Last signal: </span>
                  {t.lastSignal
                    ? `${t.lastSignal.side === 'buy' ? 'buy' : 'sell'} on the ${utc(t.lastSignal.candleAt)} candle — ${t.lastSignal.reason}`
                    : 'none yet'}
                </div>
                <div className="small" data-testid={`strategy-decision-${t.token}`}>
                  <span className="muted">Last decision: </span>
                  <span className={`badge ${look.cls}`}>
                    {d.outcome === 'skipped' ? `skipped: ${d.label}` : d.label}
                  </span>{' '}
                  {relTime(d.at, now)} — {d.message}
                </div>
                {t.lastTradeAt && <div className="small muted">Last trade {relTime(t.lastTradeAt, now)}</div>}
              </div>
            );
          })}
        </div>
      )}
    </Panel>
  );
}

/** The friend's decision log, newest first: every signal acted on or skipped, and each change of state. */
export function DecisionLog({ decisions, now }: { decisions: StrategyDecision[]; now: number }) {
  return (
    <Panel title="Decision log" hint="newest first" testId="strategy-log" flush>
      {decisions.length === 0 ? (
        <Empty>No decisions yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table dense">
            <thead>
              <tr>
                <th>When</th>
                <th>Token</th>
                <th>Candle</th>
                <th>Decision</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {decisions.map((d) => {
                const look = OUTCOME_LOOK[d.outcome];
                return (
                  <tr key={d.id} data-testid={`decision-${d.id}`} data-code={d.code}>
                    <td className="small">{relTime(d.at, now)}</td>
                    <td>{d.token}</td>
                    <td className="small muted">{utc(d.candleAt)}</td>
                    <td>
                      <span className={`badge ${look.cls}`}>
                        {look.word}
                        {d.side && d.outcome === 'skipped' ? ` ${d.side}` : ''}
                        {d.outcome === 'skipped' || d.outcome === 'error' ? `: ${d.label}` : ''}
                      </span>
                    </td>
                    <td className="small" style={{ maxWidth: 520 }}>
                      {d.message}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
