/**
 * @module HTML rendering of one check's details: the clause, expected/actual and each piece of evidence
 * (exchanges with copy-as-curl, signature bases side by side with differing lines marked, certificates, TLS,
 * schema errors, notes). Everything the target controls is escaped by the `html` tag.
 */
import type { CheckResult, Evidence } from '../check.js';
import { toCurl } from './curl.js';
import { diffLines } from './diff.js';
import type { DiffLine } from './diff.js';
import { html } from './html-kit.js';
import type { SafeHtml } from './html-kit.js';
import { requestText, responseText, tlsText } from './text.js';

/** The expandable body of one result row; `key` makes element ids unique within the document. */
export function renderResultDetail(r: CheckResult, key: string): SafeHtml {
  const related = r.related ?? [];
  return html`<div class="detail">
<blockquote>“${r.clause.quote}”<br><small>${r.clause.source} § ${r.clause.section}${
    related.length > 0 ? html`; see also ${related.map((x, i) => html`${i > 0 ? ', ' : ''}${x.source} § ${x.section}`)}` : ''
  }</small></blockquote>
<dl class="ea">
<dt>Verdict</dt><dd>${r.status} (${r.level})${r.errorCode === undefined ? '' : html` · error code <code>${r.errorCode}</code>`}</dd>
<dt>Observed</dt><dd>${r.message}</dd>
${r.expected === undefined ? '' : html`<dt>Expected</dt><dd>${r.expected}</dd>`}
${r.actual === undefined ? '' : html`<dt>Actual</dt><dd>${r.actual}</dd>`}
${r.expectedFailure === undefined ? '' : html`<dt>Baseline</dt><dd>expected failure: ${r.expectedFailure}</dd>`}
</dl>
${r.evidence.map((e, i) => renderEvidence(e, `${key}-e${i}`))}
</div>`;
}

function heading(e: Evidence, what: string): SafeHtml {
  return html`<h4>${what}${e.label === undefined ? '' : html`: ${e.label}`}</h4>`;
}

function renderEvidence(e: Evidence, key: string): SafeHtml {
  switch (e.kind) {
    case 'exchange':
      return html`<section class="evidence exchange">${heading(e, 'Exchange')}
<pre>${requestText(e.request)}</pre>
${e.response === undefined ? '' : html`<pre>${responseText(e.response)}</pre>`}
${e.transportError === undefined ? '' : html`<p>Transport error: <code>${e.transportError}</code></p>`}
${e.tls === undefined ? '' : html`<p>TLS: ${tlsText(e.tls)}</p>`}
<div class="curl"><button type="button" class="copy" data-target="${key}-curl">Copy as curl</button>
<pre id="${key}-curl" class="curl-text">${toCurl(e.request)}</pre></div>
</section>`;
    case 'signature-base':
      return renderSignatureBase(e, heading(e, 'Signature base'));
    case 'certificate':
      return html`<section class="evidence certificate">${heading(e, 'Certificate')}<dl class="ea">
<dt>Subject</dt><dd>${e.subject}</dd><dt>Issuer</dt><dd>${e.issuer}</dd>
<dt>SPKI SHA-256</dt><dd><code>${e.spkiSha256}</code></dd><dt>Fingerprint SHA-256</dt><dd><code>${e.fingerprint256}</code></dd>
<dt>Valid</dt><dd>${e.notBefore} – ${e.notAfter}</dd>${e.keyType === undefined ? '' : html`<dt>Key</dt><dd>${e.keyType}</dd>`}
</dl></section>`;
    case 'tls':
      return html`<section class="evidence tls">${heading(e, 'TLS')}<p>${
        e.host === undefined ? '' : html`<code>${e.host}${e.port === undefined ? '' : `:${e.port}`}</code> `
      }${tlsText(e.tls)}</p></section>`;
    case 'schema-errors':
      return html`<section class="evidence schema-errors">${heading(e, `Schema errors (${e.schema})`)}
<table><thead><tr><th>Instance path</th><th>Keyword</th><th>Message</th></tr></thead><tbody>
${e.errors.map((x) => html`<tr><td><code>${x.instancePath === '' ? '/' : x.instancePath}</code></td><td>${x.keyword}</td><td>${x.message}</td></tr>`)}
</tbody></table></section>`;
    case 'note':
      return html`<section class="evidence note">${heading(e, 'Note')}<pre>${e.text}</pre></section>`;
  }
}

/**
 * The signature base; when a different expected base is known, both are shown side by side with the lines
 * that differ marked (− expected, + rebuilt).
 * @see RFC 9421 §2.5
 */
function renderSignatureBase(e: Extract<Evidence, { kind: 'signature-base' }>, title: SafeHtml): SafeHtml {
  const outcome = e.outcome === undefined ? '' : html`<p>Verification outcome: <code>${e.outcome}</code></p>`;
  if (e.expected === undefined || e.expected === e.base) {
    return html`<section class="evidence signature-base">${title}${outcome}<pre>${e.base}</pre></section>`;
  }
  const diff = diffLines(e.expected, e.base);
  const side = (cls: string, caption: string, lines: readonly DiffLine[]): SafeHtml =>
    html`<div class="${cls}"><h4>${caption}</h4><div class="base">${lines.map(
      (l) => html`<div class="line${l.changed ? ' changed' : ''}"${l.changed ? html` data-changed="true"` : ''}>${l.text}</div>`,
    )}</div></div>`;
  return html`<section class="evidence signature-base">${title}${outcome}<div class="sigdiff">
${side('expected', 'Expected signature base', diff.expected)}
${side('actual', 'Rebuilt from the request', diff.actual)}
</div></section>`;
}
