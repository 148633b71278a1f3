/**
 * @module Renderers of the fleet load report: `load.json` (the source of truth, mergeable) and `load.html`, one
 * self-contained page (inline CSS and SVG, no script, a CSP that forbids every fetch and every script) with the
 * latency-over-time chart. Every value the target controls (error messages, the target URL) is escaped.
 */
import { REPORT_CSS } from './html-assets.js';
import { html, SafeHtml } from './html-kit.js';
import { renderLatencyChart, renderThroughputChart } from './load-chart.js';
import type { LatencySummary, LoadReport } from './load-types.js';
import { LOAD_ERROR_KINDS } from './load-types.js';

/**
 * Content-Security-Policy of `load.html`: inline style only. Unlike the conformance report's policy it allows no
 * script at all (the page has none; `script-src` falls back to `default-src 'none'`), no fetch, no frame, no form.
 */
export const LOAD_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/** File names a load run writes. */
export const LOAD_REPORT_FILES = { json: 'load.json', html: 'load.html' } as const;

/** `load.json`: the report as pretty-printed JSON with a final newline. */
export function renderLoadJson(report: LoadReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const LOAD_CSS = `
.chart{max-width:100%;height:auto;font-size:11px;margin:.4rem 0}
.chart .axis line{stroke:var(--muted);stroke-width:1}.chart .axis .grid{stroke:var(--line)}.chart text{fill:var(--muted)}
.chart .series{fill:none;stroke-width:1.8}.chart .hover{fill:transparent}.chart .hover:hover{fill:rgba(127,127,127,.12)}
.s-p50{stroke:#1a7f37;background:#1a7f37}.s-p95{stroke:#a15c00;background:#a15c00}.s-p99{stroke:#c62828;background:#c62828}
.chart .bar{fill:#3b6fd1}.chart .bar-err{fill:#c62828}.s-bar{background:#3b6fd1}.s-err{background:#c62828}
.legend .key{display:inline-block;width:1.4rem;height:.35rem;margin:0 .3rem .15rem .6rem;vertical-align:middle}
.muted{color:var(--muted)}.alert{border:1px solid var(--warn);border-left-width:4px;padding:.4rem .7rem;margin:.6rem 0}
.ok{color:var(--pass);font-weight:600}.bad{color:var(--fail);font-weight:600}
`;

const ms = (v: number | null): string => (v === null ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(2));
const num = (v: number | null): string => (v === null ? '–' : String(v));
/** Cycles per second for reading: whole from 100 up, one decimal from 10 up, two decimals below. */
const perSecond = (v: number | null): string =>
  v === null ? '–' : v >= 100 ? String(Math.round(v)) : v >= 10 ? String(Math.round(v * 10) / 10) : String(Math.round(v * 100) / 100);
const pct = (v: number): string => `${(v * 100).toFixed(v > 0 && v < 0.001 ? 3 : 1)}%`;

function latencyCells(l: LatencySummary): SafeHtml {
  return html`<td class="num">${ms(l.p50Ms)}</td><td class="num">${ms(l.p95Ms)}</td><td class="num">${ms(l.p99Ms)}</td><td class="num">${ms(l.maxMs)}</td>`;
}

function renderHeader(r: LoadReport): SafeHtml {
  const s = r.summary;
  const clean = s.errors === 0 && s.requests > 0;
  const verdict = s.requests === 0 ? 'No request was sent' : clean ? 'No errors' : `${s.errors} errors (${pct(s.errorRate)})`;
  const p = r.parameters;
  const facts: [string, string][] = [
    ['Target', `${r.target}${r.embeddedMock ? ' (embedded mock WFM)' : ''}`],
    ['Profile', r.profile],
    ['Window', `${r.startedAt} → ${r.finishedAt}`],
    ['Shards', r.shards.map((x) => `${x.index}/${x.count}`).join(', ')],
    ['Fleet', `${p.devices} devices (${p.keyType}); this report: ${s.devices.planned} planned, ${s.devices.onboarded} onboarded${onboardingFailures(r, ', ')}`],
    ['Load', `concurrency ${p.concurrency}, ${p.ratePerDevice} cycles/s per device for ${p.durationSeconds}s${p.maxCyclesPerDevice === null ? '' : `, at most ${p.maxCyclesPerDevice} cycles per device`}`],
    ['Bounds', `max ${p.maxRequests} requests, hard deadline ${p.hardDeadlineSeconds}s, timeout ${p.timeoutMs} ms, ${p.workers} worker thread(s)`],
    ['Stopped by', s.stopReasons.join(', ') || '–'],
    ['Tool', `${r.tool.name} ${r.tool.version}`],
  ];
  const steady = s.phases.find((x) => x.phase === 'steady');
  return html`<header id="summary">
<h1>margo-conformance load report</h1>
<p><span class="verdict ${clean ? 'yes' : 'no'}" id="load-verdict" data-errors="${s.errors}">${verdict}</span></p>
${r.cpu.statement === null ? '' : html`<p class="alert" id="saturation">${r.cpu.statement}</p>`}
${s.steadyRate.statement === null ? '' : html`<p class="alert" id="rate-shortfall">${s.steadyRate.statement}</p>`}
<ul class="counts" id="counts">
<li><b>${s.requests}</b>requests</li><li><b>${s.errors}</b>errors</li>
<li><b>${num(s.onboardingsPerSecond)}</b>onboardings/s</li><li><b>${num(steady?.requestsPerSecond ?? null)}</b>steady req/s</li>
<li><b>${ms(s.latency.p99Ms)}</b>p99 ms</li></ul>
<dl class="facts">${facts.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
</header>`;
}

function renderPhases(r: LoadReport): SafeHtml {
  const rate = r.summary.steadyRate;
  return html`<h2>Throughput per phase</h2>
<p id="steady-rate">Steady load: requested <b>${perSecond(rate.requestedCyclesPerSecond)}</b> cycles/s, offered <b>${perSecond(rate.offeredCyclesPerSecond)}</b> cycles/s (${rate.completedCycles} cycles, ${rate.lateCycles} late). Requests/s are per second of each phase's window.</p>
<table id="phases"><thead><tr><th>Phase</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">Seconds</th><th class="num">Requests/s</th></tr></thead>
<tbody>${r.summary.phases.map(
    (p) => html`<tr><td>${p.phase}</td><td class="num">${p.requests}</td><td class="num">${p.errors}</td><td class="num">${num(p.durationSeconds)}</td><td class="num">${num(p.requestsPerSecond)}</td></tr>`,
  )}</tbody></table>`;
}

function renderEndpoints(r: LoadReport): SafeHtml {
  return html`<h2>Latency per endpoint (ms)</h2>
<table id="endpoints"><thead><tr><th>Endpoint</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">max</th></tr></thead>
<tbody>${r.summary.endpoints.map(
    (e) => html`<tr data-endpoint="${e.endpoint}"><td><code>${e.method} ${e.path}</code> <span class="muted">${e.endpoint}</span></td><td class="num">${e.requests}</td><td class="num">${e.errors}</td>${latencyCells(e.latency)}</tr>`,
  )}
<tr><th>All endpoints</th><th class="num">${r.summary.requests}</th><th class="num">${r.summary.errors}</th>${latencyCells(r.summary.latency)}</tr></tbody></table>`;
}

function renderErrors(r: LoadReport): SafeHtml {
  const s = r.summary;
  const statuses = Object.entries(s.errorsByStatus).sort((a, b) => Number(a[0]) - Number(b[0]));
  return html`<h2>Errors</h2>
<table id="errors-by-kind"><thead><tr>${LOAD_ERROR_KINDS.map((k) => html`<th class="num">${k}</th>`)}</tr></thead>
<tbody><tr>${LOAD_ERROR_KINDS.map((k) => html`<td class="num">${s.errorsByKind[k]}</td>`)}</tr></tbody></table>
${statuses.length === 0 ? html`<p class="muted">No error status.</p>` : html`<h4>By HTTP status</h4><table id="errors-by-status"><tbody>${statuses.map(([code, n]) => html`<tr><td>${code}</td><td class="num">${n}</td></tr>`)}</tbody></table>`}
${s.errorSamples.length === 0 ? '' : html`<h4>Distinct errors (first ${s.errorSamples.length})</h4><table id="error-samples"><thead><tr><th>Endpoint</th><th>Kind</th><th>Status</th><th class="num">Count</th><th>Message</th></tr></thead><tbody>${s.errorSamples.map(
    (e) => html`<tr><td>${e.endpoint}</td><td>${e.kind}</td><td>${e.status ?? '–'}</td><td class="num">${e.count}</td><td>${e.message}</td></tr>`,
  )}</tbody></table>`}`;
}

function renderCpu(r: LoadReport): SafeHtml {
  const c = r.cpu;
  return html`<h2>Generator CPU</h2>
<p>Generator threads used <b>${c.generatorBusyCores}</b> cores' worth of event-loop time; the process used <b>${c.processCores}</b> cores${r.embeddedMock ? ' (including the embedded mock WFM)' : ''}; the machine was ${c.machineBusyFraction === null ? 'of unknown load' : html`<b>${pct(c.machineBusyFraction)}</b> busy`}.</p>
<table id="cpu"><thead><tr><th>Thread</th><th class="num">Event loop busy</th></tr></thead>
<tbody>${c.threads.map((t) => html`<tr><td>${t.name}</td><td class="num">${pct(t.busyFraction)}</td></tr>`)}</tbody></table>`;
}

function renderConsistency(r: LoadReport): SafeHtml {
  const entries = Object.entries(r.summary.consistency) as [string, boolean][];
  return html`<h2>Consistency</h2><ul class="plain" id="consistency">${entries.map(
    ([k, ok]) => html`<li data-ok="${String(ok)}"><span class="${ok ? 'ok' : 'bad'}">${ok ? '✓' : '✗'}</span> ${k}</li>`,
  )}</ul>`;
}

function renderTimelineTable(r: LoadReport): SafeHtml {
  return html`<details><summary>Timeline data (${r.summary.timeline.length} buckets)</summary>
<table id="timeline"><thead><tr><th class="num">t (s)</th><th class="num">Requests</th><th class="num">Req/s</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th></tr></thead>
<tbody>${r.summary.timeline.map(
    (t) => html`<tr><td class="num">${t.offsetSeconds}</td><td class="num">${t.requests}</td><td class="num">${t.requestsPerSecond}</td><td class="num">${t.errors}</td><td class="num">${ms(t.p50Ms)}</td><td class="num">${ms(t.p95Ms)}</td><td class="num">${ms(t.p99Ms)}</td></tr>`,
  )}</tbody></table></details>`;
}

/** `load.html`: the report as one self-contained HTML document with the latency and throughput charts. */
export function renderLoadHtml(report: LoadReport): string {
  const s = report.summary;
  const title = `margo-conformance load: ${s.devices.onboarded} devices, ${s.requests} requests, ${s.errors} errors`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${LOAD_REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${new SafeHtml(REPORT_CSS + LOAD_CSS)}</style></head>
<body>
${renderHeader(report)}
<h2>Latency over time</h2>
${renderLatencyChart(s.timeline, s.timelineBucketSeconds)}
<h2>Throughput over time</h2>
${renderThroughputChart(s.timeline, s.timelineBucketSeconds)}
${renderPhases(report)}
${renderEndpoints(report)}
${renderErrors(report)}
${renderCpu(report)}
${renderConsistency(report)}
${report.notes.length === 0 ? '' : html`<h2>Notes</h2><ul class="plain" id="notes">${report.notes.map((n) => html`<li>${n}</li>`)}</ul>`}
${renderTimelineTable(report)}
</body></html>
`.value;
}

/** `, 3 refused (HTTP 4xx), 2 failed to onboard (timeout 2)`: refusals apart from the other failures, by kind. */
function onboardingFailures(r: LoadReport, lead: string): string {
  const d = r.summary.devices;
  const parts: string[] = [];
  if (d.refusedOnboarding > 0) parts.push(`${d.refusedOnboarding} refused (HTTP 4xx)`);
  const others = d.failedOnboarding - d.refusedOnboarding;
  if (others > 0) {
    // The refusals are all `http`; what is left of each kind failed for another reason.
    const kinds = LOAD_ERROR_KINDS.map((k) => [k, d.failedOnboardingByKind[k] - (k === 'http' ? d.refusedOnboarding : 0)] as const).filter(([, n]) => n > 0);
    parts.push(`${others} failed to onboard (${kinds.map(([k, n]) => `${k} ${n}`).join(', ')})`);
  }
  return parts.length === 0 ? '' : `${lead}${parts.join(', ')}`;
}

/** `devices: 11/21 onboarded …`: out of the whole fleet, with the shards this report covers when it is not all. */
function devicesLine(r: LoadReport): string {
  const d = r.summary.devices;
  const fleet = r.parameters.devices;
  const covers = d.planned === fleet ? '' : ` (this report covers shard${r.shards.length > 1 ? 's' : ''} ${r.shards.map((x) => `${x.index}/${x.count}`).join(', ')}: ${d.planned} devices)`;
  return `devices: ${d.onboarded}/${fleet} onboarded${covers}${onboardingFailures(r, ', ')} · onboardings/s ${num(r.summary.onboardingsPerSecond)}`;
}

/**
 * The end-of-run console lines: devices, totals, per-phase throughput, per-endpoint latency, CPU, stop reasons, then
 * the CPU statement, every note (missing shards, insecure bootstrap, a rate the generator could not offer, …) and
 * any inconsistent figure.
 */
export function renderLoadText(report: LoadReport): string[] {
  const s = report.summary;
  const lines = [
    devicesLine(report),
    `requests: ${s.requests} · errors: ${s.errors} (${pct(s.errorRate)})${s.errors === 0 ? '' : ` · by kind ${LOAD_ERROR_KINDS.filter((k) => s.errorsByKind[k] > 0).map((k) => `${k} ${s.errorsByKind[k]}`).join(', ')}`}`,
    ...s.phases.map((p) => `phase ${p.phase}: ${p.requests} requests in ${num(p.durationSeconds)}s = ${num(p.requestsPerSecond)} req/s`),
    `steady load: requested ${perSecond(s.steadyRate.requestedCyclesPerSecond)} cycles/s, offered ${perSecond(s.steadyRate.offeredCyclesPerSecond)} cycles/s (${s.steadyRate.completedCycles} cycles, ${s.steadyRate.lateCycles} late)`,
    ...s.endpoints.map(
      (e) => `  ${e.method.padEnd(5)} ${e.endpoint.padEnd(18)} ${String(e.requests).padStart(8)} req ${String(e.errors).padStart(6)} err  p50 ${ms(e.latency.p50Ms)}  p95 ${ms(e.latency.p95Ms)}  p99 ${ms(e.latency.p99Ms)}  max ${ms(e.latency.maxMs)} ms`,
    ),
    `generator CPU: ${report.cpu.generatorBusyCores} cores (threads ${report.cpu.threads.map((t) => `${t.name} ${pct(t.busyFraction)}`).join(', ')}); machine ${report.cpu.machineBusyFraction === null ? 'n/a' : pct(report.cpu.machineBusyFraction)} busy`,
    `stopped by: ${s.stopReasons.join(', ') || '–'}`,
  ];
  if (report.cpu.statement !== null) lines.push(`NOTE: ${report.cpu.statement}`);
  for (const note of report.notes) lines.push(`NOTE: ${note}`);
  const broken = Object.entries(s.consistency).filter(([, ok]) => !ok).map(([k]) => k);
  if (broken.length > 0) lines.push(`INCONSISTENT FIGURES: ${broken.join(', ')}`);
  return lines;
}
