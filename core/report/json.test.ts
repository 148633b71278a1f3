import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPkg from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../check.js';
import { packagePath } from '../paths.js';
import { sampleRun } from '../../test/support/sample-run.js';
import { outcomeOf } from './gates.js';
import { renderJson } from './json.js';
import { redactRun } from './redact.js';

function validator() {
  const ajv = new Ajv2020({ allErrors: true });
  addFormatsPkg.default(ajv);
  const schema = JSON.parse(readFileSync(packagePath('schemas', 'report.schema.json'), 'utf8')) as object;
  return ajv.compile(schema);
}

describe('JSON report', () => {
  let run: RunResult;
  beforeAll(async () => {
    run = redactRun(await sampleRun());
  });

  it('validates against schemas/report.schema.json', () => {
    const validate = validator();
    const doc: unknown = JSON.parse(renderJson(run, outcomeOf(run, { failOn: 'fail', certification: false })));
    expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('records tool, profile, spec revision, role, target, config, times, catalogue hash and per-check facts', () => {
    const doc = JSON.parse(renderJson(run, outcomeOf(run, { failOn: 'fail', certification: false }))) as Record<string, unknown>;
    expect(doc).toMatchObject({
      reportVersion: '1.0',
      tool: { name: 'margo-conformance' },
      profile: 'rfc9421-v1',
      specRevision: 'margo-test-rev',
      role: 'wfm',
      target: 'https://127.0.0.1:8443',
      startedAt: '2023-11-14T22:13:20.000Z',
      outcome: { conformant: false, exitCode: 4, failOn: 'fail', certification: false },
    });
    const results = doc.results as Record<string, unknown>[];
    expect(results[0]).toHaveProperty('durationMs');
    expect(Object.keys(results[2] ?? {})).toEqual(
      expect.arrayContaining(['id', 'title', 'level', 'clause', 'status', 'message', 'evidence', 'durationMs']),
    );
  });

  it('the schema rejects a report with a wrong version, an unknown status or a stray field', () => {
    const validate = validator();
    const good = JSON.parse(renderJson(run, outcomeOf(run, { failOn: 'fail', certification: false }))) as Record<string, unknown>;
    expect(validate({ ...good, reportVersion: '2.0' })).toBe(false);
    const results = good.results as Record<string, unknown>[];
    expect(validate({ ...good, results: [{ ...results[0], status: 'passed' }] })).toBe(false);
    expect(validate({ ...good, extra: 1 })).toBe(false);
    expect(validate({ ...good, results: [{ ...results[0], evidence: [{ kind: 'exchange' }] }] })).toBe(false);
  });
});
