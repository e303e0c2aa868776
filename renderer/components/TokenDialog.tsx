import { useState } from 'react';
import type { CommandOutput } from '../../engine/api/contract';
import { actions } from '../state/store';
import { useEscape } from './ui';

type TokenOut = CommandOutput<'tokens.show'>;

const MARK = { ok: '✓', warn: '!', refuse: '✕' } as const;
const MINT = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/u;

/**
 * Paste a mint: the engine reads it from the chain and runs its safety checks;
 * this shows them and, for a warned token, asks for the one acknowledgement
 * (tokens.allow) before it can be traded. A refused token can only be closed.
 */
export function PasteMint({
  onToken,
  testIdPrefix = 'order',
}: {
  onToken: (t: TokenOut) => void;
  testIdPrefix?: string;
}) {
  const [mint, setMint] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [token, setToken] = useState<TokenOut | null>(null);
  const valid = MINT.test(mint.trim());

  const lookUp = async () => {
    setBusy(true);
    setError(null);
    const r = await actions().run(
      'tokens.add',
      { mint: mint.trim() },
      { silent: true, progress: 'Checking the token…' },
    );
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    if (r.value.buyable) {
      onToken(r.value);
      setMint('');
    } else setToken(r.value);
  };

  return (
    <>
      <div className="input-group">
        <input
          className="input"
          value={mint}
          onChange={(e) => (setMint(e.target.value), setError(null))}
          placeholder="or paste a token mint"
          spellCheck={false}
          data-testid={`${testIdPrefix}-mint`}
        />
        <button
          type="button"
          className="addon btnish"
          disabled={!valid || busy}
          onClick={() => void lookUp()}
          data-testid={`${testIdPrefix}-mint-check`}
        >
          {busy ? 'Checking…' : 'Check'}
        </button>
      </div>
      {mint.trim() !== '' && !valid && <div className="tiny muted">A mint address: 32 to 44 base58 characters.</div>}
      {error && (
        <div className="callout neg small" data-testid={`${testIdPrefix}-mint-error`}>
          {error}
        </div>
      )}
      {token && (
        <TokenChecksDialog
          token={token}
          onClose={() => setToken(null)}
          onAllowed={(t) => {
            setToken(null);
            setMint('');
            onToken(t);
          }}
        />
      )}
    </>
  );
}

export function TokenChecksDialog({
  token,
  onClose,
  onAllowed,
}: {
  token: TokenOut;
  onClose: () => void;
  onAllowed: (t: TokenOut) => void;
}) {
  const [ack, setAck] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEscape(onClose);
  const refused = token.verdict === 'refuse';

  const allow = async () => {
    setBusy(true);
    const r = await actions().run('tokens.allow', { mint: token.mint, singleSourcePrice: false }, { silent: true });
    if (!r.ok) {
      setBusy(false);
      return setError(r.error.message);
    }
    const shown = await actions().run('tokens.show', { token: token.mint }, { silent: true });
    setBusy(false);
    if (!shown.ok) return setError(shown.error.message);
    actions().toast('success', `${token.symbol} may be traded now`);
    onAllowed(shown.value);
  };

  return (
    <div className="overlay">
      <div className="dialog wide" role="dialog" aria-modal="true" data-testid="token-dialog">
        <div className="dialog-head">
          <h3>
            {token.symbol} · {token.name}
          </h3>
        </div>
        <div className="dialog-body">
          <div className="tiny muted" style={{ wordBreak: 'break-all' }}>
            {token.program}, {token.decimals} decimals · {token.mint}
          </div>
          <ul className="checks" style={{ listStyle: 'none', paddingLeft: 0 }} data-testid="token-checks">
            {token.checks.map((c) => (
              <li
                key={c.check}
                className={c.level === 'ok' ? 'pos' : c.level === 'warn' ? 'warn-text' : 'neg'}
                data-level={c.level}
              >
                <b>{MARK[c.level]}</b> {c.reason}
              </li>
            ))}
          </ul>
          {refused ? (
            <div className="callout neg small" data-testid="token-refused">
              Harvest will not buy this token.
            </div>
          ) : (
            <label className="checkbox">
              <input type="checkbox" checked={ack} onChange={(e) => setAck(e.target.checked)} data-testid="token-ack" />
              I have read these warnings and accept them for this token (once, for every friend)
            </label>
          )}
          {error && <div className="callout neg small">{error}</div>}
        </div>
        <div className="dialog-foot">
          <button className="btn" onClick={onClose} data-testid="token-close">
            Close
          </button>
          {!refused && (
            <button
              className="btn primary"
              disabled={!ack || busy}
              onClick={() => void allow()}
              data-testid="token-allow"
            >
              {busy ? 'Allowing…' : 'Allow and trade'}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}
