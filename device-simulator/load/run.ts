/**
 * @module The load orchestrator: spreads a shard's devices over worker threads (or runs them in this thread), waits
 * until every thread has built its identity pool, opens the measured window for all at once, enforces the hard
 * deadline and the user's stop, and merges the threads' measurements with this process's CPU figures.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../../core/clock.js';
import type { MargoConfig } from '../../core/config.js';
import { ConformanceError } from '../../core/errors.js';
import type { KeyType } from '../../core/pki/index.js';
import type { LoadHostSample, LoadMeasurements, LoadThreadSample } from '../../core/report/load-types.js';
import type { IssuerPem } from './identities.js';
import { mergeMeasurements } from './merge.js';
import { assignWorkers, hardDeadlineMs, shardIndices, timelineBucketMs } from './plan.js';
import type { ShardSpec } from './plan.js';
import type { LoadProgress } from './recorder.js';
import { prepareThread, runThread } from './thread.js';
import type { ThreadInput, ThreadResult } from './thread.js';
import type { FromWorker, ToWorker } from './worker.js';

/** A load run of one shard. */
export interface LoadRunOptions {
  readonly wfmUrl: string;
  readonly caPem: string;
  readonly profileId: string;
  readonly config: MargoConfig;
  readonly deviceCa: IssuerPem;
  readonly keyType: KeyType;
  /** Fleet size N (all shards together). */
  readonly fleetSize: number;
  readonly shard: ShardSpec;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly ratePerDevice: number;
  readonly maxRequests: number;
  readonly maxCyclesPerDevice: number | null;
  readonly timeoutMs: number;
  /** Worker threads; 0 runs the devices in this thread. */
  readonly workers: number;
  readonly embeddedMockInProcess: boolean;
  /** Clock of the in-thread runner (worker threads use the system clock). */
  readonly clock: Clock;
  /** The user's stop (SIGINT): no new request after it. */
  readonly signal: AbortSignal;
  readonly onProgress?: (p: FleetProgress) => void;
  /** Called once the identity pool is built, just before the measured window opens. */
  readonly onPoolReady?: (info: { devices: number; threads: number; poolMs: number }) => void;
  /** Worker script; default `worker.js` beside this module. */
  readonly workerScript?: URL;
}

/** Counters of the whole shard, for the progress line. */
export interface FleetProgress extends LoadProgress {
  readonly planned: number;
  /** Since the measured window opened, ms. */
  readonly elapsedMs: number;
}

/** Measurements of the shard and the measured window (Unix ms). */
export interface LoadRunResult {
  readonly measurements: LoadMeasurements;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly threads: number;
  readonly mode: 'workers' | 'in-thread';
  readonly hardDeadlineMs: number;
  readonly notes: readonly string[];
}

interface Window {
  readonly t0: number;
  readonly startedAtMs: number;
  readonly cpu: NodeJS.CpuUsage;
  readonly machine: { idle: number; total: number };
}

function machineTimes(): { idle: number; total: number } {
  return cpus().reduce(
    (acc, c) => {
      const t = c.times;
      return { idle: acc.idle + t.idle, total: acc.total + t.user + t.nice + t.sys + t.idle + t.irq };
    },
    { idle: 0, total: 0 },
  );
}

function openWindow(clock: Clock): Window {
  return { t0: performance.now(), startedAtMs: clock.nowMs(), cpu: process.cpuUsage(), machine: machineTimes() };
}

function hostSample(w: Window, shard: ShardSpec, embedded: boolean, threads: readonly LoadThreadSample[]): LoadHostSample {
  const cpu = process.cpuUsage(w.cpu);
  const m = machineTimes();
  const total = m.total - w.machine.total;
  return {
    shard: `${shard.index}/${shard.count}`,
    wallMs: performance.now() - w.t0,
    processUserMs: cpu.user / 1000,
    processSystemMs: cpu.system / 1000,
    cores: cpus().length,
    machineBusyFraction: total > 0 ? Math.min(1, Math.max(0, 1 - (m.idle - w.machine.idle) / total)) : null,
    embeddedMockInProcess: embedded,
    threads,
  };
}

