import { existsSync, readFileSync } from 'node:fs';
import type { DataDirLayout } from './paths';

// Reading owner.json needs no SQLite: a CLI call forwarded to a running engine
// checks it first and should not load the native addon for that (issue 12, item 5).

export interface OwnerInfo {
  pid: number;
  kind: 'engine' | 'cli';
  /** Set when the owner serves the control channel (a running engine). */
  socket: string | null;
  startedAt: string;
}

export function readOwner(layout: DataDirLayout): OwnerInfo | null {
  if (!existsSync(layout.owner)) return null;
  try {
    return JSON.parse(readFileSync(layout.owner, 'utf8')) as OwnerInfo;
  } catch {
    return null;
  }
}
