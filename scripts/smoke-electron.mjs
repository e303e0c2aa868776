#!/usr/bin/env node
// `npm run smoke:electron`: one real launch of the desktop app. Builds it when
// stale, starts Electron on the built main with a throw-away data folder on the
// sandbox network (under Xvfb on Linux without a display), and waits for the
// main process to write the window's first paint as a PNG and quit
// (HARVEST_SMOKE_SCREENSHOT, electron/smoke.ts). Prints the PNG's path and size.
//
// Where Electron's binary was never downloaded it says so and exits 0, so the
// command is harmless on machines without it; --strict (or
// HARVEST_SMOKE_STRICT=1) turns a skip into a failure, for a CI that has Electron.
// --no-build launches what is built as it is (no electron-vite build, no
// better-sqlite3 rebuild for Electron).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { electronSqliteDir, ensureElectronSqlite } from '../build/electron-dev.mjs';
import { buildIfStale, desktopTarget } from './build-if-stale.mjs';
import { suidSandboxProblem } from './dev-defaults.mjs';
import { electronBinary, electronPackageDir } from './electron-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** First paint on a cold start under Xvfb takes seconds; a hung launch is not waited on forever. */
const TIMEOUT_MS = 90_000;
const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');
const INSTALL_HINT =
  'to get it, run `node node_modules/electron/install.js` on a machine that can download it (about 100 MB), ' +
  'then `npm run smoke:electron` again';

const argv = process.argv.slice(2);
const strict = argv.includes('--strict') || process.env.HARVEST_SMOKE_STRICT === '1';
const build = !argv.includes('--no-build');

function skip(reason) {
  console.log(`smoke:electron skipped: ${reason}`);
  if (strict) console.error('smoke:electron: --strict, so a skip is a failure.');
  process.exit(strict ? 1 : 0);
}

function fail(reason) {
  console.error(`smoke:electron failed: ${reason}`);
  process.exitCode = 1;
}

/** Electron's binary the way the electron package finds it (path.txt); HARVEST_ELECTRON_BINARY is for tests. */
function findElectron(env) {
  if (env.HARVEST_ELECTRON_BINARY) return env.HARVEST_ELECTRON_BINARY;
  return electronBinary(electronPackageDir());
}

function onPath(command, env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** The command prefix that gives Electron a display: xvfb-run on Linux without one, else nothing. */
function displayPrefix(env, platform = process.platform) {
  if (platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return { prefix: [] };
  if (!onPath('xvfb-run', env)) {
    return {
      missing:
        'there is no display (DISPLAY is not set) and xvfb-run is not installed ' +
        '(Debian/Ubuntu: `sudo apt-get install xvfb`; Fedora: `sudo dnf install xorg-x11-server-Xvfb`)',
    };
  }
  return { prefix: ['xvfb-run', '-a', '--server-args=-screen 0 1280x800x24'] };
}

/** Runs the app; resolves with its exit code, or null when it was killed after the time limit. */
function runApp(command, args, env) {
  return new Promise((resolve) => {
    // Its own process group, so xvfb-run, Xvfb and Electron's helpers are stopped together.
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    const stopGroup = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      stopGroup('SIGKILL');
      resolve(null);
    }, TIMEOUT_MS);
    // Its own group does not get the terminal's Ctrl-C: pass it on (the app quits cleanly on SIGINT).
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stopGroup(sig));
    child.on('error', (e) => {
      clearTimeout(timer);
      console.error(`smoke:electron: could not start ${command}: ${e.message}`);
      resolve(-1);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** What is wrong with the screenshot, or null when it is a non-empty PNG. */
function screenshotProblem(path) {
  if (!existsSync(path)) return `no screenshot was written to ${path}`;
  const data = readFileSync(path);
  if (data.length === 0) return `the screenshot ${path} is empty`;
  if (!data.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return `${path} is not a PNG`;
  return null;
}

async function main() {
  const electron = findElectron(process.env);
  if (typeof electron !== 'string')
    return skip(`Electron's binary is not installed here (${electron.missing}; ${INSTALL_HINT}).`);
  const display = displayPrefix(process.env);
  if (display.missing) return skip(display.missing);

  let binding = null;
  if (build) {
    if (buildIfStale({ list: [desktopTarget()] }).length > 0)
      return fail('the desktop app could not be built (see above).');
    try {
      binding = await ensureElectronSqlite();
    } catch (e) {
      return fail(`better-sqlite3 could not be built for Electron: ${e?.message ?? e}`);
    }
  } else {
    const existing = electronSqliteDir().binding;
    binding = existsSync(existing) ? existing : null;
  }

  const parent = mkdtempSync(join(tmpdir(), 'harvest-smoke-'));
  const screenshot = join(tmpdir(), `harvest-smoke-${process.pid}-${Date.now()}.png`);
  const args = [join(root, 'out', 'main', 'main.js')];
  const sandboxProblem = suidSandboxProblem({ electronDist: dirname(electron) });
  if (sandboxProblem) {
    args.push('--no-sandbox');
    console.error(`smoke:electron: Chromium's sandbox cannot start here (${sandboxProblem}); adding --no-sandbox.`);
  }
  const env = {
    ...process.env,
    HARVEST_DATA_DIR: join(parent, 'data'),
    HARVEST_NETWORK: 'sandbox',
    HARVEST_SMOKE_SCREENSHOT: screenshot,
    // A throw-away key for a throw-away folder: the OS keychain gets no entry to clean up.
    HARVEST_MASTER_KEY: randomBytes(32).toString('hex'),
    ...(binding ? { HARVEST_ELECTRON_SQLITE_BINDING: binding } : {}),
  };
  // The built UI through app://, and Electron as Electron (not as Node).
  delete env.ELECTRON_RENDERER_URL;
  delete env.ELECTRON_RUN_AS_NODE;

  const [command, ...prefixArgs] = [...display.prefix, electron];
  console.error(`smoke:electron: launching ${[command, ...prefixArgs, ...args].join(' ')} (data folder ${parent})`);
  try {
    const code = await runApp(command, [...prefixArgs, ...args], env);
    if (code === null) return fail(`the app did not paint and quit within ${TIMEOUT_MS / 1000} s (stopped).`);
    const problem = screenshotProblem(screenshot);
    if (code !== 0) return fail(`the app exited with code ${code}${problem ? ` and ${problem}` : ''}.`);
    if (problem) return fail(`${problem} (the app exited 0).`);
    console.log(`smoke:electron passed: first paint in ${screenshot} (${readFileSync(screenshot).length} bytes).`);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

await main();
