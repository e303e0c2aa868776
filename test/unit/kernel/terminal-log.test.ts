/**
 * Issue 12 item 4: a terminal a person can read. Human lines on the terminal
 * (cycle summaries only when they change or once a minute), the full JSON in a
 * log file that rotates by size and keeps a few files.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../engine/kernel/logger';
import { RotatingFile } from '../../../engine/kernel/rotating-file';
import { TerminalLog } from '../../../engine/kernel/terminal-log';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hv-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cycle = (n: number, orders: number, time: number): string =>
  JSON.stringify({
    level: 30,
    time,
    pid: 1,
    cycle: n,
    startedAt: time,
    durationMs: 40 + n,
    users: 2,
    active: 2,
    exits: 0,
    stuck: 0,
    signals: 0,
    orders,
    errors: 0,
    msg: `cycle ${n}: 2/2 active, 0 signal(s), ${orders} order(s), 0 exit(s), 0 error(s), ${40 + n} ms`,
  }) + '\n';

describe('terminal lines', () => {
  it('the cycle summary prints on change, and otherwise at most once a minute', () => {
    const out: string[] = [];
    let now = Date.parse('2026-12-06T12:00:00Z');
    const t = new TerminalLog({ out: (l) => out.push(l), now: () => now });
    // Nothing before the command's ready lines (the address must be the last thing at start-up).
    t.write(cycle(0, 0, now));
    expect(out).toEqual([]);
    t.ready();
    // Every 10 s for 3 minutes, nothing changing: the first line, then one a minute.
    for (let i = 0; i < 18; i++, now += 10_000) t.write(cycle(i + 1, 0, now));
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^12:00:00 {2}cycle 1: 2\/2 active, 0 signal\(s\), 0 order\(s\)/u);
    expect(out[1]).toMatch(/^12:01:00 {2}cycle 7:/u);
    // A change (an order) prints at once, and so does the change back.
    t.write(cycle(19, 1, now));
    now += 10_000;
    t.write(cycle(20, 0, now));
    expect(out).toHaveLength(5);
    expect(out[3]).toContain('1 order(s)');
    // No JSON reaches the terminal.
    for (const l of out) expect(l.startsWith('{')).toBe(false);
  });

  it('warnings and errors are one human line with their details', () => {
    const out: string[] = [];
    const t = new TerminalLog({ out: (l) => out.push(l), now: () => 0 });
    t.write(
      JSON.stringify({
        level: 50,
        time: Date.parse('2026-12-06T08:09:10Z'),
        pid: 9,
        err: 'rpc down',
        msg: 'cycle step failed',
      }) + '\n',
    );
    expect(out).toEqual(['08:09:10  ERROR  cycle step failed (err=rpc down)\n']);
  });

  it('createLogger: human lines on the terminal, the full JSON record in harvest.log', () => {
    const out: string[] = [];
    const log = createLogger({
      logDir: dir,
      terminal: new TerminalLog({ out: (l) => out.push(l), now: () => Date.now() }),
    });
    log.info({ owner: 'x' }, 'sandbox faucet minted');
    log.warn({ endpoint: 'http://x', mnemonic: 'never shown' }, 'rpc degraded');
    // Info records stay in the file; the warning reaches the terminal.
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/WARN {2}rpc degraded \(endpoint=http:\/\/x mnemonic=\[redacted\]\)/u);
    const file = readFileSync(join(dir, 'harvest.log'), 'utf8').trim().split('\n');
    expect(file).toHaveLength(2);
    expect(JSON.parse(file[1]!)).toMatchObject({ level: 40, msg: 'rpc degraded', endpoint: 'http://x' });
    expect(file[1]).not.toContain('never shown');
  });
});

describe('log file rotation', () => {
  it('rotates by size and keeps a few files, never splitting a line', () => {
    const path = join(dir, 'harvest.log');
    const f = new RotatingFile(path, { maxBytes: 1000, keep: 3 });
    const line = (i: number): string => `${JSON.stringify({ i, pad: 'x'.repeat(80) })}\n`;
    for (let i = 0; i < 100; i++) f.write(line(i));
    f.close();
    expect(readdirSync(dir).sort()).toEqual(['harvest.log', 'harvest.log.1', 'harvest.log.2']);
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      expect(statSync(p).size).toBeLessThanOrEqual(1000);
      expect(statSync(p).mode & 0o777).toBe(0o600);
      for (const l of readFileSync(p, 'utf8').trim().split('\n')) expect(() => JSON.parse(l)).not.toThrow();
    }
    // The newest lines are in the live file, the ones before them in .1, then .2; older ones are gone.
    const ids = (name: string): number[] =>
      readFileSync(join(dir, name), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { i: number }).i);
    const live = ids('harvest.log');
    const one = ids('harvest.log.1');
    const two = ids('harvest.log.2');
    expect(live.at(-1)).toBe(99);
    expect(one.at(-1)).toBe(live[0]! - 1);
    expect(two.at(-1)).toBe(one[0]! - 1);
    expect(two[0]).toBeGreaterThan(0);
  });

  it('continues an existing file after a restart, counting its size', () => {
    const path = join(dir, 'harvest.log');
    const a = new RotatingFile(path, { maxBytes: 100, keep: 2 });
    a.write('x'.repeat(60) + '\n');
    a.close();
    const b = new RotatingFile(path, { maxBytes: 100, keep: 2 });
    b.write('y'.repeat(60) + '\n');
    b.close();
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('x'.repeat(60) + '\n');
    expect(readFileSync(path, 'utf8')).toBe('y'.repeat(60) + '\n');
  });
});
