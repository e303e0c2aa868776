import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-stub')).electronModule);

import { defaultPaths } from '../../../electron/main';
import { redirectSqliteBinding, SQLITE_BINDING_ENV } from '../../../electron/native';

const root = join(import.meta.dirname, '..', '..', '..');
const run = promisify(execFile);

interface BuilderConfig {
  appId: string;
  productName: string;
  extraMetadata: { main: string; type: string };
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  npmRebuild: boolean;
  buildDependenciesFromSource: boolean;
  linux: { target: string[] };
  mac: { target: string[] };
  win: { target: string[] };
}
const config = JSON.parse(readFileSync(join(root, 'build', 'electron-builder.json'), 'utf8')) as BuilderConfig;

// build/dist.mjs is plain ESM for `npm run dist`; its helpers are exported for these tests.
type Dist = {
  preflight(o: {
    args?: string[];
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    fetchImpl?: typeof fetch;
  }): Promise<string | null>;
  productionPackages(dir?: string): string[];
  stagedPackageJson(dir?: string): Record<string, unknown>;
  electronVersion(dir?: string): string | null;
  targets(args: string[], platform?: string, arch?: string): { platforms: string[]; archs: string[] };
  missingNativeBinaries(o: {
    platforms: string[];
    archs: string[];
    hostPlatform?: string;
    hostArch?: string;
    dir?: string;
  }): string[];
  macSigning(env: NodeJS.ProcessEnv): { mode: string; args: string[]; note: string };
};
const dist = (await import(join(root, 'build', 'dist.mjs'))) as Dist;

const scratch: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});
function scratchDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hv-dist-'));
  scratch.push(d);
  return d;
}

describe('electron-builder config', () => {
  it('names the app and builds AppImage + deb, dmg and nsis into an asar', () => {
    expect(config.appId).toBe('app.harvest.desktop');
    expect(config.productName).toBe('Harvest');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('rebuilds native modules for Electron at packaging time, from prebuilt binaries when there are some', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(false);
  });

  it('packs what the main process loads, where it looks for it', async () => {
    expect(config.extraMetadata).toEqual({ main: 'out/main/main.js', type: 'module' });
    for (const dir of ['out/main/', 'out/preload/', 'dist/renderer/', 'resources/market/']) {
      expect(config.files.some((f) => f.startsWith(dir))).toBe(true);
    }
    // main.js finds the preload and the renderer next to itself, inside app.asar too.
    const p = defaultPaths(`file:///app/${config.extraMetadata.main}`);
    expect(p).toEqual({ preload: '/app/out/preload/preload.cjs', rendererDir: '/app/dist/renderer' });

    // And electron-vite 6 builds exactly those files.
    const { resolveConfig } = await import('electron-vite');
    // resolveConfig sets NODE_ENV, and loading our config sets ELECTRON_ENTRY: restored after this test.
    vi.stubEnv('NODE_ENV', process.env['NODE_ENV']);
    vi.stubEnv('ELECTRON_ENTRY', undefined);
    const resolved = await resolveConfig(
      { configFile: join(root, 'electron.vite.config.ts'), logLevel: 'silent' },
      'build',
      'production',
    );
    const c = resolved.config as Record<
      'main' | 'preload' | 'renderer',
      {
        root?: string;
        base?: string;
        build: {
          outDir: string;
          rolldownOptions: { input: Record<string, string> | string; output: Record<string, string> };
        };
      }
    >;
    expect(relative(root, c.main.build.outDir)).toBe('out/main');
    expect(Object.keys(c.main.build.rolldownOptions.input as object)).toEqual(['main']);
    expect(c.main.build.rolldownOptions.output).toMatchObject({
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
    });
    expect(relative(root, c.preload.build.outDir)).toBe('out/preload');
    expect(Object.keys(c.preload.build.rolldownOptions.input as object)).toEqual(['preload']);
    // Sandboxed preloads cannot be ES modules.
    expect(c.preload.build.rolldownOptions.output).toMatchObject({ format: 'cjs', entryFileNames: '[name].cjs' });
    expect(relative(root, c.renderer.build.outDir)).toBe('dist/renderer');
    expect(relative(root, c.renderer.root ?? '')).toBe('renderer');
    expect(c.renderer.base).toBe('./');
    expect(relative(root, process.env['ELECTRON_ENTRY'] ?? '')).toBe(config.extraMetadata.main);
  });

  it('npm scripts: dist runs build/dist.mjs, start:electron runs electron-vite dev through build/electron-dev.mjs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['dist']).toBe('node build/dist.mjs');
    expect(pkg.scripts['start:electron']).toBe('node build/electron-dev.mjs');
  });
});

