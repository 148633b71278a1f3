/**
 * @module Before the `wfm` suite runs against `--target`: validate the URL (messages name where it came from:
 * `--target`, `MARGO_TARGET=` or the config file), prove the target is reachable (one TLS handshake, unverified), and
 * obtain the root CA the suite pins: out of band (`--ca`, every certificate of the file a trust anchor, and the served
 * chain must verify against them: a wrong `--ca` is a TLS setup failure), or downloaded from the Certificate API over
 * a channel verified by the system store, or over unverified TLS with `--insecure-bootstrap` (stated in the report;
 * an advertised CA that does not verify the chain is then judged by the checks).
 *
 * @see seed "The device's management client obtains the WFM's root CA certificate either out-of-band or via the
 *   Certificate API over an existing trusted channel"; spec-digest §5.3 item 20
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import { createHttpClient, fetchPeerChain, probeTls } from '../core/net/index.js';
import { derToPem, parseCertificate, pemToDerList } from '../core/pki/index.js';
import type { Profile } from '../core/profiles/index.js';
import { routeUrl } from '../core/profiles/index.js';
import { decodeRootCaField, isChainVerificationCode } from '../suites/wfm/index.js';
import type { WfmTarget } from '../suites/wfm/index.js';

/** A target without its trust anchor yet. */
export type TargetAddress = Omit<WfmTarget, 'trustAnchorPem' | 'trustAnchorSource'>;

/**
 * Where a setting came from, so a message names what the user actually typed: the flag (`--target`), the
 * environment variable (`MARGO_TARGET`) or the config file key (`target` in margo.yaml).
 */
export interface ValueSource {
  readonly kind: 'flag' | 'env' | 'file';
  /** The flag, variable or dotted config key. */
  readonly name: string;
  /** The config file, for `file`. */
  readonly file?: string;
}

/** The default source of a target: the `--target` flag. */
export const TARGET_FLAG: ValueSource = { kind: 'flag', name: '--target' };

/** The source as a noun: `--target`, `MARGO_TARGET`, `target in margo.yaml`. */
export function sourceName(source: ValueSource): string {
  return source.kind === 'file' ? `${source.name} in ${source.file ?? 'the config file'}` : source.name;
}

/** The source with its value, as typed: `--target http://x`, `MARGO_TARGET=http://x`, `target: http://x in margo.yaml`. */
export function showValue(source: ValueSource, value: string): string {
  switch (source.kind) {
    case 'flag':
      return `${source.name} ${value}`;
    case 'env':
      return `${source.name}=${value}`;
    case 'file':
      return `${source.name}: ${value} in ${source.file ?? 'the config file'}`;
  }
}

/**
 * Parses a target URL: an absolute `https` URL, optionally with a path prefix before `/api/v1`; no credentials,
 * query or fragment. `source` names where it came from in messages (default `--target`). Returns the base URL
 * without a trailing slash, host (IPv6 without brackets), port (443 default) and the name to verify.
 * @throws ConformanceError `TARGET_URL_INVALID` saying what is wrong (an empty value included)
 */
