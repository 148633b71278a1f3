/**
 * @module Device identities for the `wfm` suite: EC P-256 client leaves from the device CA the WFM under test trusts,
 * leaves from a CA it has never seen, a stray key, and the published RFC 9421 test key (which no WFM may accept).
 * Everything is generated at run time; only the RFC test key is read, from `fixtures/`.
 *
 * @see RFC 9421 Appendix B.1.3 (`test-key-ecc-p256`), spec-digest §4.1 (client certificates, RFC 5280)
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { packagePath } from '../../core/paths.js';
import { createRootCa, issueClientLeaf } from '../../core/pki/index.js';
import type { IssuedCertificate } from '../../core/pki/index.js';
import type { DeviceIdentities } from './context.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Where the RFC 9421 Appendix B.1.3 key lives in the package. */
export const RFC9421_ECC_P256_KEY_PATH = packagePath('fixtures', 'rfc9421', 'keys', 'test-key-ecc-p256.pem');

/**
 * Creates the identities of one run. `deviceCa` is the CA the WFM under test trusts (cli/device-ca.ts); `now` gives
 * the validity anchor of new leaves. The unknown CA is created on first use and kept for the run.
 * Returned functions reject with the errors of core/pki (`KEY_UNSUPPORTED`) or fs (missing fixture).
 */
export function createDeviceIdentities(deviceCa: IssuedCertificate, now: () => Date): DeviceIdentities {
  let unknownCa: Promise<IssuedCertificate> | undefined;
  const unknown = (): Promise<IssuedCertificate> => {
    unknownCa ??= createRootCa({ commonName: 'Unknown Device CA (never given to the WFM)', name: 'unknown-device-ca', now: now() });
    return unknownCa;
  };
  return {
    issueTrusted: (name) => issueClientLeaf(deviceCa, { keyType: 'ec-p256', name, commonName: `margo-conformance ${name}`, now: now() }),
    issueUntrusted: async (name) =>
      issueClientLeaf(await unknown(), { keyType: 'ec-p256', name, commonName: `margo-conformance ${name}`, now: now() }),
    otherKey: async () => (await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' })).privateKey,
    rfcTestKey: async (): Promise<KeyObject> => createPrivateKey(await readFile(RFC9421_ECC_P256_KEY_PATH, 'utf8')),
  };
}
