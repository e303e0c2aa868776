/**
 * The benchmark contract: each bench/*.bench.ts default-exports a Benchmark;
 * bench/run.ts runs them and writes each one's report into its own marked
 * section of docs/benchmarks.md, leaving the other sections as they are.
 */
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
