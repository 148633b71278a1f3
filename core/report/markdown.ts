/**
 * @module Markdown summary for a CI job summary or a PR comment: verdict counts, run facts and the checks that
 * need attention. Target-controlled text is escaped so it cannot inject HTML, links or table cells.
 */
import type { CheckResult, RunResult, VerdictStatus } from '../check.js';
import { VERDICT_STATUSES } from '../check.js';
import type { ReportOutcome } from './gates.js';

/** At most this many checks are listed; a PR comment is not the full report. */
const MAX_LISTED = 30;
const MAX_CELL_CHARS = 200;

/** Escapes Markdown and inline HTML in one table cell or list item; newlines become spaces. */
export function escapeMarkdown(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const short = oneLine.length > MAX_CELL_CHARS ? `${oneLine.slice(0, MAX_CELL_CHARS)}…` : oneLine;
  return short
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+!|~])/g, '\\$1');
}

/** Renders the short summary (GitHub-flavoured Markdown). */
export function renderMarkdown(run: RunResult, outcome: ReportOutcome): string {
  const lines = [
    `## margo-conformance: ${outcome.conformant ? '✅ conformant' : '❌ not conformant'} (exit ${outcome.exitCode})`,
    '',
    `Role **${run.role}**, profile **${escapeMarkdown(run.profile)}**, target ${escapeMarkdown(run.target)}, ` +
      `tool ${escapeMarkdown(run.tool.version)}, spec ${escapeMarkdown(run.specRevision)}.`,
    '',
    `| ${VERDICT_STATUSES.join(' | ')} |`,
    `| ${VERDICT_STATUSES.map(() => '---:').join(' | ')} |`,
    `| ${VERDICT_STATUSES.map((s) => String(run.counts[s])).join(' | ')} |`,
    '',
  ];
  const attention = run.results
    .filter(needsAttention)
    .sort((a, b) => ATTENTION.indexOf(a.status) - ATTENTION.indexOf(b.status));
  if (attention.length > 0) {
    lines.push('| verdict | level | check | message |', '| --- | --- | --- | --- |');
    for (const r of attention.slice(0, MAX_LISTED)) {
      lines.push(`| ${r.status} | ${r.level} | \`${r.id}\` | ${escapeMarkdown(r.message)} |`);
    }
    if (attention.length > MAX_LISTED) lines.push('', `…and ${attention.length - MAX_LISTED} more; see the HTML report.`);
    lines.push('');
  }
  const expected = run.results.filter((r) => r.expectedFailure !== undefined);
  if (expected.length > 0) {
    lines.push(`Baseline (expected failures): ${expected.map((r) => `\`${r.id}\` (${r.status})`).join(', ')}`, '');
  }
  if (outcome.reasons.length > 0 || run.notes.length > 0) {
    lines.push('<details><summary>Reasons and notes</summary>', '');
    for (const text of [...outcome.reasons, ...run.notes]) lines.push(`- ${escapeMarkdown(text)}`);
    lines.push('', '</details>', '');
  }
  return lines.join('\n');
}

/** Statuses listed in the summary, most severe first. */
const ATTENTION: readonly VerdictStatus[] = ['error', 'fail', 'inconclusive', 'warn'];

function needsAttention(r: CheckResult): boolean {
  return ATTENTION.includes(r.status) && r.expectedFailure === undefined;
}