describe('npm run dist: native binaries and signing', () => {
  /** A checkout whose node_modules has the given packages (just their folders, with litesvm's real list). */
  function checkout(pkgs: string[]): string {
    const d = scratchDir();
    for (const p of pkgs) mkdirSync(join(d, 'node_modules', p), { recursive: true });
    mkdirSync(join(d, 'node_modules', 'litesvm'), { recursive: true });
    writeFileSync(
      join(d, 'node_modules', 'litesvm', 'package.json'),
      readFileSync(join(root, 'node_modules', 'litesvm', 'package.json')),
    );
    return d;
  }
  const linuxX64 = ['@napi-rs/keyring-linux-x64-gnu', 'litesvm-linux-x64-gnu'];

  it("this machine's own target: nothing missing", () => {
    const dir = checkout(linuxX64);
    expect(
      dist.missingNativeBinaries({ platforms: ['linux'], archs: ['x64'], hostPlatform: 'linux', hostArch: 'x64', dir }),
    ).toEqual([]);
  });

  it('another architecture or OS: refused, naming every missing binary', () => {
    const dir = checkout(linuxX64);
    const arm = dist.missingNativeBinaries({
      platforms: ['linux'],
      archs: ['arm64'],
      hostPlatform: 'linux',
      hostArch: 'x64',
      dir,
    });
    expect(arm.join('\n')).toMatch(/better-sqlite3 for linux-arm64/u);
    expect(arm.join('\n')).toMatch(/@napi-rs\/keyring-linux-arm64-gnu is not installed/u);
    expect(arm.join('\n')).toMatch(/litesvm-linux-arm64-gnu is not installed/u);
    const mac = dist.missingNativeBinaries({
      platforms: ['darwin'],
      archs: ['arm64'],
      hostPlatform: 'linux',
      hostArch: 'x64',
      dir,
    });
    expect(mac).toHaveLength(3);
    // Windows: litesvm publishes no binary at all, so none is required (the app runs the paper sandbox).
    const win = dist.missingNativeBinaries({
      platforms: ['win32'],
      archs: ['x64'],
      hostPlatform: 'win32',
      hostArch: 'x64',
      dir: checkout(['@napi-rs/keyring-win32-x64-msvc']),
    });
    expect(win).toEqual([]);
  });

  it('the command refuses before building anything', async () => {
    const r = await run(
      process.execPath,
      [join(root, 'build', 'dist.mjs'), '--preflight-only', '--linux', process.arch === 'arm64' ? '--x64' : '--arm64'],
      {
        cwd: root,
        env: { PATH: process.env['PATH'], HOME: scratchDir() },
        timeout: 30_000,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/native binaries are not present/u);
    expect(r.stderr).toMatch(/@napi-rs\/keyring/u);
    expect(r.stderr).toContain('Nothing was built');
  });

  it('macOS: ad-hoc signed without an identity; signed, and notarized with Apple credentials, from the environment', () => {
    const adhoc = dist.macSigning({});
    expect(adhoc.mode).toBe('ad-hoc');
    expect(adhoc.args).toContain('-c.mac.identity=-');
    expect(dist.macSigning({ CSC_LINK: 'cert.p12', CSC_KEY_PASSWORD: 'x' }).mode).toBe('signed');
    const full = dist.macSigning({
      CSC_NAME: 'Developer ID Application: Harvest',
      APPLE_API_KEY: 'k.p8',
      APPLE_API_KEY_ID: 'id',
      APPLE_API_ISSUER: 'iss',
    });
    expect(full.mode).toBe('signed+notarized');
    expect(full.args).toContain('-c.mac.notarize=true');
    expect(dist.macSigning({ CSC_NAME: 'x', APPLE_ID: 'a@b', APPLE_APP_SPECIFIC_PASSWORD: 'p' }).mode).toBe('signed');
  });

  it('@electron/rebuild, which build/electron-dev.mjs imports, is a declared devDependency', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies['@electron/rebuild']).toBeDefined();
    expect(readFileSync(join(root, 'build', 'electron-dev.mjs'), 'utf8')).toContain("import('@electron/rebuild')");
  });
});

