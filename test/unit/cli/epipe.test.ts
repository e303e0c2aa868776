/**
 * `harvest … | head`: the reader closes the pipe before the CLI has printed
 * everything. The CLI must stop quietly (exit 0, nothing on stderr), not die
 * on an unhandled EPIPE with a stack trace.
 */
import { describe, expect, it } from 'vitest';
import { spawnHarvest } from '../../helpers/cli';

describe('the CLI when its output pipe closes', () => {
  it('exits 0 without a word on stderr', async () => {
    // `strategy --help` prints a screenful; our end of its stdout is closed before it writes.
    const child = spawnHarvest(['strategy', '--help'], { HARVEST_DATA_DIR: undefined });
    child.stdout!.destroy();
    child.stdin!.end();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Error|at /u);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
