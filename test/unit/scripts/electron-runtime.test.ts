/**
 * Issue 12 item 2: where Electron's binary is missing, `npm start` runs
 * Electron's own installer (with its output and a time limit) and launches the
 * app; it falls back to `harvest serve` only when the download fails, and says
 * why. Electron's real installer is replaced by stubs in a fake electron
 * package folder: one that "downloads" the binary, one that fails, one that hangs.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

type Ensure = (o: {
  dir: string | null;
  timeoutMs: number;
  log: (m: string) => void;
  stdio: 'ignore';
}) => Promise<{ binary?: string; missing?: string }>;
// Plain ESM run by `node` before anything is built; its helpers are exported for these tests.
const { ensureElectron } = (await import(
  join(import.meta.dirname, '..', '..', '..', 'scripts', 'electron-runtime.mjs')
)) as { ensureElectron: Ensure };

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hv-electron-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '45.0.0' }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An installer stub: `body` runs in place of Electron's download. */
function installer(body: string): void {
  writeFileSync(join(dir, 'install.js'), `const fs = require('fs'); const path = require('path');\n${body}\n`);
}

const SUCCEEDS = `
  fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '#!/bin/sh\\n', { mode: 0o755 });
  fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');
`;

describe('npm start and the Electron runtime', () => {
  it('a missing binary is downloaded by the installer, then launched', async () => {
    installer(SUCCEEDS);
    const logs: string[] = [];
    const r = await ensureElectron({ dir, timeoutMs: 30_000, log: (m) => logs.push(m), stdio: 'ignore' });
    expect(r).toEqual({ binary: join(dir, 'dist', 'electron') });
    expect(logs.join('\n')).toMatch(/downloading it now with Electron's installer/u);
  });

  it('a failed download: no binary, and the reason says so', async () => {
    installer(`console.error('getaddrinfo ENOTFOUND github.com'); process.exit(1);`);
    const r = await ensureElectron({ dir, timeoutMs: 30_000, log: () => undefined, stdio: 'ignore' });
    expect(r.binary).toBeUndefined();
    expect(r.missing).toMatch(/download failed \(installer exit 1/u);
  });

  it('a download that hangs is stopped at the time limit', async () => {
    installer(`setInterval(() => {}, 1000);`);
    const started = Date.now();
    const r = await ensureElectron({ dir, timeoutMs: 1_500, log: () => undefined, stdio: 'ignore' });
    expect(r.missing).toMatch(/did not finish within 2 s/u);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('an installer that exits 0 without a binary is not taken for a success', async () => {
    installer('');
    const r = await ensureElectron({ dir, timeoutMs: 30_000, log: () => undefined, stdio: 'ignore' });
    expect(r.missing).toMatch(/installer finished but its binary has not been downloaded/u);
  });

  it('an installed binary is used without running the installer', async () => {
    installer(`process.exit(3);`);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'electron'), '');
    writeFileSync(join(dir, 'path.txt'), 'electron');
    const logs: string[] = [];
    const r = await ensureElectron({ dir, timeoutMs: 30_000, log: (m) => logs.push(m), stdio: 'ignore' });
    expect(r.binary).toBe(join(dir, 'dist', 'electron'));
    expect(logs).toEqual([]);
    expect(existsSync(join(dir, 'install.js'))).toBe(true);
  });

  it('no electron package at all: the reason, and no installer', async () => {
    const r = await ensureElectron({ dir: null, timeoutMs: 30_000, log: () => undefined, stdio: 'ignore' });
    expect(r.missing).toMatch(/electron package is not installed/u);
  });
});
