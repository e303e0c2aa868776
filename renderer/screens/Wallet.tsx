import { useEffect, useState, type FormEvent } from 'react';
import { CopyButton, Empty, Field, Panel, Seg, useEscape, useNow, escapeDiscards } from '../components/ui';
import { IconCheck, IconDownload, IconDrop, IconKey, IconRefresh, IconX } from '../components/icons';
import { fmtAmount, fmtDateTime, fmtUsd, fromBaseUnits, relTime, shortAddr } from '../lib/format';
import { usdPrice } from '../state/reducers';
import { actions, useApp } from '../state/store';
import { PaperAccountPanel } from './PaperAccount';
import type { CommandOutput } from '../../engine/api/contract';
import { LedgerPanel } from './Ledger';

/** UTF-8 text to base64 (for a data: URI), without innerHTML anywhere. */
export function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${toBase64(svg)}`;
}

export function WalletTab({ userId }: { userId: number }) {
  const user = useApp((s) => s.users.find((u) => u.id === userId));
  // Held here, not in NoWallet: once the wallet exists NoWallet unmounts, and the phrase must still show once.
  const [mnemonic, setMnemonic] = useState<string | null>(null);
  if (!user) return null;
  const dialog = mnemonic && <MnemonicDialog mnemonic={mnemonic} onClose={() => setMnemonic(null)} />;
  if (!user.address) {
    return (
      <>
        <NoWallet userId={userId} name={user.name} onMnemonic={setMnemonic} />
        {dialog}
      </>
    );
  }
  return (
    <div className="grid two" data-testid="wallet-tab">
      {dialog}
      <div className="col" style={{ gap: 14 }}>
        <DepositPanel userId={userId} />
        <BalancesPanel userId={userId} />
        <LedgerPanel userId={userId} />
        <PaperAccountPanel userId={userId} />
        <FaucetPanel userId={userId} />
      </div>
      <div className="col" style={{ gap: 14 }}>
        <WithdrawPanel userId={userId} />
        <WhitelistPanel userId={userId} />
        <WithdrawalsPanel userId={userId} />
        <ExportPanel userId={userId} name={user.name} />
        <FriendPanel userId={userId} name={user.name} />
      </div>
    </div>
  );
}

/** Rename, or remove a friend (the engine refuses while they hold funds or positions). */
function FriendPanel({ userId, name }: { userId: number; name: string }) {
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(name), [name]);
  const rename = async (e: FormEvent) => {
    e.preventDefault();
    const r = await actions().run('users.rename', { user: userId, name: draft }, { silent: true, success: 'Renamed' });
    if (!r.ok) return setError(r.error.message);
    setError(null);
    await actions().refreshUsers();
  };
  const remove = async () => {
    const r = await actions().run(
      'users.remove',
      { user: userId, force: false },
      {
        silent: true,
        confirm: {
          title: `Remove ${name}?`,
          body: 'Their settings and history go with them. Harvest refuses while the wallet holds funds or open positions: withdraw or export first.',
          confirmLabel: 'Remove friend',
          danger: true,
          typeToConfirm: name,
        },
      },
    );
    if (!r.ok) {
      if (!r.cancelled) setError(r.error.message);
      return;
    }
    actions().toast('success', `Removed ${name}`);
    await actions().refreshUsers();
    actions().navigate({ kind: 'overview' });
  };
  return (
    <Panel title="Friend" testId="friend-panel">
      <form
        className="row"
        onSubmit={rename}
        onKeyDown={escapeDiscards(() => (setDraft(name), setError(null)))}
        data-testid="rename-form"
      >
        <input
          className="input grow"
          value={draft}
          maxLength={64}
          onChange={(e) => (setDraft(e.target.value), setError(null))}
          data-testid="rename-input"
        />
        <button className="btn" disabled={!draft.trim() || draft.trim() === name} data-testid="rename-submit">
          Rename
        </button>
        <button type="button" className="btn outline-danger" onClick={() => void remove()} data-testid="remove-user">
          Remove…
        </button>
      </form>
      {error && (
        <div className="callout neg small" style={{ marginTop: 10 }} data-testid="friend-error">
          {error}
        </div>
      )}
    </Panel>
  );
}

function NoWallet({ userId, name, onMnemonic }: { userId: number; name: string; onMnemonic: (m: string) => void }) {
  const [words, setWords] = useState<'12' | '24'>('12');
  const network = useApp((s) => s.network?.network ?? null);
  const [importing, setImporting] = useState(false);
  const [secret, setSecret] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    const r = await actions().run(
      'wallet.create',
      { user: userId, words: Number(words) as 12 | 24 },
      { success: `Wallet created for ${name}` },
    );
    setBusy(false);
    if (r.ok) {
      onMnemonic(r.value.mnemonic);
      await actions().refreshUsers();
      void actions().refreshBalances(userId);
    }
  };
  const doImport = async (e: FormEvent) => {
    e.preventDefault();
    const text = secret.trim();
    const isPhrase = /\s/u.test(text);
    setBusy(true);
    const r = await actions().run(
      'wallet.import',
      isPhrase
        ? { user: userId, mnemonic: text, ...(passphrase ? { passphrase } : {}) }
        : { user: userId, secretKey: text },
      { silent: true, success: `Wallet imported for ${name}` },
    );
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setSecret('');
    await actions().refreshUsers();
    void actions().refreshBalances(userId);
  };
  return (
    <div className="grid two" data-testid="wallet-tab">
      <Panel title={`${name} has no wallet yet`}>
        <div className="col">
          <p className="muted" style={{ margin: 0 }}>
            Every friend gets their own Solana wallet. Create a new one (you will see its recovery phrase once — write
            it down or hand it to {name}), or import one they already have.
          </p>
          <div className="row">
            <Seg
              value={words}
              onChange={setWords}
              options={[
                { value: '12', label: '12 words' },
                { value: '24', label: '24 words' },
              ]}
            />
            <button className="btn primary" onClick={() => void create()} disabled={busy} data-testid="create-wallet">
              <IconKey size={14} /> Create wallet
            </button>
            <button className="btn" onClick={() => setImporting((v) => !v)} data-testid="import-wallet-open">
              Import…
            </button>
          </div>
          {importing && (
            <form className="col" style={{ gap: 10 }} onSubmit={doImport} data-testid="import-wallet-form">
              <Field
                label="Recovery phrase or secret key"
                help="12/24 words, a base58 secret key, or the Solana CLI's JSON byte array."
                error={error}
              >
                <textarea
                  className="textarea"
                  rows={3}
                  value={secret}
                  onChange={(e) => (setSecret(e.target.value), setError(null))}
                  data-testid="import-wallet-secret"
                  autoComplete="off"
                  spellCheck={false}
                />
              </Field>
              {/\s/u.test(secret.trim()) && (
                <Field label="BIP39 passphrase (optional)">
                  <input
                    className="input"
                    type="password"
                    value={passphrase}
                    onChange={(e) => setPassphrase(e.target.value)}
                    autoComplete="off"
                  />
                </Field>
              )}
              <div>
                <button className="btn primary" disabled={busy || !secret.trim()} data-testid="import-wallet-submit">
                  Import wallet
                </button>
              </div>
            </form>
          )}
        </div>
      </Panel>
      <Panel title="Getting started">
        <ol className="steps">
          <li>
            <b>Create or import a wallet.</b> It belongs to {name}: they can export it any time.
          </li>
          <li>
            <b>Fund it.</b> Send SOL (for fees) and USDC to its address
            {network === 'sandbox'
              ? ' — in the sandbox, the faucet does it for you'
              : network === 'paper-sandbox'
                ? ' — on the paper sandbox there is no chain: the faucet adds to the paper account'
                : ''}
            .
          </li>
          <li>
            <b>Pick a risk preset and a strategy.</b> Start in paper mode; go live when you trust it.
          </li>
        </ol>
      </Panel>
    </div>
  );
}

export function MnemonicDialog({
  mnemonic,
  onClose,
  title = 'Recovery phrase',
}: {
  mnemonic: string;
  onClose: () => void;
  title?: string;
}) {
  const [ack, setAck] = useState(false);
  const words = mnemonic.trim().split(/\s+/u);
  return (
    <div className="overlay">
      <div className="dialog wide" role="dialog" aria-modal="true" data-testid="mnemonic-dialog">
        <div className="dialog-head">
          <span className="icon-circle danger">
            <IconKey size={16} />
          </span>
          <h3>{title}</h3>
        </div>
        <div className="dialog-body">
          <div className="callout warn small">
            Shown once. Anyone with these words controls the wallet. Write them down on paper; never paste them into
            chats or websites.
          </div>
          <div className="words" data-testid="mnemonic-words">
            {words.map((w, i) => (
              <span key={i}>
                <i>{i + 1}</i>
                {w}
              </span>
            ))}
          </div>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={ack}
              onChange={(e) => setAck(e.target.checked)}
              data-testid="mnemonic-ack"
            />
            I have written the recovery phrase down
          </label>
        </div>
        <div className="dialog-foot">
          <button className="btn primary" disabled={!ack} onClick={onClose} data-testid="mnemonic-close">
            Done
          </button>
        </div>
      </div>
    </div>
  );
}

function DepositPanel({ userId }: { userId: number }) {
  const [dep, setDep] = useState<CommandOutput<'wallet.deposit'> | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    actions()
      .client.call('wallet.deposit', { user: userId })
      .then(
        (r) => alive && setDep(r),
        (e: Error) => alive && setErr(e.message),
      );
    return () => {
      alive = false;
    };
  }, [userId]);
  return (
    <Panel title="Deposit" hint="send SOL or tokens to this address" testId="deposit-panel">
      {err && <div className="callout neg small">{err}</div>}
      {dep && (
        <div className="qr-box">
          <img className="qr" src={svgDataUri(dep.qrSvg)} alt={`QR code for ${dep.address}`} data-testid="deposit-qr" />
          <div className="col grow" style={{ gap: 8 }}>
            <div className="address" data-testid="deposit-address">
              {dep.address}
            </div>
            <div className="row">
              <CopyButton text={dep.address} label="Copy address" testId="copy-address" />
              <CopyButton text={dep.uri} label="Copy payment link" />
            </div>
            <div className="muted small">
              Only send assets on the network this engine uses. The balance updates once the transfer lands.
            </div>
          </div>
        </div>
      )}
      {!dep && !err && <div className="muted small">Loading…</div>}
    </Panel>
  );
}

function BalancesPanel({ userId }: { userId: number }) {
  const b = useApp((s) => s.balances[userId]);
  const prices = useApp((s) => s.prices);
  const [busy, setBusy] = useState(false);
  const refresh = async () => {
    setBusy(true);
    await actions().refreshBalances(userId);
    setBusy(false);
  };
  // SOL and USDC always; other tokens once held.
  const rows = b
    ? [
        { symbol: 'SOL', amount: b.sol },
        ...b.tokens
          .filter((t) => t.symbol === 'USDC' || t.amount !== '0')
          .map((t) => ({ symbol: t.symbol, amount: t.uiAmount })),
      ]
    : [];
  return (
    <Panel
      title="On-chain wallet"
      hint={b ? `balances on ${b.network}` : undefined}
      flush
      testId="balances-panel"
      actions={
        <button className="btn sm ghost" onClick={() => void refresh()} disabled={busy} data-testid="refresh-balances">
          <IconRefresh size={13} /> Refresh
        </button>
      }
    >
      {!b ? (
        <Empty>Reading balances…</Empty>
      ) : (
        <>
          <table className="table" data-testid="balances-table">
            <thead>
              <tr>
                <th>Asset</th>
                <th className="num">Amount</th>
                <th className="num">Price</th>
                <th className="num">Value</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const p = usdPrice(r.symbol, prices);
                return (
                  <tr key={r.symbol} data-testid={`balance-${r.symbol}`}>
                    <td style={{ fontWeight: 600 }}>{r.symbol}</td>
                    <td className="num">{fmtAmount(r.amount, r.symbol === 'SOL' ? 6 : 4)}</td>
                    <td className="num muted">{p === null ? '—' : fmtUsd(p)}</td>
                    <td className="num">{p === null ? '—' : fmtUsd(Number(r.amount) * p)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div
            className={`callout small ${b.active ? 'pos' : 'warn'}`}
            style={{ margin: 12 }}
            data-testid="activation-status"
            data-active={b.active}
          >
            {b.active ? <IconCheck size={14} /> : <IconDrop size={14} />}
            {b.active
              ? `Active: above the trading minimum of ${fromBaseUnits(b.minimumLamports, 9)} SOL.`
              : `Not trading yet: needs at least ${fromBaseUnits(b.minimumLamports, 9)} SOL (for fees) before the engine trades for this friend.`}
          </div>
        </>
      )}
    </Panel>
  );
}

function FaucetPanel({ userId }: { userId: number }) {
  const network = useApp((s) => s.network?.network ?? s.balances[userId]?.network ?? null);
  const [token, setToken] = useState('USDC');
  const [amount, setAmount] = useState('500');
  const [busy, setBusy] = useState(false);
  if (network !== 'sandbox' && network !== 'devnet' && network !== 'paper-sandbox') return null;
  const sandbox = network === 'sandbox' || network === 'paper-sandbox';
  // No chain on the paper sandbox: the faucet pays into the paper account.
  const paper = network === 'paper-sandbox';
  const drip = async (input: { sol?: string; token?: string; amount?: string }, label: string) => {
    setBusy(true);
    const r = await actions().run(
      'funds.faucet',
      { user: userId, ...input },
      { success: paper ? `Faucet: ${label} added to the paper account` : `Faucet: ${label} sent` },
    );
    setBusy(false);
    if (r.ok) {
      actions().setBalances(r.value.balances);
      void actions().refreshPrices();
      void actions().refreshStats(userId);
    }
  };
  return (
    <Panel
      title={paper ? 'Paper faucet' : sandbox ? 'Sandbox faucet' : 'Devnet faucet'}
      hint={
        paper ? 'adds to the paper account; no chain here' : sandbox ? 'play money, no real value' : 'devnet SOL only'
      }
      testId="faucet-panel"
    >
      <div className="col" style={{ gap: 10 }}>
        <div className="row wrap">
          <button
            className="btn"
            disabled={busy}
            onClick={() => void drip({ sol: '1' }, '1 SOL')}
            data-testid="faucet-sol-1"
          >
            <IconDrop size={13} /> 1 SOL
          </button>
          <button
            className="btn"
            disabled={busy}
            onClick={() => void drip({ sol: '10' }, '10 SOL')}
            data-testid="faucet-sol"
          >
            <IconDrop size={13} /> 10 SOL
          </button>
          {sandbox && (
            <button
              className="btn"
              disabled={busy}
              onClick={() => void drip({ token: 'USDC', amount: '1000' }, '1,000 USDC')}
              data-testid="faucet-usdc"
            >
              <IconDrop size={13} /> 1,000 USDC
            </button>
          )}
          {busy && <span className="spinner" />}
        </div>
        {sandbox && (
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void drip({ token, amount }, `${amount} ${token}`);
            }}
          >
            <select
              className="select"
              style={{ width: 110 }}
              value={token}
              onChange={(e) => setToken(e.target.value)}
              data-testid="faucet-token"
            >
              {['USDC', 'PYUSD', 'WETH', 'WBTC'].map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            <input
              className="input"
              style={{ width: 130 }}
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              inputMode="decimal"
              data-testid="faucet-amount"
            />
            <button
              className="btn"
              disabled={busy || !/^\d+(\.\d+)?$/u.test(amount.trim())}
              data-testid="faucet-submit"
            >
              Send
            </button>
          </form>
        )}
      </div>
    </Panel>
  );
}

function WithdrawPanel({ userId }: { userId: number }) {
  const b = useApp((s) => s.balances[userId]);
  const entries = useApp((s) => s.whitelist[userId]);
  const now = useNow(30_000);
  const [asset, setAsset] = useState('SOL');
  const [amount, setAmount] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const assets = b
    ? [
        { symbol: 'SOL', amount: b.sol },
        ...b.tokens.filter((t) => t.uiAmount !== '0').map((t) => ({ symbol: t.symbol, amount: t.uiAmount })),
      ]
    : [];
  const held = assets.find((a) => a.symbol === asset)?.amount ?? '0';
  const usable = (entries ?? []).filter((e) => e.usable);
  const amountOk = /^\d+(\.\d+)?$/u.test(amount.trim()) && Number(amount) > 0;
  const over = amountOk && Number(amount) > Number(held);
  const dest = entries?.find((e) => e.address === to);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    const r = await actions().run(
      'funds.withdraw',
      { user: userId, to, amount: amount.trim(), token: asset, confirm: true },
      {
        silent: true,
        progress: 'Sending the withdrawal',
        confirm: {
          title: `Withdraw ${amount.trim()} ${asset}?`,
          body: 'The funds leave the wallet for good. Check the address against what your friend gave you.',
          details: [
            ['Amount', `${amount.trim()} ${asset}`],
            ['To', dest?.label ? `${dest.label} — ${to}` : to],
          ],
          confirmLabel: 'Send withdrawal',
          danger: true,
        },
      },
    );
    if (!r.ok) {
      if (!r.cancelled) setError(r.error.message);
      return;
    }
    const w = r.value.withdrawal;
    setResult(
      `${r.value.outcome}: ${w.uiAmount} ${w.symbol} to ${shortAddr(w.destination)}${w.error ? ` — ${w.error}` : ''}`,
    );
    if (r.value.outcome === 'confirmed') {
      actions().toast('success', 'Withdrawal sent', `${w.uiAmount} ${w.symbol} to ${shortAddr(w.destination)}`);
      setAmount('');
    }
    void actions().refreshBalances(userId);
    void actions().refreshWithdrawals(userId);
  };

  return (
    <Panel title="Withdraw" hint="only to whitelisted addresses" testId="withdraw-panel">
      <form
        className="col"
        style={{ gap: 10 }}
        onSubmit={submit}
        data-testid="withdraw-form"
        onKeyDown={escapeDiscards(() => (setAmount(''), setTo(''), setError(null), setResult(null)))}
      >
        <div className="form-grid">
          <Field label="Asset">
            <select
              className="select"
              value={asset}
              onChange={(e) => setAsset(e.target.value)}
              data-testid="withdraw-asset"
            >
              {(assets.length ? assets : [{ symbol: 'SOL', amount: '0' }]).map((a) => (
                <option key={a.symbol} value={a.symbol}>
                  {a.symbol}
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Amount"
            error={over ? `More than the ${fmtAmount(held, 6)} ${asset} held` : null}
            help={`Available: ${fmtAmount(held, 6)} ${asset}`}
          >
            <div className="input-group">
              <input
                className={`input ${over ? 'invalid' : ''}`}
                value={amount}
                onChange={(e) => setAmount(e.target.value)}
                placeholder="0.0"
                inputMode="decimal"
                data-testid="withdraw-amount"
              />
              <span className="addon btnish" onClick={() => setAmount(held)} role="button">
                Max
              </span>
            </div>
          </Field>
        </div>
        <Field
          label="Destination"
          help={
            entries && entries.length > usable.length
              ? `${entries.length - usable.length} address(es) still in their safety delay`
              : usable.length === 0
                ? 'Add an address to the whitelist first (below).'
                : undefined
          }
        >
          <select className="select" value={to} onChange={(e) => setTo(e.target.value)} data-testid="withdraw-to">
            <option value="">Choose a whitelisted address…</option>
            {(entries ?? []).map((w) => (
              <option key={w.address} value={w.address} disabled={!w.usable}>
                {w.label ? `${w.label} — ` : ''}
                {shortAddr(w.address, 6, 6)}
                {w.usable ? '' : ` (usable ${relTime(w.usableAt, now)})`}
              </option>
            ))}
          </select>
        </Field>
        {error && (
          <div className="callout neg small" data-testid="withdraw-error">
            {error}
          </div>
        )}
        {result && (
          <div className="callout info small" data-testid="withdraw-result">
            {result}
          </div>
        )}
        <div>
          <button className="btn primary" disabled={!amountOk || over || !to} data-testid="withdraw-submit">
            Withdraw…
          </button>
        </div>
      </form>
    </Panel>
  );
}

function WhitelistPanel({ userId }: { userId: number }) {
  const entries = useApp((s) => s.whitelist[userId]);
  const now = useNow(30_000);
  const [address, setAddress] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | null>(null);
  // Checked as it is typed: a string that is not an address never reaches a confirmation.
  const addressError =
    address.trim() && !SOLANA_ADDRESS.test(address.trim())
      ? 'Not a Solana address: 32 to 44 letters and digits (base58, no 0, O, I or l).'
      : null;
  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (addressError) return setError(addressError);
    const r = await actions().run(
      'whitelist.add',
      { user: userId, address: address.trim(), label: label.trim() },
      {
        silent: true,
        confirm: {
          title: 'Allow withdrawals to this address?',
          body: 'After the whitelist delay, funds of this wallet can be sent there.',
          details: [
            ['Address', address.trim()],
            ['Label', label.trim() || '—'],
          ],
          confirmLabel: 'Add to whitelist',
        },
      },
    );
    if (!r.ok) {
      if (!r.cancelled) setError(r.error.message);
      return;
    }
    actions().toast('success', 'Address whitelisted', `Usable ${relTime(r.value.usableAt, Date.now())}`);
    setAddress('');
    setLabel('');
    void actions().refreshWhitelist(userId);
  };
  const remove = async (addr: string) => {
    const r = await actions().run(
      'whitelist.remove',
      { user: userId, address: addr },
      {
        confirm: {
          title: 'Remove this address?',
          body: 'Withdrawals to it will be refused.',
          details: [['Address', addr]],
          confirmLabel: 'Remove',
          danger: true,
        },
        success: 'Address removed',
      },
    );
    if (r.ok) void actions().refreshWhitelist(userId);
  };
  return (
    <Panel title="Withdrawal whitelist" flush testId="whitelist-panel">
      {entries && entries.length > 0 ? (
        <table className="table compact" data-testid="whitelist-table">
          <tbody>
            {entries.map((w) => (
              <tr key={w.address} data-testid="whitelist-entry">
                <td>
                  <div style={{ fontWeight: 600 }}>{w.label || 'Unlabelled'}</div>
                  <div className="mono muted tiny" title={w.address}>
                    {shortAddr(w.address, 8, 8)}
                  </div>
                </td>
                <td>
                  {w.usable ? (
                    <span className="badge pos">usable</span>
                  ) : (
                    <span className="badge warn">usable {relTime(w.usableAt, now)}</span>
                  )}
                </td>
                <td className="num">
                  <button
                    className="btn icon xs ghost"
                    title="Remove"
                    data-testid={`whitelist-remove-${w.address}`}
                    onClick={() => void remove(w.address)}
                  >
                    <IconX size={12} />
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No addresses yet.</Empty>
      )}
      <form
        className="col"
        style={{ gap: 8, padding: 12, borderTop: '1px solid var(--border)' }}
        onSubmit={add}
        data-testid="whitelist-add-form"
        onKeyDown={escapeDiscards(() => (setAddress(''), setLabel(''), setError(null)))}
      >
        <div className="row">
          <input
            className={`input mono grow ${addressError ? 'invalid' : ''}`}
            placeholder="Solana address"
            value={address}
            onChange={(e) => (setAddress(e.target.value), setError(null))}
            data-testid="whitelist-add-address"
            spellCheck={false}
          />
          <input
            className="input"
            style={{ width: 140 }}
            placeholder="Label"
            value={label}
            maxLength={64}
            onChange={(e) => setLabel(e.target.value)}
            data-testid="whitelist-add-label"
          />
          <button className="btn" disabled={!address.trim() || !!addressError} data-testid="whitelist-add-submit">
            Add…
          </button>
        </div>
        {(error ?? addressError) && (
          <div className="small neg" data-testid="whitelist-add-error">
            {error ?? addressError}
          </div>
        )}
      </form>
    </Panel>
  );
}

/** The shape of a Solana address (base58, 32 bytes); the engine checks it exactly. */
const SOLANA_ADDRESS = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/u;

function WithdrawalsPanel({ userId }: { userId: number }) {
  const list = useApp((s) => s.withdrawals[userId]);
  if (!list || list.length === 0) return null;
  return (
    <Panel title="Withdrawals" flush>
      <table className="table compact">
        <thead>
          <tr>
            <th>When</th>
            <th className="num">Amount</th>
            <th>To</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {list.slice(0, 8).map((w) => (
            <tr key={w.id}>
              <td className="muted small">{fmtDateTime(w.createdAt)}</td>
              <td className="num">
                {fmtAmount(w.uiAmount, 6)} {w.symbol}
              </td>
              <td className="mono small">{shortAddr(w.destination)}</td>
              <td>
                <span
                  className={`badge ${w.status === 'confirmed' ? 'pos' : w.status === 'failed' || w.status === 'expired' ? 'neg' : 'warn'}`}
                  title={w.error ?? ''}
                >
                  {w.status}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function ExportPanel({ userId, name }: { userId: number; name: string }) {
  const [secret, setSecret] = useState<CommandOutput<'wallet.export'> | null>(null);
  const exportKey = async () => {
    const r = await actions().run(
      'wallet.export',
      { user: userId, confirm: true },
      {
        confirm: {
          title: `Reveal ${name}'s wallet secret?`,
          body: 'The recovery phrase (or secret key) will be shown on screen. Anyone who sees it controls the wallet. The export is recorded in the audit log.',
          confirmLabel: 'Reveal secret',
          danger: true,
        },
      },
    );
    if (r.ok) setSecret(r.value);
  };
  return (
    <Panel title="Export" hint="hand the wallet over" testId="export-panel">
      <div className="row">
        <span className="muted small grow">
          Reveal the recovery phrase so {name} can use the wallet in Phantom, Solflare or Backpack.
        </span>
        <button className="btn outline-danger" onClick={() => void exportKey()} data-testid="export-wallet">
          <IconDownload size={13} /> Export…
        </button>
      </div>
      {secret && <SecretDialog secret={secret} onClose={() => setSecret(null)} />}
    </Panel>
  );
}

