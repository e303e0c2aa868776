#!/usr/bin/env node
// `npm run dist [-- <electron-builder args, e.g. --linux | --mac | --win | --x64 | --dir>]`
//
// Builds the installers without ever touching this checkout's node_modules:
//   1. preflight: the Electron runtime (and, for rebuilding better-sqlite3, Electron's
//      headers) must be cached or downloadable — offline, say so and stop at once;
//   2. electron-vite build (out/main, out/preload, dist/renderer);
//   3. stage a self-contained app in a temporary directory OUTSIDE this checkout:
//      package.json (main = out/main/main.js), the build output, resources/market and a
//      copy of the production node_modules;
//   4. electron-builder with --projectDir <stage>: its npmRebuild (@electron/rebuild)
//      rebuilds the native modules for Electron in the staged copy only;
//   5. check that this checkout's better-sqlite3 is still the Node build `npm test` needs.
// See build/README.md for why.
/* eslint-disable no-console -- a command-line script: the console is its interface */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(root, 'build', 'electron-builder.json');

function fail(message) {
  console.error(`\nnpm run dist: ${message}\n`);
  process.exit(1);
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function electronVersion(dir = root) {
  const pkg = join(dir, 'node_modules', 'electron', 'package.json');
  if (!existsSync(pkg)) return null;
  return readJson(pkg).version;
}

/** The platforms and archs electron-builder will build for, from its CLI flags (default: this machine). */
export function targets(args, platform = process.platform, arch = process.arch) {
  const platforms = [];
  if (args.some((a) => a === '--linux' || a === '-l')) platforms.push('linux');
  if (args.some((a) => a === '--mac' || a === '-m' || a === '--macos')) platforms.push('darwin');
  if (args.some((a) => a === '--win' || a === '-w' || a === '--windows')) platforms.push('win32');
  const archs = ['x64', 'arm64', 'ia32', 'armv7l'].filter((a) => args.includes(`--${a}`));
  return { platforms: platforms.length ? platforms : [platform], archs: archs.length ? archs : [arch] };
}

/** Node's arch names as npm package triples use them, per OS (what @napi-rs/keyring and litesvm publish). */
const TRIPLE = {
  linux: { x64: 'linux-x64-gnu', arm64: 'linux-arm64-gnu', armv7l: 'linux-arm-gnueabihf' },
  darwin: { x64: 'darwin-x64', arm64: 'darwin-arm64' },
  win32: { x64: 'win32-x64-msvc', arm64: 'win32-arm64-msvc', ia32: 'win32-ia32-msvc' },
};

/** Whether a package's binary for one triple is installed (its own npm package, or a .node file in the main one). */
function napiBinaryPresent(dir, pkg, triple, fileStem) {
  if (!triple) return false;
  const scope = pkg.startsWith('@') ? `${pkg.split('/')[0]}/` : '';
  const base = pkg.startsWith('@') ? pkg.split('/')[1] : pkg;
  return (
    existsSync(join(dir, 'node_modules', `${scope}${base}-${triple}`)) ||
    existsSync(join(dir, 'node_modules', pkg, `${fileStem}.${triple}.node`))
  );
}

/** The triples litesvm publishes: no Windows. Where it has none, the app runs the paper sandbox instead. */
export function litesvmPublishes(platform, arch, dir = root) {
  const pkg = join(dir, 'node_modules', 'litesvm', 'package.json');
  const triple = TRIPLE[platform]?.[arch];
  if (!triple || !existsSync(pkg)) return false;
  return Object.keys(readJson(pkg).optionalDependencies ?? {}).includes(`litesvm-${triple}`);
}

/**
 * The native binaries a target needs that this checkout does not have: npm installs only this
 * machine's optional binary packages, and electron-builder packs what is there, so an installer
 * for another OS or architecture would die at launch (or lose the keychain). Returns one line per
 * missing binary; empty when the target can be built honestly here.
 */
export function missingNativeBinaries({
  platforms,
  archs,
  hostPlatform = process.platform,
  hostArch = process.arch,
  dir = root,
}) {
  const missing = [];
  for (const p of platforms)
    for (const a of archs) {
      const target = `${p}-${a}`;
      const triple = TRIPLE[p]?.[a];
      // better-sqlite3 is compiled for Electron while packaging, from source: only for this OS and arch.
      if (p !== hostPlatform || a !== hostArch)
        missing.push(
          `better-sqlite3 for ${target}: it is compiled for Electron while packaging, and only for this machine (${hostPlatform}-${hostArch})`,
        );
      if (!napiBinaryPresent(dir, '@napi-rs/keyring', triple, 'keyring'))
        missing.push(`@napi-rs/keyring for ${target} (@napi-rs/keyring-${triple ?? `${p}-${a}`} is not installed)`);
      if (litesvmPublishes(p, a, dir) && !napiBinaryPresent(dir, 'litesvm', triple, 'litesvm'))
        missing.push(`litesvm for ${target} (litesvm-${triple} is not installed)`);
    }
  return missing;
}

/** The refusal for missing binaries, naming them and the way out. */
export function nativeRefusal(missing) {
  return (
    `the installers would not start: these native binaries are not present in node_modules:\n` +
    missing.map((m) => `  - ${m}`).join('\n') +
    `\nBuild each OS and architecture's installer on a machine of that kind (e.g. a CI matrix) after npm ci there. Nothing was built.`
  );
}

/**
 * macOS signing from the environment. With an identity (CSC_LINK + CSC_KEY_PASSWORD, or CSC_NAME
 * for a certificate in the keychain) electron-builder signs with it and the hardened runtime, and
 * notarizes when Apple credentials are set (APPLE_API_KEY + APPLE_API_KEY_ID + APPLE_API_ISSUER,
 * or APPLE_ID + APPLE_APP_SPECIFIC_PASSWORD + APPLE_TEAM_ID, or APPLE_KEYCHAIN + APPLE_KEYCHAIN_PROFILE).
 * Without an identity the app is ad-hoc signed ("-"): an unsigned app on Apple Silicon is
 * reported as damaged and its notifications are dropped. Ad-hoc signing cannot use the hardened
 * runtime with Electron's pre-signed frameworks, and cannot be notarized.
 */
export function macSigning(env = process.env) {
  const identity = Boolean(env.CSC_LINK || env.CSC_NAME);
  const notarize = Boolean(
    (env.APPLE_API_KEY && env.APPLE_API_KEY_ID && env.APPLE_API_ISSUER) ||
    (env.APPLE_ID && env.APPLE_APP_SPECIFIC_PASSWORD && env.APPLE_TEAM_ID) ||
    (env.APPLE_KEYCHAIN && env.APPLE_KEYCHAIN_PROFILE),
  );
  if (!identity)
    return {
      mode: 'ad-hoc',
      args: ['-c.mac.identity=-', '-c.mac.hardenedRuntime=false', '-c.mac.notarize=false'],
      note:
        'macOS: no signing identity (CSC_LINK or CSC_NAME): the app is ad-hoc signed. It runs and notifies on this Mac; ' +
        'on other Macs a downloaded copy needs right-click > Open once. Sign and notarize for distribution (build/README.md).',
    };
  return {
    mode: notarize ? 'signed+notarized' : 'signed',
    args: ['-c.mac.hardenedRuntime=true', `-c.mac.notarize=${notarize}`],
    note: notarize
      ? 'macOS: signing with the configured identity and notarizing with the Apple credentials.'
      : 'macOS: signing with the configured identity; not notarizing (no APPLE_* credentials), so Gatekeeper will warn on downloaded copies.',
  };
}

function electronCacheRoot(env = process.env) {
  if (env.ELECTRON_CACHE) return env.ELECTRON_CACHE;
  if (env.electron_config_cache) return env.electron_config_cache;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  if (process.platform === 'win32')
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron', 'Cache');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron');
}

