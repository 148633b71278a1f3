/**
 * @module Steps 1 and 2 of the seed's sequence: download the WFM's root CA through the Certificate API, then trust
 * exactly that CA (never the system store) for every later connection.
 *
 * @see seed page "Initial Trust Establishment"; spec-digest §2.2, §4.1, §5.3 #20–21, §6.6
 */
import type { Evidence } from '../core/check.js';
import { isConformanceError } from '../core/errors.js';
import { parseJsonLossless } from '../core/json.js';
import { probeTls } from '../core/net/index.js';
import { decodeCertificateField, derToPem, describeCertificate } from '../core/pki/index.js';
import type { CertificateEncoding } from '../core/pki/index.js';
import { routeUrl } from '../core/profiles/index.js';
import { failed, succeeded, withoutExchange } from './outcome.js';
import type { DeviceSession } from './session.js';
import type { StepOutcome } from './types.js';
import { routeSpec, sendWithRetry, urlFor } from './wire.js';

/** Encodings accepted in the Certificate API response per `certificate.encoding` (`auto` = both). */
function acceptedEncodings(session: DeviceSession): readonly CertificateEncoding[] {
  const configured = session.config.certificate.encoding;
  return configured === 'auto' ? ['base64-der', 'base64-pem'] : [configured];
}

function certificateUrl(session: DeviceSession): string {
  const spec = routeSpec(session, 'certificate');
  if (session.options.bootstrap !== 'plain-http-url') return urlFor(session, spec, {});
  // The WFM's opt-in plain-HTTP listener; default: the same host and prefix with the http scheme.
  const base = session.options.caUrl ?? session.options.wfmUrl.replace(/^https:/i, 'http:');
  return routeUrl(base, spec.path, {});
}

/** Reads the `certificate` member of a Certificate API body. Returns the string or a reason it is missing. */
function certificateMember(body: Buffer): { value: string } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(body.toString('utf8'));
  } catch (err) {
    if (isConformanceError(err, 'JSON_MALFORMED')) return { problem: err.message };
    throw err;
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['certificate'] : undefined;
  return typeof value === 'string' ? { value } : { problem: 'expected a JSON object with a string "certificate"' };
}

/**
 * Step 1: GET the Certificate API (unsigned) over the bootstrap channel (`insecure-tls`, or the plain-HTTP
 * listener), decode `certificate` per `certificate.encoding`, and keep the root CA as PEM. The bootstrap
 * connection is closed afterwards. Resolves to an outcome with the root CA as certificate evidence; fails with
 * UNEXPECTED_STATUS, RESPONSE_INVALID (not JSON, bad encoding, not X.509), or the transport error.
 */
export async function downloadCa(session: DeviceSession): Promise<StepOutcome> {
  const spec = routeSpec(session, 'certificate');
  const url = certificateUrl(session);
  session.log('download-ca', 'request', { detail: `${spec.method} ${url} (${session.options.bootstrap ?? 'insecure-tls'})` });
  const sent = await sendWithRetry(session, 'download-ca', {
    label: 'download-ca',
    method: spec.method,
    url,
    headers: { accept: 'application/json' },
    sign: false,
    faults: session.faults,
    channel: 'bootstrap',
  });
  const result = sent.last.result;
  if (result === undefined || !spec.successStatuses.includes(result.status)) {
    return failed(session, 'download-ca', sent, spec.successStatuses);
  }
  const member = certificateMember(result.body);
  if ('problem' in member) {
    return failed(session, 'download-ca', sent, spec.successStatuses, { code: 'RESPONSE_INVALID', message: member.problem });
  }
  try {
    const decoded = decodeCertificateField(member.value, acceptedEncodings(session));
    session.state.caPem = derToPem(decoded.der);
    const evidence: Evidence[] = [describeCertificate(decoded.x509, 'root CA (Certificate API)')];
    const detail = `root CA ${decoded.x509.subject.replace(/\n/g, ', ')} (${decoded.encoding})`;
    return succeeded(session, 'download-ca', sent, detail, evidence);
  } catch (err) {
    if (!isConformanceError(err, 'CERT_ENCODING_INVALID', 'CERT_PARSE_FAILED')) throw err;
    return failed(session, 'download-ca', sent, spec.successStatuses, {
      code: 'RESPONSE_INVALID',
      message: `${err.code}: ${err.message}`,
    });
  }
}

function hostPort(wfmUrl: string): { host: string; port: number; https: boolean } {
  const url = new URL(wfmUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const https = url.protocol === 'https:';
  return { host, port: url.port === '' ? (https ? 443 : 80) : Number(url.port), https };
}

/**
 * Step 2: pin the root CA. A TLS handshake against the WFM verifies its chain with exactly that CA as trust anchor
 * and `tls.minVersion`; on success the pinned client is ready for the signed requests. Fault `tls-verify-off`
 * skips verification (any certificate is trusted). Fails with CA_UNAVAILABLE (no CA yet), TARGET_URL_INVALID
 * (not https), TLS_SETUP_FAILED (`tlsCode`, e.g. SELF_SIGNED_CERT_IN_CHAIN) or TARGET_UNREACHABLE.
 * @see spec-digest §4.1 "Client verifies the server chain (server + intermediates) against that root"
 */
export async function pin(session: DeviceSession): Promise<StepOutcome> {
  if (session.faults.has('tls-verify-off')) {
    session.pinnedClient();
    session.log('pin-ca', 'skipped', { detail: 'fault tls-verify-off: the WFM certificate is not verified' });
    return { step: 'pin-ca', ok: true };
  }
  const caPem = session.state.caPem;
  if (caPem === undefined) {
    return withoutExchange(session, 'pin-ca', false, { code: 'CA_UNAVAILABLE', message: 'no root CA: download it first or pass it out of band' });
  }
  const { host, port, https } = hostPort(session.options.wfmUrl);
  if (!https) {
    return withoutExchange(session, 'pin-ca', false, { code: 'TARGET_URL_INVALID', message: `pinning needs an https WFM URL, got ${session.options.wfmUrl}` });
  }
  try {
    const tls = await probeTls({ host, port, caPem, minVersion: session.config.tls.minVersion, timeoutMs: session.timeoutMs });
    const evidence: Evidence[] = [{ kind: 'tls', label: 'pinned handshake', tls, host, port }];
    if (tls.errorCode !== undefined) {
      const message = `the WFM chain does not verify against the root CA: ${tls.errorMessage ?? tls.errorCode}`;
      return withoutExchange(session, 'pin-ca', false, { code: 'TLS_SETUP_FAILED', message, tlsCode: tls.errorCode }, evidence);
    }
    session.pinnedClient();
    session.log('pin-ca', 'ok', { detail: `${tls.protocol ?? '?'} ${tls.cipher ?? ''}, chain verified against the root CA only`.trim() });
    return { step: 'pin-ca', ok: true, evidence };
  } catch (err) {
    if (!isConformanceError(err, 'TARGET_UNREACHABLE')) throw err;
    return withoutExchange(session, 'pin-ca', false, { code: err.code, message: err.message });
  }
}
