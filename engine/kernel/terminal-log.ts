/**
 * What a person sees of the log on a terminal (`harvest serve`, `run`, `npm
 * start`): one short human line per warning or error instead of pino's JSON,
 * and the trading loop's per-cycle record folded into a summary printed when it
 * changes, and otherwise at most once a minute. Summaries start only once the
 * command has printed its ready lines (`ready()`), so the address to open is
 * the last thing on screen at start-up. Everything, at full detail, stays in
 * the JSON log file (logger.ts).
 */

/** Numeric pino levels. */
const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields that are pino's own or too noisy for a terminal line. */
const SKIPPED_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);

/** Fields of the loop's cycle record that change every cycle without meaning anything changed. */
const CYCLE_NOISE = new Set(['cycle', 'startedAt', 'durationMs']);

export const CYCLE_SUMMARY_EVERY_MS = 60_000;

export interface TerminalLogOptions {
  /** Where lines go (stderr in the CLI). */
  out: (line: string) => void;
  /** Milliseconds now; injected so the once-a-minute rule is testable (and follows the engine's clock). */
  now: () => number;
  summaryEveryMs?: number;
  /** Records below this pino level are left to the log file (cycle summaries excepted); 40 = warn. */
  minLevel?: number;
}

type Record_ = { [k: string]: unknown; level?: number; msg?: string; time?: number };

export class TerminalLog {
  private lastSummary: { key: string; at: number } | null = null;
  private readonly every: number;
  private readonly minLevel: number;
  private isReady = false;

  constructor(private readonly opts: TerminalLogOptions) {
    this.every = opts.summaryEveryMs ?? CYCLE_SUMMARY_EVERY_MS;
    this.minLevel = opts.minLevel ?? 40;
  }

  /** The command's own ready lines are out: cycle summaries may follow them now. */
  ready(): void {
    this.isReady = true;
  }

  /** pino stream interface: one JSON record per call. */
  write(chunk: string): boolean {
    for (const line of chunk.split('\n')) {
      if (!line) continue;
      let rec: Record_;
      try {
        rec = JSON.parse(line) as Record_;
      } catch {
        this.opts.out(line + '\n');
        continue;
      }
      const text = this.format(rec);
      if (text !== null) this.opts.out(text + '\n');
    }
    return true;
  }

  private format(rec: Record_): string | null {
    const now = this.opts.now();
    const stamp = new Date(typeof rec.time === 'number' ? rec.time : now).toISOString().slice(11, 19);
    const level = rec.level ?? 30;
    const msg = rec.msg ?? '';
    if (typeof rec['cycle'] === 'number' && level < 40) {
      if (!this.isReady) return null;
      const key = Object.entries(rec)
        .filter(([k]) => !SKIPPED_FIELDS.has(k) && !CYCLE_NOISE.has(k))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ');
      const last = this.lastSummary;
      if (last && last.key === key && now - last.at < this.every) return null;
      this.lastSummary = { key, at: now };
      return `${stamp}  ${msg}`;
    }
    if (level < this.minLevel) return null;
    const tag = level >= 40 ? `${LEVEL_NAMES[level] ?? level}  ` : '';
    const details = Object.entries(rec)
      .filter(([k]) => !SKIPPED_FIELDS.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${stamp}  ${tag}${msg}${details ? ` (${details})` : ''}`;
  }
}