/** Whether a file of this name is in the Electron download cache (@electron/get keeps it one folder down). */
export function cachedElectronZip(name, env = process.env) {
  const cacheRoot = electronCacheRoot(env);
  if (!existsSync(cacheRoot)) return false;
  if (existsSync(join(cacheRoot, name))) return true;
  for (const d of readdirSync(cacheRoot, { withFileTypes: true })) {
    if (d.isDirectory() && existsSync(join(cacheRoot, d.name, name))) return true;
  }
  return false;
}

/**
 * What must be downloadable for this build: the Electron zip of each target unless cached,
 * and Electron's headers (or a prebuilt better-sqlite3 from GitHub) for the native rebuild
 * unless ~/.electron-gyp already has them. Returns a reason to stop, or null to go on.
 */
export async function preflight({ args = [], env = process.env, timeoutMs = 10_000, fetchImpl = fetch } = {}) {
  const version = electronVersion();
  if (!version) return 'the electron package is not installed (npm install first).';
  const { platforms, archs } = targets(args);
  const mirror = (env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/').replace(
    /\/?$/u,
    '/',
  );
  const dir = env.ELECTRON_CUSTOM_DIR ?? `v${version}`;
  const missing = [];
  for (const p of platforms)
    for (const a of archs) {
      const zip = `electron-v${version}-${p}-${a}.zip`;
      if (!cachedElectronZip(zip, env))
        missing.push({ what: `the Electron ${version} runtime for ${p}-${a}`, url: `${mirror}${dir}/${zip}` });
    }
  if (!existsSync(join(homedir(), '.electron-gyp', version))) {
    const disturl = (env.npm_config_disturl ?? 'https://electronjs.org/headers').replace(/\/?$/u, '/');
    missing.push({
      what: `Electron ${version}'s headers (to rebuild better-sqlite3 for Electron)`,
      url: `${disturl}v${version}/node-v${version}-headers.tar.gz`,
    });
  }
  for (const m of missing) {
    try {
      const r = await fetchImpl(m.url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
      if (!r.ok) return `${m.what} is not cached and ${m.url} answered HTTP ${r.status}.`;
    } catch (e) {
      const cause = e?.cause?.code ?? e?.name ?? 'error';
      return (
        `${m.what} is not cached and cannot be downloaded: ${m.url} is unreachable (${cause}).\n` +
        `Packaging needs the internet once (or ELECTRON_MIRROR / ELECTRON_CACHE pointing at a local copy). Nothing was built.\n` +
        `To run Harvest without installers: npm start (the desktop app in development, or \`harvest serve\` where Electron is unavailable).`
      );
    }
  }
  return null;
}

/** Top-level production packages of the lockfile (dev-only ones excluded) that are installed here. */
export function productionPackages(dir = root) {
  const lock = readJson(join(dir, 'package-lock.json'));
  // Our own dev tools stay out even when a runtime package names one as a peer (typescript, for types).
  const devOnly = new Set(Object.keys(readJson(join(dir, 'package.json')).devDependencies ?? {}));
  const names = [];
  for (const [key, meta] of Object.entries(lock.packages ?? {})) {
    if (!key.startsWith('node_modules/') || meta.dev === true) continue;
    const name = key.slice('node_modules/'.length);
    if (name.includes('/node_modules/') || devOnly.has(name)) continue; // nested: copied with its parent
    if (existsSync(join(dir, 'node_modules', name))) names.push(name);
  }
  return names.sort();
}

/** The staged app's package.json: the runtime fields of ours plus electron-builder's extraMetadata (main, type). */
export function stagedPackageJson(dir = root) {
  const pkg = readJson(join(dir, 'package.json'));
  const config = readJson(CONFIG);
  return {
    name: pkg.name,
    productName: config.productName,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    author: { name: 'Harvest', email: 'harvest@localhost' },
    private: true,
    ...config.extraMetadata,
    dependencies: pkg.dependencies,
  };
}

/** Copies what the packaged app needs into `stage` (never modifies this checkout). */
export function stageApp(stage, dir = root) {
  mkdirSync(stage, { recursive: true });
  writeFileSync(join(stage, 'package.json'), JSON.stringify(stagedPackageJson(dir), null, 2));
  for (const p of [
    'out/main',
    'out/preload',
    'dist/renderer',
    'resources/market',
    'build/icon.png',
    'build/entitlements.mac.plist',
  ]) {
    const src = join(dir, p);
    if (!existsSync(src)) fail(`${p} is missing after the build.`);
    cpSync(src, join(stage, p), { recursive: true });
  }
  for (const name of productionPackages(dir)) {
    cpSync(join(dir, 'node_modules', name), join(stage, 'node_modules', name), {
      recursive: true,
      verbatimSymlinks: true,
    });
  }
}

function sqliteBinaryHash(dir = root) {
  const f = join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  return existsSync(f) ? createHash('sha256').update(readFileSync(f)).digest('hex') : null;
}

/** Runs a command, passing its output through; kills it after `idleMs` without output. */
function run(cmd, args, opts = {}) {
  const idleMs = Number(process.env.HARVEST_DIST_IDLE_MINUTES ?? 15) * 60_000;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let timer;
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        console.error(
          `\nnpm run dist: no output from ${args[0] ?? cmd} for ${idleMs / 60_000} minutes (a stuck download?). Stopping.`,
        );
        child.kill('SIGTERM');
      }, idleMs);
    };
    idle();
    child.stdout.on('data', (d) => (idle(), process.stdout.write(d)));
    child.stderr.on('data', (d) => (idle(), process.stderr.write(d)));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ? 1 : (code ?? 1));
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const keepStage = args.includes('--keep-stage');
  const builderArgs = args.filter((a) => a !== '--keep-stage' && a !== '--preflight-only');

  const { platforms, archs } = targets(builderArgs);
  const missing = missingNativeBinaries({ platforms, archs });
  if (missing.length) fail(nativeRefusal(missing));
  const signingArgs = [];
  if (platforms.includes('darwin')) {
    const signing = macSigning();
    console.log(`npm run dist: ${signing.note}`);
    signingArgs.push(...signing.args);
  }

  const stop = await preflight({ args: builderArgs });
  if (stop) fail(stop);
  if (args.includes('--preflight-only')) {
    console.log('npm run dist: preflight passed.');
    return;
  }

  if (
    (await run(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'])) !==
    0
  ) {
    fail('electron-vite build failed.');
  }

  const before = sqliteBinaryHash();
  const stage = join(mkdtempSync(join(tmpdir(), 'harvest-dist-')), 'app');
  console.log(`npm run dist: staging the app in ${stage}`);
  stageApp(stage);
  const code = await run(process.execPath, [
    join(root, 'node_modules', 'electron-builder', 'cli.js'),
    '--projectDir',
    stage,
    '--config',
    CONFIG,
    `-c.electronVersion=${electronVersion()}`,
    `-c.directories.output=${join(root, 'release')}`,
    ...signingArgs,
    ...builderArgs,
  ]);
  if (!keepStage) rmSync(dirname(stage), { recursive: true, force: true });

  // The whole point of staging: this checkout's better-sqlite3 is still built for Node.
  const after = sqliteBinaryHash();
  const load = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: root,
  });
  if (before !== after || load.status !== 0) {
    console.error(
      '\nnpm run dist: WARNING: node_modules/better-sqlite3 changed or no longer loads under Node. Fix: npm rebuild better-sqlite3',
    );
    process.exit(1);
  }
  if (code !== 0) fail(`electron-builder failed (exit ${code}).`);
  console.log(`npm run dist: installers are in ${join(root, 'release')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => fail(e?.stack ?? String(e)));
}
