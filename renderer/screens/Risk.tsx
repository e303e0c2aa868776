import { useCallback, useEffect, useMemo, useState } from 'react';
import { Field, Panel, escapeDiscards } from '../components/ui';
import { fromBaseUnits } from '../lib/format';
import { HARD_BOUNDS } from '../../engine/api/human-text';
import { hasCommand } from '../client/commands';
import { actions, useApp } from '../state/store';
import type { CommandOutput } from '../../engine/api/contract';

type LimitsView = CommandOutput<'risk.limits'>;
type PresetName = 'conservative' | 'moderate' | 'aggressive';

const PRESETS: { id: PresetName | 'custom'; name: string; desc: string }[] = [
  {
    id: 'conservative',
    name: 'Conservative',
    desc: 'Small positions, a tight daily loss limit, long pauses after losses.',
  },
  { id: 'moderate', name: 'Moderate', desc: 'The default: balanced position sizes and loss limits.' },
  { id: 'aggressive', name: 'Aggressive', desc: 'Larger positions and wider limits. More risk, more swings.' },
  { id: 'custom', name: 'Custom', desc: 'Your own values, each inside the engine’s hard bounds.' },
];

interface LimitField {
  key: string;
  label: string;
  unit: string;
  int?: boolean;
  help?: string;
}

/** Every risk limit, by its dotted key under `risk` (settings.set risk.KEY). */
export const LIMIT_FIELDS: LimitField[] = [
  { key: 'maxPositionPctEquity', label: 'Max position', unit: '% equity' },
  { key: 'maxPositionUsd', label: 'Max position', unit: 'USD' },
  { key: 'maxConcurrentPositions', label: 'Max open positions', unit: 'positions', int: true },
  {
    key: 'maxExposurePct',
    label: 'Max exposure',
    unit: '% equity',
    help: 'All open positions together, after an entry; entries are sized to the room left.',
  },
  { key: 'minOrderUsd', label: 'Min order', unit: 'USD' },
  { key: 'maxOrderUsd', label: 'Max order', unit: 'USD' },
  { key: 'maxTradesPerDay', label: 'Entries per day', unit: 'entries', int: true },
  { key: 'maxDailyLossPct', label: 'Daily loss limit', unit: '%', help: 'No entries until the next UTC day once hit.' },
  { key: 'maxDailyLossUsd', label: 'Daily loss limit', unit: 'USD' },
  {
    key: 'maxDrawdownPct',
    label: 'Max drawdown',
    unit: '%',
    help: 'From the equity high-water mark; pauses until you resume.',
  },
  { key: 'lossStreak.losses', label: 'Loss streak', unit: 'losses', int: true },
  { key: 'lossStreak.windowMinutes', label: 'Loss streak window', unit: 'min', int: true },
  { key: 'lossStreak.pauseMinutes', label: 'Pause after streak', unit: 'min', int: true },
  { key: 'cooldownMinutes', label: 'Cooldown after a close', unit: 'min', int: true },
];

function getPath(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const p of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[p];
  }
  return node;
}

/** Client-side check before a round trip: a number, whole where it must be, not negative. */
export function checkLimitInput(text: string, int: boolean, key?: string): string | null {
  const t = text.trim();
  if (t === '') return 'Enter a value';
  if (!/^\d+(\.\d+)?$/u.test(t)) return 'A non-negative number';
  if (int && !/^\d+$/u.test(t)) return 'A whole number';
  const bounds = key ? boundsOf(key) : null;
  if (bounds) {
    const n = Number(t);
    const unit = LIMIT_FIELDS.find((f) => f.key === key)?.unit ?? '';
    const show = (v: number) =>
      unit === 'USD' ? `$${v.toLocaleString('en-US')}` : `${v.toLocaleString('en-US')} ${unit}`;
    if (n < bounds[0]) return `At least ${show(bounds[0])}`;
    if (n > bounds[1]) return `At most ${show(bounds[1])}`;
  }
  return null;
}

/** The engine's hard bounds of a limit ("lossStreak.losses" is bounded as lossStreakLosses). */
function boundsOf(key: string): readonly [number, number] | null {
  const flat = key.replace(/\.(\w)/gu, (_, c: string) => c.toUpperCase());
  return (HARD_BOUNDS as Record<string, readonly [number, number]>)[flat] ?? null;
}

