/**
 * @module Inline SVG charts of the load report: latency percentiles over time and throughput over time. Pure markup
 * built with the escaping `html` tag; no script, no external asset, so the report's CSP holds.
 */
import { html, SafeHtml } from './html-kit.js';
import type { TimelinePoint } from './load-types.js';

const W = 880;
const H = 260;
const PAD = { left: 64, right: 16, top: 14, bottom: 40 };
const PLOT_W = W - PAD.left - PAD.right;
const PLOT_H = H - PAD.top - PAD.bottom;

/** Series drawn on the latency chart: key, legend text, CSS class (colours live in the report stylesheet). */
const LATENCY_SERIES = [
  { key: 'p50Ms', label: 'p50', cls: 's-p50' },
  { key: 'p95Ms', label: 'p95', cls: 's-p95' },
  { key: 'p99Ms', label: 'p99', cls: 's-p99' },
] as const;

/** A "nice" axis step (1, 2 or 5 × 10^k) giving about `ticks` ticks up to `max`. */
export function niceStep(max: number, ticks = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

const fmt = (v: number): string => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3));

interface Scale {
  x(seconds: number): number;
  y(value: number): number;
  readonly yMax: number;
  readonly yStep: number;
  readonly xMax: number;
}

function scaleFor(points: readonly TimelinePoint[], bucketSeconds: number, maxValue: number): Scale {
  const xMax = Math.max(bucketSeconds, (points.at(-1)?.offsetSeconds ?? 0) + bucketSeconds);
  const yStep = niceStep(maxValue);
  const yMax = Math.max(yStep, Math.ceil(maxValue / yStep) * yStep);
  return {
    x: (s) => PAD.left + (s / xMax) * PLOT_W,
    y: (v) => PAD.top + PLOT_H - (v / yMax) * PLOT_H,
    yMax,
    yStep,
    xMax,
  };
}

function axes(scale: Scale, yLabel: string): SafeHtml {
  const yTicks: number[] = [];
  for (let v = 0; v <= scale.yMax + 1e-9; v += scale.yStep) yTicks.push(v);
  const xStep = niceStep(scale.xMax, 8);
  const xTicks: number[] = [];
  for (let s = 0; s <= scale.xMax + 1e-9; s += xStep) xTicks.push(s);
  const bottom = PAD.top + PLOT_H;
  return html`<g class="axis">
<line x1="${PAD.left}" y1="${bottom}" x2="${W - PAD.right}" y2="${bottom}"/><line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${bottom}"/>
${yTicks.map((v) => html`<line class="grid" x1="${PAD.left}" y1="${scale.y(v)}" x2="${W - PAD.right}" y2="${scale.y(v)}"/><text x="${PAD.left - 6}" y="${scale.y(v) + 4}" text-anchor="end">${fmt(v)}</text>`)}
${xTicks.map((s) => html`<text x="${scale.x(s)}" y="${bottom + 16}" text-anchor="middle">${fmt(s)}</text>`)}
<text x="${PAD.left + PLOT_W / 2}" y="${H - 6}" text-anchor="middle">seconds since the first request</text>
<text transform="translate(14 ${PAD.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>
</g>`;
}

/** Polyline segments of one series; a bucket without requests (null) breaks the line. */
function segments(points: readonly TimelinePoint[], pick: (p: TimelinePoint) => number | null, scale: Scale, half: number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const p of points) {
    const v = pick(p);
    if (v === null) {
      if (current.length > 0) out.push(current.join(' '));
      current = [];
      continue;
    }
    current.push(`${scale.x(p.offsetSeconds + half).toFixed(1)},${scale.y(v).toFixed(1)}`);
  }
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

function hoverBands(points: readonly TimelinePoint[], scale: Scale, bucketSeconds: number): SafeHtml[] {
  const width = Math.max(1, scale.x(bucketSeconds) - scale.x(0));
  return points.map(
    (p) =>
      html`<rect class="hover" x="${scale.x(p.offsetSeconds)}" y="${PAD.top}" width="${width}" height="${PLOT_H}"><title>${`t=${p.offsetSeconds}s: ${p.requests} requests (${p.requestsPerSecond}/s), ${p.errors} errors, p50 ${p.p50Ms ?? '–'} ms, p95 ${p.p95Ms ?? '–'} ms, p99 ${p.p99Ms ?? '–'} ms`}</title></rect>`,
  );
}

/** Latency p50 / p95 / p99 per time bucket, ms, as an `<svg>` element. An empty timeline gives a short notice. */
export function renderLatencyChart(points: readonly TimelinePoint[], bucketSeconds: number): SafeHtml {
  const values = points.flatMap((p) => [p.p50Ms, p.p95Ms, p.p99Ms]).filter((v): v is number => v !== null);
  if (values.length === 0) return html`<p class="muted">No request completed: no latency to chart.</p>`;
  const scale = scaleFor(points, bucketSeconds, Math.max(...values));
  const half = bucketSeconds / 2;
  return html`<svg class="chart" id="latency-chart" role="img" viewBox="0 0 ${W} ${H}" width="100%" xmlns="http://www.w3.org/2000/svg">
<title>Latency percentiles over time (ms)</title>
${axes(scale, 'latency (ms)')}
${LATENCY_SERIES.map((s) => segments(points, (p) => p[s.key], scale, half).map((pts) => html`<polyline class="series ${s.cls}" points="${pts}"/>`))}
${hoverBands(points, scale, bucketSeconds)}
</svg>
<p class="legend">${LATENCY_SERIES.map((s) => html`<span class="key ${s.cls}"></span>${s.label} `)}<span class="muted">per ${bucketSeconds}s bucket; hover for values</span></p>`;
}

/** Requests/s per time bucket as bars, errors in a second colour, as an `<svg>` element. */
export function renderThroughputChart(points: readonly TimelinePoint[], bucketSeconds: number): SafeHtml {
  if (points.length === 0) return html`<p class="muted">No request was sent.</p>`;
  const scale = scaleFor(points, bucketSeconds, Math.max(...points.map((p) => p.requestsPerSecond)));
  const width = Math.max(1, scale.x(bucketSeconds) - scale.x(0) - 1);
  const bars = points.map((p) => {
    const errorsPerSecond = p.errors / bucketSeconds;
    return html`<rect class="bar" x="${scale.x(p.offsetSeconds)}" y="${scale.y(p.requestsPerSecond)}" width="${width}" height="${scale.y(0) - scale.y(p.requestsPerSecond)}"/>${
      p.errors > 0
        ? html`<rect class="bar-err" x="${scale.x(p.offsetSeconds)}" y="${scale.y(errorsPerSecond)}" width="${width}" height="${scale.y(0) - scale.y(errorsPerSecond)}"/>`
        : ''
    }`;
  });
  return html`<svg class="chart" id="throughput-chart" role="img" viewBox="0 0 ${W} ${H}" width="100%" xmlns="http://www.w3.org/2000/svg">
<title>Requests per second over time</title>
${axes(scale, 'requests/s')}
${bars}
${hoverBands(points, scale, bucketSeconds)}
</svg>
<p class="legend"><span class="key s-bar"></span>requests/s <span class="key s-err"></span>errors/s</p>`;
}
