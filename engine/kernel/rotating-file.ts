import { closeSync, existsSync, fstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

export interface RotatingFileOptions {
  /** A file grows to at most about this many bytes before it is rotated. */
  maxBytes: number;
  /** How many files to keep in all: the live one plus keep−1 rotated ones (.1 newest). */
  keep: number;
}

/** 10 MB × 5 files: weeks of cycle logs at info level, never more than 50 MB on disk. */
export const DEFAULT_LOG_ROTATION: RotatingFileOptions = { maxBytes: 10 * 1024 * 1024, keep: 5 };

/**
 * An append-only log file that rotates by size: harvest.log → harvest.log.1 →
 * … → harvest.log.(keep−1), the oldest dropped. Writes are synchronous, like
 * the pino destination it replaces, so the last lines before a crash are on
 * disk. Used as a pino stream (it has `write`); one process writes it (the
 * data directory's owner lock guarantees that for engines).
 */
export class RotatingFile {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly opts: RotatingFileOptions = DEFAULT_LOG_ROTATION,
  ) {
    if (opts.keep < 1 || opts.maxBytes < 1) throw new Error('RotatingFile needs keep >= 1 and maxBytes >= 1');
    this.fd = openSync(path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: string): boolean {
    const bytes = Buffer.byteLength(chunk);
    // A line is never split across files; a file holds at least one line even if that line is larger than the cap.
    if (this.size > 0 && this.size + bytes > this.opts.maxBytes) this.rotate();
    writeSync(this.fd, chunk);
    this.size += bytes;
    return true;
  }

  private rotate(): void {
    closeSync(this.fd);
    const { keep } = this.opts;
    if (keep === 1) {
      unlinkSync(this.path);
    } else {
      const oldest = `${this.path}.${keep - 1}`;
      if (existsSync(oldest)) unlinkSync(oldest);
      for (let i = keep - 2; i >= 1; i--) {
        if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}
