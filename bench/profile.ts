/**
 * @module In-process CPU profiling for the benchmarks (node:inspector Profiler), so a benchmark can say where its
 * time goes without restarting under `node --cpu-prof`.
 */
import { Session } from 'node:inspector/promises';
import type { CpuProfile } from './profile-summary.js';

/** Runs `work` under the V8 sampling profiler (100 µs interval) and resolves to the profile. */
export async function profileWhile(work: () => Promise<void>): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await work();
    const { profile } = await session.post('Profiler.stop');
    return profile as unknown as CpuProfile;
  } finally {
    session.disconnect();
  }
}
