/**
 * Issue 10, point 7, end to end: someone with the database file but not the
 * master key rewrites an audit row and recomputes the public SHA-256 chain
 * with a script; `harvest audit verify` still fails and names the row.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgeAuditRow } from '../helpers/audit-forge';
import { describeRun, hv, ok, useDataDirs } from './support';

const newDir = useDataDirs();

describe('harvest audit verify on a keyed chain', () => {
  it('names the row an attacker rewrote and re-chained with SHA-256', async () => {
    const dir = newDir();
    const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
    ok(await hv(dir, ['--json', 'user', 'add', 'alice'], { env }));
    ok(await hv(dir, ['--json', 'user', 'add', 'bob'], { env }));
    const before = ok<{ ok: boolean; rows: number }>(await hv(dir, ['--json', 'audit', 'verify'], { env }));
    expect(before).toMatchObject({ ok: true });
    expect(before.rows).toBeGreaterThanOrEqual(3);

    forgeAuditRow(join(dir, 'harvest.db'), 2);
    const json = await hv(dir, ['--json', 'audit', 'verify'], { env });
    expect(json.code, describeRun(json)).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstBadId: 2, problem: 'modified' });
    const text = await hv(dir, ['audit', 'verify'], { env });
    expect(text.code, describeRun(text)).toBe(1);
    expect(text.stdout + text.stderr).toMatch(/audit row 2 was modified/u);
  });
});
