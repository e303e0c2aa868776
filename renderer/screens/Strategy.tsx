import { useEffect, useMemo, useState } from 'react';
import { Field, Panel, Seg, TokenChips, useNow, escapeDiscards } from '../components/ui';
import { PasteMint } from '../components/TokenDialog';
import { useStrategyStatus } from '../state/strategy-status';
import { DecisionLog, StrategyNow } from './StrategyState';
import { actions, useApp } from '../state/store';
import type { Strategy } from '../state/types';
import { CopyPanel } from './CopyPanel';
import { ParamFields } from '../components/ParamFields';

/** One strategy parameter as strategy.list describes it (engine/strategy/params.ts ParamInfo). */
export interface ParamInfo {
  name: string;
  /** Human name; older engines sent none, so the key stands in. */
  label?: string;
  unit?: string;
  help?: string;
  /** What "off" means, for an optional parameter. */
  offHelp?: string;
  type: 'integer' | 'number' | 'boolean' | 'string';
  description: string;
  default: unknown;
  min?: number;
  max?: number;
  options?: string[];
  optionLabels?: string[];
  nullable: boolean;
}

/** " candles", "%", "": what follows a number of this parameter. */
function unitSuffix(p: ParamInfo): string {
  return p.unit ? (p.unit === '%' ? '%' : ` ${p.unit}`) : '';
}

const num = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 0.001 ? 12 : 6 });

export function paramInfos(s: Strategy | undefined): ParamInfo[] {
  return (s?.params ?? []).filter(
    (p): p is ParamInfo & Record<string, unknown> => typeof p['name'] === 'string',
  ) as unknown as ParamInfo[];
}

/** Parses a parameter's text as the engine expects it; returns the value or an error a person can act on. */
export function parseParam(p: ParamInfo, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const t = text.trim();
  if (p.type === 'boolean') return { ok: true, value: t === 'true' };
  if (p.options)
    return p.options.includes(t) ? { ok: true, value: t } : { ok: false, error: `One of ${p.options.join(', ')}` };
  if (p.type === 'string') return { ok: true, value: t };
  if (t === '') return p.nullable ? { ok: true, value: null } : { ok: false, error: 'Enter a value' };
  const n = Number(t);
  if (!Number.isFinite(n)) return { ok: false, error: 'A number' };
  if (p.type === 'integer' && !Number.isInteger(n)) return { ok: false, error: 'A whole number' };
  if (p.min !== undefined && n < p.min) return { ok: false, error: `At least ${num(p.min)}${unitSuffix(p)}` };
  if (p.max !== undefined && n > p.max) return { ok: false, error: `At most ${num(p.max)}${unitSuffix(p)}` };
  return { ok: true, value: n };
}

/** "2 – 150 candles": the bounds in the parameter's unit (choices and switches need none). */
export function rangeText(p: ParamInfo): string {
  if (p.options || p.type === 'boolean') return '';
  const u = unitSuffix(p);
  if (p.min !== undefined && p.max !== undefined) return `${num(p.min)} – ${num(p.max)}${u}`;
  if (p.min !== undefined) return `at least ${num(p.min)}${u}`;
  if (p.max !== undefined) return `at most ${num(p.max)}${u}`;
  return '';
}

/** The help line under a field: what it does, its bounds, and for an optional one what off means. */
export function helpText(p: ParamInfo, off: boolean): string {
  const help = p.help ?? p.description;
  if (p.nullable && off) return p.offHelp ? `Off: ${p.offHelp}` : 'Off.';
  const range = rangeText(p);
  return range ? `${help} (${range})` : help;
}

const TOKENS = ['SOL', 'WETH', 'WBTC'];

interface StrategySettings {
  enabled: boolean;
  id: string;
  params: Record<string, unknown>;
  tokens: string[];
}

