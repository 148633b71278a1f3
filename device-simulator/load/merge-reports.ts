/**
 * @module `merge-reports`: combines the `load.json` of several shards of one fleet into one report. The shards must
 * describe the same fleet and load (size, duration, rate, cycles, key type, profile); each shard may appear once.
 * Figures are merged from the measurements and derived again, exactly as for a single run. Pure.
 */
import { ConformanceError } from '../../core/errors.js';
import type { Profile } from '../../core/profiles/index.js';
import type { LoadParameters, LoadReport } from '../../core/report/load-types.js';
import { mergeMeasurements } from './merge.js';
import { buildLoadReport } from './summarize.js';

const SAME_LOAD: readonly (keyof LoadParameters)[] = ['devices', 'durationSeconds', 'ratePerDevice', 'maxCyclesPerDevice', 'keyType'];

function checkCompatible(reports: readonly LoadReport[]): void {
  const [first] = reports;
  if (first === undefined) throw new ConformanceError('USAGE', 'merge-reports needs at least one load.json');
  for (const r of reports) {
    if (r.profile !== first.profile) throw new ConformanceError('USAGE', `cannot merge profiles ${first.profile} and ${r.profile}`);
    for (const key of SAME_LOAD) {
      if (r.parameters[key] !== first.parameters[key]) {
        throw new ConformanceError('USAGE', `cannot merge runs with different ${key} (${String(first.parameters[key])} and ${String(r.parameters[key])})`);
      }
    }
  }
  const shards = reports.flatMap((r) => r.shards);
  const counts = new Set(shards.map((s) => s.count));
  if (counts.size > 1) throw new ConformanceError('USAGE', `cannot merge shards of different splits (${[...counts].map((n) => `…/${n}`).join(', ')})`);
  const seen = new Set<number>();
  for (const s of shards) {
    if (seen.has(s.index)) throw new ConformanceError('USAGE', `shard ${s.index}/${s.count} is given twice`);
    seen.add(s.index);
  }
}

function mergedParameters(reports: readonly LoadReport[]): LoadParameters {
  const first = reports[0]!.parameters;
  const sum = (k: 'concurrency' | 'maxRequests' | 'workers'): number => reports.reduce((a, r) => a + r.parameters[k], 0);
  return {
    ...first,
    concurrency: sum('concurrency'),
    maxRequests: sum('maxRequests'),
    workers: sum('workers'),
    hardDeadlineSeconds: Math.max(...reports.map((r) => r.parameters.hardDeadlineSeconds)),
    timeoutMs: Math.max(...reports.map((r) => r.parameters.timeoutMs)),
  };
}

/**
 * Shards of the split that `report` does not cover, ascending (`[2]` for a merge of 1/3 and 3/3). A report that
 * misses shards describes an incomplete fleet.
 */
export function missingShards(report: Pick<LoadReport, 'shards'>): { index: number; count: number }[] {
  const count = report.shards[0]?.count ?? 1;
  const present = new Set(report.shards.map((s) => s.index));
  return Array.from({ length: count }, (_, i) => i + 1)
    .filter((i) => !present.has(i))
    .map((index) => ({ index, count }));
}

/** A shard's own notes, without the statements derived from its figures (derived again for the merge). */
function givenNotes(r: LoadReport): string[] {
  return r.notes.filter((n) => n !== r.summary.steadyRate.statement);
}

function mergedNotes(reports: readonly LoadReport[]): string[] {
  const shards = reports.flatMap((r) => r.shards).sort((a, b) => a.index - b.index);
  const missing = missingShards({ shards });
  const targets = [...new Set(reports.map((r) => r.target))];
  return [
    ...new Set(reports.flatMap(givenNotes)),
    `merged ${reports.length} report(s) covering shard(s) ${shards.map((s) => `${s.index}/${s.count}`).join(', ')}; throughput is over the union of their windows`,
    ...(missing.length === 0 ? [] : [`shard(s) ${missing.map((m) => `${m.index}/${m.count}`).join(', ')} missing: the fleet is not complete`]),
    ...(targets.length > 1 ? [`the shards ran against different targets: ${targets.join(', ')}`] : []),
  ];
}

/**
 * Merges shard reports of one fleet into one report (schema-valid input assumed).
 * @throws ConformanceError `USAGE` when the reports describe different fleets or loads, a shard appears twice, or a
 *   device index is in two reports
 */
export function mergeLoadReports(reports: readonly LoadReport[], profile: Profile, toolVersion: string): LoadReport {
  checkCompatible(reports);
  const measurements = mergeMeasurements(reports.map((r) => r.measurements));
  const targets = [...new Set(reports.map((r) => r.target))];
  return buildLoadReport(
    {
      toolVersion,
      profile,
      target: targets.length === 1 ? targets[0]! : targets.join(' + '),
      embeddedMock: reports.every((r) => r.embeddedMock),
      startedAt: reports.map((r) => r.startedAt).sort()[0]!,
      finishedAt: reports.map((r) => r.finishedAt).sort().at(-1)!,
      parameters: mergedParameters(reports),
      shards: reports.flatMap((r) => r.shards),
      notes: mergedNotes(reports),
    },
    measurements,
  );
}
