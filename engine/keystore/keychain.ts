import { createRequire } from 'node:module';
import type * as KeyringTypes from '@napi-rs/keyring';
import type { Entry, EntryOptions } from '@napi-rs/keyring';
import { HarvestError } from '../kernel/errors';

export const KEYCHAIN_SERVICE = 'Harvest';

/** The OS keychain as the keystore sees it: a string per account under service "Harvest". */
export interface Keychain {
  get(account: string): string | null;
  set(account: string, value: string): void;
  delete(account: string): void;
}

/**
 * On Linux the binding would otherwise fall back silently to the kernel keyutils
 * keyring when no Secret Service answers; that keyring lives in memory and is
 * gone after a reboot, taking the master key (and every wallet) with it. Pin the
 * Secret Service so an unavailable keychain fails closed. Ignored elsewhere.
 */
const ENTRY_OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

type KeyringModule = typeof KeyringTypes;

/**
 * @napi-rs/keyring, loaded on first use rather than at import: its binary is per OS and
 * architecture, and an installation without the right one (an installer built for another
 * machine) must still start and say what is missing, not die before any window opens.
 */
let keyring: KeyringModule | null = null;
const requireKeyring = (): KeyringModule => createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;

/** The keyring module (`load` replaces the real loader, uncached, for tests). */
export function loadKeyring(load?: () => KeyringModule): KeyringModule {
  if (!load && keyring) return keyring;
  try {
    const m = (load ?? requireKeyring)();
    if (!load) keyring = m;
    return m;
  } catch (e) {
    throw new HarvestError(
      'KEYCHAIN_UNAVAILABLE',
      `The OS keychain module (@napi-rs/keyring) has no binary for this system (${process.platform}-${process.arch}) in this installation, so Harvest cannot reach the keychain. ` +
        `Install the Harvest build made for ${process.platform}-${process.arch}. (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`,
      { cause: e },
    );
  }
}

/** The wait before the one retry of a call the Secret Service dropped: time for D-Bus to start it again. */
const RETRY_PAUSE_MS = 250;

/** The Secret Service's daemon went away mid-call or is not running now (D-Bus may start it on the next call). */
export function isTransientKeychainError(e: unknown): boolean {
  const text = e instanceof Error ? `${e.message} ${e.cause instanceof Error ? e.cause.message : ''}` : String(e);
  return /disconnected from message bus without replying|was not provided by any \.service files|NoReply|did not receive a reply/iu.test(
    text,
  );
}

export class OsKeychain implements Keychain {
  constructor(
    private readonly service = KEYCHAIN_SERVICE,
    private readonly load: () => KeyringModule = () => loadKeyring(),
  ) {}

  get(account: string): string | null {
    return this.once(() => this.entry(account).getPassword() ?? null);
  }

  set(account: string, value: string): void {
    this.once(() => this.entry(account).setPassword(value));
  }

  delete(account: string): void {
    this.once(() => this.entry(account).deletePassword());
  }

  /**
   * Runs a keychain call, and once more if the Secret Service went away in the middle of it (its
   * daemon crashed or restarted; D-Bus starts it again on the next call). Every call here is
   * idempotent (read, write the same value, delete), so the retry cannot do anything twice; any
   * other failure, or a second one, is thrown as it was, so the keychain still fails closed.
   */
  private once<T>(call: () => T): T {
    try {
      return call();
    } catch (e) {
      if (!isTransientKeychainError(e)) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_PAUSE_MS);
      return call();
    }
  }

  private entry(account: string): Entry {
    return new (this.load().Entry)(this.service, account, ENTRY_OPTIONS);
  }
}

export const KEYCHAIN_FIX_HINT =
  'Fix it in one of two ways: (1) run Harvest in a desktop session with an unlocked OS keychain (macOS Keychain, Windows Credential Manager, or a Secret Service such as gnome-keyring on Linux), or (2) on a headless server, set HARVEST_MASTER_KEY to 64 hex characters (e.g. from `openssl rand -hex 32`) and keep that value safe.';

export function keychainUnavailable(cause: unknown): HarvestError {
  // Already the precise reason (loadKeyring: no binary for this system): keep it.
  if (cause instanceof HarvestError && cause.code === 'KEYCHAIN_UNAVAILABLE') return cause;
  return new HarvestError(
    'KEYCHAIN_UNAVAILABLE',
    `No master key: the OS keychain is not available and HARVEST_MASTER_KEY is not set. ${KEYCHAIN_FIX_HINT}`,
    { cause },
  );
}
