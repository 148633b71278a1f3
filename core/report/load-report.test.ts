import { describe, expect, it } from 'vitest';
import { createLoadReportValidator } from '../../device-simulator/load/validate.js';
import { syntheticReport } from '../../test/support/load-reports.js';
import { renderLatencyChart, niceStep } from './load-chart.js';
import { LOAD_REPORT_CSP, renderLoadHtml, renderLoadJson, renderLoadText } from './load-report.js';
import type { LoadReport } from './load-types.js';

const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\u001b[31m';

function hostileReport(): LoadReport {
  const base = syntheticReport(4, 1, 1, 2, [`note ${HOSTILE}`]);
  const sample = { endpoint: 'deploymentStatus', kind: 'http' as const, status: 500, message: HOSTILE, count: 2 };
  return {
    ...base,
    target: `https://wfm.example/${HOSTILE}`,
    summary: { ...base.summary, errors: 2, errorRate: 0.1, errorsByStatus: { '500': 2 }, errorSamples: [sample] },
  };
}

describe('load report renderers', () => {
  it('renders JSON that validates against schemas/load-report.schema.json', () => {
    const report = syntheticReport(6, 1, 2);
    const checked = createLoadReportValidator().validate(JSON.parse(renderLoadJson(report)));
    expect(checked.ok ? [] : checked.errors).toEqual([]);
  });

  it('rejects a report whose figures have the wrong shape', () => {
    const report = syntheticReport(6, 1, 2);
    const broken = { ...report, summary: { ...report.summary, requests: -1 } };
    expect(createLoadReportValidator().validate(broken).ok).toBe(false);
  });

  it('escapes every value the target controls and loads nothing external', () => {
    const page = renderLoadHtml(hostileReport());
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).not.toContain('\u001b');
    expect(page).toContain('Content-Security-Policy" content="default-src &#39;none&#39;');
    expect(page).not.toMatch(/(src|href)="https?:/);
  });

  it('gives load.html a CSP that allows no script at all (the page has none)', () => {
    const page = renderLoadHtml(syntheticReport(4, 1, 1));
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(page)?.[1] ?? '';
    expect(csp).toContain('default-src &#39;none&#39;');
    expect(csp).not.toContain('script-src');
    expect(csp).toBe(LOAD_REPORT_CSP.replaceAll("'", '&#39;'));
    expect(page).not.toContain('<script');
  });

  it('draws the latency chart as SVG polylines for p50, p95 and p99', () => {
    const page = renderLoadHtml(syntheticReport(6, 1, 1, 3));
    for (const series of ['s-p50', 's-p95', 's-p99']) expect(page).toMatch(new RegExp(`<polyline class="series ${series}" points="[0-9.,\\s]+"`));
    expect(page).toContain('id="throughput-chart"');
    expect(page).toContain('id="load-verdict" data-errors="0"');
  });

  it('says so when there is nothing to chart', () => {
    expect(renderLatencyChart([], 1).value).toContain('No request completed');
  });

  it('picks 1-2-5 axis steps', () => {
    expect(niceStep(1000)).toBe(200);
    expect(niceStep(7)).toBe(2);
    expect(niceStep(0)).toBe(1);
  });

  it('prints the console summary with per-endpoint latency', () => {
    const lines = renderLoadText(syntheticReport(6, 1, 1, 2));
    expect(lines[0]).toContain('devices: 6/6 onboarded');
    expect(lines.some((l) => l.includes('desiredState') && l.includes('p99'))).toBe(true);
  });

  it('prints every report note on the console', () => {
    const lines = renderLoadText(syntheticReport(6, 1, 1, 2, ['--insecure-bootstrap: the root CA was downloaded over TLS that was NOT verified', 'second note']));
    expect(lines).toContain('NOTE: --insecure-bootstrap: the root CA was downloaded over TLS that was NOT verified');
    expect(lines).toContain('NOTE: second note');
  });

  it('says "refused" only for HTTP 4xx refusals and "failed to onboard" with the kinds otherwise', () => {
    const base = syntheticReport(6, 1, 1, 2);
    const kinds = { ...base.summary.errorsByKind, http: 2, timeout: 3, tls: 1 };
    const report = { ...base, summary: { ...base.summary, devices: { planned: 6, onboarded: 0, failedOnboarding: 6, refusedOnboarding: 2, failedOnboardingByKind: kinds } } };
    expect(renderLoadText(report)[0]).toMatch(/^devices: 0\/6 onboarded, 2 refused \(HTTP 4xx\), 4 failed to onboard \(tls 1, timeout 3\) ·/);
    const failedOnly = { ...base, summary: { ...base.summary, devices: { ...report.summary.devices, refusedOnboarding: 0, failedOnboarding: 4, failedOnboardingByKind: { ...kinds, http: 0 } } } };
    expect(renderLoadText(failedOnly)[0]).not.toContain('refused');
    expect(renderLoadHtml(failedOnly)).toContain('4 failed to onboard (tls 1, timeout 3)');
  });

  it('shows a rate the generator could not offer in the header and on the console', () => {
    const base = syntheticReport(6, 1, 1, 2);
    const statement = 'requested 5000 cycles/s (50 devices × 100/s), offered 62/s: each device runs its cycles one after another';
    const report = { ...base, summary: { ...base.summary, steadyRate: { ...base.summary.steadyRate, shortfall: true, statement } }, notes: [statement] };
    expect(renderLoadHtml(report)).toContain(`<p class="alert" id="rate-shortfall">${statement}</p>`);
    expect(renderLoadText(report)).toContain(`NOTE: ${statement}`);
    expect(renderLoadHtml(base)).not.toContain('id="rate-shortfall"');
  });
});
