/**
 * @module Input checks of the `device` command: the WFM base URL (HTTPS only, no credentials, query or fragment),
 * the opt-in plain-HTTP root CA URL, and root CA files (must hold a PEM certificate). Every failure is a usage
 * error (exit 2) whose message never repeats credentials.
 */
import { readFile } from 'node:fs/promises';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import { parseCertificate, parsePemBlocks } from '../core/pki/index.js';

/** A URL as it may be shown: userinfo is cut out, and the text is shortened. Works on text that is not a URL. */
export function redactUrl(text: string): string {
  const cut = text.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
  return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
}

function parseUrl(text: string, source: string): URL {
  if (!URL.canParse(text)) throw new ConformanceError('TARGET_URL_INVALID', `${source} ${redactUrl(text)}: not a URL; expected https://host[:port][/prefix]`);
  const url = new URL(text);
  if (url.username !== '' || url.password !== '') {
    throw new ConformanceError('TARGET_URL_INVALID', `${source} ${redactUrl(text)}: credentials in the URL are not supported (the device authenticates with its certificate)`);
  }
  if (url.search !== '' || url.hash !== '' || text.includes('?') || text.includes('#')) {
    throw new ConformanceError('TARGET_URL_INVALID', `${source} ${redactUrl(text)}: no query or fragment allowed; expected https://host[:port][/prefix]`);
  }
  return url;
}

/**
 * Checks the WFM base URL: `https://host[:port][/prefix]`. Plain HTTP is refused: every API path is HTTPS only
 * (only the root CA download may use an opt-in plain-HTTP listener, see {@link checkCaUrl}).
 * @param source how the user gave it (`--wfm`, `MARGO_WFM_URL`), for the message
 * @returns the URL text as given
 * @throws ConformanceError `TARGET_URL_INVALID` (exit 2); the message never contains userinfo
 * @see spec-digest §4.1 (TLS for every API call after the CA download)
 */
export function checkWfmUrl(text: string, source: string): string {
  const url = parseUrl(text, source);
  if (url.protocol !== 'https:') {
    throw new ConformanceError(
      'TARGET_URL_INVALID',
      `${source} ${redactUrl(text)}: expected an https:// URL; the Margo API is HTTPS only (a plain-HTTP listener may serve the root CA download alone, as an explicit opt-in)`,
    );
  }
  return text;
}

/**
 * Checks the opt-in root CA URL of the plain-HTTP bootstrap (`http://` or `https://`, no credentials, query or
 * fragment). @returns the URL text @throws ConformanceError `TARGET_URL_INVALID`
 */
export function checkCaUrl(text: string, source: string): string {
  const url = parseUrl(text, source);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConformanceError('TARGET_URL_INVALID', `${source} ${redactUrl(text)}: expected an http:// or https:// URL`);
  }
  return text;
}

/**
 * Reads a root CA file provisioned out of band and checks it holds at least one PEM certificate that parses
 * (a private key, or any other text, is refused).
 * @param source how the user named it (`--ca`, `MARGO_CA_FILE`)
 * @returns the file's PEM text
 * @throws ConformanceError `CONFIG_FILE_UNREADABLE` (cannot read), `CONFIG_INVALID` (not a PEM certificate)
 */
export async function readCaPemFile(path: string, source: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConformanceError('CONFIG_FILE_UNREADABLE', `${source} ${path}: cannot read the root CA file`, { cause: err });
  }
  const notPem = (cause?: unknown): ConformanceError =>
    new ConformanceError('CONFIG_INVALID', `${source} ${path}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`, cause === undefined ? {} : { cause });
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw notPem();
  try {
    const certs = parsePemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
    for (const block of certs) parseCertificate(block.der);
  } catch (err) {
    if (!isConformanceError(err)) throw err;
    throw notPem(err);
  }
  return text;
}
