/**
 * The single-source price opt-in from the command line (issue #10, item 2): the real `harvest`
 * bundle in a child process, a real SQLite file, HARVEST_MASTER_KEY instead of a keychain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, Store } from '../../engine/store';
import { json, runHarvest } from '../helpers/cli';

const BONK = 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263';
const parent = mkdtempSync(join(tmpdir(), 'hv-oracle-cli-'));
const dataDir = join(parent, 'data');
const env = { HARVEST_MASTER_KEY: randomBytes(32).toString('hex') };
const harvest = (...args: string[]) => runHarvest(['--data-dir', dataDir, ...args], { env });

afterAll(() => rmSync(parent, { recursive: true, force: true }));

function allowedInDb(): string[] {
  const store = new Store(openDatabase(join(dataDir, 'harvest.db'), { nowIso: new Date().toISOString() }));
  try {
    return store.priceTrust.list().map((t) => t.mint);
  } finally {
    store.close();
  }
}

describe('harvest token allow / disallow', () => {
  it('needs the explicit --single-source-price flag for a mint never checked', async () => {
    const r = await harvest('token', 'allow', BONK);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/never checked\. Add it first \(harvest token add/);
  });

  it('persists the opt-in in the database, refuses it for an oracle token, and takes it back', async () => {
    const ok = await harvest('token', 'allow', BONK, '--single-source-price');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/single-source price/);
    expect(allowedInDb()).toEqual([BONK]);

    const sol = await harvest('token', 'allow', 'So11111111111111111111111111111111111111112', '--single-source-price');
    expect(sol.code).toBe(1);
    expect(sol.stderr).toMatch(/SOL has an on-chain oracle \(Crypto\.SOL\/USD\)/);

    const bad = await harvest('token', 'allow', 'not-a-mint', '--single-source-price');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/mint address/);

    const off = await harvest('--json', 'token', 'disallow', BONK);
    expect(json(off)).toEqual({ mint: BONK, singleSourcePrice: false });
    expect(allowedInDb()).toEqual([]);
  });
});
