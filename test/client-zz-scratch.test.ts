import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { runClientSelftest } from '../cli/selftest-client.js';
it('dump', async () => {
  const io = { stdout: () => undefined, stderr: () => undefined, env: {}, clock: systemClock, cwd: process.cwd(), isTty: false, shutdown: new AbortController().signal };
  const r = await runClientSelftest(io as never, { launcher: 'in-process', scenarioTimeoutMs: 20_000, faults: (process.env.FAULTS ?? '').split(',').filter(Boolean) as never });
  writeFileSync('/tmp/h5/matrix.json', JSON.stringify(r.matrix.map((row) => ({ client: row.client, verdicts: row.verdicts, failing: row.failing, expected: row.expected, msgs: Object.fromEntries(row.run.results.map((x) => [x.id, x.message])), notes: row.run.notes })), null, 1));
  const rec = (row: any) => row;
  void rec;
}, 600_000);
