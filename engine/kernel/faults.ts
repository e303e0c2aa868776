/**
 * Crash-test hook. With HARVEST_FAULT=<point> in the environment, the process
 * kills itself (SIGKILL, no cleanup) when it reaches that point, so tests can
 * prove that every step of a multi-step operation is recoverable. Without the
 * variable this is a no-op.
 */
export function faultPoint(name: string): void {
  if (process.env['HARVEST_FAULT'] === name) process.kill(process.pid, 'SIGKILL');
}
