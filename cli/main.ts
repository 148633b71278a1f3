#!/usr/bin/env node
/**
 * @module Entry point of `margo-conformance`: builds the real {@link CliIo}, runs the program, maps errors to exit codes.
 * This is the only place that calls `process.exit`.
 */
import { systemClock } from '../core/clock.js';
import { exitCodeForError, formatErrorLine } from './exit-codes.js';
import type { CliIo } from './io.js';
import { runCli } from './program.js';

async function main(): Promise<void> {
  const shutdown = new AbortController();
  const stop = (): void => shutdown.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const io: CliIo = {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    clock: systemClock,
    cwd: process.cwd(),
    isTty: Boolean(process.stdout.isTTY) && process.env.CI === undefined,
    shutdown: shutdown.signal,
  };
  let code: number;
  try {
    code = await runCli(process.argv.slice(2), io);
  } catch (err) {
    io.stderr(formatErrorLine(err));
    if (process.env.MARGO_DEBUG) io.stderr(err instanceof Error ? (err.stack ?? '') : String(err));
    code = exitCodeForError(err);
  }
  process.exitCode = code;
  // Servers and sockets are closed by the commands; a short grace period keeps a stray handle from hanging CI.
  setTimeout(() => process.exit(code), 200).unref();
}

await main();
