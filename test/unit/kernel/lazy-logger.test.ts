/**
 * Issue 12, item 5: a one-shot CLI command builds its file logger only when it
 * writes a line at an enabled level (engine/kernel/lazy-logger.ts). Until then
 * nothing is created on disk; once built, lines (from the logger or its
 * children) reach the file with the same redaction as the eager logger.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../engine/kernel/logger';
import { lazyLogger } from '../../../engine/kernel/lazy-logger';

let dir: string;
let logDir: string;
let built: number;
const make = (level: string) => () => {
  built++;
  return createLogger({ logDir, level });
};
const lines = (): Record<string, unknown>[] =>
  readFileSync(join(logDir, 'harvest.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hv-lazy-log-'));
  logDir = join(dir, 'logs');
  built = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lazyLogger', () => {
  it('builds nothing (no logs folder, no file) while only lines below its level are written', () => {
    const log = lazyLogger('warn', make('warn'));
    log.info({ a: 1 }, 'dropped');
    log.debug('dropped');
    log.child({ component: 'x' }).info('dropped too');
    log.flush();
    expect(log.level).toBe('warn');
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
    expect(built).toBe(0);
    expect(existsSync(logDir)).toBe(false);
  });

  it('builds the real logger on the first enabled line; later lines and children go to the same file, redacted', () => {
    const log = lazyLogger('info', make('info'));
    const child = log.child({ component: 'store' });
    log.debug('dropped');
    log.warn({ mnemonic: 'never shown', n: 2 }, 'first');
    child.info({ nested: { secretKey: 'hidden' } }, 'from a child');
    log.info('third');
    expect(built).toBe(1);
    const file = lines();
    expect(file.map((l) => l['msg'])).toEqual(['first', 'from a child', 'third']);
    expect(file[0]).toMatchObject({ level: 40, n: 2, mnemonic: '[redacted]' });
    expect(file[1]).toMatchObject({ component: 'store', nested: { secretKey: '[redacted]' } });
    expect(readFileSync(join(logDir, 'harvest.log'), 'utf8')).not.toMatch(/never shown|hidden/u);
  });

  it('a level set later is the level in force', () => {
    const log = lazyLogger('warn', make('warn'));
    log.level = 'error';
    log.warn('now dropped');
    log.error('kept');
    expect(log.level).toBe('error');
    expect(lines().map((l) => l['msg'])).toEqual(['kept']);
  });

  it("'silent' writes nothing at any level", () => {
    const log = lazyLogger('silent', make('silent'));
    log.fatal('no');
    log.error('no');
    expect(built).toBe(0);
  });
});
