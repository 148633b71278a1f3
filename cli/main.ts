#!/usr/bin/env node
/**
 * @module Entry point of `margo-conformance`: builds the real {@link CliIo}, runs the program, maps errors to exit codes.
 * This is the only place that calls `process.exit`.
 */
import { systemClock } from '../core/clock.js';
import { exitCodeForError, formatErrorLine } from './exit-codes.js';
import type { CliIo } from './io.js';
import { isServerCommand, runCli } from './program.js';
import { installSignalHandlers, interruptedExitCode, outputErrorHandler } from './signals.js';

function writeStderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const exit = (code: number): void => process.exit(code);
  process.stdout.on('error', outputErrorHandler('stdout', exit, writeStderrLine));
  // A stderr that cannot take the report of its own failure just ends the process.
  process.stderr.on('error', outputErrorHandler('stderr', exit, () => undefined));
  const shutdown = new AbortController();
  installSignalHandlers({ proc: process, controller: shutdown, writeLine: writeStderrLine, exit });
  const io: CliIo = {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    clock: systemClock,
    cwd: process.cwd(),
    isTty: Boolean(process.stdout.isTTY) && process.env.CI === undefined,
    shutdown: shutdown.signal,
  };
  const argv = process.argv.slice(2);
  let code: number;
  try {
    code = await runCli(argv, io);
  } catch (err) {
    io.stderr(formatErrorLine(err));
    if (process.env.MARGO_DEBUG) io.stderr(err instanceof Error ? (err.stack ?? '') : String(err));
    code = exitCodeForError(err);
  }
  // A run cut short by a signal is neither conformant nor a harness error: report it as interrupted, whatever it had
  // found so far. A server (mock-server) stops on its signal by design, so its clean stop keeps 0.
  const interrupted = interruptedExitCode(shutdown.signal);
  if (interrupted !== undefined && !(isServerCommand(argv) && code === 0)) code = interrupted;
  process.exitCode = code;
  // Servers and sockets are closed by the commands; a short grace period keeps a stray handle from hanging CI.
  setTimeout(() => process.exit(code), 200).unref();
}

await main();
