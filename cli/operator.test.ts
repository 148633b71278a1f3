/**
 * The operator shell command runs in its own process group: stopping it (the check's timeout, Ctrl-C) ends the shell
 * and everything it started, so `--operator-command 'sleep 100'` leaves no orphans.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { isConformanceError } from '../core/errors.js';
import type { OperatorRequest } from '../suites/wfm/index.js';
import { fakeIo, removeFakeIoDirs } from '../test/wfm-helpers.js';
import { commandOperator } from './operator.js';

afterAll(removeFakeIoDirs);

const REQUEST: OperatorRequest = {
  action: 'reject-onboarding',
  fingerprint: 'cd'.repeat(32),
  certificatePem: '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n',
};

/** True while `pid` is a live process (a zombie waiting for its reaper counts as gone). */
async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').then(
    (text) => text,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

/** Polls until `read` yields a value (bounded: 200 polls). */
async function eventually<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await sleep(50);
  }
  return undefined;
}

describe('operator command process group', () => {
  it('kills the shell and the child it started when the action is stopped', async () => {
    const io = await fakeIo();
    const pidFile = join(io.cwd, 'child.pid');
    // The shell starts a long-running child, records its pid, and waits for it.
    const op = commandOperator(`sleep 100 & echo $! > ${pidFile}; wait`, io);
    const stop = new AbortController();
    const done = op.perform(REQUEST, stop.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    const childPid = await eventually(async () => {
      const text = await readFile(pidFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      });
      return /^\d+\n$/.test(text) ? Number(text) : undefined;
    });
    expect(childPid).toBeTypeOf('number');
    expect(await isAlive(childPid!)).toBe(true);
    stop.abort();
    const err = await done;
    expect(isConformanceError(err, 'OPERATOR_ACTION_FAILED')).toBe(true);
    expect((err as Error).message).toContain('SIGTERM');
    const gone = await eventually(async () => ((await isAlive(childPid!)) ? undefined : true));
    expect(gone).toBe(true);
  });

  it('stops the command at once when the action was stopped before it started', async () => {
    const io = await fakeIo();
    const marker = join(io.cwd, 'ran');
    const stop = new AbortController();
    stop.abort();
    const err = await commandOperator(`sleep 1; touch ${marker}`, io)
      .perform(REQUEST, stop.signal)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isConformanceError(err, 'OPERATOR_ACTION_FAILED')).toBe(true);
    await expect(readFile(marker)).rejects.toThrow(/ENOENT/);
  });
});
