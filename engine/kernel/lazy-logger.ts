import pino, { type Logger } from 'pino';

const noop = (): void => undefined;

/**
 * A logger that builds the real one only when a line at an enabled level is
 * written. A one-shot CLI command usually logs nothing, yet building a pino
 * logger compiles the redaction paths and opens the rotating log file (about
 * 20 ms of a command that should answer in a few tens). Until then, calls
 * below the level are dropped exactly as pino would drop them, and children
 * stay lazy too; after that, every call goes to the real logger, redaction
 * included.
 */
export function lazyLogger(level: string, make: () => Logger): Logger {
  const threshold = pino.levels.values[level] ?? (level === 'silent' ? Infinity : pino.levels.values['info']!);
  let real: Logger | null = null;
  const ensure = (): Logger => (real ??= make());
  const enabled = (name: string): boolean => (pino.levels.values[name] ?? Infinity) >= threshold;
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (real === null) {
        if (prop === 'level') return level;
        if (prop === 'isLevelEnabled') return enabled;
        if (prop === 'flush') return noop;
        if (prop === 'child')
          return (bindings: pino.Bindings, options?: pino.ChildLoggerOptions) =>
            lazyLogger(level, () => ensure().child(bindings, options));
        if (typeof prop === 'string' && prop in pino.levels.values && !enabled(prop)) return noop;
      }
      const target = ensure();
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    // A write (say, `log.level = 'debug'`) goes to the real logger, so what is read back stays true.
    set(_target, prop, value) {
      const target = ensure();
      return Reflect.set(target, prop, value, target);
    },
  });
}
