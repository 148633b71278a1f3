/**
 * @module The `wfm` suite's view of the network, built on core/net: an HTTPS handle pinned to the root CA the session
 * trusts, and TLS probes of the target. Transport failures become data on the exchange (`transportError`), never
 * exceptions, so a check can judge them (`inconclusive` for a negative check, `fail` where TLS itself is the clause).
 *
 * @see spec-digest §4.1 (server-side TLS, the client trusts the root CA it was given)
 */
import { createHttpClient, fetchPeerChain, probeTls } from '../../core/net/index.js';
import type { HttpClient } from '../../core/net/index.js';
import { isConformanceError } from '../../core/errors.js';
import type { TlsHandshakeResult, TlsProber, WfmExchange, WfmHandle, WfmRequest, WfmTarget } from './context.js';

/** Options of {@link createWfmHandle}. */
export interface WfmHandleOptions {
  /** The root CA (PEM) the session trusts; the system store is never used. */
  readonly caPem: string;
  readonly servername?: string;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
}

/** Transport error codes that mean "no HTTP answer"; anything else from core/net is a harness error and propagates. */
const TRANSPORT_CODES = ['TARGET_UNREACHABLE', 'TLS_SETUP_FAILED'] as const;

/**
 * Creates the HTTPS handle checks use. TLS 1.2 is allowed on this handle on purpose: TLS 1.3 is judged by
 * `wfm.tls.offers-tls13` alone, so a TLS 1.2-only target fails that check without starving every other one.
 * Returns the handle and `close()` (resolves when the connection pool is closed).
 */
export function createWfmHandle(opts: WfmHandleOptions): WfmHandle & { close(): Promise<void> } {
  const client: HttpClient = createHttpClient({
    caPem: opts.caPem,
    minVersion: 'TLSv1.2',
    timeoutMs: opts.timeoutMs,
    ...(opts.servername === undefined ? {} : { servername: opts.servername }),
  });
  return {
    send: (request, sendOpts) => sendOnce(client, request, sendOpts, opts.timeoutMs),
    close: () => client.close(),
  };
}

async function sendOnce(
  client: HttpClient,
  request: WfmRequest,
  opts: { readonly label: string; readonly signal: AbortSignal; readonly signatureBase?: string },
  timeoutMs: number,
): Promise<WfmExchange> {
  const base = { label: opts.label, request, ...(opts.signatureBase === undefined ? {} : { signatureBase: opts.signatureBase }) };
  try {
    const res = await client.send(request, { signal: opts.signal, timeoutMs });
    return {
      ...base,
      response: { status: res.status, headers: res.headers, body: new Uint8Array(res.body) },
      ...(res.tls === undefined ? {} : { tls: res.tls }),
      durationMs: Math.round(res.durationMs),
    };
  } catch (err) {
    if (!isConformanceError(err, ...TRANSPORT_CODES)) throw err;
    // Recorded as evidence: the target did not answer, which the check judges (usually `inconclusive`).
    const code = String(err.details?.['tlsCode'] ?? err.details?.['code'] ?? err.code);
    const tls = err.code === 'TLS_SETUP_FAILED' ? { tls: { errorCode: code, errorMessage: err.message, authorized: false } } : {};
    return { ...base, transportError: { code, message: err.message }, ...tls };
  }
}

/** Creates the TLS prober of `target`; `timeoutMs` bounds each handshake. */
export function createTlsProber(target: WfmTarget, timeoutMs: number): TlsProber {
  return {
    async handshake(opts): Promise<TlsHandshakeResult> {
      return probeTls({
        host: target.host,
        port: target.port,
        servername: target.servername,
        caPem: opts.caPem,
        ...(opts.minVersion === undefined ? {} : { minVersion: opts.minVersion }),
        ...(opts.maxVersion === undefined ? {} : { maxVersion: opts.maxVersion }),
        timeoutMs,
      });
    },
    async peerChain() {
      return fetchPeerChain({ host: target.host, port: target.port, servername: target.servername, timeoutMs });
    },
  };
}
