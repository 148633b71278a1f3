/**
 * @module JUnit XML report, readable by common CI systems (GitLab, Jenkins, GitHub test reporters).
 *
 * One `<testsuite>` per area (`wfm.onboarding`); one `<testcase>` per check.
 * fail → `<failure>`; error → `<error>`; skip, not-applicable, inconclusive and baseline-covered failures →
 * `<skipped message="reason">`; warn → passed, with a `verdict=warn` property and a `WARN:` system-out line.
 * Every string is stripped of characters XML 1.0 cannot carry, so target-controlled bytes never break the file.
 */
import { create } from 'xmlbuilder2';
import type { CheckResult, RunResult } from '../check.js';
import type { ReportOutcome } from './gates.js';
import { evidenceToText, resultDetailText } from './text.js';

/** Characters outside the XML 1.0 `Char` production (control characters, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const MAX_ATTRIBUTE_CHARS = 500;

/** xmlbuilder2's element builder (its index does not re-export the interface). */
type XMLBuilder = ReturnType<typeof create>;

/** Replaces characters XML 1.0 cannot carry with a visible `\uXXXX` escape. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML_CHAR, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

function attr(text: string): string {
  const line = xmlSafe(text).replace(/\s+/g, ' ').trim();
  return line.length > MAX_ATTRIBUTE_CHARS ? `${line.slice(0, MAX_ATTRIBUTE_CHARS)}…` : line;
}

/** How a result shows in JUnit terms. */
type JUnitKind = 'passed' | 'failure' | 'error' | 'skipped';

/** Maps a verdict to its JUnit element; a baseline-covered failure or warning is skipped. */
export function junitKindOf(r: Pick<CheckResult, 'status' | 'expectedFailure'>): JUnitKind {
  if ((r.status === 'fail' || r.status === 'warn') && r.expectedFailure !== undefined) return 'skipped';
  switch (r.status) {
    case 'fail':
      return 'failure';
    case 'error':
      return 'error';
    case 'skip':
    case 'not-applicable':
    case 'inconclusive':
      return 'skipped';
    default:
      return 'passed';
  }
}

/** Renders the (redacted) run as a JUnit XML document (UTF-8 text). */
export function renderJUnit(run: RunResult, outcome: ReportOutcome): string {
  const suites = groupByArea(run.results);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: attr(`margo-conformance ${run.role} ${run.profile}`),
    ...countAttributes(run.results),
    time: seconds(run.results),
    timestamp: run.startedAt,
  });
  for (const [area, results] of suites) {
    const suite = root.ele('testsuite', {
      name: attr(area),
      ...countAttributes(results),
      time: seconds(results),
      timestamp: results[0]?.startedAt ?? run.startedAt,
    });
    addRunProperties(suite, run, outcome);
    for (const r of results) addTestcase(suite, area, r);
  }
  return root.end({ prettyPrint: true });
}

function groupByArea(results: readonly CheckResult[]): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) {
    const key = `${r.role}.${r.area}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return groups;
}

function countAttributes(results: readonly CheckResult[]): Record<string, string> {
  const kinds = results.map(junitKindOf);
  const n = (k: JUnitKind): string => String(kinds.filter((x) => x === k).length);
  return { tests: String(results.length), failures: n('failure'), errors: n('error'), skipped: n('skipped') };
}

function seconds(results: readonly CheckResult[]): string {
  return (results.reduce((sum, r) => sum + r.durationMs, 0) / 1000).toFixed(3);
}

function addRunProperties(suite: XMLBuilder, run: RunResult, outcome: ReportOutcome): void {
  const props = suite.ele('properties');
  const entries: [string, string][] = [
    ['tool.version', run.tool.version],
    ['role', run.role],
    ['profile', run.profile],
    ['specRevision', run.specRevision],
    ['target', run.target],
    ['catalogueHash', run.catalogueHash],
    ['conformant', String(outcome.conformant)],
  ];
  for (const [name, value] of entries) props.ele('property', { name, value: attr(value) });
}

function addTestcase(suite: XMLBuilder, area: string, r: CheckResult): void {
  const tc = suite.ele('testcase', {
    classname: attr(area),
    name: attr(`${r.id}: ${r.title}`),
    time: (r.durationMs / 1000).toFixed(3),
  });
  const props = tc.ele('properties');
  props.ele('property', { name: 'verdict', value: r.status });
  props.ele('property', { name: 'level', value: r.level });
  props.ele('property', { name: 'clause', value: attr(`${r.clause.source} § ${r.clause.section}`) });
  if (r.expectedFailure !== undefined) props.ele('property', { name: 'expectedFailure', value: attr(r.expectedFailure) });
  const detail = xmlSafe(resultDetailText(r));
  switch (junitKindOf(r)) {
    case 'failure':
      tc.ele('failure', { message: attr(r.message), type: r.level }).txt(detail);
      break;
    case 'error':
      tc.ele('error', { message: attr(r.message), type: attr(r.errorCode ?? 'INTERNAL') }).txt(detail);
      break;
    case 'skipped':
      tc.ele('skipped', { message: attr(skipMessage(r)) });
      break;
    case 'passed':
      break;
  }
  const out = [r.status === 'warn' ? `WARN: ${r.message}` : `${r.status.toUpperCase()}: ${r.message}`];
  out.push(...r.evidence.map(evidenceToText));
  tc.ele('system-out').txt(xmlSafe(out.join('\n')));
}

function skipMessage(r: CheckResult): string {
  if (r.expectedFailure !== undefined) return `expected failure (baseline): ${r.expectedFailure}; ${r.status}: ${r.message}`;
  return `${r.status}: ${r.message}`;
}
