#!/usr/bin/env node
// `npm start`: the desktop app on the sandbox where the Electron runtime is
// available; otherwise say why and run `harvest serve` on the sandbox (the UI
// in a browser; it prints the URL to open). Builds the UI and the CLI bundle
// first when they are missing or stale, so no extra command is ever needed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import { buildIfStale } from './build-if-stale.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  // Checked without require('electron'), which would try to download the binary on the spot.
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile))
    return { missing: 'its binary was never downloaded (offline install, or install scripts not allowed)' };
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : { missing: `${binary} does not exist` };
}

const unbuilt = buildIfStale();
const electron = electronBinary();
const args = process.argv.slice(2);
let child;
if (typeof electron === 'string') {
  // electron-vite dev, with better-sqlite3 built for Electron in a cache (node_modules' copy stays Node's).
  child = spawn(process.execPath, [join(root, 'build', 'electron-dev.mjs'), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
} else {
  // No desktop app: the same engine and UI, served to a browser on this machine.
  const network = args.some((a) => a === '--network' || a.startsWith('--network=')) ? [] : ['--network', 'sandbox'];
  console.error(`Electron runtime not available (${electron.missing}).`);
  console.error(
    `Running \`harvest ${[...network, 'serve', ...args].join(' ')}\` instead: open the URL printed below in a browser. ` +
      'CLI commands in another terminal reach the same engine (npx harvest --help).',
  );
  if (unbuilt.includes('the UI') && !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    console.error('The UI could not be built (see above); the API works without it.');
  }
  child = spawn(process.execPath, [join(root, 'bin', 'harvest.mjs'), ...network, 'serve', ...args], {
    cwd: root,
    stdio: 'inherit',
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
