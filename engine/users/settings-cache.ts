/**
 * A friend's settings parsed once per change instead of once per use: the
 * trading cycle reads them for every friend, entry check and exit, and each
 * read used to JSON-parse the row and run the zod schema. The settings row's
 * version goes up on every change (optimistic locking), so a cached parse is
 * current exactly while its version is the stored one; checking that is one
 * indexed lookup of an integer.
 */
import type { SettingsRepo } from '../store/settings-repo';
import { UserSettingsSchema, type UserSettings } from './settings';

interface Entry {
  version: number | null;
  settings: Readonly<UserSettings>;
}

/** Per repository (one per open database), so two engines in a process never share entries. */
const caches = new WeakMap<SettingsRepo, Map<number, Entry>>();

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/**
 * A friend's settings as the schema parses them (defaults filled in), from a
 * cache while the stored version is unchanged. The result is frozen: copy it
 * ({ ...settings }) to change it; never mutate it.
 */
export function userSettingsOf(store: { settings: SettingsRepo }, userId: number): Readonly<UserSettings> {
  const repo = store.settings;
  let cache = caches.get(repo);
  if (!cache) caches.set(repo, (cache = new Map()));
  const version = repo.versionOf(userId);
  const hit = cache.get(userId);
  if (hit && hit.version === version) return hit.settings;
  const row = repo.get(userId);
  const settings = deepFreeze(UserSettingsSchema.parse(row?.settings ?? {}));
  cache.set(userId, { version: row?.version ?? null, settings });
  return settings;
}
