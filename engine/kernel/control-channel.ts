import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { HarvestError, toHarvestError, type ErrorCode } from './errors';
import type { Logger } from './logger';

/**
 * The local channel through which CLI commands reach a running engine: a Unix
 * socket in the data directory (0600, in a 0700 directory) or a named pipe on
 * Windows. One JSON object per line each way.
 */
export interface ControlRequest {
  id: number;
  command: string;
  input: unknown;
}

export type ControlResponse =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { code: ErrorCode; message: string } };

export type ControlHandler = (command: string, input: unknown) => Promise<unknown>;

export interface ControlServer {
  close(): Promise<void>;
}

const MAX_LINE = 4 * 1024 * 1024;

export async function serveControlChannel(path: string, handler: ControlHandler, log: Logger): Promise<ControlServer> {
  if (process.platform !== 'win32') rmSync(path, { force: true });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_LINE) {
        socket.destroy();
        return;
      }
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        void answer(line).then((resp) => socket.writable && socket.write(JSON.stringify(resp) + '\n'));
      }
    });
    socket.on('error', (err) => log.debug({ err: err.message }, 'control client error'));
  });

  async function answer(line: string): Promise<ControlResponse> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
    } catch {
      return { id: -1, ok: false, error: { code: 'INVALID_INPUT', message: 'Malformed request.' } };
    }
    try {
      return { id: req.id, ok: true, result: await handler(String(req.command), req.input) };
    } catch (e) {
      const err = toHarvestError(e);
      return { id: req.id, ok: false, error: { code: err.code, message: err.message } };
    }
  }

  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(oldMask);
  }
  if (process.platform !== 'win32') chmodSync(path, 0o600);
  log.info({ path }, 'control channel listening');
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends one command to the engine that owns a data directory. Rejects with ECONNREFUSED/ENOENT if none listens. */
export function callControlChannel(
  path: string,
  command: string,
  input: unknown,
  timeoutMs = 120_000,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      fn();
    };
    socket.setTimeout(timeoutMs, () =>
      finish(() =>
        reject(new HarvestError('INTERNAL', `The running engine did not answer within ${timeoutMs / 1000} s.`)),
      ),
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ id: 1, command, input } satisfies ControlRequest) + '\n'));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      const resp = JSON.parse(buffer.slice(0, nl)) as ControlResponse;
      finish(() => (resp.ok ? resolve(resp.result) : reject(new HarvestError(resp.error.code, resp.error.message))));
    });
    socket.on('error', (err) => finish(() => reject(err)));
    socket.on('close', () =>
      finish(() => reject(new HarvestError('INTERNAL', 'The running engine closed the connection without answering.'))),
    );
  });
}
