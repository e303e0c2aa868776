/**
 * Settings parsed once per change: userSettingsOf returns the same parsed
 * (frozen) settings while the row's version is unchanged, and the new ones as
 * soon as a change bumps it.
 */
import { describe, expect, it } from 'vitest';
import { isoTime, ManualClock } from '../../../engine/kernel/clock';
import { openDatabase, Store } from '../../../engine/store';
import { defaultUserSettings, userSettingsOf, UserSettingsSchema } from '../../../engine/users';

describe('userSettingsOf', () => {
  it('parses a friend’s settings once per version and follows every change', () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const store = new Store(openDatabase(':memory:', { nowIso: isoTime(clock) }));
    const a = store.users.insert('a', isoTime(clock));
    const b = store.users.insert('b', isoTime(clock));
    store.settings.insert(a.id, { ...defaultUserSettings(), slippageBps: 75 }, isoTime(clock));

    const first = userSettingsOf(store, a.id);
    expect(first).toEqual(UserSettingsSchema.parse({ ...defaultUserSettings(), slippageBps: 75 }));
    expect(userSettingsOf(store, a.id)).toBe(first); // no new parse while the version stands
    expect(Object.isFrozen(first) && Object.isFrozen(first.risk)).toBe(true);

    expect(store.settings.update(a.id, 1, { ...defaultUserSettings(), slippageBps: 120 }, isoTime(clock))).toBe(true);
    const second = userSettingsOf(store, a.id);
    expect(second).not.toBe(first);
    expect(second.slippageBps).toBe(120);

    // A friend without a settings row gets the defaults, and one added later is read then.
    expect(userSettingsOf(store, b.id)).toEqual(UserSettingsSchema.parse({}));
    store.settings.insert(b.id, { ...defaultUserSettings(), slippageBps: 33 }, isoTime(clock));
    expect(userSettingsOf(store, b.id).slippageBps).toBe(33);
    store.close();
  });
});
