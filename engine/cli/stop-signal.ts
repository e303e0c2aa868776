/**
 * SIGINT/SIGTERM for `harvest run` and `serve`, listened for from before the
 * engine opens: a stop asked for during start-up (connecting the network can
 * take seconds) ends at the next step through the same clean shutdown, not by
 * the signal's default exit.
 */
export interface StopSignal {
  /** Resolves at the first SIGINT or SIGTERM. */
  readonly stopped: Promise<void>;
  /** Whether one has arrived. */
  readonly asked: boolean;
  /** Stops listening (the process's default handling returns). */
  dispose(): void;
}

export function listenForStop(): StopSignal {
  let asked = false;
  let resolve = (): void => undefined;
  const stopped = new Promise<void>((r) => (resolve = r));
  const stop = (): void => {
    asked = true;
    resolve();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return {
    stopped,
    get asked() {
      return asked;
    },
    dispose() {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
