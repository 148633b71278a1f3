/**
 * @module The on-disk form of the mock's `--data-dir/state.json` snapshot and its structural check: a file that
 * parses as JSON but is not a snapshot (or lost a member) is refused as CONFIG_INVALID naming the member.
 */
import { createShapeReader, type ShapeReader } from './persisted-shape.js';
import type { ClientRecord, PendingOnboarding, StoredReport } from './state.js';

/** The `format` member every snapshot carries. */
export const STATE_FORMAT = 'margo-mock-state/1';

/** One onboarded client in the snapshot. */
export interface PersistedClient {
  readonly clientId: string;
  readonly certificateBase64: string;
  readonly encoding: ClientRecord['certificateEncoding'];
  readonly onboardedAt: string;
  readonly revokedAt?: string;
  /** Decimal string: a u64 does not fit a JSON number exactly. */
  readonly manifestVersion: string;
  readonly deployments: readonly string[];
  readonly capabilities: readonly (readonly [string, StoredReport])[];
  readonly statuses: readonly (readonly [string, StoredReport])[];
}

/** One pending onboarding in the snapshot (the certificate as base64 DER). */
export interface PersistedPending extends Omit<PendingOnboarding, 'certDer'> {
  readonly certificateBase64: string;
}

/** The whole snapshot. */
export interface PersistedState {
  readonly format: typeof STATE_FORMAT;
  readonly clients: readonly PersistedClient[];
  readonly pending: readonly PersistedPending[];
  readonly allowedFingerprints: readonly string[];
  readonly rejectedFingerprints: readonly string[];
  readonly trustedIssuerPems: readonly string[];
  readonly uploads: readonly (readonly [string, string])[];
}

const ENCODINGS = ['base64-der', 'base64-pem', 'undecodable'] as const;
const PENDING_STATES = ['pending', 'approved', 'rejected'] as const;

function report(r: ShapeReader, value: unknown, where: string): StoredReport {
  const o = r.object(value, where);
  if (!('body' in o)) throw r.invalid(where, 'missing body');
  return { body: o['body'], receivedAt: r.string(o, 'receivedAt', where) };
}

function client(r: ShapeReader, value: unknown, where: string): PersistedClient {
  const o = r.object(value, where);
  const revokedAt = r.optionalString(o, 'revokedAt', where);
  const manifestVersion = r.string(o, 'manifestVersion', where);
  if (!/^\d{1,20}$/.test(manifestVersion)) throw r.invalid(`${where}.manifestVersion`, 'expected a decimal string');
  return {
    clientId: r.string(o, 'clientId', where),
    certificateBase64: r.string(o, 'certificateBase64', where),
    encoding: r.oneOf(o, 'encoding', where, ENCODINGS),
    onboardedAt: r.string(o, 'onboardedAt', where),
    ...(revokedAt === undefined ? {} : { revokedAt }),
    manifestVersion,
    deployments: r.stringArray(o, 'deployments', where),
    capabilities: r.pairs(o, 'capabilities', where, (v, at) => report(r, v, at)),
    statuses: r.pairs(o, 'statuses', where, (v, at) => report(r, v, at)),
  };
}

function pending(r: ShapeReader, value: unknown, where: string): PersistedPending {
  const o = r.object(value, where);
  return {
    id: r.string(o, 'id', where),
    fingerprint256: r.string(o, 'fingerprint256', where),
    certificateBase64: r.string(o, 'certificateBase64', where),
    subject: r.string(o, 'subject', where),
    issuer: r.string(o, 'issuer', where),
    firstSeenAt: r.string(o, 'firstSeenAt', where),
    lastSeenAt: r.string(o, 'lastSeenAt', where),
    attempts: r.wholeNumber(o, 'attempts', where),
    state: r.oneOf(o, 'state', where, PENDING_STATES),
  };
}

/**
 * Checks the parsed JSON of `file` member by member.
 * @returns the snapshot, typed
 * @throws ConformanceError `CONFIG_INVALID` naming `file` and the first bad member (`clients[0].clientId`)
 */
export function readPersistedState(file: string, value: unknown): PersistedState {
  const r = createShapeReader(file);
  const top = r.object(value, '');
  if (top['format'] !== STATE_FORMAT) throw r.invalid('format', `expected ${STATE_FORMAT} (not a mock state snapshot)`);
  return {
    format: STATE_FORMAT,
    clients: r.array(top, 'clients', '').map((v, i) => client(r, v, `clients[${i}]`)),
    pending: r.array(top, 'pending', '').map((v, i) => pending(r, v, `pending[${i}]`)),
    allowedFingerprints: r.stringArray(top, 'allowedFingerprints', ''),
    rejectedFingerprints: r.stringArray(top, 'rejectedFingerprints', ''),
    trustedIssuerPems: r.stringArray(top, 'trustedIssuerPems', ''),
    uploads: r.pairs(top, 'uploads', '', (v, at) => {
      if (typeof v !== 'string') throw r.invalid(at, 'expected a PEM string');
      return v;
    }),
  };
}
