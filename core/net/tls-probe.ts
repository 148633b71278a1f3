/**
 * @module TLS probes: one handshake to learn what a server negotiates or why verification fails, and fetching the
 * chain a server presents so it can be judged against an advertised root CA.
 *
 * @see spec-digest §4.1 (TLS 1.3 minimum, root CA trust), §5.1 items 4–5, §6.20 (`tls.minVersion`)
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import {
  checkServerIdentity,
  connect,
  type ConnectionOptions,
  type PeerCertificate,
  type SecureVersion,
  type TLSSocket,
} from 'node:tls';
import type { TlsFacts } from '../check.js';
import { ConformanceError } from '../errors.js';
import { readTlsFacts } from './tls-facts.js';

export { verifyChainAgainstRoot } from '../pki/verify-chain.js';
export type { ChainVerdict } from '../pki/verify-chain.js';

/** Outcome of one dial: a completed handshake, or the error the handshake ended with after TCP connected. */
type DialOutcome = { readonly socket: TLSSocket } | { readonly handshakeError: { code: string; message: string } };

function targetOf(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function unreachable(host: string, port: number, code: string, cause?: unknown): ConformanceError {
  return new ConformanceError('TARGET_UNREACHABLE', `${targetOf(host, port)} is unreachable: ${code}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { code, target: targetOf(host, port) },
  });
}

/**
 * Opens a TLS connection and waits for the handshake. Resolves with the socket (caller ends it) or with the handshake
 * error; rejects with TARGET_UNREACHABLE when TCP does not connect within `timeoutMs`.
 */
function dialTls(host: string, port: number, options: ConnectionOptions, timeoutMs: number): Promise<DialOutcome> {
  return new Promise((resolve, reject) => {
    let tcpConnected = false;
    const socket = connect({ ...options, host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      const message = `handshake not completed within ${timeoutMs} ms`;
      if (tcpConnected) resolve({ handshakeError: { code: 'ETIMEDOUT', message } });
      else reject(unreachable(host, port, 'ETIMEDOUT'));
    }, timeoutMs);
    socket.once('connect', () => {
      tcpConnected = true;
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({ socket });
    });
    socket.once('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      const code = err.code ?? 'UNKNOWN';
      if (tcpConnected) resolve({ handshakeError: { code, message: err.message } });
      else reject(unreachable(host, port, code, err));
    });
  });
}

function caList(caPem: string | readonly string[] | undefined): { ca?: string[] } {
  if (caPem === undefined) return {};
  return { ca: typeof caPem === 'string' ? [caPem] : [...caPem] };
}

/** Options of {@link probeTls}. */
export interface ProbeTlsOptions {
  readonly host: string;
  readonly port: number;
  /** SNI and host-check name; default `host`. SNI is not sent for IP addresses (RFC 6066 §3). */
  readonly servername?: string;
  /** Pinned root CAs; omitted → Node's system store. */
  readonly caPem?: string | readonly string[];
  readonly minVersion?: SecureVersion;
  readonly maxVersion?: SecureVersion;
  readonly timeoutMs: number;
}

/**
 * Performs one verified TLS handshake. Resolves to {@link TlsFacts}: `protocol`, `cipher` and `authorized: true` on
 * success; `errorCode` (`CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, `ERR_SSL_…`, `ECONNRESET`, `ETIMEDOUT`)
 * and `errorMessage` with `authorized: false` when the handshake fails. Never throws for handshake failures; throws
 * TARGET_UNREACHABLE only when TCP cannot connect.
 */
export async function probeTls(opts: ProbeTlsOptions): Promise<TlsFacts> {
  const identity = opts.servername ?? opts.host;
  const outcome = await dialTls(
    opts.host,
    opts.port,
    {
      ...caList(opts.caPem),
      ...(isIP(identity) === 0 ? { servername: identity } : {}),
      ...(opts.minVersion === undefined ? {} : { minVersion: opts.minVersion }),
      ...(opts.maxVersion === undefined ? {} : { maxVersion: opts.maxVersion }),
      rejectUnauthorized: true,
      // The identity is checked against the configured name even when dialling an IP address.
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(identity, cert),
    },
    opts.timeoutMs,
  );
  if ('handshakeError' in outcome) {
    return { errorCode: outcome.handshakeError.code, errorMessage: outcome.handshakeError.message, authorized: false };
  }
  const facts = readTlsFacts(outcome.socket);
  outcome.socket.end();
  return facts;
}

function presentedChain(socket: TLSSocket): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  const seen = new Set<string>();
  let current: PeerCertificate | undefined = socket.getPeerCertificate(true);
  while (current?.raw !== undefined && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    certificates.push(new X509Certificate(current.raw));
    current = (current as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
  }
  return certificates;
}

/**
 * Fetches the chain a TLS server presents, without verifying it (rejectUnauthorized false, no trust anchors at all,
 * so nothing from a local store is added). Resolves to `certificates`, leaf first then issuers in chain order as Node
 * links them from the presented certificates (presented certificates that issue nothing in the chain are not
 * listed), and `tls` (protocol and cipher). Throws TARGET_UNREACHABLE when TCP cannot connect and TLS_SETUP_FAILED
 * (`details.tlsCode`) when the handshake fails anyway (for example no common protocol version).
 */
export async function fetchPeerChain(opts: {
  readonly host: string;
  readonly port: number;
  readonly servername?: string;
  readonly timeoutMs: number;
}): Promise<{ certificates: X509Certificate[]; tls: TlsFacts }> {
  const identity = opts.servername ?? opts.host;
  const outcome = await dialTls(
    opts.host,
    opts.port,
    { ca: [], rejectUnauthorized: false, ...(isIP(identity) === 0 ? { servername: identity } : {}) },
    opts.timeoutMs,
  );
  if ('handshakeError' in outcome) {
    const { code, message } = outcome.handshakeError;
    throw new ConformanceError('TLS_SETUP_FAILED', `TLS handshake with ${targetOf(opts.host, opts.port)} failed: ${code}`, {
      details: { tlsCode: code, message, target: targetOf(opts.host, opts.port) },
    });
  }
  const certificates = presentedChain(outcome.socket);
  const { protocol, cipher } = readTlsFacts(outcome.socket);
  outcome.socket.end();
  return { certificates, tls: { protocol, cipher } };
}
