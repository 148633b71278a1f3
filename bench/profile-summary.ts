/**
 * @module Summarises a V8 CPU profile (`.cpuprofile`, from `node --cpu-prof` or the inspector Profiler): self time
 * per function and per area (our modules, undici, node:crypto, TLS, GC, …), so a benchmark that falls short can say
 * where the time goes.
 */

/** The parts of a V8 CPU profile this summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** One line of the summary: a function or an area, its self time in ms and share of the profile. */
export interface ProfileLine {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
}

/** Top functions and areas by self time. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly functions: readonly ProfileLine[];
  readonly areas: readonly ProfileLine[];
}

/** The area a function belongs to, from its script URL. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(idle)' || functionName === '(program)') return functionName.slice(1, -1);
    return 'native';
  }
  // Our compiled modules first: a private build may itself live under node_modules/.cache.
  const ours = /\/dist\/(core|device-simulator|mock-server|cli|bench|suites)\/(?:([a-z-]+)\/)?/.exec(url);
  if (ours !== null) return `ours:${ours[1]}${ours[2] === undefined || ours[2] === '' ? '' : `/${ours[2]}`}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  const internal = /^node:(?:internal\/)?([a-z_]+)/.exec(url)?.[1];
  return internal === undefined ? 'other' : `node:${internal}`;
}

function top(map: Map<string, number>, total: number, n: number): ProfileLine[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 10) / 100, share: total > 0 ? Math.round((us / total) * 1000) / 1000 : 0 }));
}

/** Self time per function (top `n`) and per area. `(idle)` time is left out of the shares. */
export function summarizeProfile(profile: CpuProfile, n = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const fn = new Map<string, number>();
  const area = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => {
    const frame = byId.get(id);
    const us = deltas[i + 1] ?? 0;
    if (frame === undefined || frame.functionName === '(idle)') return;
    total += us;
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const a = areaOf(frame.url, frame.functionName);
    area.set(a, (area.get(a) ?? 0) + us);
  });
  return { totalMs: Math.round(total / 1000), functions: top(fn, total, n), areas: top(area, total, n) };
}
