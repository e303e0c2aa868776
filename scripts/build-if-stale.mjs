// Builds what `npm start` needs when it is missing or older than its sources, so
// that `npm install` + `npm start` work with no extra command (and keep working
// after a `git pull`): the UI (dist/renderer) and the CLI bundle (dist/cli).
// Exports buildIfStale() for scripts/start.mjs; run directly, it builds both.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Newest modification time (ms) of a file or of every file below a folder; 0 if absent. */
export function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let n = 0;
  for (const entry of readdirSync(path)) n = Math.max(n, newest(join(path, entry)));
  return n;
}

/** What to build, with the file that marks it built and the sources it is built from. */
export function targets(base = root) {
  return [
    {
      name: 'the UI',
      output: join(base, 'dist', 'renderer', 'index.html'),
      // The renderer imports the API contract (engine/api, with kernel/errors) and nothing else of the engine.
      sources: ['renderer', join('engine', 'api'), join('engine', 'kernel', 'errors.ts'), 'package.json'].map((p) =>
        join(base, p),
      ),
      command: [
        process.execPath,
        [
          join(base, 'node_modules', 'vite', 'bin', 'vite.js'),
          'build',
          '--config',
          join(base, 'renderer', 'vite.config.ts'),
        ],
      ],
    },
    {
      name: 'the harvest command',
      output: join(base, 'dist', 'cli', 'harvest.mjs'),
      sources: [join(base, 'engine'), join(base, 'scripts', 'build-cli.mjs')],
      command: [process.execPath, [join(base, 'scripts', 'build-cli.mjs')]],
    },
  ];
}

/**
 * The desktop app's build (electron-vite build: out/main, out/preload and dist/renderer), for
 * scripts/smoke-electron.mjs. Not in targets(): `npm start` runs electron-vite dev instead.
 */
export function desktopTarget(base = root) {
  return {
    name: 'the desktop app',
    output: join(base, 'out', 'main', 'main.js'),
    sources: ['electron', 'engine', 'renderer', 'electron.vite.config.ts', 'package.json'].map((p) => join(base, p)),
    command: [process.execPath, [join(base, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build']],
  };
}

export function stale(target) {
  const built = newest(target.output);
  return built === 0 || target.sources.some((s) => newest(s) > built);
}

/**
 * Builds every stale target; returns the names of those that failed (the caller
 * decides what that means: start.mjs still starts when only the UI failed, and says so).
 */
export function buildIfStale({
  log = (m) => console.error(m),
  base = root,
  run = spawnSync,
  list = targets(base),
} = {}) {
  const failed = [];
  for (const t of list) {
    if (!stale(t)) continue;
    log(
      `Building ${t.name} (${existsSync(t.output) ? 'its sources changed' : 'first start'}; this can take a minute)…`,
    );
    const [cmd, args] = t.command;
    const r = run(cmd, args, { cwd: base, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) {
      failed.push(t.name);
      log(`Building ${t.name} failed (exit ${r.status ?? r.signal ?? r.error?.message}).`);
    }
  }
  return failed;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(buildIfStale().length === 0 ? 0 : 1);
}
