/**
 * @module The CLI's view of the outside world. Commands receive an {@link CliIo} instead of touching `process`,
 * so tests can run them in-process and read what they printed.
 */
import type { Clock } from '../core/clock.js';

/** Streams, environment, clock and working directory a command may use. */
export interface CliIo {
  stdout(line: string): void;
  stderr(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly cwd: string;
  /** True when stdout is a terminal (live progress lines); false in CI (plain lines). */
  readonly isTty: boolean;
  /** Resolves when the user asks to stop (SIGINT/SIGTERM). */
  readonly shutdown: AbortSignal;
}
