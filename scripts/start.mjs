#!/usr/bin/env node
// `npm start`: the desktop app on the sandbox where the Electron runtime is
// available; otherwise say why and fall back to the headless engine.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

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
  if (!existsSync(pathFile)) return { missing: 'its binary was never downloaded (offline install, or install scripts not allowed)' };
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : { missing: `${binary} does not exist` };
}

const electron = electronBinary();
const args = process.argv.slice(2);
let child;
if (typeof electron === 'string') {
  child = spawn(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'dev', ...args], {
    cwd: root,
    stdio: 'inherit',
  });
} else {
  console.error(`Electron runtime not available (${electron.missing}).`);
  console.error('Running the headless engine instead; CLI commands in another terminal reach it (npx harvest --help).');
  child = spawn(process.execPath, [join(root, 'bin', 'harvest.mjs'), 'run', ...args], { cwd: root, stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
