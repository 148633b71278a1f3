/**
 * @module Entry point of a generator worker thread (`worker_threads`). Protocol: the worker builds its identity pool
 * and posts `ready`; on `start` it runs its fleet, posting `progress` about twice a second and finally `done` with its
 * measurements. `stop` ends it gracefully (no new request; before `start` it aborts the pool build), `abort` cuts
 * in-flight requests (the hard deadline).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../core/clock.js';
import { isConformanceError } from '../../core/errors.js';
import { prepareThread, runThread } from './thread.js';
import type { ThreadInput, ThreadResult } from './thread.js';
import type { LoadProgress } from './recorder.js';

/** Messages from the orchestrator to a worker. */
export type ToWorker = { readonly type: 'start' } | { readonly type: 'stop' } | { readonly type: 'abort' };

/** Messages from a worker to the orchestrator. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly progress: LoadProgress }
  | { readonly type: 'done'; readonly result: ThreadResult }
  | { readonly type: 'failed'; readonly message: string; readonly code?: string; readonly stack?: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('device-simulator/load/worker.js must run as a worker thread');
  const post = (m: FromWorker): void => port.postMessage(m);
  const input = workerData as ThreadInput;
  const soft = new AbortController();
  const hard = new AbortController();
  const started = new Promise<void>((resolve) => {
    port.on('message', (m: ToWorker) => {
      if (m.type === 'start') resolve();
      else if (m.type === 'stop') soft.abort();
      else hard.abort();
    });
  });
  try {
    // A `stop` during the build aborts it (RUN_ABORTED reaches the orchestrator as `failed`).
    const identities = await prepareThread(input, new Date(systemClock.nowMs()), soft.signal);
    post({ type: 'ready' });
    await started;
    const result = await runThread(input, identities, {
      clock: systemClock,
      softStop: soft.signal,
      hardStop: hard.signal,
      onProgress: (progress) => post({ type: 'progress', progress }),
    });
    post({ type: 'done', result });
  } catch (err) {
    // Reported to the orchestrator, which rethrows it as a harness error with this message.
    post({
      type: 'failed',
      message: err instanceof Error ? err.message : String(err),
      ...(isConformanceError(err) ? { code: err.code } : {}),
      ...(err instanceof Error && err.stack !== undefined ? { stack: err.stack } : {}),
    });
  } finally {
    // Removing the listener does not unref the port (Node 20): unref it, so the thread exits once its loop drains.
    port.removeAllListeners('message');
    port.unref();
  }
}

await main();
