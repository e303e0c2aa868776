import { Field } from './ui';
import { helpText, parseParam, type ParamInfo } from '../screens/Strategy';

/**
 * A strategy's parameters as a form, from its metadata (label, unit, help,
 * bounds): the Strategy tab and the Backtest screen fill the same fields.
 * Texts are kept as typed; `parseParam` turns each into its value or an error.
 */
export function ParamFields(props: {
  params: readonly ParamInfo[];
  texts: Record<string, string>;
  onChange: (name: string, text: string) => void;
  /** Test ids: `${prefix}-param-NAME`, `${prefix}-input-NAME`, `${prefix}-toggle-NAME`. */
  prefix: string;
}) {
  const { params, texts, onChange, prefix } = props;
  const textOf = (p: ParamInfo) =>
    texts[p.name] ?? (p.default === null || p.default === undefined ? '' : String(p.default));
  if (params.length === 0) return <div className="muted small">No parameters.</div>;
  return (
    <div className="limits">
      {params.map((p) => {
        const r = parseParam(p, textOf(p));
        return (
          <Field
            key={p.name}
            label={p.label ?? p.name}
            help={helpText(p, textOf(p).trim() === '')}
            error={r.ok ? null : r.error}
            testId={`${prefix}-param-${p.name}`}
          >
            {p.nullable && p.type !== 'boolean' && !p.options ? (
              // An optional value: a switch, and the value (with its unit) only when it is on.
              <div className="row" style={{ gap: 8, alignItems: 'center' }}>
                <label className="checkbox" style={{ height: 32 }}>
                  <input
                    type="checkbox"
                    checked={textOf(p).trim() !== ''}
                    data-testid={`${prefix}-toggle-${p.name}`}
                    onChange={(e) =>
                      onChange(p.name, e.target.checked ? String(p.min !== undefined && p.min >= 1 ? p.min : 1) : '')
                    }
                  />
                  {textOf(p).trim() !== '' ? 'On' : 'Off'}
                </label>
                {textOf(p).trim() !== '' && (
                  <>
                    <input
                      className={`input ${r.ok ? '' : 'invalid'}`}
                      value={textOf(p)}
                      inputMode="decimal"
                      data-testid={`${prefix}-input-${p.name}`}
                      onChange={(e) => onChange(p.name, e.target.value)}
                    />
                    {p.unit && (
                      <span className="muted small" style={{ whiteSpace: 'nowrap' }}>
                        {p.unit}
                      </span>
                    )}
                  </>
                )}
              </div>
            ) : p.type === 'boolean' ? (
              <label className="checkbox" style={{ height: 32 }}>
                <input
                  type="checkbox"
                  checked={textOf(p) === 'true'}
                  onChange={(e) => onChange(p.name, String(e.target.checked))}
                />
                {textOf(p) === 'true' ? 'On' : 'Off'}
              </label>
            ) : p.options ? (
              <select className="select" value={textOf(p)} onChange={(e) => onChange(p.name, e.target.value)}>
                {p.options.map((o, i) => (
                  <option key={o} value={o}>
                    {p.optionLabels?.[i] ?? o}
                  </option>
                ))}
              </select>
            ) : (
              <div className="row" style={{ gap: 8, alignItems: 'center' }}>
                <input
                  className={`input ${r.ok ? '' : 'invalid'}`}
                  value={textOf(p)}
                  inputMode="decimal"
                  data-testid={`${prefix}-input-${p.name}`}
                  onChange={(e) => onChange(p.name, e.target.value)}
                />
                {p.unit && (
                  <span className="muted small" style={{ whiteSpace: 'nowrap' }}>
                    {p.unit}
                  </span>
                )}
              </div>
            )}
          </Field>
        );
      })}
    </div>
  );
}