export function parseTargetUrl(text: string, source: ValueSource = TARGET_FLAG): TargetAddress {
  if (text.trim() === '') {
    throw new ConformanceError(
      'TARGET_URL_INVALID',
      `${sourceName(source)} is empty: give the WFM base URL, e.g. https://wfm.example (to test the built-in mock WFM, leave the target unset)`,
    );
  }
  if (!URL.canParse(text)) {
    throw new ConformanceError('TARGET_URL_INVALID', `${sourceName(source)} must be an absolute https URL such as https://wfm.example or https://wfm.example/prefix (found '${text}')`);
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
  if (problem !== undefined) throw new ConformanceError('TARGET_URL_INVALID', `${showValue(source, text)}: ${problem}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 443 : Number(url.port);
  const prefix = url.pathname.replace(/\/+$/, '');
  return { baseUrl: `https://${url.host}${prefix}`, host, port, servername: host };
}

/** The leading path segments every route of the profile shares (`/api/v1`), or '' when they share none. */
function apiPrefixOf(profile: Profile): string {
  const split = Object.values(profile.routes).map((r) => (r?.path ?? '').split('/').filter((seg) => seg !== ''));
  const first = split[0] ?? [];
  let n = 0;
  while (n < first.length && !first[n]!.includes('{') && split.every((segs) => segs[n] === first[n])) n += 1;
  return n === 0 ? '' : `/${first.slice(0, n).join('/')}`;
}

/**
 * A one-line hint when the target's path already ends in the profile's API prefix (`https://host/api/v1`): the
 * suite appends `/api/v1/…` itself, so every route would get it twice. Returns undefined when the path is fine.
 * @see spec-digest §6.2 (base URL with an optional path prefix before /api/v1)
 */
export function apiPrefixHint(address: TargetAddress, profile: Profile, source: ValueSource = TARGET_FLAG): string | undefined {
  const prefix = apiPrefixOf(profile);
  const url = new URL(address.baseUrl);
  if (prefix === '' || !url.pathname.toLowerCase().endsWith(prefix.toLowerCase())) return undefined;
  const meant = `${url.origin}${url.pathname.slice(0, url.pathname.length - prefix.length)}`;
  return `${showValue(source, address.baseUrl)} ends in ${prefix}: the base URL must not include ${prefix} (the suite adds ${prefix}/… to every route); did you mean ${meant}?`;
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

/** The trust anchors of a `--ca` file: every certificate in it, as one PEM bundle. */
export interface CaBundle {
  /** Every certificate of the file, re-encoded as PEM and concatenated (Node takes each as a trust anchor). */
  readonly pem: string;
  readonly count: number;
}

/**
 * Reads `--ca FILE`: every PEM certificate in the file is a trust anchor (a CA bundle is allowed).
 * @throws ConformanceError `CONFIG_FILE_UNREADABLE` or `CONFIG_INVALID` (no PEM certificate, or one that does not parse)
 */
export async function readCaBundle(path: string, cwd: string, source: ValueSource = { kind: 'flag', name: '--ca' }): Promise<CaBundle> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (err) {
    throw new ConformanceError('CONFIG_FILE_UNREADABLE', `${showValue(source, path)}: cannot read the file`, { cause: err });
  }
  let ders: Uint8Array[];
  try {
    ders = pemToDerList(text);
  } catch (err) {
    throw new ConformanceError('CONFIG_INVALID', `${showValue(source, path)}: expected a PEM X.509 certificate (-----BEGIN CERTIFICATE-----)`, { cause: err });
  }
  for (const [i, der] of ders.entries()) {
    try {
      parseCertificate(der);
    } catch (err) {
      throw new ConformanceError('CONFIG_INVALID', `${showValue(source, path)}: certificate #${i + 1} of ${ders.length} is not a valid X.509 certificate`, { cause: err });
    }
  }
  return { pem: ders.map((der) => derToPem(der)).join(''), count: ders.length };
}

/**
 * Reads `--ca FILE` as PEM: every certificate in the file (see {@link readCaBundle}).
 * @throws ConformanceError `CONFIG_FILE_UNREADABLE` or `CONFIG_INVALID`
 */
export async function readCaFile(path: string, cwd: string, source?: ValueSource): Promise<string> {
  return (await readCaBundle(path, cwd, source)).pem;
}

/**
 * Proves that the chain the target serves verifies against the out-of-band root CA(s) before any check runs: a wrong
 * `--ca` is a TLS setup problem of the run, stated in one line, not a wall of inconclusive verdicts. Failures that are
 * not about the chain (no common protocol version, a reset) are left to the checks.
 * @throws ConformanceError `TLS_SETUP_FAILED` (`details.tlsCode`) naming the URL, the file and the OpenSSL code;
 *   `TARGET_UNREACHABLE` when TCP does not connect
 */
export async function verifyOutOfBandCa(
  target: TargetAddress,
  ca: CaBundle,
  file: string,
  timeoutMs: number,
): Promise<void> {
  const facts = await probeTls({ host: target.host, port: target.port, servername: target.servername, caPem: ca.pem, minVersion: 'TLSv1.2', timeoutMs });
  const code = facts.errorCode;
  if (code === undefined || !isChainVerificationCode(code)) return;
  const anchors = ca.count === 1 ? `the root CA in ${file}` : `any of the ${ca.count} root CAs in ${file}`;
  const message =
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? `the TLS certificate of ${target.baseUrl} is not valid for host ${target.servername} (${code})`
      : `the TLS chain of ${target.baseUrl} does not verify against ${anchors} (${code})`;
  throw new ConformanceError('TLS_SETUP_FAILED', message, { details: { tlsCode: code, target: target.baseUrl } });
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
