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
