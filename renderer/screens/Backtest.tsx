import { useEffect, useMemo, useState } from 'react';
import type { CommandInput, CommandOutput } from '../../engine/api/contract';
import { entriesStoppedText } from '../../engine/api/human-text';
import { BacktestEquityChart, BacktestPriceChart } from '../charts/BacktestCharts';
import { ParamFields } from '../components/ParamFields';
import { Field, Panel, Seg, TokenChips } from '../components/ui';
import { fmtPct, fmtPrice, fmtUsd, pnlClass } from '../lib/format';
import { useJob } from '../hooks/use-job';
import { actions, useApp } from '../state/store';
import { paramInfos, parseParam, type ParamInfo } from './Strategy';

type Report = CommandOutput<'backtest.run'>['report'];
type Metrics = Report['metrics'];
type SavedSummary = CommandOutput<'backtest.list'>['runs'][number];
type OptimiseResult = CommandOutput<'backtest.optimise'>;
type OptimiseRow = OptimiseResult['rows'][number];
type Figures = OptimiseRow['inSample'];

const TOKENS = ['SOL', 'WETH', 'WBTC'];
/** The bundled history (resources/market/): 5-minute candles from December 2020 to July 2021. */
const HISTORY_FROM = '2020-12-01';
const HISTORY_TO = '2021-07-01';

const num = (x: number | null, dp = 2): string => (x === null ? '—' : x.toFixed(dp));
const dd = (x: number): string => (x === 0 ? '0 %' : `−${x.toFixed(2)} %`);
const day = (iso: string): string => iso.slice(0, 10);

/** The metrics table's rows: a label a person reads, and the figure in its unit. */
const METRIC_ROWS: [string, (m: Metrics) => string, (m: Metrics) => number | null][] = [
  ['Total return', (m) => fmtPct(m.totalReturnPct, { sign: true }), (m) => m.totalReturnPct],
  ['Buy and hold', (m) => fmtPct(m.buyHoldReturnPct, { sign: true }), (m) => m.buyHoldReturnPct],
  ['Yearly growth (CAGR)', (m) => (m.cagrPct === null ? '—' : fmtPct(m.cagrPct, { sign: true })), (m) => m.cagrPct],
  ['Largest drop (max drawdown)', (m) => dd(m.maxDrawdownPct), () => null],
  ['Sharpe ratio', (m) => num(m.sharpe), () => null],
  ['Sortino ratio', (m) => num(m.sortino), () => null],
  ['Winning trades', (m) => (m.winRatePct === null ? '—' : fmtPct(m.winRatePct, { dp: 1 })), () => null],
  ['Profit factor', (m) => num(m.profitFactor), () => null],
  ['Time in the market', (m) => fmtPct(m.exposurePct, { dp: 1 }), () => null],
  ['Trades', (m) => String(m.tradeCount), () => null],
  ['Starting capital', (m) => fmtUsd(m.startEquityUsd), () => null],
  ['Final equity', (m) => fmtUsd(m.endEquityUsd), (m) => m.endEquityUsd - m.startEquityUsd],
];

/** "25" (bps) from "0.25" (%); null when not a percentage in bounds. */
function pctToBps(text: string, maxPct: number): number | null {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > maxPct) return null;
  return Math.round(n * 100 * 100) / 100;
}

function validDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/u.test(s) && Number.isFinite(Date.parse(`${s}T00:00:00Z`));
}

