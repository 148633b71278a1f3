/**
 * @module The live progress of `load`: a bar redrawn in place on a terminal (at most 4 times a second), plain lines
 * every 5 seconds otherwise (CI logs, `--no-progress`).
 */
import { createRateTracker, formatLoadProgress } from '../../device-simulator/load/index.js';
import type { FleetProgress } from '../../device-simulator/load/index.js';
import type { CliIo } from '../io.js';

/** Cursor up one line and clear it: CliIo writes whole lines, so a redraw replaces the previous one. */
const REDRAW = '\x1b[1A\x1b[2K';
const TTY_EVERY_MS = 250;
const PLAIN_EVERY_MS = 5000;

/** A progress callback for `runLoad`: bar when `tty`, plain lines otherwise. `durationMs` is the steady duration. */
export function createLoadProgressPrinter(io: CliIo, tty: boolean, durationMs: number): (p: FleetProgress) => void {
  const tracker = createRateTracker();
  const every = tty ? TTY_EVERY_MS : PLAIN_EVERY_MS;
  let lastAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return (p) => {
    const rate = tracker.update(p);
    if (p.elapsedMs - lastAt < every) return;
    lastAt = p.elapsedMs;
    const line = formatLoadProgress(p, rate, durationMs, tty);
    io.stdout(tty && drawn ? `${REDRAW}${line}` : line);
    drawn = true;
  };
}
