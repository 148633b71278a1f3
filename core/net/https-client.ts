/**
 * @module HTTPS client for talking to a WFM (and to anything else over TLS): an undici 7 Agent whose trust is exactly
 * what the caller pins. Records the TLS facts of the connection that carried each request.
 *
 * Trust options go to undici's `connect` (never `connect.tls`, which undici ignores silently: libraries.md §3).
 * `caPem` replaces Node's system store, so a pinned client trusts only the given root CAs.
 *
 * @see spec-digest §4.1 (server-side TLS, root CA pre-provisioned or obtained over a trusted channel), §6.20
 */
import { Socket } from 'node:net';
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

/** A connection attempt (TCP + TLS handshake) that has not completed yet. */
interface PendingConnect {
  cancel(reason: Error): void;
}

/**
 * Bookkeeping that ties connection attempts to the requests waiting for them: a handshake that stalls must not
 * outlive every request that wanted it. Per origin: the requests in flight and the attempts still connecting.
 */
function createConnectTracker(connector: buildConnector.connector): {
  connect: buildConnector.connector;
  begin(origin: string): () => void;
} {
  const waiting = new Map<string, number>();
  const connecting = new Map<string, Set<PendingConnect>>();

  function connect(opts: buildConnector.Options, callback: buildConnector.Callback): void {
    const origin = originKey(opts.protocol, opts.host ?? '');
    let settled = false;
    const attempts = connecting.get(origin) ?? new Set<PendingConnect>();
    connecting.set(origin, attempts);
    let socket: Socket | undefined;
    const attempt: PendingConnect = {
      cancel(reason) {
        if (settled) return;
        settled = true;
        attempts.delete(attempt);
        socket?.destroy();
        callback(reason, null);
      },
    };
    attempts.add(attempt);
    // undici's connector returns the socket it dials (its type says void): kept so a cancel can close it at once.
    const dialled: unknown = (connector as (o: buildConnector.Options, cb: buildConnector.Callback) => unknown)(opts, (err, connected) => {
      attempts.delete(attempt);
      if (settled) {
        // Cancelled while connecting: nobody wants this socket any more.
        connected?.destroy();
        return;
      }
      settled = true;
      if (err !== null) callback(err, null);
      else callback(null, connected);
    });
    if (dialled instanceof Socket) socket = dialled;
  }

  /** Registers one request to `origin`; the returned function ends it (cancelling a now-unwanted handshake). */
  function begin(origin: string): () => void {
    waiting.set(origin, (waiting.get(origin) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (waiting.get(origin) ?? 1) - 1;
      if (left > 0) {
        waiting.set(origin, left);
        return;
      }
      waiting.delete(origin);
      const attempts = connecting.get(origin);
      connecting.delete(origin);
      if (attempts === undefined || attempts.size === 0) return;
      // The last request for this origin gave up or finished: a handshake still in progress serves no one.
      const reason = new ConformanceError('TARGET_UNREACHABLE', `connection to ${origin} cancelled: no request waits for it any more`, {
        details: { code: 'ETIMEDOUT' },
      });
      for (const attempt of [...attempts]) attempt.cancel(reason);
    };
  }

  return { connect, begin };
}

/**
 * Settles with `pending`, or rejects as soon as `signal` aborts: undici only honours an abort once a request has a
 * connection, so a stalled TCP connect or TLS handshake would otherwise outlast the request's timeout.
 */
function raceAbort<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Creates an HTTPS client. Each origin gets one connection at a time (`connections: 1`, no pipelining), so the TLS
 * facts recorded when that connection was made are those of the connection that carried each request.
 * `send` resolves to an {@link HttpResult} for any HTTP status. Its timeout covers the whole request: TCP connect,
 * TLS handshake, waiting for the response and reading its body; a handshake that no pending request waits for any
 * more is cancelled. It throws ConformanceError:
 * TLS_SETUP_FAILED (`details.tlsCode`, e.g. `SELF_SIGNED_CERT_IN_CHAIN`) when verification or the handshake fails;
 * TARGET_UNREACHABLE (`details.code`: `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `ETIMEDOUT`, …) when the target cannot
 * be reached or does not answer within the timeout; TIMEOUT when the caller's signal aborts; INTERNAL otherwise.
 */
export function createHttpClient(trust: TrustOptions): HttpClient {
  const factsByOrigin = new Map<string, TlsFacts>();
  const tracker = createConnectTracker(buildConnector(connectorOptions(trust)));
  const agent = new Agent({
    connections: 1,
    pipelining: 1,
    connect(opts, callback) {
      tracker.connect(opts, (err, socket) => {
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
    const end = tracker.begin(originKey(url.protocol, url.host));
    signal.addEventListener('abort', end, { once: true });
    try {
      const res = await raceAbort(
        request(url, {
          dispatcher: agent,
          method: req.method as Dispatcher.HttpMethod,
          headers: { ...req.headers },
          ...(req.body === undefined ? {} : { body: Buffer.from(req.body) }),
          signal,
        }),
        signal,
      );
      const tls = url.protocol === 'https:' ? factsByOrigin.get(originKey(url.protocol, url.host)) : undefined;
      const body = Buffer.from(await raceAbort(res.body.arrayBuffer(), signal));
      return {
        status: res.statusCode,
        headers: joinHeaders(res.headers),
        body,
        ...(tls === undefined ? {} : { tls }),
        durationMs: performance.now() - started,
      };
    } catch (err) {
      throw abortError(opts.signal, timeoutSignal, timeoutMs, req.url, err) ?? toTransportError(err, req.url);
    } finally {
      signal.removeEventListener('abort', end);
      end();
    }
  }

  return {
    send,
    close: () => agent.close(),
  };
}