function download(filename: string, mediaType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mediaType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Progress(props: { job: { progress: number } | null; label: string; onCancel: () => void; testId: string }) {
  const pct = Math.floor((props.job?.progress ?? 0) * 100);
  return (
    <div className="col" style={{ gap: 6 }} data-testid={props.testId}>
      <div className="row" style={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <span className="small">
          {props.label}… {pct} %
        </span>
        <button className="btn sm" onClick={props.onCancel} data-testid={`${props.testId}-cancel`}>
          Cancel
        </button>
      </div>
      <div className="bar" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        <span style={{ width: `${pct}%`, background: 'var(--accent)' }} />
      </div>
    </div>
  );
}

export function Backtest() {
  const strategies = useApp((s) => s.strategies);
  const [id, setId] = useState('');
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [tokens, setTokens] = useState<string[]>(['SOL']);
  const [from, setFrom] = useState('2021-01-01');
  const [to, setTo] = useState('2021-04-01');
  const [capital, setCapital] = useState('1000');
  const [fee, setFee] = useState('0.25');
  const [slippage, setSlippage] = useState('0.1');
  const [risk, setRisk] = useState<'conservative' | 'moderate' | 'aggressive'>('moderate');
  const [job, setJob] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<{ id: number | null; report: Report } | null>(null);
  const [saved, setSaved] = useState<SavedSummary[]>([]);

  useEffect(() => {
    if (!id && strategies[0]) setId(strategies[0].id);
  }, [id, strategies]);
  const strategy = strategies.find((s) => s.id === id);
  const params = useMemo(() => paramInfos(strategy), [strategy]);
  const textOf = (p: ParamInfo) =>
    texts[p.name] ?? (p.default === null || p.default === undefined ? '' : String(p.default));
  const parsed = params.map((p) => [p, parseParam(p, textOf(p))] as const);

  const capitalUsd = Number(capital);
  const feeBps = pctToBps(fee, 10);
  const slippageBps = pctToBps(slippage, 10);
  const problems: string[] = [];
  if (!strategy) problems.push('Choose a strategy.');
  if (parsed.some(([, r]) => !r.ok)) problems.push('Fix the parameters marked in red.');
  if (tokens.length === 0) problems.push('Choose at least one token.');
  if (!validDate(from) || !validDate(to)) problems.push('Give the period as two dates.');
  else if (to <= from) problems.push('The period must end after it starts.');
  if (!(capitalUsd > 0 && capitalUsd <= 100_000_000)) problems.push('Starting capital: a positive amount of dollars.');
  if (feeBps === null) problems.push('Fee: a percentage from 0 to 10.');
  if (slippageBps === null) problems.push('Slippage: a percentage from 0 to 10.');

  const paramValues = () =>
    Object.fromEntries(parsed.filter(([, r]) => r.ok).map(([p, r]) => [p.name, (r as { value: unknown }).value]));
  const base = () => ({
    strategy: id,
    tokens,
    from,
    to,
    capitalUsd,
    riskPreset: risk,
    feeBps: feeBps ?? 0,
    slippageBps: slippageBps ?? 0,
  });

  const refreshSaved = async () => {
    const r = await actions().run('backtest.list', {}, { silent: true });
    if (r.ok) setSaved(r.value.runs);
  };
  useEffect(() => void refreshSaved(), []);

  const running = useJob(job, (j) => {
    setJob(null);
    if (j.state === 'done' && j.run) {
      setShown(j.run);
      void refreshSaved();
    } else if (j.state === 'failed') setError(j.error ?? 'The backtest stopped.');
  });

  const run = async () => {
    setError(null);
    const input: CommandInput<'backtest.start'> = { ...base(), params: paramValues() };
    const r = await actions().run('backtest.start', input, { silent: true });
    if (!r.ok) return setError(r.error.message);
    setJob(r.value.job);
  };
  const cancel = async () => {
    if (job === null) return;
    await actions().run('backtest.cancel', { job }, { silent: true });
    setJob(null);
    actions().toast('info', 'Backtest cancelled');
  };
  const open = async (savedId: number) => {
    const r = await actions().run('backtest.show', { id: savedId }, { silent: true });
    if (r.ok) setShown({ id: r.value.id, report: r.value.report });
    else setError(r.error.message);
  };

  return (
    <div className="col" style={{ gap: 14 }} data-testid="backtest-screen">
      <Panel title="Backtest" hint="How a strategy would have done on past prices, with a simulated account">
        <div className="strategy-cards">
          {strategies.map((s) => (
            <button
              key={s.id}
              type="button"
              className={`preset ${id === s.id ? 'on' : ''}`}
              onClick={() => {
                setId(s.id);
                setTexts({});
              }}
              data-testid={`backtest-strategy-${s.id}`}
              aria-pressed={id === s.id}
            >
              <span className="name">{s.name}</span>
              <span className="desc">{s.description}</span>
            </button>
          ))}
        </div>
      </Panel>

      <div className="grid main-side">
        <Panel title="Parameters" hint={strategy?.name} testId="backtest-params">
          <ParamFields
            params={params}
            texts={texts}
            onChange={(name, text) => setTexts((t) => ({ ...t, [name]: text }))}
            prefix="backtest"
          />
        </Panel>
        <Panel title="Market and account" testId="backtest-setup">
          <div className="col" style={{ gap: 12 }}>
            <Field label="Tokens" help="Traded against USD, from the bundled price history.">
              <TokenChips symbols={TOKENS} chosen={tokens} onChange={setTokens} testIdPrefix="backtest-token" />
            </Field>
            <Field label="Period" help={`Prices are available from ${HISTORY_FROM} to ${HISTORY_TO}.`}>
              <div className="row" style={{ gap: 8, alignItems: 'center' }}>
                <input
                  className="input"
                  type="date"
                  value={from}
                  min={HISTORY_FROM}
                  max={HISTORY_TO}
                  onChange={(e) => setFrom(e.target.value)}
                  data-testid="backtest-from"
                />
                <span className="muted small">to</span>
                <input
                  className="input"
                  type="date"
                  value={to}
                  min={HISTORY_FROM}
                  max={HISTORY_TO}
                  onChange={(e) => setTo(e.target.value)}
                  data-testid="backtest-to"
                />
              </div>
            </Field>
            <Field label="Starting capital" help="In US dollars.">
              <div className="row" style={{ gap: 8, alignItems: 'center' }}>
                <input
                  className="input"
                  inputMode="decimal"
                  value={capital}
                  onChange={(e) => setCapital(e.target.value)}
                  data-testid="backtest-capital"
                />
                <span className="muted small">USD</span>
              </div>
            </Field>
            <div className="row" style={{ gap: 12 }}>
              <Field label="Extra fee" help="Per trade, on top of the venue's.">
                <div className="row" style={{ gap: 8, alignItems: 'center' }}>
                  <input
                    className="input"
                    inputMode="decimal"
                    value={fee}
                    onChange={(e) => setFee(e.target.value)}
                    data-testid="backtest-fee"
                  />
                  <span className="muted small">%</span>
                </div>
              </Field>
              <Field label="Slippage" help="Price lost per trade.">
                <div className="row" style={{ gap: 8, alignItems: 'center' }}>
                  <input
                    className="input"
                    inputMode="decimal"
                    value={slippage}
                    onChange={(e) => setSlippage(e.target.value)}
                    data-testid="backtest-slippage"
                  />
                  <span className="muted small">%</span>
                </div>
              </Field>
            </div>
            <Field label="Risk rules" help="The same limits a friend's account trades under.">
              <Seg
                className="block"
                value={risk}
                onChange={setRisk}
                options={[
                  { value: 'conservative', label: 'Careful' },
                  { value: 'moderate', label: 'Moderate' },
                  { value: 'aggressive', label: 'Bold' },
                ]}
              />
            </Field>
            {error && (
              <div className="callout neg small" data-testid="backtest-error">
                {error}
              </div>
            )}
            {job !== null ? (
              <Progress job={running} label="Running" onCancel={() => void cancel()} testId="backtest-progress" />
            ) : (
              <>
                {problems.length > 0 && <div className="muted small">{problems[0]}</div>}
                <button
                  className="btn primary"
                  disabled={problems.length > 0}
                  onClick={() => void run()}
                  data-testid="backtest-run"
                >
                  Run backtest
                </button>
              </>
            )}
          </div>
        </Panel>
      </div>

      {shown && <ReportView run={shown} />}

      <SavedRuns runs={saved} onOpen={(i) => void open(i)} />

      {strategy && (
        <OptimiserPanel
          strategy={strategy.id}
          strategyName={strategy.name}
          params={params}
          base={problems.length === 0 ? base() : null}
          timeframe={(paramValues()['timeframe'] as string | undefined) ?? null}
        />
      )}
    </div>
  );
}

function ReportView({ run }: { run: { id: number | null; report: Report } }) {
  const r = run.report;
  const [token, setToken] = useState(r.tokens[0] ?? '');
  useEffect(() => setToken(r.tokens[0] ?? ''), [r]);
  const exportAs = async (format: 'json' | 'csv', what: 'trades' | 'equity') => {
    if (run.id === null) return;
    const x = await actions().run('backtest.export', { id: run.id, format, what }, {});
    if (x.ok) download(x.value.filename, x.value.mediaType, x.value.content);
  };
  const m = r.metrics;
  return (
    <Panel
      title="Report"
      hint={`${r.strategy} on ${r.tokens.join(', ')} · ${day(r.from)} to ${day(r.to)} · ${fmtUsd(r.capitalUsd)} starting capital`}
      testId="backtest-report"
    >
      <div className="col" style={{ gap: 14 }}>
        <div className="kpis">
          <div className="kpi">
            <div className="label">Total return</div>
            <div className={`value ${pnlClass(m.totalReturnPct)}`} data-testid="backtest-return">
              {fmtPct(m.totalReturnPct, { sign: true })}
            </div>
            <div className="foot">buy and hold {fmtPct(m.buyHoldReturnPct, { sign: true })}</div>
          </div>
          <div className="kpi">
            <div className="label">Largest drop</div>
            <div className="value">{dd(m.maxDrawdownPct)}</div>
          </div>
          <div className="kpi">
            <div className="label">Sharpe ratio</div>
            <div className="value">{num(m.sharpe)}</div>
          </div>
          <div className="kpi">
            <div className="label">Trades</div>
            <div className="value" data-testid="backtest-trade-count">
              {m.tradeCount}
            </div>
          </div>
        </div>
        <div className="grid main-side">
          <div className="col" style={{ gap: 10 }}>
            {r.tokens.length > 1 && (
              <Seg value={token} onChange={setToken} options={r.tokens.map((t) => ({ value: t, label: t }))} />
            )}
            <BacktestPriceChart token={token} closes={r.prices[token] ?? []} trades={r.trades} />
            <BacktestEquityChart points={r.equity} />
          </div>
          <table className="table compact" data-testid="backtest-metrics">
            <tbody>
              {METRIC_ROWS.map(([label, fmt, sign]) => (
                <tr key={label}>
                  <td style={{ whiteSpace: 'nowrap' }}>{label}</td>
                  <td className={`num ${pnlClass(sign(m))}`}>{fmt(m)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {r.entriesStopped && (
          <div className="callout warn small" data-testid="backtest-entries-stopped">
            {entriesStoppedText(r.entriesStopped)}
          </div>
        )}
        {r.gaps.length > 0 && (
          <div className="callout small">
            Missing prices: {r.gaps.length} gap{r.gaps.length === 1 ? '' : 's'} in the history (no trading while a price
            is missing).
          </div>
        )}
        <div className="row" style={{ gap: 8, flexWrap: 'wrap' }}>
          <button className="btn sm" disabled={run.id === null} onClick={() => void exportAs('csv', 'trades')}>
            Download trades (CSV)
          </button>
          <button className="btn sm" disabled={run.id === null} onClick={() => void exportAs('csv', 'equity')}>
            Download equity curve (CSV)
          </button>
          <button
            className="btn sm"
            disabled={run.id === null}
            onClick={() => void exportAs('json', 'trades')}
            data-testid="backtest-export-json"
          >
            Download full report (JSON)
          </button>
        </div>
        <TradesTable trades={r.trades} />
      </div>
    </Panel>
  );
}

const TRADES_SHOWN = 200;

/** The exit monitor's reason codes in words; a strategy's reasons are already sentences. */
function reasonText(reason: string): string {
  const words: Record<string, string> = {
    stop_loss: 'Stop-loss reached',
    take_profit: 'Take-profit reached',
    trailing_stop: 'Trailing stop reached',
  };
  return words[reason] ?? reason;
}

function TradesTable({ trades }: { trades: Report['trades'] }) {
  if (trades.length === 0) return <div className="muted small">No trades in this period.</div>;
  return (
    <div className="table-wrap scroll-y" style={{ maxHeight: 360 }}>
      <table className="table compact" data-testid="backtest-trades">
        <thead>
          <tr>
            <th>Time (UTC)</th>
            <th>Token</th>
            <th>Side</th>
            <th className="num">Amount</th>
            <th className="num">Price</th>
            <th className="num">Value</th>
            <th className="num">Profit</th>
            <th>Why</th>
          </tr>
        </thead>
        <tbody>
          {trades.slice(0, TRADES_SHOWN).map((t, i) => (
            <tr key={i}>
              <td className="mono">{t.time.slice(0, 16).replace('T', ' ')}</td>
              <td>{t.token}</td>
              <td className={t.side === 'buy' ? 'pos' : 'neg'}>{t.side === 'buy' ? 'Buy' : 'Sell'}</td>
              <td className="num mono">{Number(t.amount).toLocaleString('en-US', { maximumFractionDigits: 6 })}</td>
              <td className="num mono">{fmtPrice(t.price)}</td>
              <td className="num mono">{fmtUsd(t.valueUsd)}</td>
              <td className={`num mono ${pnlClass(t.pnlUsd)}`}>
                {t.pnlUsd === null ? '' : fmtUsd(t.pnlUsd, { sign: true })}
              </td>
              <td className="small">{reasonText(t.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {trades.length > TRADES_SHOWN && (
        <div className="muted small">
          The first {TRADES_SHOWN} of {trades.length} trades; download the CSV for all of them.
        </div>
      )}
    </div>
  );
}

function SavedRuns(props: { runs: SavedSummary[]; onOpen: (id: number) => void }) {
  const strategies = useApp((s) => s.strategies);
  const infosOf = (id: string) => paramInfos(strategies.find((s) => s.id === id));
  const [picked, setPicked] = useState<number[]>([]);
  const compared = props.runs.filter((r) => picked.includes(r.id));
  return (
    <Panel title="Saved runs" hint="Tick two or more to compare them side by side" testId="backtest-saved">
      {props.runs.length === 0 ? (
        <div className="muted small">No saved runs yet: each backtest you run is kept here.</div>
      ) : (
        <div className="col" style={{ gap: 12 }}>
          <div className="table-wrap">
            <table className="table compact">
              <thead>
                <tr>
                  <th />
                  <th>Run</th>
                  <th>Period</th>
                  <th className="num">Return</th>
                  <th className="num">Largest drop</th>
                  <th className="num">Sharpe</th>
                  <th className="num">Trades</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {[...props.runs].reverse().map((r) => (
                  <tr key={r.id} data-testid={`backtest-saved-${r.id}`}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Compare run ${r.id}`}
                        checked={picked.includes(r.id)}
                        onChange={(e) =>
                          setPicked((p) => (e.target.checked ? [...p, r.id] : p.filter((x) => x !== r.id)))
                        }
                        data-testid={`backtest-compare-${r.id}`}
                      />
                    </td>
                    <td>
                      <b>#{r.id}</b> {r.name}
                    </td>
                    <td className="small">
                      {day(r.from)} to {day(r.to)}
                    </td>
                    <td className={`num ${pnlClass(r.metrics.totalReturnPct)}`}>
                      {fmtPct(r.metrics.totalReturnPct, { sign: true })}
                    </td>
                    <td className="num">{dd(r.metrics.maxDrawdownPct)}</td>
                    <td className="num">{num(r.metrics.sharpe)}</td>
                    <td className="num">{r.metrics.tradeCount}</td>
                    <td>
                      <button className="btn sm ghost" onClick={() => props.onOpen(r.id)}>
                        Open
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {compared.length >= 2 && (
            <div className="table-wrap">
              <table className="table compact" data-testid="backtest-comparison">
                <thead>
                  <tr>
                    <th />
                    {compared.map((r) => (
                      <th key={r.id} className="num">
                        Run #{r.id}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  <tr>
                    <td>Strategy</td>
                    {compared.map((r) => (
                      <td key={r.id} className="num">
                        {strategies.find((s) => s.id === r.strategy)?.name ?? r.strategy} on {r.tokens.join(', ')}
                      </td>
                    ))}
                  </tr>
                  <tr>
                    <td>Period</td>
                    {compared.map((r) => (
                      <td key={r.id} className="num small">
                        {day(r.from)} to {day(r.to)}
                      </td>
                    ))}
                  </tr>
                  <tr>
                    <td>Settings</td>
                    {compared.map((r) => (
                      <td key={r.id} className="num small" style={{ whiteSpace: 'normal', maxWidth: 360 }}>
                        {describeSet(r.params, infosOf(r.strategy))}
                      </td>
                    ))}
                  </tr>
                  {METRIC_ROWS.map(([label, fmt, sign]) => (
                    <tr key={label}>
                      <td style={{ whiteSpace: 'nowrap' }}>{label}</td>
                      {compared.map((r) => (
                        <td key={r.id} className={`num ${pnlClass(sign(r.metrics))}`}>
                          {fmt(r.metrics)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </Panel>
  );
}

type SortKey = 'is-return' | 'is-sharpe' | 'oos-return' | 'oos-sharpe' | 'oos-drawdown';
const SORTS: { key: SortKey; label: string; of: (r: OptimiseRow) => number | null; low?: boolean }[] = [
  { key: 'is-return', label: 'Training return', of: (r) => r.inSample.totalReturnPct },
  { key: 'is-sharpe', label: 'Training Sharpe', of: (r) => r.inSample.sharpe },
  { key: 'oos-return', label: 'Test return', of: (r) => r.outOfSample.totalReturnPct },
  { key: 'oos-sharpe', label: 'Test Sharpe', of: (r) => r.outOfSample.sharpe },
  { key: 'oos-drawdown', label: 'Test largest drop', of: (r) => r.outOfSample.maxDrawdownPct, low: true },
];

/** "Fast average 9 candles, take profit 3 R": a parameter set in the strategy's own words. */
function describeSet(set: Record<string, unknown>, params: readonly ParamInfo[]): string {
  return params
    .filter((p) => set[p.name] !== undefined)
    .map((p) => {
      const v = set[p.name];
      if (v === null) return `${p.label ?? p.name} off`;
      if (typeof v === 'boolean') return `${p.label ?? p.name} ${v ? 'on' : 'off'}`;
      const i = p.options?.indexOf(String(v)) ?? -1;
      const shown = i >= 0 && p.optionLabels?.[i] ? p.optionLabels[i] : String(v);
      return `${p.label ?? p.name} ${shown}${p.unit ? (p.unit === '%' ? ' %' : ` ${p.unit}`) : ''}`;
    })
    .join(', ');
}

function OptimiserPanel(props: {
  strategy: string;
  strategyName: string;
  params: readonly ParamInfo[];
  base: Omit<CommandInput<'backtest.start'>, 'params'> | null;
  /** The timeframe chosen in the form: held fixed while the other settings vary. */
  timeframe: string | null;
}) {
  const users = useApp((s) => s.users);
  const [method, setMethod] = useState<'random' | 'grid'>('random');
  const [samples, setSamples] = useState('30');
  const [trainPct, setTrainPct] = useState('70');
  const [job, setJob] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<OptimiseResult | null>(null);
  const [sort, setSort] = useState<SortKey>('oos-sharpe');
  const [friend, setFriend] = useState<number | null>(null);
  useEffect(() => setResult(null), [props.strategy]);
  useEffect(() => {
    if (friend === null && users[0]) setFriend(users[0].id);
  }, [friend, users]);

  const n = Number(samples);
  const train = Number(trainPct);
  const problem = !props.base
    ? 'Fix the backtest settings above first.'
    : !(Number.isInteger(n) && n >= 1 && n <= 2000)
      ? 'Sets to try: a whole number from 1 to 2,000.'
      : !(train >= 10 && train <= 90)
        ? 'Training share: from 10 to 90 %.'
        : null;

  const running = useJob(job, (j) => {
    setJob(null);
    if (j.state === 'done' && j.optimise) setResult(j.optimise);
    else if (j.state === 'failed') setError(j.error ?? 'The optimisation stopped.');
  });
  const start = async () => {
    if (!props.base) return;
    setError(null);
    const { tokens, from, to, capitalUsd, riskPreset, feeBps, slippageBps } = props.base;
    const r = await actions().run(
      'backtest.optimiseStart',
      {
        strategy: props.strategy,
        tokens,
        from,
        to,
        capitalUsd,
        riskPreset,
        feeBps,
        slippageBps,
        method,
        samples: n,
        steps: 3,
        trainPct: train,
        workers: 2,
        top: 50,
        params: {},
        ...(props.timeframe && ['1m', '5m', '15m', '1h'].includes(props.timeframe)
          ? { timeframe: props.timeframe as '1m' | '5m' | '15m' | '1h' }
          : {}),
      },
      { silent: true },
    );
    if (!r.ok) return setError(r.error.message);
    setJob(r.value.job);
  };
  const cancel = async () => {
    if (job === null) return;
    await actions().run('backtest.cancel', { job }, { silent: true });
    setJob(null);
  };

  const rows = useMemo(() => {
    if (!result) return [];
    const s = SORTS.find((x) => x.key === sort)!;
    return [...result.rows].sort((a, b) => {
      const va = s.of(a);
      const vb = s.of(b);
      if (va === null) return vb === null ? 0 : 1;
      if (vb === null) return -1;
      return s.low ? va - vb : vb - va;
    });
  }, [result, sort]);

  const apply = async (row: OptimiseRow) => {
    const user = users.find((u) => u.id === friend);
    if (!user || !result) return;
    const current = await actions().run('settings.get', { user: user.id }, { silent: true });
    if (!current.ok) return setError(current.error.message);
    const strat = current.value.settings['strategy'] as { enabled?: boolean } | undefined;
    const r = await actions().run(
      'strategy.set',
      {
        user: user.id,
        strategy: props.strategy,
        params: row.params,
        tokens: result.tokens,
        enabled: strat?.enabled ?? false,
        expectedVersion: current.value.version,
      },
      {
        confirm: {
          title: `Use these settings for ${user.name}?`,
          body: `${user.name}'s strategy becomes ${props.strategyName} on ${result.tokens.join(', ')} with ${describeSet(row.params, props.params)}. It applies from the next cycle${strat?.enabled ? '' : ' once the strategy is switched on'}; the settings get a new version (now ${current.value.version}).`,
          confirmLabel: 'Apply',
        },
        success: `${user.name}'s strategy updated`,
      },
    );
    if (r.ok) await actions().refreshSettings(user.id);
  };

  const fig = (f: Figures, what: 'return' | 'sharpe' | 'drawdown' | 'trades') =>
    what === 'return'
      ? fmtPct(f.totalReturnPct, { sign: true })
      : what === 'sharpe'
        ? num(f.sharpe)
        : what === 'drawdown'
          ? dd(f.maxDrawdownPct)
          : String(f.tradeCount);

  return (
    <Panel
      title="Optimiser"
      hint="Tries many settings on the first part of the period (training) and checks them on the rest (test)"
      testId="backtest-optimiser"
    >
      <div className="col" style={{ gap: 12 }}>
        <div className="row" style={{ gap: 12, flexWrap: 'wrap', alignItems: 'flex-end' }}>
          <Field
            label="Search"
            help={
              method === 'grid'
                ? 'Evenly spaced values of each setting.'
                : 'Random values within each setting’s bounds.'
            }
          >
            <Seg
              value={method}
              onChange={setMethod}
              options={[
                { value: 'random', label: 'Random' },
                { value: 'grid', label: 'Grid' },
              ]}
            />
          </Field>
          <Field label="Sets to try" help="At most this many.">
            <input
              className="input"
              inputMode="numeric"
              value={samples}
              onChange={(e) => setSamples(e.target.value)}
              data-testid="optimise-samples"
            />
          </Field>
          <Field label="Training share" help="The rest of the period is the test.">
            <div className="row" style={{ gap: 8, alignItems: 'center' }}>
              <input
                className="input"
                inputMode="numeric"
                value={trainPct}
                onChange={(e) => setTrainPct(e.target.value)}
              />
              <span className="muted small">%</span>
            </div>
          </Field>
        </div>
        {error && <div className="callout neg small">{error}</div>}
        {job !== null ? (
          <Progress job={running} label="Optimising" onCancel={() => void cancel()} testId="optimise-progress" />
        ) : (
          <div className="row" style={{ gap: 8, alignItems: 'center' }}>
            <button className="btn" disabled={problem !== null} onClick={() => void start()} data-testid="optimise-run">
              Run optimiser
            </button>
            {problem && <span className="muted small">{problem}</span>}
          </div>
        )}
        {result && (
          <>
            <div className="row" style={{ gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
              <span className="small muted">
                {result.tried} sets tried · training {day(result.from)} to {day(result.split)} · test{' '}
                {day(result.split)} to {day(result.to)}
              </span>
              <span style={{ flex: 1 }} />
              <label className="small">
                Apply to{' '}
                <select
                  className="select"
                  value={friend ?? ''}
                  onChange={(e) => setFriend(Number(e.target.value))}
                  data-testid="optimise-friend"
                >
                  {users.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <div className="table-wrap">
              <table className="table compact" data-testid="optimise-results">
                <thead>
                  <tr>
                    <th>Settings</th>
                    {SORTS.map((s) => (
                      <th key={s.key} className="num">
                        <button
                          className="btn sm ghost"
                          onClick={() => setSort(s.key)}
                          aria-pressed={sort === s.key}
                          data-testid={`optimise-sort-${s.key}`}
                        >
                          {s.label}
                          {sort === s.key ? (s.low ? ' ▲' : ' ▼') : ''}
                        </button>
                      </th>
                    ))}
                    <th className="num">Trades</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row, i) => (
                    <tr key={i}>
                      <td className="small" style={{ minWidth: 240, whiteSpace: 'normal' }}>
                        {describeSet(row.params, props.params)}
                      </td>
                      <td className={`num ${pnlClass(row.inSample.totalReturnPct)}`}>{fig(row.inSample, 'return')}</td>
                      <td className="num">{fig(row.inSample, 'sharpe')}</td>
                      <td className={`num ${pnlClass(row.outOfSample.totalReturnPct)}`}>
                        {fig(row.outOfSample, 'return')}
                      </td>
                      <td className="num">{fig(row.outOfSample, 'sharpe')}</td>
                      <td className="num">{fig(row.outOfSample, 'drawdown')}</td>
                      <td className="num">
                        {row.inSample.tradeCount} / {row.outOfSample.tradeCount}
                      </td>
                      <td>
                        <button
                          className="btn sm"
                          disabled={friend === null}
                          onClick={() => void apply(row)}
                          data-testid={`optimise-apply-${i}`}
                        >
                          Apply to friend
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
    </Panel>
  );
}
