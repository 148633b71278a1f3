/**
 * @module Message shapes shared by signing and verification (RFC 9421 §1.1 "HTTP message").
 */

/**
 * A request as it goes on the wire. `url` is the absolute target URI exactly as the client used it: it becomes
 * `@target-uri` verbatim (an explicit `:443` or an upper-case host is kept). Header names are lower-case; a
 * multi-valued header is one string joined with `, `. `body` is the raw body bytes (absent or empty: no body).
 * @see RFC 9421 §2.2.2
 */
export interface HttpRequestParts {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** A response, for response signatures (`@status`). Header names are lower-case. @see RFC 9421 §2.2.9 */
export interface HttpResponseParts {
  status: number;
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** Either message; requests are told apart by `method`. */
export type HttpMessageParts = HttpRequestParts | HttpResponseParts;

/** Signature parameters that go into `@signature-params`, serialized in the order the object lists them. */
export interface SignatureParams {
  /** Unix seconds. */
  created: number;
  /** Unix seconds. */
  expires?: number;
  keyid?: string;
  nonce?: string;
  tag?: string;
  alg?: string;
}

/** Reads a header by lower-case name; falls back to a case-insensitive scan for callers that kept wire casing. */
export function getHeader(headers: Readonly<Record<string, string>>, lowerName: string): string | undefined {
  const direct = headers[lowerName];
  if (direct !== undefined) return direct;
  for (const name of Object.keys(headers)) {
    if (name.toLowerCase() === lowerName) return headers[name];
  }
  return undefined;
}

