/**
 * @module How the process answers SIGINT / SIGTERM and a closed stdout. The first signal asks the running command to
 * stop (its AbortSignal fires: servers close, reports of what ran are written). A second signal, or the grace period
 * running out, prints one line and exits at once with 128 + the signal number (130 for SIGINT, 143 for SIGTERM), so
 * an await that ignores the AbortSignal can never keep the process alive. A reader that goes away (`list | head -1`)
 * ends the process quietly instead of with an EPIPE stack trace.
 */

/** Signals the CLI handles, with the exit code of a forced stop (128 + signal number, as shells report it). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** A handled signal. */
export type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;

/** How long a graceful stop may take after the first signal before the process exits anyway, ms. */
export const SIGNAL_GRACE_MS = 10_000;

/** A timer that can be told not to keep the process alive. */
export interface UnrefTimer {
  unref(): unknown;
}

/** What {@link installSignalHandlers} needs; tests pass fakes. */
export interface SignalHandlerOptions {
  /** Where the signal listeners go (`process`). */
  readonly proc: {
    on(event: HandledSignal, listener: () => void): unknown;
    off(event: HandledSignal, listener: () => void): unknown;
  };
  /** Aborted on the first signal. */
  readonly controller: AbortController;
  /** Grace period after the first signal, ms (default {@link SIGNAL_GRACE_MS}). */
  readonly graceMs?: number;
  /** Prints the one line before a forced exit (stderr). */
  readonly writeLine: (line: string) => void;
  /** Ends the process (`process.exit`). */
  readonly exit: (code: number) => void;
  /** Starts the grace timer (default `setTimeout`); the timer is unref'd so a finished command exits normally. */
  readonly schedule?: (fn: () => void, ms: number) => UnrefTimer;
}

/**
 * Installs the SIGINT / SIGTERM listeners described in the module header.
 * @returns a function that removes the listeners
 */
export function installSignalHandlers(opts: SignalHandlerOptions): () => void {
  const graceMs = opts.graceMs ?? SIGNAL_GRACE_MS;
  const schedule = opts.schedule ?? ((fn, ms) => setTimeout(fn, ms));
  let first: HandledSignal | undefined;
  const forceExit = (signal: HandledSignal, why: string): void => {
    opts.writeLine(`${why}; exiting now (exit ${SIGNAL_EXIT_CODES[signal]})`);
    opts.exit(SIGNAL_EXIT_CODES[signal]);
  };
  const listeners = new Map<HandledSignal, () => void>();
  for (const signal of Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[]) {
    const listener = (): void => {
      if (first !== undefined) {
        forceExit(signal, `${signal} received again while stopping`);
        return;
      }
      first = signal;
      // The reason names the signal, so the entry point can exit 130 / 143 for an interrupted run.
      opts.controller.abort(signal);
      schedule(() => forceExit(signal, `still stopping ${graceMs / 1000} s after ${signal}`), graceMs).unref();
    };
    listeners.set(signal, listener);
    opts.proc.on(signal, listener);
  }
  return () => {
    for (const [signal, listener] of listeners) opts.proc.off(signal, listener);
  };
}

/**
 * The exit code of a run that a signal interrupted: 130 (SIGINT) or 143 (SIGTERM) when `signal` was aborted by
 * {@link installSignalHandlers}, else `undefined`.
 */
export function interruptedExitCode(signal: AbortSignal): number | undefined {
  const reason: unknown = signal.reason;
  return signal.aborted && (reason === 'SIGINT' || reason === 'SIGTERM') ? SIGNAL_EXIT_CODES[reason] : undefined;
}

/**
 * An `'error'` listener for `process.stdout` / `process.stderr`: when the reader has gone (EPIPE, or a write to the
 * stream it destroyed) the process exits quietly with 0; any other stream error is reported on one line and exits 4.
 */
export function outputErrorHandler(streamName: string, exit: (code: number) => void, report: (line: string) => void): (err: NodeJS.ErrnoException) => void {
  return (err) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      exit(0);
      return;
    }
    report(`error [INTERNAL]: cannot write to ${streamName}: ${err.message}`);
    exit(4);
  };
}
