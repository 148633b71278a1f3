/** The `wfm` suite is green against the clean mock WFM under the second profile and the stricter error formats. */
import { afterAll, expect, it } from 'vitest';
import { runWfmSelftest } from '../cli/selftest-wfm.js';
import { fakeIo, removeFakeIoDirs } from './wfm-helpers.js';

afterAll(removeFakeIoDirs);

it('passes every check against the clean mock under rfc9421-rc2', async () => {
  const result = await runWfmSelftest(await fakeIo(), { profileId: 'rfc9421-rc2', faults: ['accept-unsigned', 'capabilities-500'] });
  expect(result.cleanProblems).toEqual([]);
  expect(result.matrix.rows.map((r) => [r.fault, r.caught, r.collateral.length])).toEqual([
    ['accept-unsigned', true, 0],
    ['capabilities-500', true, 0],
  ]);
}, 120_000);

it.each(['json', 'problem+json'] as const)('judges error bodies with errors.format %s and stays green', async (format) => {
  const result = await runWfmSelftest(await fakeIo(), { faults: [], configLayer: { errors: { format } } });
  expect(result.cleanProblems).toEqual([]);
}, 120_000);
