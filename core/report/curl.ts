/**
 * @module Copy-as-curl: a recorded request as a POSIX shell `curl` command line.
 *
 * Built from the redacted request, so secrets show as `[REDACTED]` and `Signature` values are shortened: the
 * command shows what was sent, and replaying it needs the operator's own credentials and a fresh signature.
 */
import type { RecordedRequest } from '../check.js';

/** Quotes `text` for a POSIX shell: single quotes, with `'` written as `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Returns `curl --request METHOD 'URL' --header 'name: value' … --data-raw 'body'`, one option per line joined
 * with ` \` continuations. Hop-by-hop and length headers that curl computes itself are left out.
 */
export function toCurl(request: RecordedRequest): string {
  const parts = [`curl --request ${shellQuote(request.method)} ${shellQuote(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) {
    if (CURL_MANAGED_HEADERS.has(name.toLowerCase())) continue;
    parts.push(`--header ${shellQuote(`${name}: ${value}`)}`);
  }
  if (request.body !== undefined && request.body !== '') parts.push(`--data-raw ${shellQuote(request.body)}`);
  return parts.join(' \\\n  ');
}

const CURL_MANAGED_HEADERS = new Set(['content-length', 'host', 'connection', 'transfer-encoding']);
