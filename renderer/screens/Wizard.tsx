import { useState, type FormEvent, type ReactNode } from 'react';
import { IconAlert, IconCheck, IconShield, Logo } from '../components/icons';
import { Field } from '../components/ui';
import { actions, useApp } from '../state/store';
import { RecoveryKitForm } from './Settings';

type Step = 0 | 1 | 2 | 3;
const STEPS = ['Network', 'Keychain', 'Recovery kit', 'First friend'];

/** First run: where to trade, the key's home, a recovery kit, the first friend. */
export function Wizard({ onSkip }: { onSkip: () => void }) {
  const [step, setStep] = useState<Step>(0);
  const [kitDone, setKitDone] = useState(false);
  return (
    <div className="splash">
      <div className="wizard" data-testid="wizard" data-step={step}>
        <aside className="wizard-steps">
          <div className="brand">
            <Logo /> Harvest
          </div>
          {STEPS.map((s, i) => (
            <div key={s} className={`wstep ${i === step ? 'current' : i < step ? 'done' : ''}`}>
              <span className="n">{i < step ? <IconCheck size={12} /> : i + 1}</span>
              {s}
            </div>
          ))}
          <span className="spacer" />
          <button className="btn ghost sm" onClick={onSkip} data-testid="wizard-skip">
            Skip setup
          </button>
        </aside>
        <div className="wizard-body">
          {step === 0 && <NetworkStep onNext={() => setStep(1)} />}
          {step === 1 && <KeychainStep onBack={() => setStep(0)} onNext={() => setStep(2)} />}
          {step === 2 && (
            <Step
              title="Recovery kit"
              text="Write an encrypted kit with the database and the master key. If this machine dies, the kit and its passphrase bring every friend's wallet back."
            >
              <RecoveryKitForm compact onDone={() => setKitDone(true)} />
              <Foot onBack={() => setStep(1)}>
                {!kitDone && (
                  <button className="btn ghost" onClick={() => setStep(3)} data-testid="wizard-skip-backup">
                    Later
                  </button>
                )}
                <button
                  className="btn primary"
                  disabled={!kitDone}
                  onClick={() => setStep(3)}
                  data-testid="wizard-next"
                >
                  Next
                </button>
              </Foot>
            </Step>
          )}
          {step === 3 && <FriendStep onBack={() => setStep(2)} />}
        </div>
      </div>
    </div>
  );
}

function Step({ title, text, children }: { title: string; text: ReactNode; children: ReactNode }) {
  return (
    <>
      <h2>{title}</h2>
      <p>{text}</p>
      {children}
    </>
  );
}

function Foot({ onBack, children }: { onBack?: () => void; children: ReactNode }) {
  return (
    <div className="wizard-foot">
      {onBack ? (
        <button className="btn ghost" onClick={onBack} data-testid="wizard-back">
          Back
        </button>
      ) : (
        <span />
      )}
      <div className="row">{children}</div>
    </div>
  );
}

function NetworkStep({ onNext }: { onNext: () => void }) {
  const current = useApp((s) => s.network?.network ?? null);
  const paperNotice = useApp((s) => s.network?.paperSandbox?.notice ?? null);
  // Where the on-chain sandbox cannot run, the play choice is the paper sandbox the engine is on.
  const play = current === 'paper-sandbox' ? 'paper-sandbox' : 'sandbox';
  const [choice, setChoice] = useState<'sandbox' | 'mainnet'>(current === 'mainnet' ? 'mainnet' : 'sandbox');
  const [rpc, setRpc] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const urls = rpc
    .split(/[\s,]+/u)
    .map((u) => u.trim())
    .filter(Boolean);
  const badUrl = urls.find((u) => !/^https?:\/\/\S+$/u.test(u));

  const next = async () => {
    setError(null);
    if (choice === 'sandbox' && current === play) return onNext();
    const r = await actions().run(
      'network.set',
      { network: choice === 'mainnet' ? 'mainnet' : play, rpcUrls: choice === 'mainnet' ? urls : [], confirm: true },
      {
        silent: true,
        confirm: {
          title: choice === 'mainnet' ? 'Trade on mainnet?' : 'Use the sandbox?',
          body:
            choice === 'mainnet'
              ? 'Harvest will move real funds on Solana mainnet through your RPC endpoint.'
              : 'Harvest will use the local sandbox: no real money.',
          details: urls.map((u, i) => [`RPC ${i + 1}`, u] as [string, string]),
          confirmLabel: choice === 'mainnet' ? 'Use mainnet' : 'Use sandbox',
          danger: choice === 'mainnet',
        },
      },
    );
    if (!r.ok) {
      if (!r.cancelled) setError(r.error.message);
      return;
    }
    void actions().refreshNetwork();
    if (r.value.restartNeeded)
      setNotice(`Saved. Harvest connects to ${r.value.network} after a restart; you can finish setting up first.`);
    else onNext();
  };

  return (
    <Step
      title="Where should Harvest trade?"
      text="Start in the sandbox to try everything with play money; switch to mainnet when you are ready."
    >
      <div className="col" style={{ gap: 10 }}>
        <button
          type="button"
          className={`choice ${choice === 'sandbox' ? 'on' : ''}`}
          onClick={() => setChoice('sandbox')}
          data-testid="wizard-network-sandbox"
        >
          <span className="icon-circle pos">
            <IconShield size={16} />
          </span>
          <span>
            <div className="c-title">
              {play === 'paper-sandbox' ? 'Paper sandbox (recommended)' : 'Sandbox (recommended)'}
            </div>
            <div className="c-desc">
              {play === 'paper-sandbox' && paperNotice
                ? paperNotice
                : 'A local twin of mainnet with replayed prices and a faucet. No internet, no real money.'}
            </div>
          </span>
        </button>
        <button
          type="button"
          className={`choice ${choice === 'mainnet' ? 'on' : ''}`}
          onClick={() => setChoice('mainnet')}
          data-testid="wizard-network-mainnet"
        >
          <span className="icon-circle danger">
            <IconAlert size={16} />
          </span>
          <span>
            <div className="c-title">Mainnet</div>
            <div className="c-desc">Real funds, real swaps through Jupiter. Needs your own RPC endpoint.</div>
          </span>
        </button>
        {choice === 'mainnet' && (
          <Field
            label="RPC endpoint(s)"
            help="One per line; the public endpoint is rate-limited and not fit for trading."
            error={badUrl ? `Not a URL: ${badUrl}` : null}
          >
            <textarea
              className="textarea"
              rows={2}
              value={rpc}
              onChange={(e) => setRpc(e.target.value)}
              placeholder="https://mainnet.helius-rpc.com/?api-key=…"
              data-testid="wizard-rpc"
              spellCheck={false}
            />
          </Field>
        )}
        {error && <div className="callout neg small">{error}</div>}
        {notice && <div className="callout info small">{notice}</div>}
      </div>
      <Foot>
        {notice ? (
          <button className="btn primary" onClick={onNext} data-testid="wizard-next">
            Next
          </button>
        ) : (
          <button
            className="btn primary"
            disabled={choice === 'mainnet' && (urls.length === 0 || !!badUrl)}
            onClick={() => void next()}
            data-testid="wizard-next"
          >
            Next
          </button>
        )}
      </Foot>
    </Step>
  );
}

