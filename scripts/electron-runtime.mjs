// The Electron runtime for `npm start`. Electron's npm package downloads its
// binary (~100 MB) on first use, not on install. `npm start` runs that
// download itself, with Electron's own installer, its progress on the terminal
// and a time limit, so that the desktop app launches on a desktop with internet;
// only when the download fails does start.mjs fall back to `harvest serve`,
// saying why. Exports for scripts/start.mjs and its tests.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Ten minutes: a slow line still gets the ~100 MB, a blocked one is not waited on forever. */
export const DEFAULT_INSTALL_TIMEOUT_MS = 10 * 60_000;

/** The electron package's folder, or null when it is not installed. */
export function electronPackageDir(from = import.meta.url) {
  try {
    return dirname(createRequire(from).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/**
 * The binary's path, or why there is none. Checked without require('electron'),
 * which would start the download on the spot, outside our time limit.
 */
export function electronBinary(dir) {
  if (!dir) return { missing: 'the electron package is not installed' };
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return { missing: 'its binary has not been downloaded yet' };
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : { missing: `${binary} does not exist` };
}

/** Runs Electron's installer (dir/install.js) with inherited output; resolves with why it failed, or null. */
export function runInstaller(dir, { timeoutMs, env = process.env, stdio = 'inherit' }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, 'install.js')], { cwd: dir, env, stdio });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`the download did not finish within ${Math.round(timeoutMs / 1000)} s`);
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(`its installer could not run (${e.message})`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') return; // the timeout already answered
      resolve(code === 0 ? null : `its download failed (installer exit ${code ?? signal}; the error is above)`);
    });
  });
}

/**
 * The binary, downloading it first when it is missing. Resolves with
 * { binary } or { missing } (a sentence saying why there is no desktop app).
 */
export async function ensureElectron({
  dir = electronPackageDir(),
  timeoutMs = DEFAULT_INSTALL_TIMEOUT_MS,
  log = (m) => console.error(m),
  env = process.env,
  stdio = 'inherit',
} = {}) {
  const found = electronBinary(dir);
  if (typeof found === 'string') return { binary: found };
  if (!dir || !existsSync(join(dir, 'install.js'))) return found;
  log(
    `The Electron runtime is not downloaded yet: downloading it now with Electron's installer (about 100 MB, at most ${Math.round(timeoutMs / 60_000)} min)…`,
  );
  const failure = await runInstaller(dir, { timeoutMs, env, stdio });
  if (failure) return { missing: failure };
  const after = electronBinary(dir);
  return typeof after === 'string' ? { binary: after } : { missing: `the installer finished but ${after.missing}` };
}
