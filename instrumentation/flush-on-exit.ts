// Flushes spans when the process ends, whichever way it ends: the event loop running dry (beforeExit, async
// flush), process.exit() or a crash ('exit', synchronous delivery), SIGTERM / SIGINT (async flush, then the
// signal's default action unless the app handles that signal itself — its handlers run and decide, untouched).

export interface ExitFlushTarget {
  /** True when spans ended since the last flush started; beforeExit would otherwise flush forever. */
  hasUnflushedSpans(): boolean;
  flush(): Promise<void>;
  /** Last resort from the 'exit' event, where nothing asynchronous runs any more. */
  flushSync(): void;
}

export interface ExitFlushOptions {
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** How long a signal waits for the flush before the default action proceeds. Default 5000 ms. */
  signalFlushTimeoutMs?: number;
}

export const DEFAULT_SIGNAL_FLUSH_TIMEOUT_MS = 5000;

/** Every signal listener installed here, so that two Verdict processors never take each other for the app's. */
const verdictSignalListeners = new Set<(signal: NodeJS.Signals) => void>();

/** Installs the hooks; returns a function that removes them. */
export function installExitFlush(target: ExitFlushTarget, options: ExitFlushOptions = {}): () => void {
  const signals = options.signals ?? (['SIGTERM', 'SIGINT'] as const);
  const timeoutMs = options.signalFlushTimeoutMs ?? DEFAULT_SIGNAL_FLUSH_TIMEOUT_MS;
  const flushingFor = new Set<NodeJS.Signals>();

  const onBeforeExit = (): void => {
    if (target.hasUnflushedSpans()) target.flush().catch(() => undefined);
  };
  const onExit = (): void => {
    try {
      target.flushSync();
    } catch {
      // Telemetry must never change how the process exits.
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    // Decided now, while every listener is still registered: a `once` handler removes itself when it runs.
    const appHandles = process.listeners(signal).some((listener) => !verdictSignalListeners.has(listener));
    if (flushingFor.has(signal)) {
      // A second Ctrl-C means "stop waiting".
      if (!appHandles) reraise(signal);
      return;
    }
    flushingFor.add(signal);
    withTimeout(target.flush(), timeoutMs).finally(() => {
      flushingFor.delete(signal);
      if (!appHandles) reraise(signal);
    });
  };
  const reraise = (signal: NodeJS.Signals): void => {
    process.removeListener(signal, onSignal);
    // With no listener left, Node restores the default action: the process ends by this signal, as it would
    // have. Another Verdict processor still flushing re-raises when it is done.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  // First in line, so the check above still sees the app's own handlers.
  verdictSignalListeners.add(onSignal);
  for (const signal of signals) process.prependListener(signal, onSignal);

  return () => {
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('exit', onExit);
    for (const signal of signals) process.removeListener(signal, onSignal);
    verdictSignalListeners.delete(onSignal);
  };
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // Not unref'd: after a signal the process must stay up until the flush ends or this fires.
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
