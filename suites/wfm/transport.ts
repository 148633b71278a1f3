/**
 * @module The `wfm` suite's view of the network, built on core/net: an HTTPS handle pinned to the root CA the session
 * trusts, and TLS probes of the target. Transport failures become data on the exchange (`transportError`), never
 * exceptions, so a check can judge them (`inconclusive` for a negative check, `fail` where TLS itself is the clause).
 *
 * @see spec-digest §4.1 (server-side TLS, the client trusts the root CA it was given)
 */
import { createHttpClient, fetchPeerChain, isTlsErrorCode, probeTls } from '../../core/net/index.js';
import type { HttpClient } from '../../core/net/index.js';
import { isConformanceError } from '../../core/errors.js';
import type { TlsHandshakeResult, TlsProber, WfmExchange, WfmHandle, WfmRequest, WfmTarget } from './context.js';

/** Options of {@link createWfmHandle}. */
export interface WfmHandleOptions {
  /**
   * The trust anchors (one or more PEM certificates) the handle pins; the system store is then never used. Omitted
   * only for the bootstrap channel of a root CA downloaded over a channel the system store verified.
   */
  readonly caPem?: string;
  /** No certificate verification at all: only the `--insecure-bootstrap` channel. */
  readonly insecure?: boolean;
  readonly servername?: string;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
}

/**
 * True when a TLS error code says the served chain or leaf failed verification (an OpenSSL X509_V_ERR name such as
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, or Node's `ERR_TLS_CERT_ALTNAME_INVALID`), as opposed to a handshake that failed
 * before any certificate was judged (`ERR_SSL_…`: no common version or cipher, an alert).
 */
export function isChainVerificationCode(code: string | undefined): boolean {
  return code !== undefined && isTlsErrorCode(code) && !code.startsWith('ERR_SSL_');
}

/** One sentence for a TLS setup failure of the pinned channel, naming the OpenSSL code. */
export function describeTlsFailure(code: string, pinned: boolean): string {
  if (!isChainVerificationCode(code)) return `the TLS handshake failed: ${code}`;
  return pinned
    ? `the served TLS chain does not verify against the pinned root CA: ${code}`
    : `the served TLS chain does not verify against the system trust store: ${code}`;
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
    ...(opts.caPem === undefined ? {} : { caPem: opts.caPem }),
    ...(opts.insecure === true ? { insecure: true } : {}),
    minVersion: 'TLSv1.2',
    timeoutMs: opts.timeoutMs,
    ...(opts.servername === undefined ? {} : { servername: opts.servername }),
  });
  const pinned = opts.caPem !== undefined;
  return {
    send: (request, sendOpts) => sendOnce(client, request, sendOpts, opts.timeoutMs, pinned),
    close: () => client.close(),
  };
}

async function sendOnce(
  client: HttpClient,
  request: WfmRequest,
  opts: { readonly label: string; readonly signal: AbortSignal; readonly signatureBase?: string },
  timeoutMs: number,
  pinned: boolean,
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
    if (err.code !== 'TLS_SETUP_FAILED') return { ...base, transportError: { code, message: err.message } };
    const tls = { errorCode: code, errorMessage: err.message, authorized: false };
    return { ...base, transportError: { code, message: describeTlsFailure(code, pinned) }, tls };
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
