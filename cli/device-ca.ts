/**
 * @module The persistent device CA. The `wfm` suite issues its device certificates under this CA; a WFM under
 * test (and the mock WFM by default) must trust it, so it lives on disk between runs, in an ignored folder
 * (default `.margo/pki/`). The private key is written with mode 0600 and never leaves that folder.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConformanceError } from '../core/errors.js';
import { ensureDirectory } from '../core/fs-safe.js';
import { createRootCa, issuedFromPem, type IssuedCertificate } from '../core/pki/index.js';

/** Default folder of the device CA, relative to the working directory. */
export const DEFAULT_DEVICE_CA_DIR = '.margo/pki';
const CERT_FILE = 'device-ca.pem';
const KEY_FILE = 'device-ca.key';

function toIssued(certPem: string, keyPem: string): IssuedCertificate {
  return issuedFromPem({ name: 'device-ca', certPem, privateKeyPem: keyPem });
}

/** Paths of the device CA files inside `dir`. */
export function deviceCaPaths(dir: string, cwd: string): { dir: string; cert: string; key: string } {
  const full = resolve(cwd, dir);
  return { dir: full, cert: join(full, CERT_FILE), key: join(full, KEY_FILE) };
}

/**
 * Loads the device CA from `dir`, or creates it (EC P-256, valid 10 years) when the folder holds neither file.
 * A CA whose validity has ended is replaced. When only one of `device-ca.pem` / `device-ca.key` is there, nothing is
 * generated: a new pair would overwrite a key or replace a certificate a WFM under test already trusts.
 * @returns the CA with its private key
 * @throws ConformanceError USAGE for an empty `dir`; CONFIG_INVALID when the files cannot be parsed or only one of
 *   them exists (the message names the missing file and how to fix it); CONFIG_FILE_UNREADABLE; REPORT_WRITE_FAILED
 *   when the folder cannot be created
 */
export async function ensureDeviceCa(dir: string, cwd: string, now: Date): Promise<IssuedCertificate> {
  // resolve('') is the working directory: an empty --device-ca-dir would drop a private key there.
  if (dir.trim() === '') throw new ConformanceError('USAGE', '--device-ca-dir needs a non-empty folder path');
  const paths = deviceCaPaths(dir, cwd);
  const existing = await readPair(paths.cert, paths.key);
  if (existing.certPem !== undefined && existing.keyPem !== undefined) {
    try {
      const ca = toIssued(existing.certPem, existing.keyPem);
      if (new Date(ca.x509.validTo).getTime() > now.getTime()) return ca;
    } catch (err) {
      throw new ConformanceError('CONFIG_INVALID', `device CA in ${paths.dir} is unreadable; delete the folder to regenerate it`, {
        cause: err,
      });
    }
  } else if (existing.certPem !== undefined || existing.keyPem !== undefined) {
    throw halfPair(paths, existing.certPem === undefined ? paths.cert : paths.key);
  }
  const ca = await createRootCa({ commonName: 'Margo Conformance Device CA', name: 'device-ca', now, validityDays: 3650 });
  await ensureDirectory(paths.dir, 0o700);
  await writeFile(paths.key, ca.privateKeyPem, { mode: 0o600 });
  await chmod(paths.key, 0o600);
  await writeFile(paths.cert, ca.certPem);
  return ca;
}

function halfPair(paths: { dir: string }, missing: string): ConformanceError {
  return new ConformanceError(
    'CONFIG_INVALID',
    `device CA in ${paths.dir} is incomplete: ${missing} is missing; restore it, or delete the folder ${paths.dir} to ` +
      'generate a new device CA (a WFM under test must then trust the new device-ca.pem)',
    { details: { dir: paths.dir, missing } },
  );
}

async function readPair(certPath: string, keyPath: string): Promise<{ certPem?: string; keyPem?: string }> {
  const read = (p: string): Promise<string | undefined> =>
    readFile(p, 'utf8').then(
      (t) => t,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw new ConformanceError('CONFIG_FILE_UNREADABLE', `cannot read ${p}`, { cause: err });
      },
    );
  const [certPem, keyPem] = await Promise.all([read(certPath), read(keyPath)]);
  return { ...(certPem === undefined ? {} : { certPem }), ...(keyPem === undefined ? {} : { keyPem }) };
}
