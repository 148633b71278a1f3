/**
 * @module Plain-text rendering of evidence and results, shared by the JUnit `system-out` and console output.
 * Input must already be redacted (see `redact.ts`).
 */
import type { CheckResult, Evidence, HeaderMap, RecordedRequest, RecordedResponse } from '../check.js';

/** Evidence as text lines, one block per item; bodies and signature bases are kept verbatim. */
export function evidenceToText(evidence: Evidence): string {
  const title = evidence.label === undefined ? evidence.kind : `${evidence.kind} (${evidence.label})`;
  return `--- ${title}\n${evidenceBody(evidence)}`;
}

function evidenceBody(e: Evidence): string {
  switch (e.kind) {
    case 'exchange': {
      const lines = [requestText(e.request)];
      if (e.response !== undefined) lines.push(responseText(e.response));
      if (e.transportError !== undefined) lines.push(`transport error: ${e.transportError}`);
      if (e.tls !== undefined) lines.push(`tls: ${tlsText(e.tls)}`);
      return lines.join('\n');
    }
    case 'signature-base':
      return [
        e.outcome === undefined ? '' : `outcome: ${e.outcome}\n`,
        `signature base (rebuilt from the request):\n${e.base}`,
        e.expected === undefined ? '' : `\nsignature base (expected):\n${e.expected}`,
      ].join('');
    case 'certificate':
      return [
        `subject: ${e.subject}`,
        `issuer: ${e.issuer}`,
        `SPKI SHA-256: ${e.spkiSha256}`,
        `fingerprint SHA-256: ${e.fingerprint256}`,
        `valid: ${e.notBefore} .. ${e.notAfter}`,
        ...(e.keyType === undefined ? [] : [`key type: ${e.keyType}`]),
      ].join('\n');
    case 'tls':
      return `${e.host === undefined ? '' : `${e.host}:${e.port ?? ''} `}${tlsText(e.tls)}`;
    case 'schema-errors':
      return [`schema: ${e.schema}`, ...e.errors.map((x) => `${x.instancePath || '/'} ${x.keyword}: ${x.message}`)].join('\n');
    case 'note':
      return e.text;
  }
}

/** `> METHOD URL`, headers, blank line, body. */
export function requestText(r: RecordedRequest): string {
  return [`> ${r.method} ${r.url}`, headersText('> ', r.headers), r.body === undefined ? '' : `>\n${r.body}`]
    .filter((s) => s !== '')
    .join('\n');
}

/** `< STATUS`, headers, blank line, body. */
export function responseText(r: RecordedResponse): string {
  return [`< ${r.status}`, headersText('< ', r.headers), r.body === undefined ? '' : `<\n${r.body}`]
    .filter((s) => s !== '')
    .join('\n');
}

function headersText(prefix: string, headers: HeaderMap): string {
  return Object.entries(headers)
    .map(([k, v]) => `${prefix}${k}: ${v}`)
    .join('\n');
}

/** TLS facts on one line: protocol/cipher or the OpenSSL error code. */
export function tlsText(t: { protocol?: string; cipher?: string; errorCode?: string; errorMessage?: string; authorized?: boolean }): string {
  const parts: string[] = [];
  if (t.protocol !== undefined) parts.push(t.protocol);
  if (t.cipher !== undefined) parts.push(t.cipher);
  if (t.authorized !== undefined) parts.push(t.authorized ? 'authorized' : 'not authorized');
  if (t.errorCode !== undefined) parts.push(`error ${t.errorCode}`);
  if (t.errorMessage !== undefined) parts.push(t.errorMessage);
  return parts.length === 0 ? 'no handshake' : parts.join(', ');
}

/** The result's message with expected/actual, clause quote and baseline reason, one item per line. */
export function resultDetailText(r: CheckResult): string {
  return [
    r.message,
    r.expected === undefined ? '' : `Expected: ${r.expected}`,
    r.actual === undefined ? '' : `Actual: ${r.actual}`,
    `Clause: ${r.clause.source} § ${r.clause.section}: "${r.clause.quote}"`,
    r.expectedFailure === undefined ? '' : `Expected failure (baseline): ${r.expectedFailure}`,
  ]
    .filter((s) => s !== '')
    .join('\n');
}
