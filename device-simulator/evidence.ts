/**
 * @module Exchange evidence of the device simulator: the request as it went on the wire and the response, redacted
 * (secret headers and values from `config.secrets`) and with bodies cut to an excerpt. Evidence is data
 * (STYLE.md §3); private keys never appear in it.
 */
import type { Evidence, RecordedRequest, RecordedResponse } from '../core/check.js';

/** Longest body excerpt kept in evidence, in characters. */
export const BODY_EXCERPT_CHARS = 8192;

const REDACTED = '[redacted]';

/** What to hide: lower-case header names and literal secret values. */
export interface Redaction {
  readonly headers: ReadonlySet<string>;
  readonly values: readonly string[];
}

function redactText(text: string, redaction: Redaction): string {
  let out = text;
  for (const secret of redaction.values) {
    if (secret.length > 0) out = out.split(secret).join(REDACTED);
  }
  return out;
}

function redactHeaders(headers: Readonly<Record<string, string>>, redaction: Redaction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[lower] = redaction.headers.has(lower) ? REDACTED : redactText(value, redaction);
  }
  return out;
}

/** A body excerpt: UTF-8 text, or `base64:` + base64 for binary bodies; cut at {@link BODY_EXCERPT_CHARS}. */
export function bodyExcerpt(body: Uint8Array | undefined, redaction: Redaction): string | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const utf8 = bytes.toString('utf8');
  // A NUL byte or invalid UTF-8 means binary (a gzip bundle, say); it is kept as base64 with a marker.
  const text = bytes.includes(0) || utf8.includes('\uFFFD') ? `base64:${bytes.toString('base64')}` : utf8;
  const cut = text.length > BODY_EXCERPT_CHARS ? `${text.slice(0, BODY_EXCERPT_CHARS)}…[${text.length} chars]` : text;
  return redactText(cut, redaction);
}

/** The parts of one exchange, before redaction. */
export interface ExchangeParts {
  readonly label: string;
  readonly method: string;
  readonly url: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestBody?: Uint8Array;
  readonly response?: { status: number; headers: Readonly<Record<string, string>>; body: Uint8Array };
  readonly transportError?: string;
  readonly tls?: Extract<Evidence, { kind: 'exchange' }>['tls'];
  readonly durationMs?: number;
}

/** Builds `exchange` evidence from one request/response (or transport error), redacted. */
export function exchangeEvidence(parts: ExchangeParts, redaction: Redaction): Extract<Evidence, { kind: 'exchange' }> {
  const reqBody = bodyExcerpt(parts.requestBody, redaction);
  const request: RecordedRequest = {
    method: parts.method,
    url: redactText(parts.url, redaction),
    headers: redactHeaders(parts.requestHeaders, redaction),
    ...(reqBody === undefined ? {} : { body: reqBody }),
  };
  let response: RecordedResponse | undefined;
  if (parts.response !== undefined) {
    const resBody = bodyExcerpt(parts.response.body, redaction);
    response = {
      status: parts.response.status,
      headers: redactHeaders(parts.response.headers, redaction),
      ...(resBody === undefined ? {} : { body: resBody }),
    };
  }
  return {
    kind: 'exchange',
    label: parts.label,
    request,
    ...(response === undefined ? {} : { response }),
    ...(parts.transportError === undefined ? {} : { transportError: parts.transportError }),
    ...(parts.tls === undefined ? {} : { tls: parts.tls }),
    ...(parts.durationMs === undefined ? {} : { durationMs: parts.durationMs }),
  };
}