/** "Invalid value for risk.maxDailyLossPct: maxDailyLossPct: maxDailyLossPct must be at most 50" -> "must be at most 50". */
export function fieldMessage(message: string, key: string): string {
  const leaf = key.split('.').pop() ?? key;
  let m = message.replace(/^Invalid value for [\w.]+:\s*/u, '');
  m = m.replace(new RegExp(`^(?:[\\w.]*${leaf}:\\s*)+`, 'u'), '');
  m = m.replace(new RegExp(`^${leaf}\\s+`, 'u'), '');
  return m.charAt(0).toUpperCase() + m.slice(1);
}

export function RiskTab({ userId }: { userId: number }) {
  const settings = useApp((s) => s.settings[userId]);
  const [view, setView] = useState<LimitsView | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const canLimits = hasCommand('risk.limits');

  const load = useCallback(async () => {
    if (!canLimits) return;
    try {
      const r = await actions().client.call('risk.limits', { user: userId });
      setView(r);
    } catch {
      setView(null);
    }
  }, [userId, canLimits]);

  useEffect(() => {
    void load();
  }, [load, settings?.version]);

  // The values in force: risk.limits when the engine has it, else what settings hold.
  const limits = useMemo<Record<string, unknown> | null>(() => {
    if (view) return view.limits as unknown as Record<string, unknown>;
    const risk = settings?.settings['risk'];
    return typeof risk === 'object' && risk !== null ? (risk as Record<string, unknown>) : null;
  }, [view, settings]);
  const preset =
    view?.preset ??
    ((settings?.settings['risk'] as { preset?: string } | undefined)?.preset as string | undefined) ??
    'moderate';

  const valueOf = (key: string): string => {
    if (key in draft) return draft[key]!;
    const v = getPath(limits, key);
    return v === undefined || v === null ? '' : String(v);
  };
  const dirty = Object.keys(draft).filter((k) => draft[k] !== String(getPath(limits, k) ?? ''));
  // Save stays off while any edited field is invalid: the form says what is wrong before anything is sent.
  const invalid = dirty.filter((k) => {
    const f = LIMIT_FIELDS.find((x) => x.key === k);
    return f ? checkLimitInput(draft[k]!, !!f.int, f.key) !== null : false;
  });

  const applyPreset = async (name: PresetName) => {
    const r = hasCommand('risk.preset')
      ? await actions().run('risk.preset', { user: userId, preset: name }, { success: `${cap(name)} preset applied` })
      : await actions().run(
          'settings.set',
          { user: userId, key: 'risk.preset', value: name },
          { success: `${cap(name)} preset applied` },
        );
    if (r.ok) {
      setDraft({});
      setErrors({});
      await actions().refreshSettings(userId);
      await load();
    }
  };

  const save = async () => {
    const clientErrors: Record<string, string> = {};
    for (const k of dirty) {
      const f = LIMIT_FIELDS.find((x) => x.key === k);
      const e = f ? checkLimitInput(draft[k]!, !!f.int, f.key) : null;
      if (e) clientErrors[k] = e;
    }
    if (Object.keys(clientErrors).length) return setErrors(clientErrors);
    setSaving(true);
    const serverErrors: Record<string, string> = {};
    for (const k of dirty) {
      const value = k === 'stopLossRequired' ? draft[k]! : String(Number(draft[k]));
      const r = await actions().run('settings.set', { user: userId, key: `risk.${k}`, value }, { silent: true });
      if (!r.ok) serverErrors[k] = fieldMessage(r.error.message, k);
    }
    setSaving(false);
    await actions().refreshSettings(userId);
    await load();
    setErrors(serverErrors);
    setDraft(Object.fromEntries(Object.keys(serverErrors).map((k) => [k, draft[k]!])));
    if (Object.keys(serverErrors).length === 0)
      actions().toast('success', 'Risk limits saved', 'They apply from the next order.');
  };

  const fromGlobal = new Set(view?.fromGlobal ?? []);
  const effective = view?.effective as unknown as Record<string, unknown> | undefined;

  return (
    <div className="col" style={{ gap: 14 }} data-testid="risk-tab">
      <Panel title="Risk preset" hint={`current: ${preset}`}>
        <div className="presets">
          {PRESETS.map((p) => (
            <button
              key={p.id}
              type="button"
              className={`preset ${preset === p.id ? 'on' : ''}`}
              data-testid={`risk-preset-${p.id}`}
              aria-pressed={preset === p.id}
              onClick={() =>
                p.id === 'custom'
                  ? document.getElementById('risk-limits')?.scrollIntoView({ behavior: 'smooth' })
                  : void applyPreset(p.id)
              }
            >
              <span className="name">
                {p.name}
                {preset === p.id && <span className="badge accent">in use</span>}
              </span>
              <span className="desc">{p.desc}</span>
            </button>
          ))}
        </div>
      </Panel>

      <Panel
        title="Limits"
        hint={preset === 'custom' ? 'custom values' : `values of the ${preset} preset — editing one switches to custom`}
        testId="risk-limits"
        actions={
          <div className="row">
            {dirty.length > 0 && (
              <button className="btn sm ghost" onClick={() => (setDraft({}), setErrors({}))} data-testid="risk-reset">
                Discard
              </button>
            )}
            <button
              className="btn sm primary"
              disabled={dirty.length === 0 || invalid.length > 0 || saving}
              title={invalid.length ? `Fix ${invalid.length} field(s) first` : undefined}
              onClick={() => void save()}
              data-testid="risk-save"
            >
              {saving ? 'Saving…' : `Save${dirty.length ? ` (${dirty.length})` : ''}`}
            </button>
          </div>
        }
      >
        <div id="risk-limits" />
        {!limits ? (
          <div className="muted small">
            The engine applies the {preset} preset. {canLimits ? 'Loading values…' : ''}
          </div>
        ) : (
          <div
            className="limits"
            data-testid="risk-form"
            onKeyDown={escapeDiscards(() => (setDraft({}), setErrors({})))}
          >
            {LIMIT_FIELDS.map((f) => {
              const err = errors[f.key] ?? (f.key in draft ? checkLimitInput(draft[f.key]!, !!f.int, f.key) : null);
              const eff = effective ? getPath(effective, f.key) : undefined;
              const capped = fromGlobal.has(f.key.split('.')[0]!);
              return (
                <Field
                  key={f.key}
                  label={f.label}
                  error={err}
                  help={capped ? `Capped to ${String(eff)} by a global limit` : f.help}
                  testId={`risk-field-${f.key}`}
                >
                  <div className="input-group">
                    <input
                      className={`input ${err ? 'invalid' : ''}`}
                      value={valueOf(f.key)}
                      inputMode="decimal"
                      data-testid={`risk-input-${f.key}`}
                      onChange={(e) => {
                        const v = e.target.value;
                        setDraft((d) => ({ ...d, [f.key]: v }));
                        setErrors((x) => {
                          const n = { ...x };
                          delete n[f.key];
                          return n;
                        });
                      }}
                    />
                    <span className="addon">{f.unit}</span>
                  </div>
                </Field>
              );
            })}
            <Field
              label="Stop-loss on every entry"
              help={
                fromGlobal.has('stopLossRequired')
                  ? 'Required by a global limit'
                  : 'Entries must name a stop below the price'
              }
            >
              <label className="checkbox" style={{ height: 32 }}>
                <input
                  type="checkbox"
                  checked={valueOf('stopLossRequired') === 'true'}
                  data-testid="risk-input-stopLossRequired"
                  onChange={(e) => setDraft((d) => ({ ...d, stopLossRequired: String(e.target.checked) }))}
                />
                Required
              </label>
            </Field>
          </div>
        )}
      </Panel>

      <ExecutionSettings userId={userId} />
    </div>
  );
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

const EXEC_FIELDS: {
  key: string;
  label: string;
  unit: string;
  help: string;
  toText?: (v: unknown) => string;
  toValue?: (t: string) => string;
}[] = [
  { key: 'slippageBps', label: 'Default slippage', unit: 'bps', help: '100 bps = 1 %' },
  {
    key: 'maxPriceImpactBps',
    label: 'Max price impact',
    unit: 'bps',
    help: 'Quotes moving the price more are refused',
  },
  {
    key: 'breakerFailures',
    label: 'Breaker after',
    unit: 'failures',
    help: 'Consecutive failed orders that pause this friend',
  },
  {
    key: 'minTradingBalanceLamports',
    label: 'Trading minimum',
    unit: 'SOL',
    help: 'Below this SOL balance the engine does not trade',
    toText: (v) => fromBaseUnits(String(v), 9),
    toValue: (t) => JSON.stringify(toLamports(t)),
  },
  // Landing control (issue #14): read and saved as landing.KEY.
  {
    key: 'landing.customMicroLamports',
    label: 'Custom priority price',
    unit: 'µlamports/CU',
    help: 'Used when the priority level is custom',
  },
  {
    key: 'landing.maxPriorityFeeSol',
    label: 'Priority fee cap',
    unit: 'SOL',
    help: 'The most one swap pays to be prioritised',
    toValue: (t) => JSON.stringify(t.trim()),
  },
  {
    key: 'landing.jitoTipSol',
    label: 'Jito tip',
    unit: 'SOL',
    help: 'Paid per swap when MEV protection is on',
    toValue: (t) => JSON.stringify(t.trim()),
  },
];

/** A setting's value by its key, `landing.jitoTipSol` reading inside the landing section. */
function settingAt(s: Record<string, unknown>, key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), s);
}

