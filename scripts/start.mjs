#!/usr/bin/env node
// `npm start`: the desktop app on the sandbox, downloading the Electron runtime
// first if needed; where that fails, say why and run `harvest serve` on the
// sandbox (the UI in a browser; it prints the URL to open). Builds the UI and the CLI bundle
// first when they are missing or stale, so no extra command is ever needed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { buildIfStale } from './build-if-stale.mjs';
import { devLaunch } from './dev-defaults.mjs';
import { ensureElectron } from './electron-runtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const unbuilt = buildIfStale();
// Downloads the runtime first if it is missing (Electron's own installer, with a time limit).
const electron = await ensureElectron();
const args = process.argv.slice(2);
let child;
if (electron.binary) {
  // electron-vite dev, with better-sqlite3 built for Electron in a cache (node_modules' copy stays Node's).
  child = spawn(process.execPath, [join(root, 'build', 'electron-dev.mjs'), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
} else {
  // No desktop app: the same engine and UI, served to a browser on this machine, with the same
  // development defaults as the desktop app (the sandbox, the development data folder).
  const launch = devLaunch(args);
  const serveArgs = ['--network', launch.network, '--data-dir', launch.dataDir, 'serve', ...launch.rest];
  console.error(`No desktop app: the Electron runtime is not available (${electron.missing}).`);
  console.error(
    `Running \`harvest ${serveArgs.join(' ')}\` instead: open the URL printed below in a browser. ` +
      'CLI commands in another terminal reach the same engine (npx harvest --help).',
  );
  if (unbuilt.includes('the UI') && !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    console.error('The UI could not be built (see above); the API works without it.');
  }
  child = spawn(process.execPath, [join(root, 'bin', 'harvest.mjs'), ...serveArgs], {
    cwd: root,
    stdio: 'inherit',
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
