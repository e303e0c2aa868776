/**
 * Issue 18 point 7: `npm run smoke:electron`. Here Electron's binary was never
 * downloaded, so the script skips with the reason and how to get it (exit 0;
 * --strict makes a skip a failure). Where a binary exists it launches it on the
 * built main with a throw-away data folder on the sandbox and reports the
 * screenshot; a FAKE Electron (HARVEST_ELECTRON_BINARY, a small node script)
 * plays the app: it checks what it was given and writes the PNG, or does not.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const script = join(root, 'scripts', 'smoke-electron.mjs');
const electronInstalled = existsSync(join(root, 'node_modules', 'electron', 'path.txt'));

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hv-smoke-script-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const base = { ...process.env };
  delete base['HARVEST_ELECTRON_BINARY'];
  delete base['HARVEST_SMOKE_STRICT'];
  const r = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A stand-in for Electron's binary: records its arguments and environment to record.json, then
 * does what `body` says (write the PNG, or not).
 */
function fakeElectron(body: string): { binary: string; record: () => Record<string, unknown> } {
  const binary = join(dir, 'electron');
  const record = join(dir, 'record.json');
  writeFileSync(
    binary,
    `#!${process.execPath}
const fs = require('fs');
const env = process.env;
fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({
  args: process.argv.slice(2),
  dataDir: env.HARVEST_DATA_DIR,
  dataDirParentExists: fs.existsSync(require('path').dirname(env.HARVEST_DATA_DIR)),
  network: env.HARVEST_NETWORK,
  screenshot: env.HARVEST_SMOKE_SCREENSHOT,
  masterKey: env.HARVEST_MASTER_KEY,
  rendererUrl: env.ELECTRON_RENDERER_URL ?? null,
}));
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 7)]);
${body}
`,
  );
  chmodSync(binary, 0o755);
  return { binary, record: () => JSON.parse(readFileSync(record, 'utf8')) as Record<string, unknown> };
}

/** A display is there (the fake needs none), so no xvfb-run is involved. */
const withDisplay = { DISPLAY: ':99', ELECTRON_RENDERER_URL: 'http://localhost:5173' };

describe('where Electron is not installed (here)', () => {
  it.skipIf(electronInstalled)('skips with the reason and how to get Electron, exit 0; --strict fails', () => {
    const r = run([], {});
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/^smoke:electron skipped: Electron's binary is not installed here \(/u);
    expect(r.stdout).toContain('`node node_modules/electron/install.js` on a machine that can download it');

    const strict = run(['--strict'], {});
    expect(strict.status).not.toBe(0);
    expect(strict.stdout).toMatch(/^smoke:electron skipped:/u);
    expect(run([], { HARVEST_SMOKE_STRICT: '1' }).status).not.toBe(0);
  });
});

describe('with an Electron binary (a fake)', () => {
  it('launches the built main on a throw-away data folder on the sandbox and reports the screenshot', () => {
    const fake = fakeElectron(`fs.writeFileSync(env.HARVEST_SMOKE_SCREENSHOT, PNG); process.exit(0);`);
    const r = run(['--no-build'], { ...withDisplay, HARVEST_ELECTRON_BINARY: fake.binary });
    expect(r.stderr).not.toContain('failed');
    expect(r.status).toBe(0);
    const seen = fake.record();
    expect((seen['args'] as string[])[0]).toBe(join(root, 'out', 'main', 'main.js'));
    expect(seen['network']).toBe('sandbox');
    expect(seen['dataDir']).toMatch(/harvest-smoke-[^/\\]+[/\\]data$/u);
    expect(seen['dataDirParentExists']).toBe(true);
    expect(seen['masterKey']).toMatch(/^[0-9a-f]{64}$/u);
    expect(seen['rendererUrl']).toBeNull();
    const png = seen['screenshot'] as string;
    expect(r.stdout).toContain(`smoke:electron passed: first paint in ${png} (72 bytes)`);
    // The data folder is thrown away; the screenshot is kept for a look.
    expect(existsSync(dirname(seen['dataDir'] as string))).toBe(false);
    expect(existsSync(png)).toBe(true);
    rmSync(png);
  });

  it('an app that exits 0 without a screenshot fails the smoke test', () => {
    const fake = fakeElectron(`process.exit(0);`);
    const r = run(['--no-build'], { ...withDisplay, HARVEST_ELECTRON_BINARY: fake.binary });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/smoke:electron failed: no screenshot was written to .+ \(the app exited 0\)/u);
    expect(existsSync(dirname(fake.record()['dataDir'] as string))).toBe(false);
  });

  it('an app that crashes, or writes an empty file, fails', () => {
    const crash = fakeElectron(`process.exit(3);`);
    const r = run(['--no-build'], { ...withDisplay, HARVEST_ELECTRON_BINARY: crash.binary });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the app exited with code 3');

    const empty = fakeElectron(`fs.writeFileSync(env.HARVEST_SMOKE_SCREENSHOT, ''); process.exit(0);`);
    const e = run(['--no-build'], { ...withDisplay, HARVEST_ELECTRON_BINARY: empty.binary });
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/the screenshot .+ is empty/u);
  });

  it.runIf(process.platform === 'linux')('Linux without a display or xvfb-run: says which package to install', () => {
    const fake = fakeElectron(`process.exit(0);`);
    // A PATH with node only: no xvfb-run on it.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const env = { HARVEST_ELECTRON_BINARY: fake.binary, DISPLAY: '', WAYLAND_DISPLAY: '', PATH: bin };
    const r = run(['--no-build'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^smoke:electron skipped: there is no display .*apt-get install xvfb/u);
    expect(existsSync(join(dir, 'record.json'))).toBe(false);
    expect(run(['--no-build', '--strict'], env).status).toBe(1);
  });
});
