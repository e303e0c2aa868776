/**
 * Issue 10, points 5 and 6: the data folder is private at every start, and
 * damaged data is never silently replaced. The real `harvest` command in child
 * processes, real SQLite files and the real OS keychain (run `npm run build:cli`
 * first).
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tightenDataDir, type PermissionFs } from '../../engine/kernel';
import { HarvestError } from '../../engine/kernel/errors';
import { keychainEntry } from '../helpers/datadir';
import { describeRun, hv, ok, useDataDirs, userError } from './support';

const PASS = 'correct horse battery staple';
const mode = (p: string): number => statSync(p).mode & 0o777;
const dataDir = useDataDirs();

/** A data directory in use: a user, a wallet, and so a master key in the keychain. */
async function initialised(): Promise<string> {
  const dir = dataDir();
  ok(await hv(dir, ['--json', 'user', 'add', 'Ana']));
  ok(await hv(dir, ['--json', 'wallet', 'create', 'Ana']));
  expect(keychainEntry(dir, 'primary')).not.toBeNull();
  return dir;
}

describe('the data folder is private', () => {
  test('an existing folder opened up (0755/0644, logs too) is tightened to 0700/0600 at the next start', async () => {
    const dir = await initialised();
    const outside = join(dirname(dir), 'outside.txt');
    writeFileSync(outside, 'not Harvest’s', { mode: 0o644 });
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(dir, 'link-to-outside'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'notes.txt'), 0o666);
    chmodSync(join(dir, 'harvest.db'), 0o644);
    chmodSync(join(dir, 'logs'), 0o755);
    chmodSync(join(dir, 'logs', 'harvest.log'), 0o644);

    ok(await hv(dir, ['--json', 'user', 'list']));
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'harvest.db'))).toBe(0o600);
    expect(mode(join(dir, 'notes.txt'))).toBe(0o600);
    expect(mode(join(dir, 'logs'))).toBe(0o700);
    expect(mode(join(dir, 'logs', 'harvest.log'))).toBe(0o600);
    // A symlink is not followed: what it points at outside the folder is left as it was.
    expect(mode(outside)).toBe(0o644);
  });

  test('a fresh folder has nothing readable by others after the first start (whatever the umask)', async () => {
    const dir = dataDir();
    ok(await hv(dir, ['--json', 'user', 'add', 'Ana']));
    expect(mode(dir)).toBe(0o700);
    for (const f of ['harvest.db', 'harvest.lock', join('logs', 'harvest.log')]) {
      expect(mode(join(dir, f)) & 0o077, f).toBe(0);
    }
  });

  test('where chmod fails or does not hold, the start is refused with the fix', () => {
    const files = new Map<string, { mode: number; dir: boolean }>([
      ['/d', { mode: 0o755, dir: true }],
      ['/d/harvest.db', { mode: 0o644, dir: false }],
    ]);
    const fat = (fail: boolean): PermissionFs => ({
      chmod: () => {
        if (fail) throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
      },
      mode: (p) => files.get(p) ?? null,
      list: (d) => (d === '/d' ? ['harvest.db'] : []),
    });
    for (const fail of [true, false]) {
      let thrown: unknown = null;
      try {
        tightenDataDir('/d', { platform: 'linux', fs: fat(fail) });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(HarvestError);
      const e = thrown as HarvestError;
      expect(e.code).toBe('REFUSED');
      expect(e.kind).toBe('user');
      expect(e.message).toContain('chmod 700 "/d" && chmod -R go-rwx "/d"');
      expect(e.message).toMatch(fail ? /EPERM/u : /still mode 755/u);
    }
    // Windows: the profile's ACLs do it; chmod is never attempted.
    const never: PermissionFs = {
      chmod: () => {
        throw new Error('called');
      },
      mode: () => {
        throw new Error('called');
      },
      list: () => [],
    };
    expect(() => tightenDataDir('/d', { platform: 'win32', fs: never })).not.toThrow();
  });
});

