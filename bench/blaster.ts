/**
 * @module Client process of the verification benchmark: sends prepared HTTPS requests to one origin from
 * `concurrency` loops over an undici Pool of `connections` keep-alive TLS connections for `durationMs` (after a
 * warm-up that is not counted), and reports requests/s, statuses and a latency histogram.
 *
 * It runs as a child process (forked, IPC), not as a worker thread of the server's process: so the server's
 * process CPU time counts the server alone, and the client's event loop and garbage collector are not the server's.
 * It tells the parent when the counted window opens and closes (`{ phase }` messages), so the parent can read its
 * own CPU time over exactly that window.
 */
import { performance } from 'node:perf_hooks';
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

/** What the blaster does (the first IPC message it receives). */
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

/** IPC messages from the blaster: the counted window opens / closes, then the result. */
export type BlastMessage = { readonly phase: 'counting' | 'stopped' } | { readonly result: BlastResult };

async function blast(spec: BlastSpec, announce: (phase: 'counting' | 'stopped') => void): Promise<BlastResult> {
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
  announce('counting');
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, spec.durationMs));
  state.counting = false;
  announce('stopped');
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

function main(): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('bench/blaster.js must run as a forked child process (with an IPC channel)');
  process.once('message', (spec: BlastSpec) => {
    void blast(spec, (phase) => send({ phase } satisfies BlastMessage)).then((result) => {
      send({ result } satisfies BlastMessage, undefined, {}, () => process.disconnect());
    });
  });
}

main();
