/**
 * @module Helpers for the `wfm` tests: an in-memory CliIo that records what a command printed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.js';
import type { CliIo } from '../cli/io.js';

const createdDirs: string[] = [];

/** Removes every folder {@link fakeIo} created in this test file (they hold a device CA private key). */
export async function removeFakeIoDirs(): Promise<void> {
  for (const dir of createdDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** A CliIo writing into arrays; `cwd` is a fresh temporary folder (reports and the device CA land there). */
export async function fakeIo(opts: { env?: Record<string, string>; isTty?: boolean } = {}): Promise<CliIo & { out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = await mkdtemp(join(tmpdir(), 'margo-wfm-test-'));
  createdDirs.push(cwd);
  return {
    out,
    err,
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    env: opts.env ?? {},
    clock: systemClock,
    cwd,
    isTty: opts.isTty ?? false,
    shutdown: new AbortController().signal,
  };
}