describe('damaged data is never silently replaced', () => {
  /** Exit 1 (a user error, not "Internal error") naming the file and the restore command; the file is untouched. */
  function refusedDamaged(r: Awaited<ReturnType<typeof hv>>, dir: string, what: RegExp): void {
    const line = userError(r, what);
    expect(line).not.toMatch(/Internal error/u);
    expect(line).toContain(join(dir, 'harvest.db'));
    expect(line).toContain(`harvest backup restore KIT_FILE --force --data-dir "${dir}"`);
  }

  test('an empty database next to the keychain entry is refused, and left as it is', async () => {
    const dir = await initialised();
    truncateSync(join(dir, 'harvest.db'), 0);
    rmSync(join(dir, 'harvest.db-wal'), { force: true });
    rmSync(join(dir, 'harvest.db-shm'), { force: true });
    const r = await hv(dir, ['user', 'list']);
    refusedDamaged(r, dir, /is empty, but the OS keychain holds this data directory's master key/u);
    expect(statSync(join(dir, 'harvest.db')).size).toBe(0);
    expect(existsSync(join(dir, 'harvest.db-wal'))).toBe(false);
  });

  test('a missing database next to the keychain entry is refused, and no new one is created', async () => {
    const dir = await initialised();
    for (const f of ['harvest.db', 'harvest.db-wal', 'harvest.db-shm']) rmSync(join(dir, f), { force: true });
    const r = await hv(dir, ['--json', 'user', 'list']);
    refusedDamaged(r, dir, /is missing, but the OS keychain holds/u);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'DATA_DAMAGED', kind: 'user' } });
    expect(existsSync(join(dir, 'harvest.db'))).toBe(false);
  });

  test('a missing database next to a kept-aside database is refused even with the key in HARVEST_MASTER_KEY', async () => {
    const dir = dataDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'harvest.db.before-restore-1767225600000'), 'an older database');
    const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
    const r = await hv(dir, ['user', 'list'], { env });
    refusedDamaged(r, dir, /there are backups here \(harvest\.db\.before-restore-1767225600000\)/u);
    expect(r.stderr).toContain('move a kept-aside database back');
    expect(existsSync(join(dir, 'harvest.db'))).toBe(false);
    // Without any backup, the same key starts a fresh directory as usual.
    const fresh = dataDir();
    ok(await hv(fresh, ['--json', 'user', 'add', 'Bo'], { env }));
  });

  test('a garbage file is a user error naming the file and the restore command, not "Internal error"', async () => {
    const dir = await initialised();
    const garbage = randomBytes(8192);
    writeFileSync(join(dir, 'harvest.db'), garbage);
    rmSync(join(dir, 'harvest.db-wal'), { force: true });
    const r = await hv(dir, ['user', 'list']);
    refusedDamaged(r, dir, /is damaged \(it is not a SQLite database\)/u);
    expect(readFileSync(join(dir, 'harvest.db')).equals(garbage)).toBe(true);
  });

  test('a truncated database is refused as damaged', async () => {
    const dir = await initialised();
    // Enough rows for a database of many pages, checkpointed into the main file.
    for (let i = 0; i < 3; i++) ok(await hv(dir, ['--json', 'user', 'add', `friend ${i} ${'x'.repeat(50)}`]));
    const db = join(dir, 'harvest.db');
    const size = statSync(db).size;
    expect(size, 'the database should span several pages').toBeGreaterThan(4 * 4096);
    truncateSync(db, Math.floor(size / 2 / 4096) * 4096);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    const r = await hv(dir, ['user', 'list']);
    refusedDamaged(r, dir, /is damaged \(it is truncated: \d+ bytes of \d+\)/u);
  });

  test('the restore command named in the message repairs it (the damaged file kept aside)', async () => {
    const dir = await initialised();
    const kit = join(dirname(dir), 'kit.hvb');
    ok(await hv(dir, ['--json', 'backup', 'create', kit], { input: `${PASS}\n` }));
    writeFileSync(join(dir, 'harvest.db'), 'not a database at all, but long enough to hold a header '.repeat(4));
    rmSync(join(dir, 'harvest.db-wal'), { force: true });
    rmSync(join(dir, 'harvest.db-shm'), { force: true });
    userError(await hv(dir, ['user', 'list']), /is damaged/u);
    // Without --force, restore says the file is damaged and keeps it.
    userError(await hv(dir, ['backup', 'restore', kit], { input: `${PASS}\n` }), /is damaged\. Pass --force/u);
    const restored = await hv(dir, ['--json', 'backup', 'restore', kit, '--force'], { input: `${PASS}\n` });
    expect(restored.code, describeRun(restored)).toBe(0);
    const users = ok<{ users: { name: string }[] }>(await hv(dir, ['--json', 'user', 'list']));
    expect(users.users.map((u) => u.name)).toEqual(['Ana']);
    // Seven CLI runs and two key stretchings: on 2 loaded cores (load 15-18) this took over the default 60 s.
  }, 180_000);
});
