/**
 * `margo-conformance client` in-process (no build needed): usage errors found before any scenario runs (exit 2,
 * one line), and an interrupted run that still writes its reports and returns 130.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { isConformanceError } from '../core/errors.js';
import { runClientCommand } from '../cli/commands/client.js';
import { EXIT, exitCodeForError, formatErrorLine } from '../cli/exit-codes.js';
import type { CliIo } from '../cli/io.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'margo-client-command-'));
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function ioWith(shutdown: AbortSignal = new AbortController().signal): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    env: { PATH: process.env['PATH'] },
    clock: systemClock,
    cwd: dir,
    isTty: false,
    shutdown,
  };
}

/** Runs the command expecting a usage error; returns the exit code and the line main.ts would print. */
async function usageError(flags: Parameters<typeof runClientCommand>[0]): Promise<{ code: number; line: string }> {
  const err = await runClientCommand(flags, ioWith()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isConformanceError(err)).toBe(true);
  return { code: exitCodeForError(err), line: formatErrorLine(err) };
}

describe('client command: refused before any scenario runs', () => {
  it('--scenario-timeout beyond 600000 ms is a usage error (exit 2, one line), never a 1 ms timeout', async () => {
    const marker = join(dir, 'ran-timeout');
    const { code, line } = await usageError({ command: `touch "${marker}"`, scenarioTimeout: '2147483648', progress: false });
    expect(code).toBe(2);
    expect(line).toContain('--scenario-timeout');
    expect(line.split('\n')).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('a --report-dir that is a file is refused before the client runs', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    const marker = join(dir, 'ran-report-dir');
    const { code, line } = await usageError({ command: `touch "${marker}"`, reportDir: file, progress: false });
    expect(code).toBe(2);
    expect(line).toContain('is a file');
    expect(line.split('\n')).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
  });

  it('--certification with --only (or --skip) is refused before the client runs', async () => {
    const marker = join(dir, 'ran-certification');
    const only = await usageError({ command: `touch "${marker}"`, certification: true, only: ['client.tls.*'], reportDir: join(dir, 'r1'), progress: false });
    expect(only.code).toBe(2);
    expect(only.line).toContain('--only client.tls.*');
    const skip = await usageError({ command: `touch "${marker}"`, certification: true, skip: ['client.retry.*'], reportDir: join(dir, 'r2'), progress: false });
    expect(skip.code).toBe(2);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('client command: interrupted', () => {
  it('stops the client, writes the reports of what ran, labels the scenario interrupted and returns 130', async () => {
    const marker = join(dir, 'started');
    const reportDir = join(dir, 'interrupted-report');
    const controller = new AbortController();
    const io = ioWith(controller.signal);
    const poll = setInterval(() => {
      if (existsSync(marker)) controller.abort();
    }, 50);
    try {
      const code = await runClientCommand({ command: `touch "${marker}"; sleep 30`, reportDir, scenarioTimeout: '60000', progress: false }, io);
      expect(code).toBe(EXIT.interrupted);
      expect(code).toBe(130);
    } finally {
      clearInterval(poll);
    }
    expect(io.out.some((l) => l.includes('scenario happy-path: client interrupted'))).toBe(true);
    expect(io.out.some((l) => l.includes('stopped at the scenario timeout'))).toBe(false);
    expect(io.err.join('\n')).toContain('interrupted');
    const report = JSON.parse(await readFile(join(reportDir, 'report.json'), 'utf8')) as { results: { status: string }[] };
    expect(report.results.length).toBeGreaterThan(0);
    expect(report.results.filter((r) => r.status === 'pass')).toEqual([]);
  }, 60_000);
});
