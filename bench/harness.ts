/**
 * The benchmark contract: each bench/*.bench.ts default-exports a Benchmark;
 * bench/run.ts runs them and writes each one's report into its own marked
 * section of docs/benchmarks.md, leaving the other sections as they are.
 */
import { readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, release, totalmem, type as osType } from 'node:os';

export interface Benchmark {
  /** Section id in docs/benchmarks.md (<!-- bench:ID --> ... <!-- /bench:ID -->); lowercase, digits, dashes. */
  id: string;
  title: string;
  /** Runs the benchmark, logging progress to stderr; returns the section body as Markdown. */
  run(log: (line: string) => void): Promise<string>;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** A Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

/** The machine a result was measured on, for the reports in docs/ (benchmarks, soak). */
export function machine(): string {
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${cpuModel()}, ${availableParallelism()} cores (${cpus().length} logical CPUs), ${gib} GiB RAM, ${osType()} ${release()} ${arch()}, Node ${process.version}`;
}
