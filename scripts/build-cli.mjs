#!/usr/bin/env node
// Bundles the `harvest` command into dist/cli/harvest.mjs plus chunks beside it.
// A bundle starts about twice as fast as running the TypeScript sources through
// tsx (one file set to parse instead of hundreds of modules), which matters for a
// CLI and for tests that spawn it hundreds of times. The bundle is split: what
// only some commands need (the chain client, the sandbox, the HTTP host) sits in
// chunks reached through dynamic import(), so a light command such as `status`
// parses a small entry chunk instead of everything (issue 12, item 5).
// bin/harvest.mjs uses the bundle only while it is newer than every engine
// source, so a stale bundle is never run.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir DIR` builds elsewhere (a test inspects the chunk graph without replacing the bundle other tests run).
const outArg = process.argv.indexOf('--outdir');
const outdir = outArg > 0 ? process.argv[outArg + 1] : join(root, 'dist', 'cli');
// Chunk names carry a content hash; without this, every build would leave the previous ones behind.
mkdirSync(outdir, { recursive: true });
for (const f of readdirSync(outdir)) if (f.endsWith('.mjs') || f === 'meta.json') rmSync(join(outdir, f));
// zod's `locales` namespace re-exports its error messages in about 50 languages (366 KB of the bundle,
// nearly half of zod), parsed by every command although Harvest writes its own messages on top of the
// English ones (engine/api/validate.ts). The namespace keeps only English here.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'zod')}`)
        ? { path: 'zod-locales-en', namespace: 'zod-english-only', pluginData: dirname(args.importer) }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: join(args.pluginData, '..', 'locales'),
      loader: 'js',
    }));
  },
};
const result = await build({
  plugins: [zodEnglishOnly],
  entryPoints: {
    harvest: join(root, 'engine', 'cli', 'entry.ts'),
    // The optimiser's worker thread loads this file beside the chunks (engine/backtest/optimise.ts).
    'optimise-worker': join(root, 'engine', 'backtest', 'optimise-worker.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  // Chunks sit beside the entry, two folders below the repository root like engine/*/,
  // so paths relative to import.meta still hold in whichever chunk a module lands.
  chunkNames: '[name]-[hash]',
  // Native addons stay outside the bundle and load from node_modules.
  external: ['better-sqlite3', '@napi-rs/keyring', 'litesvm', 'electron'],
  banner: {
    js: "import { createRequire as __harvestRequire } from 'node:module'; const require = __harvestRequire(import.meta.url);",
  },
  metafile: process.argv.includes('--meta'),
  logLevel: 'warning',
  legalComments: 'none',
});
// `node scripts/build-cli.mjs --meta` writes what each chunk holds, to see what a light command loads.
if (result.metafile) writeFileSync(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
