import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../check.js';
import { sampleRun } from '../../test/support/sample-run.js';
import { applyBaseline } from './baseline.js';
import { outcomeOf } from './gates.js';
import { renderJUnit, xmlSafe } from './junit.js';
import { redactRun } from './redact.js';

type Xml = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function parse(xml: string): { root: Xml; suites: Xml[]; cases: Xml[] } {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
  const doc = parser.parse(xml) as { testsuites: Xml };
  const suites = asArray(doc.testsuites.testsuite as Xml | Xml[]);
  return { root: doc.testsuites, suites, cases: suites.flatMap((s) => asArray(s.testcase as Xml | Xml[])) };
}

describe('JUnit report', () => {
  let run: RunResult;
  let xml: string;
  beforeAll(async () => {
    const raw = await sampleRun();
    run = redactRun(
      applyBaseline(raw, {
        file: 'baseline.yaml',
        entries: { wfm: [{ id: 'wfm.capabilities.reports-manifest', reason: 'ticket 7', line: 2 }], client: [] },
      }),
    );
    xml = renderJUnit(run, outcomeOf(run, { failOn: 'fail', certification: false }));
  });

  it('is well-formed XML even with control characters from the target', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).toContain('\\u001b');
  });

  it('has one testsuite per area and counts that match the JSON verdicts', () => {
    const { root, suites, cases } = parse(xml);
    const areas = new Set(run.results.map((r) => `wfm.${r.area}`));
    expect(suites.map((s) => s['@name'])).toEqual([...areas]);
    const c = run.counts;
    const expectedSkipped = c.skip + c['not-applicable'] + c.inconclusive + 1; // + the baseline-covered warn
    expect(Number(root['@tests'])).toBe(run.results.length);
    expect(Number(root['@failures'])).toBe(c.fail);
    expect(Number(root['@errors'])).toBe(c.error);
    expect(Number(root['@skipped'])).toBe(expectedSkipped);
    expect(cases).toHaveLength(run.results.length);
    expect(cases.filter((x) => 'failure' in x)).toHaveLength(c.fail);
    expect(cases.filter((x) => 'error' in x)).toHaveLength(c.error);
    expect(cases.filter((x) => 'skipped' in x)).toHaveLength(expectedSkipped);
    const sum = (k: string): number => suites.reduce((n, s) => n + Number(s[k]), 0);
    expect(sum('@tests')).toBe(run.results.length);
    expect(sum('@failures')).toBe(c.fail);
  });

  it('maps error to <error> with its code and skipped verdicts to <skipped message>', () => {
    const { cases } = parse(xml);
    const byName = (id: string): Xml => cases.find((x) => String(x['@name']).startsWith(`${id}:`)) ?? {};
    expect((byName('wfm.status.target-down').error as Xml)['@type']).toBe('TARGET_UNREACHABLE');
    expect((byName('wfm.status.hangs').error as Xml)['@type']).toBe('TIMEOUT');
    expect((byName('wfm.status.filtered').skipped as Xml)['@message']).toBe('skip: filtered out by --skip wfm.status.filtered');
    expect((byName('wfm.status.other-profile').skipped as Xml)['@message']).toContain('not in profile rfc9421-v1');
    expect((byName('wfm.capabilities.reports-manifest').skipped as Xml)['@message']).toContain('expected failure (baseline): ticket 7');
    expect((byName('wfm.onboarding.rejects-bad-signature').failure as Xml)['@type']).toBe('MUST');
  });

  it('shows warn as passed with a verdict property and a WARN system-out line', async () => {
    const plain = await sampleRun();
    const { cases } = parse(renderJUnit(plain, outcomeOf(plain, { failOn: 'fail', certification: false })));
    const warn = cases.find((x) => String(x['@name']).startsWith('wfm.capabilities.reports-manifest:')) ?? {};
    expect(warn).not.toHaveProperty('failure');
    expect(warn).not.toHaveProperty('skipped');
    const props = asArray((warn.properties as Xml).property as Xml | Xml[]);
    expect(props).toContainEqual({ '@name': 'verdict', '@value': 'warn' });
    expect(String(warn['system-out'])).toMatch(/^WARN: /);
  });

  it('xmlSafe makes forbidden characters visible and keeps tab, newline and astral characters', () => {
    expect(xmlSafe('a\u0000b\u001bc\td\ne\uFFFE😀')).toBe('a\\u0000b\\u001bc\td\ne\\ufffe😀');
    expect(xmlSafe('lone \uD800 surrogate')).toBe('lone \\ud800 surrogate');
  });
});
