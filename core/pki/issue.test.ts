import { createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkLeafProfile, EKU_CLIENT_AUTH, EKU_SERVER_AUTH, isIssuedBy, isSelfSigned, keyUsageOf, basicConstraintsOf, spkiSha256Hex, describeCertificate } from './inspect.js';
import { createRootCa, issueClientLeaf, issueIntermediateCa, issueServerLeaf } from './issue.js';
import { describeKeyType, KEY_TYPES } from './key-types.js';
import { pemToDerList } from './pem.js';

const NOW = new Date('2030-01-15T12:00:00Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

describe('createRootCa / issueServerLeaf / issueClientLeaf', () => {
  it('issues a self-signed root CA with CA:true and keyCertSign', async () => {
    const root = await createRootCa({ now: NOW });
    expect(root.name).toBe('root-ca');
    expect(root.keyType).toBe('ec-p256');
    expect(isSelfSigned(root.x509)).toBe(true);
    expect(basicConstraintsOf(root.x509)).toEqual({ ca: true });
    expect(keyUsageOf(root.x509)).toBe(32 | 64);
    expect(root.chainPem).toBe(root.certPem);
    expect(root.fingerprint256).toMatch(/^[0-9a-f]{64}$/);
    expect(root.fingerprint256).toBe(root.x509.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(root.spkiSha256Hex).toBe(spkiSha256Hex(root.privateKey));
  });

  it('issues a server leaf for localhost, 127.0.0.1 and ::1 with EKU serverAuth', async () => {
    const root = await createRootCa({ now: NOW });
    const server = await issueServerLeaf(root, { now: NOW });
    expect(server.x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(server.x509.keyUsage).toEqual([EKU_SERVER_AUTH]);
    expect(server.x509.ca).toBe(false);
    expect(isIssuedBy(server.x509, root.x509)).toBe(true);
    expect(server.chainPem).toBe(server.certPem);
    expect(checkLeafProfile(server.x509, NOW_SECONDS, 'server')).toEqual([]);
    expect(new Date(server.x509.validFrom).getTime()).toBeLessThan(NOW.getTime());
  });

  it.each(KEY_TYPES)('issues a %s client leaf with digitalSignature and EKU clientAuth whose key signs', async (keyType) => {
    const root = await createRootCa({ now: NOW });
    const client = await issueClientLeaf(root, { keyType, now: NOW });
    expect(client.name).toBe(`client-${keyType}`);
    expect(describeKeyType(client.x509.publicKey)).toBe(keyType);
    expect(describeKeyType(client.privateKey)).toBe(keyType);
    expect(client.x509.keyUsage).toEqual([EKU_CLIENT_AUTH]);
    expect(keyUsageOf(client.x509)).toBe(1);
    expect(checkLeafProfile(client.x509, NOW_SECONDS, 'client')).toEqual([]);
    expect(client.privateKeyPem).toMatch(new RegExp(`^-----BEGIN ${'PRIVATE'} KEY-----`));
    const hash = keyType === 'ed25519' ? null : 'sha256';
    const signature = sign(hash, Buffer.from('signature base'), client.privateKey);
    expect(verify(hash, Buffer.from('signature base'), createPublicKey(client.privateKey), signature)).toBe(true);
    expect(verify(hash, Buffer.from('signature base'), client.x509.publicKey, signature)).toBe(true);
  });

  it('signs with the issuer key type (RSA and Ed25519 roots)', async () => {
    for (const keyType of ['rsa-2048', 'ed25519'] as const) {
      const root = await createRootCa({ now: NOW, keyType });
      const leaf = await issueClientLeaf(root, { now: NOW });
      expect(isIssuedBy(leaf.x509, root.x509)).toBe(true);
    }
  });

  it('puts the intermediate, never the root, into a leaf chain', async () => {
    const root = await createRootCa({ now: NOW });
    const intermediate = await issueIntermediateCa(root, { now: NOW });
    const server = await issueServerLeaf(intermediate, { now: NOW });
    expect(basicConstraintsOf(intermediate.x509)).toEqual({ ca: true, pathLength: 0 });
    expect(isIssuedBy(intermediate.x509, root.x509)).toBe(true);
    expect(isIssuedBy(server.x509, intermediate.x509)).toBe(true);
    expect(isIssuedBy(server.x509, root.x509)).toBe(false);
    const chain = pemToDerList(server.chainPem).map((der) => Buffer.from(der).toString('hex'));
    expect(chain).toEqual([Buffer.from(server.certDer).toString('hex'), Buffer.from(intermediate.certDer).toString('hex')]);
  });

  it('describes a certificate as evidence without key material', async () => {
    const root = await createRootCa({ now: NOW, commonName: 'Evidence Root' });
    const evidence = describeCertificate(root.x509, 'root CA');
    expect(evidence).toMatchObject({ kind: 'certificate', label: 'root CA', keyType: 'ec-p256', spkiSha256: root.spkiSha256Hex, fingerprint256: root.fingerprint256 });
    expect(evidence.subject).toContain('CN=Evidence Root');
    expect(evidence.notBefore).toBe('2030-01-15T11:00:00.000Z');
    expect(JSON.stringify(evidence)).not.toContain('PRIVATE');
  });
});
