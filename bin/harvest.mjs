#!/usr/bin/env node
// The harvest command. Runs the bundle in dist/cli (npm run build:cli) when it is
// newer than every engine source; otherwise runs the TypeScript sources through
// tsx. Either way the same code runs.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'cli', 'harvest.mjs');

// Runs on every command over a few hundred files: plain concatenation instead of
// path.join (which normalises each path, about half of this walk's cost).
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${entry.name}`;
    const t = entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

let fresh = false;
try {
  fresh = statSync(bundle).mtimeMs >= newestSource(join(root, 'engine'));
} catch {
  fresh = false;
}

if (fresh) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'engine', 'cli', 'entry.ts')).href);
}
