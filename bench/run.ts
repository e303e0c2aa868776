/**
 * `npm run bench [-- ID ...]`: runs every bench/*.bench.ts (or the ones named)
 * and rewrites their sections of docs/benchmarks.md with the results, the
 * machine and the date. Sections of other benchmarks are kept as they are.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { machine, type Benchmark } from './harness';

const ROOT = join(import.meta.dirname, '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const HEADER = `# Benchmarks

Written by \`npm run bench\` (bench/run.ts). Each benchmark owns the section between its
\`<!-- bench:ID -->\` markers and rewrites only that section; edit outside the markers freely.
`;

/** Replaces (or appends) the section of `id` in `doc`. */
function upsertSection(doc: string, id: string, body: string): string {
  const open = `<!-- bench:${id} -->`;
  const close = `<!-- /bench:${id} -->`;
  const section = `${open}\n${body.trim()}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start >= 0 && end > start) return doc.slice(0, start) + section + doc.slice(end + close.length);
  if (start >= 0 || end >= 0)
    throw new Error(`docs/benchmarks.md has an unmatched marker for "${id}"; fix it by hand.`);
  return `${doc.trimEnd()}\n\n${section}\n`;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const files = readdirSync(import.meta.dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const selected = wanted.length ? files.filter((f) => wanted.includes(basename(f, '.bench.ts'))) : files;
  if (selected.length === 0)
    throw new Error(`No benchmark matches ${wanted.join(', ')}. Available: ${files.join(', ')}`);

  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const host = machine();
  log(`machine: ${host}`);
  for (const file of selected) {
    const mod = (await import(pathToFileURL(join(import.meta.dirname, file)).href)) as { default?: Benchmark };
    const bench = mod.default;
    if (!bench || !/^[a-z0-9-]+$/.test(bench.id))
      throw new Error(`${file} must default-export a Benchmark with a lowercase id.`);
    log(`== ${bench.id}: ${bench.title}`);
    const body = await bench.run(log);
    const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const section = `## ${bench.title}\n\n_Run ${date} on ${host}._\n\n${body.trim()}`;
    const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
    writeFileSync(DOC, upsertSection(doc, bench.id, section));
    log(`wrote section "${bench.id}" of ${DOC}`);
    process.stdout.write(`${section}\n\n`);
  }
}

try {
  await main();
} catch (e) {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
