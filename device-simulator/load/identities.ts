/**
 * @module The identity pool of a load run: one key pair and client certificate per simulated device, issued under the
 * persistent device CA before the measured window opens (key generation is not what a load test measures).
 *
 * The deviceId and certificate subject derive from the fleet index alone, so shards never issue the same identity.
 * Keys are fresh per run: a WFM that keeps state between runs then sees new certificates, not a replay of old ones.
 */
import { createPrivateKey } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ConformanceError } from '../../core/errors.js';
import { issueClientLeaf, parseCertificate, pemToDer, sha256Hex, spkiSha256Hex } from '../../core/pki/index.js';
import type { IssuedCertificate, KeyType } from '../../core/pki/index.js';
import { deviceIdFor } from './plan.js';

/** The device CA as it crosses into a worker thread: PEM only (never written to disk by the load generator). */
export interface IssuerPem {
  readonly certPem: string;
  readonly privateKeyPem: string;
  readonly keyType: KeyType;
}

/** One simulated device's identity. */
export interface DeviceIdentity {
  readonly index: number;
  readonly deviceId: string;
  readonly certificate: IssuedCertificate;
}

/** Rebuilds the issuing CA from its PEMs (inside a worker thread). @throws whatever node:crypto throws on bad PEM */
export function issuerFromPem(pem: IssuerPem): IssuedCertificate {
  const certDer = pemToDer(pem.certPem);
  const x509 = parseCertificate(certDer);
  return {
    name: 'device-ca',
    keyType: pem.keyType,
    certPem: pem.certPem,
    certDer,
    privateKey: createPrivateKey(pem.privateKeyPem),
    privateKeyPem: pem.privateKeyPem,
    chainPem: pem.certPem,
    fingerprint256: sha256Hex(certDer),
    spkiSha256Hex: spkiSha256Hex(x509),
    x509,
  };
}

/**
 * Issues one client leaf per fleet index under `issuer`, `keyType` keys, subject `CN=<deviceId>`, valid from an
 * hour before `now`. Resolves to the identities in the order of `indices`.
 * @throws ConformanceError `RUN_ABORTED` when `signal` aborts (checked before every identity)
 */
export async function buildIdentityPool(
  indices: readonly number[],
  issuer: IssuedCertificate,
  keyType: KeyType,
  now: Date,
  signal?: AbortSignal,
): Promise<DeviceIdentity[]> {
  const pool: DeviceIdentity[] = [];
  for (const index of indices) {
    // Let a pending stop (signal handler, worker message) run: a long RSA pool must stay interruptible.
    await yieldToLoop();
    if (signal?.aborted === true) {
      throw new ConformanceError('RUN_ABORTED', `stopped while building the identity pool (${pool.length} of ${indices.length} identities issued)`);
    }
    const deviceId = deviceIdFor(index);
    // One at a time: issuance is CPU-bound, so parallel promises would only interleave the same work.
    const certificate = await issueClientLeaf(issuer, { keyType, now, commonName: deviceId, name: deviceId });
    pool.push({ index, deviceId, certificate });
  }
  return pool;
}