/** "0.01" SOL -> "10000000" lamports, exactly. */
export function toLamports(sol: string): string {
  const m = /^(\d+)(?:\.(\d{0,9}))?$/u.exec(sol.trim());
  if (!m) return 'invalid';
  return (BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0')).toString();
}

function ExecutionSettings({ userId }: { userId: number }) {
  const settings = useApp((s) => s.settings[userId]);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => setDraft({}), [settings?.version]);
  if (!settings) return null;
  const s = settings.settings;
  const text = (f: (typeof EXEC_FIELDS)[number]) =>
    f.key in draft ? draft[f.key]! : f.toText ? f.toText(settingAt(s, f.key)) : String(settingAt(s, f.key) ?? '');
  const saveOne = async (f: (typeof EXEC_FIELDS)[number]) => {
    if (!(f.key in draft)) return;
    const value = f.toValue ? f.toValue(draft[f.key]!) : draft[f.key]!.trim();
    const r = await actions().run(
      'settings.set',
      { user: userId, key: f.key, value, expectedVersion: settings.version },
      { silent: true },
    );
    if (!r.ok) return setErrors((e) => ({ ...e, [f.key]: fieldMessage(r.error.message, f.key) }));
    setErrors((e) => {
      const n = { ...e };
      delete n[f.key];
      return n;
    });
    await actions().refreshSettings(userId);
    actions().toast('success', `${f.label} saved`);
  };
  const quote = s['quoteAsset'] === 'SOL' ? 'SOL' : 'USDC';
  const landing = (s['landing'] ?? {}) as { priorityLevel?: string; mevProtection?: boolean };
  const setLanding = async (key: string, value: string, label: string): Promise<void> => {
    const r = await actions().run('settings.set', { user: userId, key: `landing.${key}`, value }, { success: label });
    if (r.ok) await actions().refreshSettings(userId);
  };
  return (
    <Panel title="Execution" hint="saved when you leave a field" testId="execution-settings">
      <div className="limits" onKeyDown={escapeDiscards(() => (setDraft({}), setErrors({})))}>
        <Field label="Quote asset" help="What buys spend and sells return">
          <select
            className="select"
            value={quote}
            data-testid="setting-quoteAsset"
            onChange={async (e) => {
              const r = await actions().run(
                'settings.set',
                { user: userId, key: 'quoteAsset', value: e.target.value },
                { success: `Quote asset: ${e.target.value}` },
              );
              if (r.ok) await actions().refreshSettings(userId);
            }}
          >
            <option>USDC</option>
            <option>SOL</option>
          </select>
        </Field>
        <Field label="Priority fee" help="A percentile of recent fees on the swap’s accounts, or a custom price">
          <select
            className="select"
            value={landing.priorityLevel ?? 'medium'}
            data-testid="setting-landing-priorityLevel"
            onChange={(e) =>
              void setLanding('priorityLevel', JSON.stringify(e.target.value), `Priority fee: ${e.target.value}`)
            }
          >
            <option value="low">low (25th percentile)</option>
            <option value="medium">medium (50th percentile)</option>
            <option value="high">high (75th percentile)</option>
            <option value="custom">custom price</option>
          </select>
        </Field>
        <Field label="MEV protection" help="Send through Jito’s block engine with a tip">
          <label className="check">
            <input
              type="checkbox"
              checked={landing.mevProtection === true}
              data-testid="setting-landing-mevProtection"
              onChange={(e) =>
                void setLanding(
                  'mevProtection',
                  JSON.stringify(e.target.checked),
                  e.target.checked ? 'MEV protection on' : 'MEV protection off',
                )
              }
            />{' '}
            {landing.mevProtection ? 'on' : 'off'}
          </label>
        </Field>
        {EXEC_FIELDS.map((f) => (
          <Field key={f.key} label={f.label} help={f.help} error={errors[f.key]} testId={`setting-${f.key}`}>
            <div className="input-group">
              <input
                className={`input ${errors[f.key] ? 'invalid' : ''}`}
                value={text(f)}
                inputMode="decimal"
                data-testid={`setting-input-${f.key}`}
                onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
                onBlur={() => void saveOne(f)}
                onKeyDown={(e) => e.key === 'Enter' && void saveOne(f)}
              />
              <span className="addon">{f.unit}</span>
            </div>
          </Field>
        ))}
      </div>
    </Panel>
  );
}
