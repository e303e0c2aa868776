/**
 * Development only. node_modules' better-sqlite3 is compiled for Node (so
 * `npm test` works), and it is not a Node-API module, so Electron cannot load
 * that build. `npm run start:electron` (build/electron-dev.mjs) builds an
 * Electron copy under node_modules/.cache/ and names it in this variable; the
 * main process then loads that copy instead. Packaged apps never need it:
 * electron-builder rebuilt the packaged copy for Electron.
 * (@napi-rs/keyring and litesvm are Node-API modules and load as they are.)
 */
export const SQLITE_BINDING_ENV = 'HARVEST_ELECTRON_SQLITE_BINDING';

const SQLITE_ADDON = /[\\/]better-sqlite3[\\/]build[\\/]Release[\\/]better_sqlite3\.node$/u;

type Dlopen = (module: object, filename: string, flags?: number) => void;

/**
 * Makes the next load of better-sqlite3's addon use `binding` instead.
 * better-sqlite3 loads its addon lazily (first `new Database()`), through
 * Node's '.node' loader, which calls process.dlopen at that moment.
 */
export function redirectSqliteBinding(binding: string | undefined, proc: { dlopen: Dlopen } = process): boolean {
  if (!binding) return false;
  const original = proc.dlopen.bind(proc);
  proc.dlopen = (module, filename, flags) => original(module, SQLITE_ADDON.test(filename) ? binding : filename, flags);
  return true;
}
