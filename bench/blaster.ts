/**
 * @module Worker thread of the verification benchmark: sends prepared HTTPS requests to one origin from `concurrency`
 * loops over an undici Pool of `connections` TLS connections for `durationMs` (after a warm-up that is not counted),
 * and reports requests/s, statuses and a latency histogram. Runs apart from the server's thread so the two do not
 * share an event loop.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { LatencyHistogram } from '../core/report/load-types.js';
import { createHistogram, freezeHistogram, recordLatency } from '../device-simulator/load/stats.js';

/** One prepared request. */
export interface BlastRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBase64?: string;
}

/** What the blaster does (its `workerData`). */
export interface BlastSpec {
  readonly origin: string;
  readonly caPem: string;
  readonly requests: readonly BlastRequest[];
  readonly connections: number;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** What the blaster measured in the counted window. */
export interface BlastResult {
  readonly requests: number;
  readonly seconds: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly transportErrors: number;
  readonly firstError?: string;
  readonly latency: LatencyHistogram;
}

async function blast(spec: BlastSpec): Promise<BlastResult> {
  const pool = new Pool(spec.origin, { connections: spec.connections, pipelining: 1, connect: { ca: spec.caPem, rejectUnauthorized: true } });
  const prepared = spec.requests.map((r) => ({ ...r, body: r.bodyBase64 === undefined ? undefined : Buffer.from(r.bodyBase64, 'base64') }));
  const latency = createHistogram();
  const statuses: Record<string, number> = {};
  const state = { counting: false, stop: false, requests: 0, transportErrors: 0, next: 0, firstError: undefined as string | undefined };
  async function loop(): Promise<void> {
    while (!state.stop) {
      const r = prepared[state.next++ % prepared.length]!;
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: r.method as Dispatcher.HttpMethod, path: r.path, headers: { ...r.headers }, ...(r.body === undefined ? {} : { body: r.body }) });
        await res.body.dump();
        if (!state.counting) continue;
        state.requests += 1;
        statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
        recordLatency(latency, performance.now() - t0);
      } catch (err) {
        // Counted and reported with the first message: the benchmark result says how many requests failed.
        state.transportErrors += 1;
        state.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  }
  const loops = Array.from({ length: spec.concurrency }, () => loop());
  await new Promise((r) => setTimeout(r, spec.warmupMs));
  state.counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, spec.durationMs));
  state.counting = false;
  const seconds = (performance.now() - t0) / 1000;
  state.stop = true;
  await Promise.all(loops);
  await pool.close();
  return {
    requests: state.requests,
    seconds,
    statuses,
    transportErrors: state.transportErrors,
    ...(state.firstError === undefined ? {} : { firstError: state.firstError }),
    latency: freezeHistogram(latency),
  };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('bench/blaster.js must run as a worker thread');
  port.postMessage(await blast(workerData as BlastSpec));
}

await main();
