import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../check.js';
import { HOSTILE_BODY, sampleRun } from '../../test/support/sample-run.js';
import { toCurl } from './curl.js';
import { diffLines } from './diff.js';
import { outcomeOf } from './gates.js';
import { renderHtml } from './html.js';
import { escapeHtml, html } from './html-kit.js';
import { redactRun } from './redact.js';

describe('HTML report', () => {
  let run: RunResult;
  let page: string;
  beforeAll(async () => {
    run = redactRun(await sampleRun());
    page = renderHtml(run, outcomeOf(run, { failOn: 'fail', certification: false }));
  });

  it('loads no external resource and forbids fetches with a CSP', () => {
    expect(page).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(page).not.toMatch(/<link[^>]*\shref\s*=/i);
    expect(page).not.toMatch(/url\(/i);
    expect(page).not.toMatch(/@import/i);
    expect(page).not.toMatch(/<(img|iframe|object|embed|video|audio|source)\b/i);
    expect(page).toContain(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`);
    expect(page.match(/<script>/g)).toHaveLength(1);
  });

  it('escapes everything the target controls', () => {
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(page).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;');
    expect(page).toContain('\\u001b[31m');
    expect(page).not.toMatch(/[\u0000\u001b]/);
    expect(page).toContain('&lt;b&gt;'); // markup in a check message
    expect(HOSTILE_BODY).toContain('<script>');
  });

  it('has the summary header with counts, conformant flag, profile, target and tool version', () => {
    expect(page).toContain('data-conformant="false"');
    for (const s of ['pass', 'fail', 'warn', 'skip', 'not-applicable', 'inconclusive', 'error'] as const) {
      expect(page).toContain(`<li data-status="${s}"><b>${run.counts[s]}</b>${s}</li>`);
    }
    expect(page).toContain('<dt>Profile</dt><dd>rfc9421-v1</dd>');
    expect(page).toContain('<dt>Target</dt><dd>https://127.0.0.1:8443</dd>');
    expect(page).toContain(`margo-conformance ${run.tool.version}`);
  });

  it('has one filterable row per check and a filter box per verdict present', () => {
    expect(page.match(/<tr class="check"/g)).toHaveLength(run.results.length);
    for (const s of new Set(run.results.map((r) => r.status))) expect(page).toContain(`data-filter="${s}"`);
  });

  it('shows a signature failure as two bases with the differing lines marked, and copy-as-curl', () => {
    expect(page).toContain('Expected signature base');
    expect(page).toContain('Rebuilt from the request');
    expect(page.match(/class="line changed" data-changed="true"/g)).toHaveLength(2);
    expect(page).toContain('curl --request &#39;POST&#39;');
  });
});

describe('html kit', () => {
  it('escapes interpolated values but not nested markup', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${['a', '<']}${undefined}${false}</p>`.value).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>a&lt;</p>',
    );
    expect(escapeHtml(`'&\u0000`)).toBe('&#39;&amp;\\u0000');
  });
});

describe('diffLines', () => {
  it('marks only the lines without a counterpart', () => {
    const d = diffLines('a\nb\nc', 'a\nB\nc\nd');
    expect(d.expected.map((l) => l.changed)).toEqual([false, true, false]);
    expect(d.actual.map((l) => l.changed)).toEqual([false, true, false, true]);
    expect(diffLines('x', 'x').actual).toEqual([{ text: 'x', changed: false }]);
  });
});

describe('toCurl', () => {
  it('quotes for the shell and leaves out headers curl manages', () => {
    expect(
      toCurl({ method: 'POST', url: "https://h/x?a=it's", headers: { 'content-length': '2', 'x-a': 'b' }, body: '{}' }),
    ).toBe(`curl --request 'POST' 'https://h/x?a=it'\\''s' \\\n  --header 'x-a: b' \\\n  --data-raw '{}'`);
  });
});