/** The worker script when it can run (compiled JS beside this module), else undefined (running from TS sources). */
function runnableScript(script: URL | undefined): URL | undefined {
  const url = script ?? new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** A deferred barrier: resolves when `open()` is called. */
function barrier(): { promise: Promise<void>; open(): void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Drives one worker: resolves with its result; `onReady` when its pool is built; posts `start` once `gate` opens. */
function driveWorker(
  script: URL,
  input: ThreadInput,
  gate: Promise<void>,
  hooks: { onReady(): void; onProgress(p: LoadProgress): void; register(post: (m: ToWorker) => void, kill: () => Promise<number>): void },
): Promise<ThreadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: input });
    let done = false;
    hooks.register((m) => worker.postMessage(m), () => worker.terminate());
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        hooks.onReady();
        void gate.then(() => worker.postMessage({ type: 'start' } satisfies ToWorker));
      } else if (m.type === 'progress') hooks.onProgress(m.progress);
      else if (m.type === 'done') {
        // Resolve on `done`, not on exit: the orchestrator terminates every worker once all have reported.
        done = true;
        resolve(m.result);
      } else if (m.code === 'RUN_ABORTED') {
        // The user's stop reached the worker while it built its identity pool: not a harness failure.
        done = true;
        reject(new ConformanceError('RUN_ABORTED', `the load run was ${m.message}`));
      } else reject(new ConformanceError('INTERNAL', `load worker ${input.threadName} failed: ${m.code === undefined ? '' : `[${m.code}] `}${m.message}`, { details: { stack: m.stack } }));
    });
    worker.on('error', (err) => reject(new ConformanceError('INTERNAL', `load worker ${input.threadName} crashed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      if (!done) reject(new ConformanceError('INTERNAL', `load worker ${input.threadName} exited (code ${code}) before reporting`));
    });
  });
}

function threadInputs(opts: LoadRunOptions, threads: number): ThreadInput[] {
  const assignments = assignWorkers(shardIndices(opts.fleetSize, opts.shard), threads, opts.concurrency, opts.maxRequests);
  return assignments.map((assignment) => ({
    assignment,
    wfmUrl: opts.wfmUrl,
    caPem: opts.caPem,
    profileId: opts.profileId,
    config: opts.config,
    deviceCa: opts.deviceCa,
    keyType: opts.keyType,
    fleetSize: opts.fleetSize,
    bucketMs: timelineBucketMs(opts.durationMs),
    durationMs: opts.durationMs,
    ratePerDevice: opts.ratePerDevice,
    maxCyclesPerDevice: opts.maxCyclesPerDevice,
    timeoutMs: opts.timeoutMs,
    threadName: threads === 0 ? 'main' : assignment.name,
  }));
}

/** Timers and signals of the measured window: the hard deadline and the user's stop, forwarded to every thread. */
function guard(opts: LoadRunOptions, deadlineMs: number, send: (m: ToWorker) => void): { hard: AbortController; soft: AbortController; dispose(): void } {
  const hard = new AbortController();
  const soft = new AbortController();
  const timer = setTimeout(() => {
    hard.abort();
    send({ type: 'abort' });
  }, deadlineMs);
  const onStop = (): void => {
    soft.abort();
    send({ type: 'stop' });
  };
  if (opts.signal.aborted) onStop();
  else opts.signal.addEventListener('abort', onStop, { once: true });
  return {
    hard,
    soft,
    dispose() {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onStop);
    },
  };
}

function progressOf(list: readonly LoadProgress[], planned: number, w: Window | undefined): FleetProgress {
  const sum = (k: keyof LoadProgress): number => list.reduce((a, p) => a + p[k], 0);
  return { onboarded: sum('onboarded'), requests: sum('requests'), errors: sum('errors'), planned, elapsedMs: w === undefined ? 0 : performance.now() - w.t0 };
}

async function runInThread(opts: LoadRunOptions, input: ThreadInput, deadlineMs: number): Promise<{ results: ThreadResult[]; window: Window }> {
  const poolStart = performance.now();
  const identities = await prepareThread(input, new Date(opts.clock.nowMs()), opts.signal);
  opts.onPoolReady?.({ devices: identities.length, threads: 1, poolMs: performance.now() - poolStart });
  const window = openWindow(opts.clock);
  const g = guard(opts, deadlineMs, () => undefined);
  try {
    const result = await runThread(input, identities, {
      clock: opts.clock,
      softStop: g.soft.signal,
      hardStop: g.hard.signal,
      onProgress: (p) => opts.onProgress?.(progressOf([p], input.assignment.indices.length, window)),
    });
    return { results: [result], window };
  } finally {
    g.dispose();
  }
}

async function runInWorkers(opts: LoadRunOptions, inputs: readonly ThreadInput[], script: URL, deadlineMs: number): Promise<{ results: ThreadResult[]; window: Window }> {
  const gate = barrier();
  const posts: ((m: ToWorker) => void)[] = [];
  const kills: (() => Promise<number>)[] = [];
  const latest: LoadProgress[] = inputs.map(() => ({ onboarded: 0, requests: 0, errors: 0 }));
  const planned = inputs.reduce((a, i) => a + i.assignment.indices.length, 0);
  const poolStart = performance.now();
  let ready = 0;
  let window: Window | undefined;
  let g: ReturnType<typeof guard> | undefined;
  // Until the window opens (and `guard` takes over), the user's stop aborts the workers' identity pool builds.
  const stopBuilds = (): void => {
    if (g === undefined) posts.forEach((post) => post({ type: 'stop' }));
  };
  const running = inputs.map((input, i) =>
    driveWorker(script, input, gate.promise, {
      register: (post, kill) => {
        posts.push(post);
        kills.push(kill);
      },
      onReady() {
        ready += 1;
        if (ready < inputs.length) return;
        opts.onPoolReady?.({ devices: planned, threads: inputs.length, poolMs: performance.now() - poolStart });
        window = openWindow(opts.clock);
        g = guard(opts, deadlineMs, (m) => posts.forEach((post) => post(m)));
        gate.open();
      },
      onProgress(p) {
        latest[i] = p;
        opts.onProgress?.(progressOf(latest, planned, window));
      },
    }),
  );
  opts.signal.addEventListener('abort', stopBuilds, { once: true });
  try {
    const results = await Promise.all(running);
    if (window === undefined) throw new ConformanceError('INTERNAL', 'load workers finished without opening the measured window');
    return { results, window };
  } finally {
    opts.signal.removeEventListener('abort', stopBuilds);
    g?.dispose();
    // A failed worker leaves the others running: stop them (a no-op for threads that already exited).
    await Promise.all(kills.map((kill) => kill()));
  }
}

/**
 * Runs one shard of the fleet. With `workers` > 0 and compiled worker scripts, the devices are spread over that many
 * worker threads (never more than devices or `concurrency`); otherwise they run in this thread, with a note.
 * Resolves to the merged measurements (one host sample for this process) and the measured window.
 * @throws ConformanceError `INTERNAL` when a worker fails, `RUN_ABORTED` when stopped before the window opened
 *   (including during the identity pool build)
 */
export async function runLoad(opts: LoadRunOptions): Promise<LoadRunResult> {
  const notes: string[] = [];
  const script = opts.workers > 0 ? runnableScript(opts.workerScript) : undefined;
  if (opts.workers > 0 && script === undefined) notes.push('worker threads need the compiled build (dist/); the devices ran in the main thread');
  const threads = script === undefined ? 0 : opts.workers;
  const inputs = threadInputs(opts, threads);
  const deadlineMs = hardDeadlineMs(opts.durationMs, opts.timeoutMs);
  if (opts.signal.aborted) throw new ConformanceError('RUN_ABORTED', 'the load run was stopped before it started');
  const [firstInput] = inputs;
  const { results, window } =
    script === undefined || firstInput === undefined
      ? await runInThread(opts, firstInput ?? threadInputs(opts, 0)[0]!, deadlineMs)
      : await runInWorkers(opts, inputs, script, deadlineMs);
  const label = threads === 0 && opts.embeddedMockInProcess ? 'main (generator + embedded mock WFM)' : undefined;
  const threadSamples = results.map((r) => (label === undefined ? r.thread : { ...r.thread, name: label }));
  const host = hostSample(window, opts.shard, opts.embeddedMockInProcess, threadSamples);
  const merged = mergeMeasurements(results.map((r) => r.measurements));
  return {
    measurements: { ...merged, hosts: [host] },
    startedAtMs: window.startedAtMs,
    finishedAtMs: opts.clock.nowMs(),
    threads: Math.max(1, results.length),
    mode: threads === 0 ? 'in-thread' : 'workers',
    hardDeadlineMs: deadlineMs,
    notes,
  };
}
