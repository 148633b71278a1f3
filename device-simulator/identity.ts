/**
 * @module The device's X.509 identity: the client certificate it onboards with, the `keyid` it signs with, and
 * the `certificate` field of its OnboardingRequest. Computed once per device, never per request.
 *
 * @see spec-digest §4.1 (client certificate signs requests at the application layer), §6.6 (`certificate.encoding`),
 *   §6.10 (`signatures.keyidStrategy`)
 */
import type { MargoConfig } from '../core/config.js';
import { createRootCa, encodeCertificateField, issueClientLeaf } from '../core/pki/index.js';
import type { IssuedCertificate, KeyType } from '../core/pki/index.js';
import type { DeviceFault } from './faults.js';
import type { DeviceOptions } from './types.js';

/**
 * Issues the device's certificate when the options do not carry one: a throwaway device CA (its key is dropped
 * with this function's scope) and a client leaf under it. Default key type `ec-p256`. `nowMs` anchors validity.
 * Resolves to the leaf.
 */
export async function issueDeviceCertificate(keyType: KeyType, nowMs: number, commonName: string): Promise<IssuedCertificate> {
  const now = new Date(nowMs);
  const deviceCa = await createRootCa({ commonName: `${commonName} device CA`, now, name: 'device-ca' });
  return issueClientLeaf(deviceCa, { keyType, now, commonName, name: 'device' });
}

/**
 * Resolves the identity option to a certificate with its private key: the given certificate; a leaf issued under
 * the given `issuer`; else a leaf under a throwaway device CA. `nowMs` (Unix ms) anchors validity.
 */
export async function resolveDeviceCertificate(
  identity: DeviceOptions['identity'],
  nowMs: number,
  commonName: string,
): Promise<IssuedCertificate> {
  if (identity !== undefined && 'certificate' in identity) return identity.certificate;
  const keyType = identity?.keyType ?? 'ec-p256';
  if (identity !== undefined && 'issuer' in identity) {
    return issueClientLeaf(identity.issuer, { keyType, now: new Date(nowMs), commonName, name: 'device' });
  }
  return issueDeviceCertificate(keyType, nowMs, commonName);
}

/**
 * The `certificate` field of the OnboardingRequest, computed once per device:
 * - fault `bad-certificate-encoding`: the PEM text itself (armour and line breaks; base64 of nothing);
 * - fault `certificate-as-base64-pem`: base64 of the PEM text;
 * - otherwise per `certificate.encoding` (`auto` sends base64-der, the spec's example form).
 * @see seed page "certificate: Base64-encoded X.509 certificate of the client", spec-digest §6.6
 */
export function certificateFieldFor(cert: IssuedCertificate, config: MargoConfig, faults: ReadonlySet<DeviceFault>): string {
  if (faults.has('bad-certificate-encoding')) return cert.certPem;
  if (faults.has('certificate-as-base64-pem')) return encodeCertificateField(cert.certDer, 'base64-pem');
  return encodeCertificateField(cert.certDer, config.certificate.encoding === 'base64-pem' ? 'base64-pem' : 'base64-der');
}

/**
 * The `keyid` signature parameter per `signatures.keyidStrategy`: `spki-sha256-hex` (default, as the Margo sandbox
 * does), `fingerprint` (SHA-256 of the certificate DER, hex) or `client-id` (the assigned clientId; before
 * onboarding, when there is none yet, the SPKI hash).
 * @see spec-digest §3.3, §6.10
 */
export function keyIdFor(cert: IssuedCertificate, config: MargoConfig, clientId: string | undefined): string {
  switch (config.signatures.keyidStrategy) {
    case 'fingerprint':
      return cert.fingerprint256;
    case 'client-id':
      return clientId ?? cert.spkiSha256Hex;
    case 'spki-sha256-hex':
      return cert.spkiSha256Hex;
  }
}

/** Default deviceId: `sim-` plus the first 16 hex characters of the SPKI hash (RFC 3986 unreserved characters only). */
export function defaultDeviceId(cert: IssuedCertificate): string {
  return `sim-${cert.spkiSha256Hex.slice(0, 16)}`;
}
