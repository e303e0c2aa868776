import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_NAME = 'Harvest';

/** The same directory Electron's app.getPath('userData') gives, so the CLI and the desktop app share it. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['HARVEST_DATA_DIR']) return resolve(env['HARVEST_DATA_DIR']);
  const home = homedir();
  switch (process.platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_NAME);
    case 'win32':
      return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), APP_NAME);
    default:
      return join(env['XDG_CONFIG_HOME'] ?? join(home, '.config'), APP_NAME);
  }
}

/** Canonical absolute form, stable whether or not the directory exists yet. */
export function canonicalDataDir(dir: string): string {
  const abs = resolve(dir);
  return existsSync(abs) ? realpathSync(abs) : abs;
}

/** A short stable id for a data directory: keychain accounts and pipe names derive from it. */
export function dataDirId(dir: string): string {
  return createHash('sha256').update(canonicalDataDir(dir)).digest('hex').slice(0, 32);
}

export interface DataDirLayout {
  root: string;
  db: string;
  lock: string;
  owner: string;
  socket: string;
  logs: string;
}

export function dataDirLayout(dir: string): DataDirLayout {
  const root = canonicalDataDir(dir);
  const id = dataDirId(root);
  // Unix socket paths are limited to ~104 bytes; a named pipe on Windows.
  let socket = join(root, 'harvest.sock');
  if (process.platform === 'win32') socket = `\\\\.\\pipe\\harvest-${id}`;
  else if (Buffer.byteLength(socket) > 100) socket = join('/tmp', `harvest-${id}.sock`);
  return {
    root,
    db: join(root, 'harvest.db'),
    lock: join(root, 'harvest.lock'),
    owner: join(root, 'owner.json'),
    socket,
    logs: join(root, 'logs'),
  };
}