export function StrategyTab({ userId }: { userId: number }) {
  const strategies = useApp((s) => s.strategies);
  const settings = useApp((s) => s.settings[userId]);
  const current = (settings?.settings['strategy'] as StrategySettings | undefined) ?? null;
  const currentMode = settings?.settings['mode'] === 'live' ? 'live' : 'paper';

  const [id, setId] = useState<string>('');
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [tokens, setTokens] = useState<string[]>(['SOL']);
  const [mode, setMode] = useState<'paper' | 'live'>('paper');
  const [enabled, setEnabled] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const { status, reload } = useStrategyStatus(userId);
  const live = status?.users[0] ?? null;
  const now = useNow(15_000);

  // Start from what is stored whenever it changes (after a save, or another window's change), and on Escape.
  const restore = () => {
    if (!current) return;
    setId(current.id);
    setTokens(current.tokens);
    setEnabled(current.enabled);
    setMode(currentMode);
    setTexts(Object.fromEntries(Object.entries(current.params).map(([k, v]) => [k, v === null ? '' : String(v)])));
    setError(null);
  };
  useEffect(restore, [settings?.version]);

  const strategy = strategies.find((s) => s.id === id);
  const params = useMemo(() => paramInfos(strategy), [strategy]);
  const textOf = (p: ParamInfo) =>
    texts[p.name] ?? (p.default === null || p.default === undefined ? '' : String(p.default));
  const parsed = params.map((p) => [p, parseParam(p, textOf(p))] as const);
  const invalid = parsed.some(([, r]) => !r.ok);

  const pick = (sid: string) => {
    setId(sid);
    setTexts(
      sid === current?.id
        ? Object.fromEntries(Object.entries(current.params).map(([k, v]) => [k, v === null ? '' : String(v)]))
        : {},
    );
    setError(null);
  };

  const onSandbox = useApp((st) => st.network?.network === 'sandbox');
  const save = async () => {
    if (!settings) return;
    // Going live is confirmed by the transport (the host's confirmation step, or the desktop's
    // native dialog) with this text, and the engine refuses it without `confirm`: mode is sent
    // only when it changes, so saving a live friend's parameters asks nothing.
    const goLive = mode === 'live' && currentMode !== 'live';
    const confirm = goLive
      ? {
          title: onSandbox ? 'Trade live on the sandbox?' : 'Trade with real funds?',
          body: onSandbox
            ? 'In live mode this friend’s orders are real swaps on the sandbox chain, with play money. Paper mode simulates fills at the feed price instead.'
            : 'In live mode this friend’s orders are real swaps from their wallet. Paper mode simulates fills at the live price instead.',
          confirmLabel: 'Go live',
          danger: true,
        }
      : undefined;
    setSaving(true);
    setError(null);
    const values = Object.fromEntries(
      parsed.filter(([, r]) => r.ok).map(([p, r]) => [p.name, (r as { value: unknown }).value]),
    );
    const r = await actions().run(
      'strategy.set',
      {
        user: userId,
        strategy: id,
        params: values,
        tokens,
        ...(mode !== currentMode ? { mode } : {}),
        ...(goLive ? { confirm: true } : {}),
        enabled,
        expectedVersion: settings.version,
      },
      { silent: true, success: 'Strategy saved — applies from the next cycle', ...(confirm ? { confirm } : {}) },
    );
    setSaving(false);
    if (!r.ok) return r.cancelled ? undefined : setError(r.error.message);
    // A switch paper ↔ live: say where the open positions and each account's history stay.
    if (r.value.notice) actions().toast('info', 'Mode switched', r.value.notice);
    await actions().refreshSettings(userId);
    await reload();
  };

  if (!settings) return <div className="muted">Loading settings…</div>;

  return (
    <div className="col" style={{ gap: 14 }} data-testid="strategy-tab" onKeyDown={escapeDiscards(restore)}>
      <Panel
        title="Strategy"
        hint={
          current
            ? `${current.enabled ? (live?.headline ?? 'on') : 'saved, not running'}: ${current.id} · ${currentMode}`
            : undefined
        }
      >
        <div className="strategy-cards">
          {strategies.map((s) => (
            <button
              key={s.id}
              type="button"
              className={`preset ${id === s.id ? 'on' : ''}`}
              onClick={() => pick(s.id)}
              data-testid={`strategy-${s.id}`}
              aria-pressed={id === s.id}
            >
              <span className="name">
                {s.name}
                {current?.id === s.id && (
                  <span className={`badge ${current.enabled ? 'pos' : ''}`}>{current.enabled ? 'on' : 'selected'}</span>
                )}
              </span>
              <span className="desc">{s.description}</span>
            </button>
          ))}
          {strategies.length === 0 && <div className="muted">The engine lists no strategies.</div>}
        </div>
      </Panel>

      <StrategyNow s={live} now={now} />

      <div className="grid main-side">
        <Panel title="Parameters" hint={strategy ? strategy.name : undefined} testId="strategy-params">
          <ParamFields
            params={params}
            texts={texts}
            onChange={(name, text) => setTexts((t) => ({ ...t, [name]: text }))}
            prefix="strategy"
          />
        </Panel>

        <Panel title="Run" testId="strategy-run">
          <div className="col" style={{ gap: 14 }}>
            <Field label="Tokens" help="The strategy trades these (1–10).">
              <TokenChips
                symbols={[...new Set([...TOKENS, ...tokens])]}
                chosen={tokens}
                onChange={setTokens}
                testIdPrefix="strategy-token"
              />
              <PasteMint
                testIdPrefix="strategy"
                onToken={(t) => setTokens((ts) => (ts.includes(t.symbol) ? ts : [...ts, t.symbol]))}
              />
            </Field>
            <Field
              label="Mode"
              help={
                mode === 'paper'
                  ? 'Simulated fills at the live price in the paper account (its own starting capital, see Wallet); no funds move.'
                  : 'Real swaps from this friend’s on-chain wallet. Each account keeps its own positions and history.'
              }
            >
              <Seg
                className="block"
                value={mode}
                onChange={setMode}
                options={[
                  { value: 'paper', label: 'Paper', testId: 'strategy-mode-paper' },
                  { value: 'live', label: 'Live', testId: 'strategy-mode-live' },
                ]}
              />
            </Field>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={enabled}
                onChange={(e) => setEnabled(e.target.checked)}
                data-testid="strategy-enabled"
              />
              Run this strategy automatically
            </label>
            {error && (
              <div className="callout neg small" data-testid="strategy-error">
                {error}
              </div>
            )}
            <button
              className="btn primary"
              disabled={saving || invalid || !id || tokens.length === 0}
              onClick={() => void save()}
              data-testid="strategy-save"
            >
              {saving ? 'Saving…' : 'Save strategy'}
            </button>
          </div>
        </Panel>
      </div>
      <CopyPanel userId={userId} />

      <DecisionLog decisions={live?.recent ?? []} now={now} />
    </div>
  );
}