function SecretDialog({ secret, onClose }: { secret: CommandOutput<'wallet.export'>; onClose: () => void }) {
  const [shown, setShown] = useState(false);
  useEscape(onClose);
  const text = secret.kind === 'mnemonic' ? secret.mnemonic : secret.secretKeyBase58;
  return (
    <div className="overlay">
      <div className="dialog wide" role="dialog" aria-modal="true" data-testid="export-dialog">
        <div className="dialog-head">
          <span className="icon-circle danger">
            <IconKey size={16} />
          </span>
          <h3>{secret.kind === 'mnemonic' ? 'Recovery phrase' : 'Secret key'}</h3>
        </div>
        <div className="dialog-body">
          <dl className="kv">
            <dt>Address</dt>
            <dd className="mono">{secret.address}</dd>
            {secret.kind === 'mnemonic' && (
              <>
                <dt>Derivation path</dt>
                <dd className="mono">{secret.derivationPath}</dd>
                {secret.passphrase && (
                  <>
                    <dt>Passphrase</dt>
                    <dd className="mono">{shown ? secret.passphrase : '••••••'}</dd>
                  </>
                )}
              </>
            )}
          </dl>
          <div
            className={`secret ${shown ? '' : 'blur'}`}
            onClick={() => setShown(true)}
            data-testid="export-secret"
            title={shown ? '' : 'Click to reveal'}
          >
            {text}
          </div>
          {!shown && <div className="muted small">Click to reveal. Make sure nobody is looking at your screen.</div>}
        </div>
        <div className="dialog-foot">
          {shown && <CopyButton text={text} label="Copy" />}
          <button className="btn primary" onClick={onClose} data-testid="export-close">
            Done
          </button>
        </div>
      </div>
    </div>
  );
}
