/**
 * @module The HTML report: one self-contained file (inline CSS and JS, a CSP that forbids every fetch).
 * A summary header (verdict counts, conformant yes/no, profile, target, tool version) and a results table
 * filterable by verdict, where each check expands to its clause, evidence and copy-as-curl commands.
 */
import type { CheckResult, RunResult } from '../check.js';
import { VERDICT_STATUSES } from '../check.js';
import type { ReportOutcome } from './gates.js';
import { REPORT_CSP, REPORT_CSS, REPORT_JS } from './html-assets.js';
import { renderResultDetail } from './html-evidence.js';
import { html, SafeHtml } from './html-kit.js';

/** Renders the (redacted) run as one HTML document. */
export function renderHtml(run: RunResult, outcome: ReportOutcome): string {
  const verdict = outcome.conformant ? 'Conformant' : `Not conformant (exit ${outcome.exitCode})`;
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>margo-conformance ${run.role} ${run.profile}: ${verdict}</title>
<style>${new SafeHtml(REPORT_CSS)}</style></head>
<body>
${renderSummary(run, outcome, verdict)}
${renderTable(run.results)}
<script>${new SafeHtml(REPORT_JS)}</script>
</body></html>
`;
  return doc.value;
}

function renderSummary(run: RunResult, outcome: ReportOutcome, verdict: string): SafeHtml {
  const facts: [string, string][] = [
    ['Role', run.role],
    ['Profile', run.profile],
    ['Target', run.target],
    ['Tool version', `${run.tool.name} ${run.tool.version}`],
    ['Spec revision', run.specRevision],
    ['Started', run.startedAt],
    ['Finished', run.finishedAt],
    ['Catalogue hash', run.catalogueHash],
    ['Gate', `--fail-on ${outcome.failOn}${outcome.certification ? ', certification' : ''}`],
  ];
  return html`<header id="summary">
<h1>margo-conformance report</h1>
<p><span class="verdict ${outcome.conformant ? 'yes' : 'no'}" id="conformant" data-conformant="${String(outcome.conformant)}">${verdict}</span></p>
<ul class="counts" id="counts">${VERDICT_STATUSES.map(
    (s) => html`<li data-status="${s}"><b>${run.counts[s]}</b>${s}</li>`,
  )}</ul>
<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
${list('Reasons', outcome.reasons, 'reasons')}
${list('Notes', run.notes, 'notes')}
</header>`;
}

function list(title: string, items: readonly string[], id: string): SafeHtml | '' {
  if (items.length === 0) return '';
  return html`<h2>${title}</h2><ul class="plain" id="${id}">${items.map((t) => html`<li>${t}</li>`)}</ul>`;
}

function renderTable(results: readonly CheckResult[]): SafeHtml {
  const present = VERDICT_STATUSES.filter((s) => results.some((r) => r.status === s));
  return html`<section id="checks">
<h2>Checks (<span id="visible-count">${results.length}</span> shown of ${results.length})</h2>
<fieldset class="filter"><legend>Show verdicts</legend>${present.map(
    (s) =>
      html`<label><input type="checkbox" data-filter="${s}" checked> <span class="badge s-${s}">${s}</span> ${
        results.filter((r) => r.status === s).length
      }</label>`,
  )}</fieldset>
<table id="results"><thead><tr><th>Verdict</th><th>Level</th><th>Check</th><th class="num">ms</th></tr></thead>
<tbody>${results.map((r, i) => renderRow(r, `c${i}`))}</tbody></table>
</section>`;
}

function renderRow(r: CheckResult, key: string): SafeHtml {
  return html`<tr class="check" data-status="${r.status}" data-id="${r.id}">
<td><span class="badge s-${r.status}">${r.status}</span>${r.expectedFailure === undefined ? '' : html`<span class="xfail" title="${r.expectedFailure}">expected</span>`}</td>
<td>${r.level}</td>
<td><details id="${key}"><summary><code>${r.id}</code> ${r.title} <span class="msg">· ${r.message}</span></summary>
${renderResultDetail(r, key)}</details></td>
<td class="num">${Math.round(r.durationMs)}</td></tr>`;
}
