import { rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { DataDirLayout } from './paths';
import { readOwner, type OwnerInfo } from './owner-file';

export { readOwner, type OwnerInfo } from './owner-file';

/**
 * One owner per data directory. The lock is an exclusive SQLite lock on
 * harvest.lock, i.e. an OS file lock: the kernel drops it when the owning
 * process dies, however it dies, so a stale lock cannot outlive a crash.
 * owner.json says who holds it (for forwarding and for messages); a leftover
 * owner.json from a killed process is simply overwritten by the next owner.
 */
export class OwnerLock {
  private constructor(
    private readonly db: Database.Database,
    private readonly layout: DataDirLayout,
    readonly previous: OwnerInfo | null,
  ) {}

  static tryAcquire(layout: DataDirLayout, info: OwnerInfo): OwnerLock | null {
    const db = new Database(layout.lock, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER)');
      db.exec('COMMIT');
    } catch (e) {
      db.close();
      if (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('SQLITE_BUSY')) {
        return null;
      }
      throw e;
    }
    const previous = readOwner(layout);
    writeFileSync(layout.owner, JSON.stringify(info), { mode: 0o600 });
    return new OwnerLock(db, layout, previous && previous.pid !== info.pid ? previous : null);
  }

  update(info: OwnerInfo): void {
    writeFileSync(this.layout.owner, JSON.stringify(info), { mode: 0o600 });
  }

  release(): void {
    if (!this.db.open) return;
    rmSync(this.layout.owner, { force: true });
    this.db.close();
  }
}
