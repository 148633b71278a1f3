/**
 * @module Writing a generated test PKI to a folder, for `pki generate --out DIR`. The one function in core/pki that
 * touches the file system; callers choose the folder (default `.margo/pki/`, which git ignores).
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDirectory } from '../fs-safe.js';
import type { IssuedCertificate } from './issue.js';
import type { KeyType } from './key-types.js';
import type { TestPki } from './test-pki.js';

const KEY_FILE_MODE = 0o600;

async function writeIssued(dir: string, cert: IssuedCertificate): Promise<void> {
  await writeFile(join(dir, `${cert.name}.crt.pem`), cert.certPem);
  await writeFile(join(dir, `${cert.name}.chain.pem`), cert.chainPem);
  const keyPath = join(dir, `${cert.name}.key.pem`);
  await writeFile(keyPath, cert.privateKeyPem, { mode: KEY_FILE_MODE });
  // `mode` applies only when the file is created; an overwritten key file keeps its old mode otherwise.
  await chmod(keyPath, KEY_FILE_MODE);
}

/**
 * Writes `pki` into `dir` (created with mode 0700 if missing): for each certificate `<name>.crt.pem`,
 * `<name>.chain.pem` and `<name>.key.pem` (mode 0600); each garbage value as `garbage-<name>.txt`; and
 * `manifest.json` (the {@link TestPki.manifest}). Overwrites existing files. A folder that cannot be created throws
 * ConformanceError `REPORT_WRITE_FAILED` (core/fs-safe.ts); errors writing the files propagate as thrown by node:fs
 * (the CLI maps them to REPORT_WRITE_FAILED).
 */
export async function writeTestPki<K extends KeyType>(pki: TestPki<K>, dir: string): Promise<void> {
  await ensureDirectory(dir, 0o700);
  const certs: IssuedCertificate[] = [
    pki.rootCa,
    ...(pki.intermediate === undefined ? [] : [pki.intermediate]),
    pki.server,
    ...Object.values<IssuedCertificate>(pki.clients),
    pki.unknownCa,
    ...Object.values<IssuedCertificate>(pki.bad),
  ];
  for (const cert of certs) await writeIssued(dir, cert);
  for (const [name, value] of Object.entries(pki.garbage)) {
    await writeFile(join(dir, `garbage-${name}.txt`), value);
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(pki.manifest, null, 2)}\n`);
}
