/**
 * @module `--data-dir` persistence of the mock's state: a JSON snapshot (`state.json`) replaced atomically
 * (`atomic-file.ts`). The onboarding handler awaits the save BEFORE it sends 201, so after a kill -9 a restarted
 * mock knows every client whose 201 was received. Scenario faults and the traffic recording are not persisted.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import { parseCertificate, sha256Hex } from '../core/pki/index.js';
import { createSnapshotWriter, type SnapshotWriter } from './atomic-file.js';
import { parseDeploymentYaml } from './desired-state.js';
import { readPersistedState, STATE_FORMAT, type PersistedClient, type PersistedState } from './persistence-shape.js';
import type { ClientRecord, MockState } from './state.js';

const STATE_FILE = 'state.json';

function clientToJson(c: ClientRecord): PersistedClient {
  return {
    clientId: c.clientId,
    certificateBase64: c.certDer.toString('base64'),
    encoding: c.certificateEncoding,
    onboardedAt: c.onboardedAt,
    ...(c.revokedAt === undefined ? {} : { revokedAt: c.revokedAt }),
    manifestVersion: c.manifestVersion.toString(),
    deployments: [...c.deployments.values()].map((d) => d.yaml),
    capabilities: [...c.capabilities.entries()],
    statuses: [...c.statuses.entries()],
  };
}

/** The JSON snapshot text of `state`. */
export function serialiseState(state: MockState): string {
  const snapshot: PersistedState = {
    format: STATE_FORMAT,
    clients: [...state.clients.values()].map(clientToJson),
    pending: [...state.pending.values()].map(({ certDer, ...rest }) => ({ ...rest, certificateBase64: certDer.toString('base64') })),
    allowedFingerprints: [...state.allowedFingerprints],
    rejectedFingerprints: [...state.rejectedFingerprints],
    trustedIssuerPems: [...state.trustedIssuerPems],
    uploads: [...state.uploads.entries()],
  };
  return JSON.stringify(snapshot);
}

function clientFromJson(p: PersistedClient): ClientRecord {
  const certDer = Buffer.from(p.certificateBase64, 'base64');
  const x509 = p.encoding === 'undecodable' ? undefined : parseCertificate(certDer);
  return {
    clientId: p.clientId,
    certDer,
    ...(x509 === undefined ? {} : { x509, publicKey: x509.publicKey }),
    fingerprint256: sha256Hex(certDer),
    certificateEncoding: p.encoding,
    onboardedAt: p.onboardedAt,
    ...(p.revokedAt === undefined ? {} : { revokedAt: p.revokedAt }),
    capabilities: new Map(p.capabilities),
    statuses: new Map(p.statuses),
    deployments: new Map(p.deployments.map((yaml) => {
      const doc = parseDeploymentYaml(yaml);
      return [doc.deploymentId, doc] as const;
    })),
    manifestVersion: BigInt(p.manifestVersion),
  };
}

/**
 * Loads `dataDir/state.json` into `state` (which must be empty). A missing file leaves `state` empty.
 * Trusted issuer certificates are re-parsed.
 * @throws ConformanceError `CONFIG_INVALID` when the file is unreadable or not a mock state snapshot
 */
export async function loadState(dataDir: string, state: MockState): Promise<boolean> {
  const file = join(dataDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ConformanceError('CONFIG_INVALID', `cannot read ${file}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConformanceError('CONFIG_INVALID', `${file} is not valid JSON`, { cause: err });
  }
  const parsed = readPersistedState(file, json);
  for (const [i, p] of parsed.clients.entries()) {
    const client = clientFromStored(file, i, p);
    state.clients.set(client.clientId, client);
    state.clientByFingerprint.set(client.fingerprint256, client.clientId);
  }
  for (const p of parsed.pending) {
    const { certificateBase64, ...rest } = p;
    state.pending.set(p.fingerprint256, { ...rest, certDer: Buffer.from(certificateBase64, 'base64') });
  }
  for (const fp of parsed.allowedFingerprints) state.allowedFingerprints.add(fp);
  for (const fp of parsed.rejectedFingerprints) state.rejectedFingerprints.add(fp);
  for (const [fp, pem] of parsed.uploads) state.uploads.set(fp, pem);
  for (const pem of parsed.trustedIssuerPems) if (!state.trustedIssuerPems.includes(pem)) state.trustedIssuerPems.push(pem);
  return true;
}

/** A stored client whose certificate or deployments no longer parse is refused, naming the file and the entry. */
function clientFromStored(file: string, index: number, p: PersistedClient): ClientRecord {
  try {
    return clientFromJson(p);
  } catch (err) {
    if (!isConformanceError(err)) throw err;
    throw new ConformanceError('CONFIG_INVALID', `${file}: clients[${index}]: ${err.code}: ${err.message}`, { cause: err });
  }
}

/** A writer that saves `state` to `dataDir/state.json`. */
export function createStateWriter(dataDir: string, state: MockState): SnapshotWriter {
  return createSnapshotWriter(join(dataDir, STATE_FILE), () => serialiseState(state));
}
