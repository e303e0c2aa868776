import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HarvestError } from '../kernel/errors';

/**
 * What is at the database path before Harvest opens it. A damaged file is
 * refused (never migrated over or replaced); 'missing' and 'empty' are left
 * to the caller, which knows whether a new database there would silently
 * stand in for one that was lost.
 */
export type DatabaseFileState = 'missing' | 'empty' | 'present';

/** The restore command a damage message names (the damaged file is kept aside by --force). */
export function restoreHint(dataDir: string): string {
  return `harvest backup restore KIT_FILE --force --data-dir "${dataDir}"`;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/**
 * Inspects the file without writing to it: the SQLite header's magic and, when
 * the header's page count is valid, that the file is as long as it says
 * (a truncated copy fails here, at once, rather than on the first page read
 * deep inside some command). Throws DATA_DAMAGED naming the file and the fix.
 */
export function inspectDatabaseFile(file: string, dataDir: string): DatabaseFileState {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  if (size === 0) return 'empty';
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(file, 'r');
  let got: number;
  try {
    got = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (got < HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw damaged(file, dataDir, 'it is not a SQLite database');
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const pages = header.readUInt32BE(28);
  // The page count is only meaningful when "version-valid-for" matches the change counter.
  const countValid = header.readUInt32BE(92) === header.readUInt32BE(24);
  if (countValid && pages > 0 && size < pageSize * pages) {
    throw damaged(file, dataDir, `it is truncated: ${size} bytes of ${pageSize * pages}`);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const tables = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    return tables.n === 0 ? 'empty' : 'present';
  } catch (e) {
    throw asDatabaseDamage(e, file, dataDir) ?? e;
  } finally {
    db?.close();
  }
}

/** SQLite's codes for a file that is not, or no longer, a readable database. */
export function isDatabaseDamage(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/** The user error for a SQLite corruption error, or null for any other error. */
export function asDatabaseDamage(e: unknown, file: string, dataDir: string): HarvestError | null {
  if (e instanceof HarvestError) return null;
  if (!isDatabaseDamage(e)) return null;
  return damaged(file, dataDir, `SQLite says: ${(e as Error).message}`);
}

function damaged(file: string, dataDir: string, why: string): HarvestError {
  return new HarvestError(
    'DATA_DAMAGED',
    `The database ${file} is damaged (${why}). Harvest will not open or replace it. Restore it from your recovery kit with \`${restoreHint(dataDir)}\`; the damaged file is kept aside, not deleted.`,
  );
}
