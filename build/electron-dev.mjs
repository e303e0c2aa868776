#!/usr/bin/env node
/* eslint-disable no-console -- a command-line script: the console is its interface */
// `npm run start:electron` (and `npm start` where the Electron runtime exists):
// electron-vite dev, with better-sqlite3 built for Electron in a cache folder.
//
// node_modules/better-sqlite3 stays the Node build `npm test` needs. Electron
// cannot load it (a different ABI, and it is not Node-API), so the first run
// copies the package to node_modules/.cache/harvest-electron/… and rebuilds
// that copy with @electron/rebuild (a prebuilt Electron binary when there is
// one, else node-gyp with Electron's headers: this needs the network once).
// The main process loads the copy through HARVEST_ELECTRON_SQLITE_BINDING
// (electron/native.ts). Nothing outside the cache folder is modified.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { devLaunch, suidSandboxProblem } from '../scripts/dev-defaults.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** Where the Electron build of better-sqlite3 lives for this Electron, better-sqlite3, platform and arch. */
export function electronSqliteDir(dir = root, platform = process.platform, arch = process.arch) {
  const electron = readJson(join(dir, 'node_modules', 'electron', 'package.json')).version;
  const sqlite = readJson(join(dir, 'node_modules', 'better-sqlite3', 'package.json')).version;
  const app = join(
    dir,
    'node_modules',
    '.cache',
    'harvest-electron',
    `better-sqlite3-${sqlite}-electron-${electron}-${platform}-${arch}`,
  );
  return {
    electron,
    sqlite,
    app,
    binding: join(app, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'),
  };
}

/** Builds the Electron copy once; returns the path of its addon. */
export async function ensureElectronSqlite(dir = root) {
  const t = electronSqliteDir(dir);
  if (existsSync(t.binding)) return t.binding;
  rmSync(t.app, { recursive: true, force: true });
  mkdirSync(join(t.app, 'node_modules'), { recursive: true });
  writeFileSync(
    join(t.app, 'package.json'),
    JSON.stringify({ name: 'harvest-electron-native', private: true, dependencies: { 'better-sqlite3': t.sqlite } }),
  );
  // The sources without the Node build.
  const nodeBuild = join(dir, 'node_modules', 'better-sqlite3', 'build');
  cpSync(join(dir, 'node_modules', 'better-sqlite3'), join(t.app, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (src) => src !== nodeBuild && !src.startsWith(nodeBuild + sep),
  });
  console.log(`Building better-sqlite3 ${t.sqlite} for Electron ${t.electron} (once) in ${t.app} …`);
  const { rebuild } = await import('@electron/rebuild');
  // projectRootPath = the cache folder: the rebuild never walks up into this checkout's node_modules.
  await rebuild({
    buildPath: t.app,
    projectRootPath: t.app,
    electronVersion: t.electron,
    onlyModules: ['better-sqlite3'],
    force: true,
    mode: 'sequential',
  });
  if (!existsSync(t.binding)) throw new Error(`the rebuild finished but ${t.binding} does not exist`);
  return t.binding;
}

/** The Electron binary, checked without require('electron') (which would try to download it). */
function electronDist(dir = root) {
  return join(dir, 'node_modules', 'electron', 'dist');
}

/**
 * electron-vite dev's arguments and environment for a dev run: the sandbox network and the
 * development data folder unless chosen (scripts/dev-defaults.mjs), and --noSandbox (Electron's
 * --no-sandbox) only where Chromium's sandbox cannot start, with the reason in `notes`.
 */
export function devRun(
  args,
  { env = process.env, sandboxProblem = suidSandboxProblem({ electronDist: electronDist() }) } = {},
) {
  const launch = devLaunch(args, { env });
  const notes = [
    `Development run: network ${launch.network}${launch.explicit.network ? '' : ' (the default; --network to change)'}, ` +
      `data folder ${launch.dataDir}${launch.explicit.dataDir ? '' : " (apart from the installed app's; --data-dir to change)"}.`,
  ];
  const viteArgs = [...launch.rest];
  if (sandboxProblem && !viteArgs.includes('--noSandbox')) {
    viteArgs.push('--noSandbox');
    notes.push(
      `Chromium's sandbox cannot start here: ${sandboxProblem}. This dev run adds --no-sandbox (development only; ` +
        'installed packages keep the sandbox). See README, Troubleshooting.',
    );
  }
  return {
    args: viteArgs,
    env: { ...env, HARVEST_DATA_DIR: launch.dataDir, HARVEST_NETWORK: launch.network },
    notes,
  };
}

function electronMissing(dir = root) {
  const pkg = join(dir, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return 'its binary was never downloaded';
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? null : `${binary} does not exist`;
}

async function main() {
  const missing = electronMissing();
  if (missing) {
    console.error(`The Electron runtime is not available (${missing}). \`npm start\` runs \`harvest serve\` instead.`);
    process.exit(1);
  }
  let binding;
  try {
    binding = await ensureElectronSqlite();
  } catch (e) {
    console.error(
      `Could not build better-sqlite3 for Electron: ${e?.message ?? e}\n` +
        "It needs a prebuilt binary or Electron's headers from the internet once (and a C++ toolchain for the headers).\n" +
        'Without the desktop app: `npx harvest serve` runs the same UI in a browser.',
    );
    process.exit(1);
  }
  const run = devRun(process.argv.slice(2));
  for (const n of run.notes) console.error(n);
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'dev', ...run.args],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...run.env, HARVEST_ELECTRON_SQLITE_BINDING: binding },
    },
  );
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
