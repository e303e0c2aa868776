#!/usr/bin/env node
// Bundles the `harvest` command into dist/cli/harvest.mjs. A bundle starts about
// twice as fast as running the TypeScript sources through tsx (one file to parse
// instead of hundreds of modules), which matters for a CLI and for tests that
// spawn it hundreds of times. bin/harvest.mjs uses the bundle only while it is
// newer than every engine source, so a stale bundle is never run.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'engine', 'cli', 'entry.ts')],
  outfile: join(root, 'dist', 'cli', 'harvest.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons stay outside the bundle and load from node_modules.
  external: ['better-sqlite3', '@napi-rs/keyring', 'litesvm', 'electron'],
  // The bundle sits two folders below the repository root, like engine/*/, so paths relative to import.meta still hold.
  banner: {
    js: "import { createRequire as __harvestRequire } from 'node:module'; const require = __harvestRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
});
