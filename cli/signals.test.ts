import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installSignalHandlers, interruptedExitCode, outputErrorHandler, SIGNAL_GRACE_MS, type HandledSignal } from './signals.js';

function harness() {
  const proc = new EventEmitter();
  const controller = new AbortController();
  const lines: string[] = [];
  const exits: number[] = [];
  const timers: { fn: () => void; ms: number; unrefed: boolean }[] = [];
  const uninstall = installSignalHandlers({
    proc: proc as unknown as { on(e: HandledSignal, l: () => void): unknown; off(e: HandledSignal, l: () => void): unknown },
    controller,
    writeLine: (l) => lines.push(l),
    exit: (c) => exits.push(c),
    schedule: (fn, ms) => {
      const timer = { fn, ms, unrefed: false };
      timers.push(timer);
      return { unref: () => (timer.unrefed = true) };
    },
  });
  return { proc, controller, lines, exits, timers, uninstall };
}

describe('installSignalHandlers', () => {
  it('aborts on the first signal and starts an unref’d grace timer, without exiting', () => {
    const h = harness();
    h.proc.emit('SIGINT');
    expect(h.controller.signal.aborted).toBe(true);
    expect(h.exits).toEqual([]);
    expect(h.lines).toEqual([]);
    expect(h.timers).toHaveLength(1);
    expect(h.timers[0]).toMatchObject({ ms: SIGNAL_GRACE_MS, unrefed: true });
  });

  it('exits 130 with one line on a second SIGINT', () => {
    const h = harness();
    h.proc.emit('SIGINT');
    h.proc.emit('SIGINT');
    expect(h.exits).toEqual([130]);
    expect(h.lines).toHaveLength(1);
    expect(h.lines[0]).toContain('SIGINT received again');
  });

  it('exits 143 with one line when SIGTERM is still stopping after the grace period', () => {
    const h = harness();
    h.proc.emit('SIGTERM');
    h.timers[0]?.fn();
    expect(h.exits).toEqual([143]);
    expect(h.lines).toEqual([`still stopping ${SIGNAL_GRACE_MS / 1000} s after SIGTERM; exiting now (exit 143)`]);
  });

  it('removes its listeners when uninstalled', () => {
    const h = harness();
    h.uninstall();
    expect(h.proc.listenerCount('SIGINT') + h.proc.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('outputErrorHandler', () => {
  it('exits 0 quietly when the reader has gone, and 4 with one line for other errors', () => {
    const exits: number[] = [];
    const lines: string[] = [];
    const onError = outputErrorHandler('stdout', (c) => exits.push(c), (l) => lines.push(l));
    onError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(lines).toEqual([]);
    onError(Object.assign(new Error('i/o error'), { code: 'EIO' }));
    expect(exits).toEqual([0, 4]);
    expect(lines).toEqual(['error [INTERNAL]: cannot write to stdout: i/o error']);
  });
});

describe('interruptedExitCode', () => {
  it('is 130 after SIGINT, 143 after SIGTERM, and undefined when no signal stopped the run', () => {
    const byInt = new AbortController();
    byInt.abort('SIGINT');
    const byTerm = new AbortController();
    byTerm.abort('SIGTERM');
    const other = new AbortController();
    other.abort(new Error('timeout'));
    expect(interruptedExitCode(byInt.signal)).toBe(130);
    expect(interruptedExitCode(byTerm.signal)).toBe(143);
    expect(interruptedExitCode(other.signal)).toBeUndefined();
    expect(interruptedExitCode(new AbortController().signal)).toBeUndefined();
  });
});
