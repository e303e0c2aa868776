/**
 * `harvest telegram ...` (issue #15, point 7) in the real command: the token
 * from stdin into the OS keychain (never the database or the logs), status,
 * a link code, permissions, unlink and the Bot API root.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRun, hv, ok, useDataDirs } from './support';

const newDir = useDataDirs();
const TOKEN = `987654321:${randomBytes(24).toString('base64url')}`;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('harvest telegram', () => {
  it('stores the token from stdin in the keychain only, and manages links and permissions', async () => {
    const dir = newDir();
    const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
    ok(await hv(dir, ['--json', 'user', 'add', 'ana'], { env }));
    try {
      const stored = await hv(dir, ['telegram', 'token'], { env, input: `${TOKEN}\n` });
      expect(stored.code, describeRun(stored)).toBe(0);
      expect(stored.stdout).toContain('Bot token stored in the OS keychain.');
      expect(ok(await hv(dir, ['--json', 'telegram', 'status'], { env }))).toMatchObject({
        configured: true,
        running: false,
        state: 'off',
        apiRoot: 'https://api.telegram.org',
        linkedFriends: 0,
      });

      const link = ok<{ code: string; command: string }>(await hv(dir, ['--json', 'telegram', 'link', 'ana'], { env }));
      expect(link.code).toMatch(/^[A-Z2-9]{10}$/u);
      expect(link.command).toBe(`/start ${link.code}`);

      const perms = await hv(dir, ['telegram', 'permissions', 'ana', 'trade,withdraw'], { env });
      expect(perms.code, describeRun(perms)).toBe(0);
      expect(perms.stdout).toContain('May:      view, trade, withdraw');
      const refused = await hv(dir, ['telegram', 'permissions', 'ana', 'export'], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/permissions/u);
      expect(ok(await hv(dir, ['--json', 'telegram', 'permissions', 'ana'], { env }))).toMatchObject({
        linked: false,
        permissions: ['view', 'trade', 'withdraw'],
      });

      expect(ok(await hv(dir, ['--json', 'telegram', 'api-root', 'http://127.0.0.1:8081'], { env }))).toEqual({
        apiRoot: 'http://127.0.0.1:8081',
      });
      expect((await hv(dir, ['telegram', 'api-root', 'ftp://example.org/'], { env })).code).toBe(1);
      expect((await hv(dir, ['telegram', 'unlink', 'ana'], { env })).stdout).toContain('Nothing was linked.');

      // The token is in the keychain, nowhere in the data folder (database, WAL, logs).
      for (const f of filesUnder(dir)) expect(readFileSync(f).includes(TOKEN), f).toBe(false);
      const audit = ok<{ entries: { action: string }[] }>(await hv(dir, ['--json', 'audit', 'list'], { env }));
      expect(audit.entries.map((e) => e.action)).toEqual(
        expect.arrayContaining(['telegram.token', 'telegram.codeIssued', 'telegram.permissions', 'telegram.apiRoot']),
      );
    } finally {
      await hv(dir, ['telegram', 'token', '--clear'], { env });
    }
    expect(ok(await hv(dir, ['--json', 'telegram', 'status'], { env }))).toMatchObject({ configured: false });
  });
});
