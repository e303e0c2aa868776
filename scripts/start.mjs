#!/usr/bin/env node
// `npm start`: the desktop app on the sandbox where the Electron runtime is
// available; otherwise say why and fall back to the headless engine.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    // The electron package exports the path of its binary, and throws if the binary was never downloaded.
    return require('electron');
  } catch (e) {
    return { missing: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
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