describe('npm run dist', () => {
  it('offline: stops at once with a clear message, before building anything', async () => {
    const home = scratchDir();
    const started = Date.now();
    const r = await run(process.execPath, [join(root, 'build', 'dist.mjs'), '--preflight-only', '--linux'], {
      cwd: root,
      env: {
        PATH: process.env['PATH'],
        HOME: home,
        ELECTRON_CACHE: join(home, 'cache'),
        // Nothing listens on port 9: the same answer as no network, without depending on this machine's.
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        npm_config_disturl: 'http://127.0.0.1:9/',
      },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Electron .* runtime for linux-.* is not cached and cannot be downloaded/u);
    expect(r.stderr).toContain('Nothing was built');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('needs no network when the runtime and the headers are cached', async () => {
    const home = scratchDir();
    const version = dist.electronVersion()!;
    mkdirSync(join(home, 'cache', 'abc123'), { recursive: true });
    writeFileSync(join(home, 'cache', 'abc123', `electron-v${version}-linux-x64.zip`), '');
    mkdirSync(join(home, '.electron-gyp', version), { recursive: true });
    vi.stubEnv('HOME', home);
    const noNetwork = (() => Promise.reject(new Error('no network'))) as unknown as typeof fetch;
    expect(
      await dist.preflight({
        args: ['--linux', '--x64'],
        env: { ELECTRON_CACHE: join(home, 'cache') },
        fetchImpl: noNetwork,
      }),
    ).toBeNull();
    // Another arch is not cached: it must be downloadable.
    expect(
      await dist.preflight({
        args: ['--linux', '--arm64'],
        env: { ELECTRON_CACHE: join(home, 'cache') },
        fetchImpl: noNetwork,
      }),
    ).toMatch(/linux-arm64 is not cached/u);
  });

  it('stages production packages only, with the Electron entry in package.json', () => {
    const pkgs = dist.productionPackages();
    for (const native of ['better-sqlite3', '@napi-rs/keyring', 'litesvm']) expect(pkgs).toContain(native);
    for (const dev of ['vitest', 'electron', 'electron-builder', 'electron-vite', 'typescript', 'eslint'])
      expect(pkgs).not.toContain(dev);
    const staged = dist.stagedPackageJson();
    expect(staged).toMatchObject({ productName: 'Harvest', main: 'out/main/main.js', type: 'module' });
    expect(staged['devDependencies']).toBeUndefined();
    expect(dist.targets(['--mac', '--win', '--arm64'], 'linux', 'x64')).toEqual({
      platforms: ['darwin', 'win32'],
      archs: ['arm64'],
    });
  });
});

describe('development (npm run start:electron)', () => {
  type Dev = {
    electronSqliteDir(
      dir?: string,
      platform?: string,
      arch?: string,
    ): { app: string; binding: string; electron: string; sqlite: string };
    ensureElectronSqlite(dir?: string): Promise<string>;
  };
  const loadDev = async (): Promise<Dev> => (await import(join(root, 'build', 'electron-dev.mjs'))) as Dev;

  it('builds the Electron copy of better-sqlite3 inside node_modules/.cache, never in place', async () => {
    const dev = await loadDev();
    const t = dev.electronSqliteDir(root, 'linux', 'x64');
    expect(relative(root, t.app)).toBe(
      join('node_modules', '.cache', 'harvest-electron', `better-sqlite3-${t.sqlite}-electron-${t.electron}-linux-x64`),
    );
    expect(t.binding.startsWith(t.app)).toBe(true);
    expect(t.binding).not.toBe(join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
  });

  it('reuses a built copy without rebuilding', async () => {
    const dev = await loadDev();
    const fake = scratchDir();
    for (const [pkg, version] of [
      ['electron', '45.0.0'],
      ['better-sqlite3', '12.0.0'],
    ] as const) {
      mkdirSync(join(fake, 'node_modules', pkg), { recursive: true });
      writeFileSync(join(fake, 'node_modules', pkg, 'package.json'), JSON.stringify({ version }));
    }
    const t = dev.electronSqliteDir(fake);
    mkdirSync(dirname(t.binding), { recursive: true });
    writeFileSync(t.binding, 'built for electron');
    expect(await dev.ensureElectronSqlite(fake)).toBe(t.binding);
  });

  it("the main process loads that copy instead of node_modules' Node build", () => {
    const loaded: string[] = [];
    const proc = { dlopen: (_m: object, filename: string) => void loaded.push(filename) };
    expect(redirectSqliteBinding(undefined, proc)).toBe(false);
    expect(redirectSqliteBinding('/cache/better_sqlite3.node', proc)).toBe(true);
    proc.dlopen({}, '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    proc.dlopen({}, '/app/node_modules/@napi-rs/keyring-linux-x64-gnu/keyring.linux-x64-gnu.node');
    expect(loaded).toEqual([
      '/cache/better_sqlite3.node',
      '/app/node_modules/@napi-rs/keyring-linux-x64-gnu/keyring.linux-x64-gnu.node',
    ]);
    expect(SQLITE_BINDING_ENV).toBe('HARVEST_ELECTRON_SQLITE_BINDING');
  });
});

describe('boundaries', () => {
  it("only electron/ (and its tests) import 'electron'", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          walk(path);
          continue;
        }
        if (!/\.(ts|tsx|mts|js|mjs)$/u.test(name)) continue;
        // Code only: comments may mention require('electron') to say why it is not called.
        const text = readFileSync(path, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gmu, '');
        if (/from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)|import\(\s*['"]electron['"]\s*\)/u.test(text))
          offenders.push(relative(root, path));
      }
    };
    for (const dir of ['engine', 'renderer', 'bin', 'scripts']) walk(join(root, dir));
    expect(offenders).toEqual([]);
  });
});
