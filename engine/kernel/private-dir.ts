import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { HarvestError } from './errors';

/** The file-system calls used (replaceable in tests, to play a disk where chmod does not hold). */
export interface PermissionFs {
  chmod(path: string, mode: number): void;
  /** Permission bits of a path, without following a symlink; null for a symlink (left alone). */
  mode(path: string): { mode: number; dir: boolean } | null;
  list(dir: string): string[];
}

const nodeFs: PermissionFs = {
  chmod: (p, m) => chmodSync(p, m),
  mode: (p) => {
    const s = lstatSync(p);
    return s.isSymbolicLink() ? null : { mode: s.mode & 0o777, dir: s.isDirectory() };
  },
  list: (d) => readdirSync(d),
};

/**
 * Makes a data directory private to the operator's account at every start:
 * the directory and its subdirectories 0700, every file 0600. The database
 * holds sealed wallet secrets and the audit log; a copy readable by other
 * accounts invites an offline attack, and files an older build (or the
 * umask) created 0644 would otherwise stay that way. Symlinks are not
 * followed: tightening must never reach outside the directory.
 *
 * Where the bits do not hold (chmod fails, or a disk such as FAT/exFAT or a
 * network share ignores it), the start is refused with the fix, not run with
 * the folder open. On Windows the per-user profile's ACLs do this job and
 * chmod only toggles read-only, so nothing is done there.
 */
export function tightenDataDir(root: string, opts: { platform?: NodeJS.Platform; fs?: PermissionFs } = {}): void {
  if ((opts.platform ?? process.platform) === 'win32') return;
  const fs = opts.fs ?? nodeFs;
  const open: string[] = [];
  const visit = (path: string, depth: number): void => {
    const st = fs.mode(path);
    if (st === null) return;
    const want = st.dir ? 0o700 : 0o600;
    if (st.mode !== want) {
      try {
        fs.chmod(path, want);
      } catch (e) {
        open.push(`${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        return;
      }
      const after = fs.mode(path);
      if (after !== null && (after.mode & 0o077) !== 0) open.push(`${path} (still mode ${after.mode.toString(8)})`);
    }
    // The folder's own entries, and inside logs/; deeper trees are not Harvest's to change (a data
    // directory pointed by mistake at a folder with other things in it must not be rewritten wholesale).
    if (st.dir && (depth === 0 || (depth === 1 && path.endsWith(`${sep}logs`))))
      for (const name of fs.list(path)) visit(join(path, name), depth + 1);
  };
  visit(root, 0);
  if (open.length > 0) {
    throw new HarvestError(
      'REFUSED',
      `Harvest could not make its data folder private to your account: ${open.slice(0, 3).join(', ')}${open.length > 3 ? ` and ${open.length - 3} more` : ''}. Fix it with \`chmod 700 "${root}" && chmod -R go-rwx "${root}"\` (as the folder's owner), or choose a data folder on a disk that keeps Unix permissions (--data-dir or HARVEST_DATA_DIR).`,
    );
  }
}
