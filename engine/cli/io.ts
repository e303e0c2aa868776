import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { HarvestError } from '../kernel/errors';

/**
 * Secrets (recovery phrases, secret keys, passphrases) come from stdin or a
 * hidden prompt, never from argv, where other users of the machine and shell
 * history could read them.
 */
export interface SecretInput {
  /** Next secret line: from piped stdin, or a hidden prompt on a terminal. */
  next(prompt: string): Promise<string>;
}

export function stdinSecrets(input?: NodeJS.ReadStream, stderr: NodeJS.WriteStream = process.stderr): SecretInput {
  let piped: Promise<string[]> | null = null;
  let cursor = 0;
  return {
    async next(prompt: string): Promise<string> {
      // process.stdin is read here, not up front: opening it costs every command a stream it rarely needs.
      const stdin = input ?? process.stdin;
      if (stdin.isTTY) return promptHidden(prompt, stdin, stderr);
      piped ??= readAll(stdin).then((text) => text.split(/\r?\n/u));
      const lines = await piped;
      const line = lines[cursor++];
      if (line === undefined || (line === '' && cursor >= lines.length)) {
        throw new HarvestError(
          'INVALID_INPUT',
          `Expected ${prompt.replace(/:\s*$/u, '').toLowerCase()} on standard input.`,
        );
      }
      return line;
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(prompt, (answer) => {
      rl.close();
      stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}
