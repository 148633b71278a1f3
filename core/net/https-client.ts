/**
 * @module HTTPS client for talking to a WFM (and to anything else over TLS): an undici 7 Agent whose trust is exactly
 * what the caller pins. Records the TLS facts of the connection that carried each request.
 *
 * Trust options go to undici's `connect` (never `connect.tls`, which undici ignores silently: libraries.md §3).
 * `caPem` replaces Node's system store, so a pinned client trusts only the given root CAs.
 *
 * @see spec-digest §4.1 (server-side TLS, root CA pre-provisioned or obtained over a trusted channel), §6.20
 */
import type { SecureVersion, TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import type { TlsFacts } from '../check.js';
import { ConformanceError } from '../errors.js';
import { readTlsFacts } from './tls-facts.js';
import { toTransportError } from './transport-errors.js';

/** What the client trusts and how it connects. */
export interface TrustOptions {
  /** Pinned trust anchors: ONLY these root CAs, never the system store. Omitted → Node's system store. */
  readonly caPem?: string | readonly string[];
  /** Skip certificate verification (`--insecure-bootstrap`, simulator fault `tls-verify-off`). */
  readonly insecure?: boolean;
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
  /** SNI and host-check name when dialling an address the certificate does not name. */
  readonly servername?: string;
  /** Connect timeout and default per-request timeout, ms. Default 10000 (connect) and 30000 (request). */
  readonly timeoutMs?: number;
}

/** One request as it goes on the wire. */
export interface HttpRequestSpec {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/** One response. */
export interface HttpResult {
  readonly status: number;
  /** Lower-case names; multi-valued headers joined with `, `. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Facts of the TLS connection that carried the request; absent for plain HTTP. */
  readonly tls?: TlsFacts;
  /** From sending the request to the end of the body, ms. */
  readonly durationMs: number;
}

/** An HTTPS client bound to one {@link TrustOptions}. */
export interface HttpClient {
  /** Sends one request and reads the whole body. `timeoutMs` (default `TrustOptions.timeoutMs`, else 30000) covers
   * connecting, waiting for headers and reading the body. Errors: see {@link createHttpClient}. */
  send(req: HttpRequestSpec, opts?: { readonly signal?: AbortSignal; readonly timeoutMs?: number }): Promise<HttpResult>;
  /** Closes every connection after in-flight requests finish. */
  close(): Promise<void>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

function connectorOptions(trust: TrustOptions): buildConnector.BuildOptions {
  const ca = trust.caPem === undefined ? undefined : typeof trust.caPem === 'string' ? [trust.caPem] : [...trust.caPem];
  return {
    ...(ca === undefined ? {} : { ca }),
    rejectUnauthorized: trust.insecure !== true,
    ...(trust.minVersion === undefined ? {} : { minVersion: trust.minVersion }),
    ...(trust.maxVersion === undefined ? {} : { maxVersion: trust.maxVersion }),
    ...(trust.servername === undefined ? {} : { servername: trust.servername }),
    timeout: trust.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // Every connection does a full handshake and full verification; resumption would reuse an old verdict.
    maxCachedSessions: 0,
  };
}

function originKey(protocol: string, host: string): string {
  return `${protocol}//${host}`;
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch (err) {
    throw new ConformanceError('TARGET_URL_INVALID', `expected an absolute http(s) URL, got "${url}"`, { cause: err });
  }
}

function joinHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function abortError(
  callerSignal: AbortSignal | undefined,
  timeoutSignal: AbortSignal,
  timeoutMs: number,
  url: string,
  err: unknown,
): ConformanceError | undefined {
  if (callerSignal?.aborted === true) {
    return new ConformanceError('TIMEOUT', `request to ${url} was aborted by the caller`, { cause: err });
  }
  if (timeoutSignal.aborted) {
    return new ConformanceError('TARGET_UNREACHABLE', `no complete response from ${url} within ${timeoutMs} ms`, {
      cause: err,
      details: { code: 'ETIMEDOUT', timeoutMs, target: url },
    });
  }
  return undefined;
}

/**
 * Creates an HTTPS client. Each origin gets one connection at a time (`connections: 1`, no pipelining), so the TLS
 * facts recorded when that connection was made are those of the connection that carried each request.
 * `send` resolves to an {@link HttpResult} for any HTTP status. It throws ConformanceError:
 * TLS_SETUP_FAILED (`details.tlsCode`, e.g. `SELF_SIGNED_CERT_IN_CHAIN`) when verification or the handshake fails;
 * TARGET_UNREACHABLE (`details.code`: `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `ETIMEDOUT`, …) when the target cannot
 * be reached or does not answer within the timeout; TIMEOUT when the caller's signal aborts; INTERNAL otherwise.
 */
export function createHttpClient(trust: TrustOptions): HttpClient {
  const factsByOrigin = new Map<string, TlsFacts>();
  const connector = buildConnector(connectorOptions(trust));
  const agent = new Agent({
    connections: 1,
    pipelining: 1,
    connect(opts, callback) {
      return connector(opts, (err, socket) => {
        if (err !== null) {
          callback(err, null);
          return;
        }
        if (opts.protocol === 'https:') {
          factsByOrigin.set(originKey(opts.protocol, opts.host ?? ''), readTlsFacts(socket as TLSSocket));
        }
        callback(null, socket);
      });
    },
  });

  async function send(req: HttpRequestSpec, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HttpResult> {
    const timeoutMs = opts.timeoutMs ?? trust.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal === undefined ? timeoutSignal : AbortSignal.any([opts.signal, timeoutSignal]);
    const url = parseUrl(req.url);
    const started = performance.now();
    try {
      const res = await request(url, {
        dispatcher: agent,
        method: req.method as Dispatcher.HttpMethod,
        headers: { ...req.headers },
        ...(req.body === undefined ? {} : { body: Buffer.from(req.body) }),
        signal,
      });
      const tls = url.protocol === 'https:' ? factsByOrigin.get(originKey(url.protocol, url.host)) : undefined;
      const body = Buffer.from(await res.body.arrayBuffer());
      return {
        status: res.statusCode,
        headers: joinHeaders(res.headers),
        body,
        ...(tls === undefined ? {} : { tls }),
        durationMs: performance.now() - started,
      };
    } catch (err) {
      throw abortError(opts.signal, timeoutSignal, timeoutMs, req.url, err) ?? toTransportError(err, req.url);
    }
  }

  return {
    send,
    close: () => agent.close(),
  };
}