function KeychainStep({ onBack, onNext }: { onBack: () => void; onNext: () => void }) {
  const status = useApp((s) => s.engineStatus);
  const ok = status?.keySource === 'keychain';
  return (
    <Step
      title="Keychain check"
      text="Wallet secrets are sealed with a master key that never leaves this machine's keychain."
    >
      {!status ? (
        <div className="muted">Checking…</div>
      ) : ok ? (
        <div className="callout pos" data-testid="wizard-keychain-ok">
          <IconCheck size={16} />
          <div>
            <b>The master key is in the OS keychain.</b>
            <div className="small muted">
              Key {status.keyId.slice(0, 12)}… · data in {status.dataDir}
            </div>
          </div>
        </div>
      ) : status.keySource === 'file' ? (
        <div className="callout warn" data-testid="wizard-keychain-file">
          <IconAlert size={16} />
          <div>
            <b>No OS keychain: the master key is in a file, for the sandbox only.</b>
            <div className="small">
              Fine for play money. Importing a wallet and switching to devnet or mainnet are refused until an OS
              keychain (or HARVEST_MASTER_KEY) is available and <code>harvest keys adopt</code> moves the wallets under
              it.
            </div>
          </div>
        </div>
      ) : (
        <div className="callout warn" data-testid="wizard-keychain-env">
          <IconAlert size={16} />
          <div>
            <b>The master key comes from HARVEST_MASTER_KEY.</b>
            <div className="small">
              No OS keychain is in use (a headless server). Keep that variable secret and backed up: without it the
              wallets cannot be opened. The recovery kit in the next step includes the key.
            </div>
          </div>
        </div>
      )}
      <Foot onBack={onBack}>
        <button className="btn primary" onClick={onNext} disabled={!status} data-testid="wizard-next">
          Next
        </button>
      </Foot>
    </Step>
  );
}

function FriendStep({ onBack }: { onBack: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await actions().run('users.add', { name }, { silent: true });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    await actions().refreshUsers();
    void actions().refreshControls();
    actions().toast('success', `Welcome, ${r.value.name}`, 'Create their wallet and fund it to start trading.');
    actions().navigate({ kind: 'user', userId: r.value.id, tab: 'wallet' });
  };
  return (
    <Step
      title="Add the first friend"
      text="Each friend gets their own wallet and their own risk settings. You can add more any time."
    >
      <form className="col" style={{ gap: 12 }} onSubmit={submit} id="wizard-friend">
        <Field label="Name" error={error}>
          <input
            className={`input ${error ? 'invalid' : ''}`}
            value={name}
            autoFocus
            maxLength={64}
            placeholder="e.g. Ana"
            onChange={(e) => (setName(e.target.value), setError(null))}
            data-testid="wizard-user-name"
          />
        </Field>
      </form>
      <Foot onBack={onBack}>
        <button
          className="btn primary"
          form="wizard-friend"
          disabled={busy || !name.trim()}
          data-testid="wizard-finish"
        >
          Add friend and finish
        </button>
      </Foot>
    </Step>
  );
}
