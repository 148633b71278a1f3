/**
 * @module Before the `wfm` suite runs against `--target`: validate the URL, prove the target is reachable (one TLS
 * handshake, unverified, so a TLS pinning problem is left for the checks to judge), and obtain the root CA the suite
 * pins: out of band (`--ca`), or downloaded from the Certificate API over a channel verified by the system store,
 * or over unverified TLS with `--insecure-bootstrap` (stated in the report).
 *
 * @see seed "The device's management client obtains the WFM's root CA certificate either out-of-band or via the
 *   Certificate API over an existing trusted channel"; spec-digest §5.3 item 20
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import { createHttpClient, fetchPeerChain } from '../core/net/index.js';
import { derToPem, pemToDer, parseCertificate } from '../core/pki/index.js';
import type { Profile } from '../core/profiles/index.js';
import { routeUrl } from '../core/profiles/index.js';
import { decodeRootCaField } from '../suites/wfm/index.js';
import type { WfmTarget } from '../suites/wfm/index.js';

/** A target without its trust anchor yet. */
export type TargetAddress = Omit<WfmTarget, 'trustAnchorPem' | 'trustAnchorSource'>;

/**
 * Parses `--target`: an absolute `https` URL, optionally with a path prefix before `/api/v1`; no credentials, query
 * or fragment. Returns the base URL without a trailing slash, host (IPv6 without brackets), port (443 default) and
 * the name to verify.
 * @throws ConformanceError `TARGET_URL_INVALID` saying what is wrong
 */
export function parseTargetUrl(text: string): TargetAddress {
  if (!URL.canParse(text)) {
    throw new ConformanceError('TARGET_URL_INVALID', `--target must be an absolute https URL such as https://wfm.example or https://wfm.example/prefix (found '${text}')`);
  }
  const url = new URL(text);
  const problem =
    url.protocol !== 'https:'
      ? `the scheme must be https (found ${url.protocol.replace(/:$/, '')})`
      : url.username !== '' || url.password !== ''
        ? 'credentials in the URL are not allowed'
        : url.search !== '' || url.hash !== ''
          ? 'a query string or fragment is not allowed'
          : url.hostname === ''
            ? 'the host is missing'
            : undefined;
  if (problem !== undefined) throw new ConformanceError('TARGET_URL_INVALID', `--target ${text}: ${problem}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 443 : Number(url.port);
  const prefix = url.pathname.replace(/\/+$/, '');
  return { baseUrl: `https://${url.host}${prefix}`, host, port, servername: host };
}

/**
 * Reachability preflight: one TLS handshake without verification.
 * @throws ConformanceError `TARGET_UNREACHABLE` (TCP refused, DNS, timeout) or `TLS_SETUP_FAILED` (the handshake
 *   failed, e.g. the target closes every connection), each with one clear line
 */
export async function preflightTarget(target: TargetAddress, timeoutMs: number): Promise<void> {
  try {
    await fetchPeerChain({ host: target.host, port: target.port, servername: target.servername, timeoutMs });
  } catch (err) {
    if (isConformanceError(err, 'TARGET_UNREACHABLE')) {
      throw new ConformanceError('TARGET_UNREACHABLE', `target ${target.baseUrl} is unreachable (${String(err.details?.['code'] ?? err.message)})`, { cause: err });
    }
    if (isConformanceError(err, 'TLS_SETUP_FAILED')) {
      throw new ConformanceError('TLS_SETUP_FAILED', `target ${target.baseUrl} accepts TCP but no TLS handshake completes (${String(err.details?.['tlsCode'] ?? err.message)})`, { cause: err, details: err.details ?? {} });
    }
    throw err;
  }
}

/**
 * Reads `--ca FILE`: the first PEM certificate in the file.
 * @throws ConformanceError `CONFIG_FILE_UNREADABLE` or `CONFIG_INVALID` (no PEM certificate)
 */
export async function readCaFile(path: string, cwd: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new ConformanceError('CONFIG_FILE_UNREADABLE', `--ca ${path}: cannot read the file`, { cause: err });
  }
  try {
    const der = pemToDer(text);
    parseCertificate(der);
    return derToPem(der);
  } catch (err) {
    throw new ConformanceError('CONFIG_INVALID', `--ca ${path}: expected a PEM X.509 certificate (-----BEGIN CERTIFICATE-----)`, { cause: err });
  }
}

/**
 * Downloads the root CA from the Certificate API. `insecure` skips TLS verification; otherwise the system store
 * verifies the channel. Returns the CA as PEM.
 * @throws ConformanceError `CA_UNAVAILABLE` naming the flag to use (`--ca` or `--insecure-bootstrap`), or
 *   `TARGET_UNREACHABLE`
 */
export async function downloadRootCa(target: TargetAddress, profile: Profile, opts: { insecure: boolean; timeoutMs: number }): Promise<string> {
  const route = profile.routes.certificate;
  if (route === undefined) {
    throw new ConformanceError('CA_UNAVAILABLE', `profile ${profile.id} has no Certificate API; give the root CA with --ca FILE`);
  }
  const client = createHttpClient({ insecure: opts.insecure, timeoutMs: opts.timeoutMs });
  try {
    const res = await client.send({ method: route.method, url: routeUrl(target.baseUrl, route.path, {}), headers: { accept: 'application/json' } });
    if (!route.successStatuses.includes(res.status)) {
      throw new ConformanceError('CA_UNAVAILABLE', `the Certificate API answered ${res.status}; give the root CA with --ca FILE`);
    }
    const field = (JSON.parse(res.body.toString('utf8')) as { certificate?: unknown }).certificate;
    if (typeof field !== 'string') throw new ConformanceError('CA_UNAVAILABLE', 'the Certificate API body has no certificate string; give the root CA with --ca FILE');
    return decodeRootCaField(field).pem;
  } catch (err) {
    if (isConformanceError(err, 'TLS_SETUP_FAILED')) {
      throw new ConformanceError(
        'CA_UNAVAILABLE',
        `cannot download the root CA: the target's TLS certificate is not trusted by the system store (${String(err.details?.['tlsCode'] ?? '')}); ` +
          'give the root CA out of band with --ca FILE, or fetch it unverified with --insecure-bootstrap',
        { cause: err },
      );
    }
    if (err instanceof SyntaxError || isConformanceError(err, 'CERT_ENCODING_INVALID', 'CERT_PARSE_FAILED')) {
      throw new ConformanceError('CA_UNAVAILABLE', `the Certificate API did not return a readable root CA (${err.message}); give it with --ca FILE`, { cause: err });
    }
    throw err;
  } finally {
    await client.close();
  }
}
