/**
 * Issue 10, point 9 from the command line: `harvest breaker status` reads the
 * global breaker's state from the database (another process may have tripped
 * it) and `harvest breaker resume` ends it early.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRun, hv, ok, useDataDirs } from './support';

const newDir = useDataDirs();

describe('harvest breaker', () => {
  it('status shows a trip recorded in the database; resume ends it early and says so', async () => {
    const dir = newDir();
    const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
    expect(ok(await hv(dir, ['--json', 'breaker', 'status'], { env }))).toMatchObject({
      tripped: false,
      settings: { failures: 5, windowSeconds: 60, cooldownMinutes: 15 },
    });

    // What the engine writes when it trips (engine/risk/global-breaker.ts), as another process would have.
    const until = new Date(Date.now() + 10 * 60_000).toISOString();
    const db = new Database(join(dir, 'harvest.db'));
    db.prepare("INSERT INTO meta (key, value) VALUES ('breaker.global', ?)").run(
      JSON.stringify({ trippedAt: new Date().toISOString(), until, failures: 5, userIds: [1, 2], reason: 'x' }),
    );
    db.close();

    const text = await hv(dir, ['breaker', 'status'], { env });
    expect(text.code, describeRun(text)).toBe(0);
    expect(text.stdout).toMatch(/TRIPPED/u);
    expect(text.stdout).toContain(until);

    expect(ok(await hv(dir, ['--json', 'breaker', 'resume'], { env }))).toMatchObject({ tripped: false });
    expect(ok(await hv(dir, ['--json', 'breaker', 'status'], { env }))).toMatchObject({ tripped: false });
    const events = ok<{ events: { type: string; payload: { by: string } }[] }>(
      await hv(dir, ['--json', 'events'], { env }),
    );
    expect(events.events.find((e) => e.type === 'breaker.globalReset')?.payload.by).toBe('operator');
  });
});
