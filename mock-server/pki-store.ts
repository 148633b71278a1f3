/**
 * @module The mock WFM's own PKI: a root CA and the TLS server leaf it issued (the root CA is what the Certificate
 * API returns), generated at start with core/pki, or reloaded from `--data-dir` so that devices which pinned the
 * root CA keep trusting the mock after a restart. Also the "other" CAs of faults: an unrelated CA for
 * `ca-not-issuer`, and an imposter chain for the `imposter-tls-after-ca-download` scenario fault.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import {
  createRootCa,
  issuedFromPem,
  DEFAULT_SERVER_HOSTS,
  issueServerLeaf,
  KEY_TYPES,
  type IssuedCertificate,
  type KeyType,
} from '../core/pki/index.js';
import { writeFileAtomic } from './atomic-file.js';
import { createShapeReader, type ShapeReader } from './persisted-shape.js';

/** The genuine PKI of a mock instance. */
export interface MockPki {
  readonly rootCa: IssuedCertificate;
  readonly server: IssuedCertificate;
}

interface StoredCertificate {
  readonly name: string;
  readonly keyType: KeyType;
  readonly certPem: string;
  readonly chainPem: string;
  readonly privateKeyPem: string;
}

const PKI_FILE = 'pki.json';

function toStored(cert: IssuedCertificate): StoredCertificate {
  return { name: cert.name, keyType: cert.keyType, certPem: cert.certPem, chainPem: cert.chainPem, privateKeyPem: cert.privateKeyPem };
}

/** Server identities for the leaf: localhost and loopback, plus `extraHosts` (wildcard addresses are skipped). */
export function serverHosts(extraHosts: readonly string[]): string[] {
  const hosts = [...DEFAULT_SERVER_HOSTS];
  for (const h of extraHosts) if (h !== '' && h !== '0.0.0.0' && h !== '::' && !hosts.includes(h)) hosts.push(h);
  return hosts;
}

/** Generates a fresh root CA and a server leaf it issues. `label` goes into the CA's common name. */
export async function generateMockPki(hosts: readonly string[], label = 'Margo Mock WFM Root CA'): Promise<MockPki> {
  const rootCa = await createRootCa({ commonName: label, name: 'mock-root-ca' });
  const server = await issueServerLeaf(rootCa, { hosts, name: 'mock-server' });
  return { rootCa, server };
}

/**
 * The PKI for a mock instance: `given` when passed; else the one stored in `dataDir/pki.json`; else a fresh one
 * (written to `dataDir/pki.json` with mode 0600 when `dataDir` is set, before the server starts).
 * @throws ConformanceError `CONFIG_INVALID` when the stored file cannot be parsed
 */
export async function loadOrCreatePki(opts: {
  readonly given?: MockPki;
  readonly dataDir?: string;
  readonly hosts: readonly string[];
}): Promise<MockPki> {
  if (opts.given !== undefined) return opts.given;
  if (opts.dataDir === undefined) return generateMockPki(opts.hosts);
  const file = join(opts.dataDir, PKI_FILE);
  const stored = await readStored(file);
  if (stored !== undefined) return stored;
  const pki = await generateMockPki(opts.hosts);
  await writeFileAtomic(file, JSON.stringify({ rootCa: toStored(pki.rootCa), server: toStored(pki.server) }, null, 2));
  return pki;
}

async function readStored(file: string): Promise<MockPki | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConformanceError('CONFIG_INVALID', `cannot read ${file}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConformanceError('CONFIG_INVALID', `${file} is not valid JSON (not a mock PKI file)`, { cause: err });
  }
  const r = createShapeReader(file);
  const top = r.object(parsed, '');
  const stored = { rootCa: storedAt(r, top, 'rootCa'), server: storedAt(r, top, 'server') };
  return { rootCa: issuedAt(r, stored.rootCa, 'rootCa'), server: issuedAt(r, stored.server, 'server') };
}

/** The stored certificate at `top[key]`, every member checked. @throws ConformanceError CONFIG_INVALID */
function storedAt(r: ShapeReader, top: Record<string, unknown>, key: string): StoredCertificate {
  const o = r.object(top[key], key);
  return {
    certPem: r.string(o, 'certPem', key),
    privateKeyPem: r.string(o, 'privateKeyPem', key),
    chainPem: r.string(o, 'chainPem', key),
    name: r.string(o, 'name', key),
    keyType: r.oneOf(o, 'keyType', key, KEY_TYPES),
  };
}

function issuedAt(r: ShapeReader, stored: StoredCertificate, where: string): IssuedCertificate {
  try {
    return issuedFromPem(stored);
  } catch (err) {
    if (!isConformanceError(err)) throw err;
    throw r.invalid(where, `${err.code}: ${err.message}`, err);
  }
}
