/**
 * @module Rebuilding an {@link IssuedCertificate} from PEM text kept on disk (the mock WFM's `--data-dir`, the
 * persistent device CA). The one place that turns a stored certificate + private key back into the project's form.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ConformanceError } from '../errors.js';
import { parseCertificate } from './certificate-field.js';
import { sha256Hex, spkiSha256Hex } from './inspect.js';
import type { IssuedCertificate } from './issue.js';
import type { KeyType } from './key-types.js';
import { pemToDer } from './pem.js';

/** Certificate and key as stored: PEM text; `chainPem` defaults to the certificate, `keyType` to the key's own. */
export interface StoredIssuedCertificate {
  readonly name: string;
  readonly certPem: string;
  readonly privateKeyPem: string;
  readonly chainPem?: string;
  readonly keyType?: KeyType;
}

/**
 * The {@link KeyType} of a key: EC P-384 → `ec-p384`, other EC → `ec-p256`, Ed25519 → `ed25519`, RSA of 3072 bits or
 * more → `rsa-3072`, smaller RSA → `rsa-2048`.
 * @throws ConformanceError `KEY_UNSUPPORTED` for any other key type
 */
export function keyTypeOfKey(key: KeyObject): KeyType {
  const details = key.asymmetricKeyDetails;
  switch (key.asymmetricKeyType) {
    case 'ec':
      return details?.namedCurve === 'secp384r1' ? 'ec-p384' : 'ec-p256';
    case 'ed25519':
      return 'ed25519';
    case 'rsa':
      return (details?.modulusLength ?? 2048) >= 3072 ? 'rsa-3072' : 'rsa-2048';
    default:
      throw new ConformanceError('KEY_UNSUPPORTED', `key type ${String(key.asymmetricKeyType)} is not supported`);
  }
}

function readPrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new ConformanceError('KEY_UNSUPPORTED', 'privateKeyPem is not a readable PEM private key', { cause: err });
  }
}

/**
 * Rebuilds an {@link IssuedCertificate} from stored PEMs.
 * @throws ConformanceError `CERT_ENCODING_INVALID` / `CERT_PARSE_FAILED` for a damaged certificate,
 *   `KEY_UNSUPPORTED` for a private key Node cannot read or a key type the project does not issue
 */
export function issuedFromPem(stored: StoredIssuedCertificate): IssuedCertificate {
  const certDer = pemToDer(stored.certPem);
  const x509 = parseCertificate(certDer);
  const privateKey = readPrivateKey(stored.privateKeyPem);
  return {
    name: stored.name,
    keyType: stored.keyType ?? keyTypeOfKey(privateKey),
    certPem: stored.certPem,
    certDer,
    privateKey,
    privateKeyPem: stored.privateKeyPem,
    chainPem: stored.chainPem ?? stored.certPem,
    fingerprint256: sha256Hex(certDer),
    spkiSha256Hex: spkiSha256Hex(x509),
    x509,
  };
}
