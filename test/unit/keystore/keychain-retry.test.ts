/**
 * The OS keychain call retried once when the Secret Service went away mid-call (its daemon
 * crashed; D-Bus starts it again on the next call), and never otherwise: a keychain that is
 * really unavailable, or fails twice, still fails closed.
 */
import type * as KeyringTypes from '@napi-rs/keyring';
import { describe, expect, it } from 'vitest';
import { isTransientKeychainError, OsKeychain } from '../../../engine/keystore/keychain';

const DROPPED = 'Platform failure: DBus error: Message recipient disconnected from message bus without replying';
const GONE = 'Platform failure: DBus error: The name org.freedesktop.secrets was not provided by any .service files';
const LOCKED = 'Platform failure: The keyring is locked';

/** A keyring module whose entries fail with the given errors, in order, before answering from a map. */
function fakeKeyring(failures: string[]): { module: typeof KeyringTypes; calls: () => number } {
  const store = new Map<string, string>();
  let calls = 0;
  const step = <T>(answer: () => T): T => {
    calls++;
    const f = failures.shift();
    if (f) throw new Error(f);
    return answer();
  };
  class Entry {
    constructor(
      private readonly service: string,
      private readonly account: string,
    ) {}
    getPassword(): string | undefined {
      return step(() => store.get(`${this.service}/${this.account}`));
    }
    setPassword(v: string): void {
      step(() => store.set(`${this.service}/${this.account}`, v));
    }
    deletePassword(): boolean {
      return step(() => store.delete(`${this.service}/${this.account}`));
    }
  }
  return { module: { Entry } as unknown as typeof KeyringTypes, calls: () => calls };
}

describe('OsKeychain and a Secret Service that drops a call', () => {
  it('a call dropped by a crashing daemon is made once more and answers', () => {
    const k = fakeKeyring([DROPPED]);
    const chain = new OsKeychain('Harvest-test', () => k.module);
    chain.set('a', 'secret');
    expect(k.calls()).toBe(2);
    expect(chain.get('a')).toBe('secret');
    expect(k.calls()).toBe(3);
  });

  it('a daemon not running now (D-Bus starts it on the next call) is asked once more', () => {
    const k = fakeKeyring([GONE]);
    const chain = new OsKeychain('Harvest-test', () => k.module);
    expect(chain.get('missing')).toBeNull();
    expect(k.calls()).toBe(2);
  });

  it('fails closed: any other error at once, and a second drop as it is', () => {
    const locked = fakeKeyring([LOCKED]);
    expect(() => new OsKeychain('Harvest-test', () => locked.module).get('a')).toThrow(/locked/u);
    expect(locked.calls()).toBe(1);
    const twice = fakeKeyring([DROPPED, DROPPED]);
    expect(() => new OsKeychain('Harvest-test', () => twice.module).get('a')).toThrow(/disconnected/u);
    expect(twice.calls()).toBe(2);
  });

  it('names exactly the transient D-Bus failures', () => {
    expect(isTransientKeychainError(new Error(DROPPED))).toBe(true);
    expect(isTransientKeychainError(new Error(GONE))).toBe(true);
    expect(isTransientKeychainError(new Error(LOCKED))).toBe(false);
    expect(isTransientKeychainError(new Error('No matching entry found in secure storage'))).toBe(false);
  });
});
