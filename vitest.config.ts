import { configDefaults, defineConfig } from 'vitest/config';
// With its extension: Vite loads this config natively, without a bundler's resolution.
import { checkRequirements, KEYCHAIN_DECISION_ENV, strict, summaryLine } from './test/setup/requirements.ts';

/**
 * System parts (OS keychain, Chromium) are checked once here, in the main process: a
 * keychain that can be started is started by test/setup/keychain.ts; test files whose
 * part is missing are left out with one summary line, or fail the run in strict mode.
 * The decision is kept in the environment so a second load of this file does not redo it.
 */
function systemExcludes(): string[] {
  const known = process.env['HARVEST_TEST_EXCLUDES'];
  if (known !== undefined) return known ? known.split('\n') : [];
  const { missing, startKeychain } = checkRequirements(process.env, import.meta.dirname);
  process.env[KEYCHAIN_DECISION_ENV] = startKeychain ? 'start' : missing.length ? 'missing' : 'present';
  const excludes = missing.flatMap((m) => m.files);
  process.env['HARVEST_TEST_EXCLUDES'] = excludes.join('\n');
  if (missing.length) {
    const line = summaryLine(missing);
    if (strict(process.env)) throw new Error(`HARVEST_TEST_STRICT=1 and a system part is missing. ${line}`);
    console.warn(line);
  }
  return excludes;
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...systemExcludes()],
    globalSetup: ['test/setup/keychain.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The keychain (Secret Service over D-Bus) and child processes are shared resources; keep parallelism modest.
    maxWorkers: 2,
  },
});
