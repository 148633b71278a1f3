/**
 * @module Sockets: the only code in core/ that opens connections. HTTPS client, TLS probe, and the classification of
 * transport failures into TLS_SETUP_FAILED / TARGET_UNREACHABLE.
 */
export { createHttpClient } from './https-client.js';
export type { HttpClient, HttpRequestSpec, HttpResult, TrustOptions } from './https-client.js';
export { readTlsFacts } from './tls-facts.js';
export { fetchPeerChain, probeTls, verifyChainAgainstRoot } from './tls-probe.js';
export type { ChainVerdict, ProbeTlsOptions } from './tls-probe.js';
export { classifyTransportError, isTlsErrorCode, toTransportError } from './transport-errors.js';
export type { TransportFailure, TransportFailureKind } from './transport-errors.js';
