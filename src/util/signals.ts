/**
 * The first SIGINT or SIGTERM: listening starts at once (a stop that comes early still counts),
 * and stops after the first, so a second signal is Node's again (it ends the process).
 */
export function firstSignal(signals: NodeJS.EventEmitter = process): Promise<'SIGINT' | 'SIGTERM'> {
  return new Promise((stop) => {
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const done = (name: 'SIGINT' | 'SIGTERM') => {
      signals.off('SIGINT', onInt);
      signals.off('SIGTERM', onTerm);
      stop(name);
    };
    signals.on('SIGINT', onInt);
    signals.on('SIGTERM', onTerm);
  });
}

/**
 * A one-shot run that Ctrl-C (or SIGTERM) stops: the first signal aborts `signal` and hands the
 * next one back to Node (a second Ctrl-C ends the process at once). `dispose` stops listening.
 */
export function interruption(signals: NodeJS.EventEmitter = process): {
  signal: AbortSignal;
  by(): 'SIGINT' | 'SIGTERM' | undefined;
  dispose(): void;
} {
  const controller = new AbortController();
  let by: 'SIGINT' | 'SIGTERM' | undefined;
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  const dispose = () => {
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
  };
  const stop = (name: 'SIGINT' | 'SIGTERM') => {
    by = name;
    dispose();
    controller.abort();
  };
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);
  return { signal: controller.signal, by: () => by, dispose };
}

/** Resolves once `signal` is aborted (at once if it already is). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((stop) => signal.addEventListener('abort', () => stop(), { once: true }));
}
