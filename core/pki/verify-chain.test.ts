import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, issueCertificate, issueIntermediateCa, issueServerLeaf, type IssuedCertificate } from './issue.js';
import { pemToDerList } from './pem.js';
import { generateTestPki, type TestPki } from './test-pki.js';
import { verifyChainAgainstRoot } from './verify-chain.js';

const NOW = new Date('2030-06-01T00:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
let pki: TestPki<'ec-p256'>;

function chainOf(cert: IssuedCertificate): X509Certificate[] {
  return pemToDerList(cert.chainPem).map((der) => new X509Certificate(der));
}

beforeAll(async () => {
  pki = await generateTestPki({ now: NOW, withIntermediate: true, clientKeyTypes: ['ec-p256'] });
});

describe('verifyChainAgainstRoot', () => {
  it('accepts leaf + intermediate, with or without the root presented', () => {
    const chain = chainOf(pki.server);
    expect(verifyChainAgainstRoot(chain, pki.rootCa.x509, 'localhost', NOW_SECONDS)).toEqual({ ok: true });
    expect(verifyChainAgainstRoot([...chain, pki.rootCa.x509], pki.rootCa.x509, '::1', NOW_SECONDS)).toEqual({ ok: true });
  });

  it('rejects a chain without its intermediate', () => {
    const verdict = verifyChainAgainstRoot([pki.server.x509], pki.rootCa.x509, 'localhost', NOW_SECONDS);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('leaf') });
  });

  it('rejects a chain anchored in another root', () => {
    expect(verifyChainAgainstRoot(chainOf(pki.server), pki.unknownCa.x509, 'localhost', NOW_SECONDS).ok).toBe(false);
  });

  it('rejects a host the leaf does not name', () => {
    const verdict = verifyChainAgainstRoot(chainOf(pki.server), pki.rootCa.x509, 'wfm.example', NOW_SECONDS);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('wfm.example') });
  });

  it('rejects the chain once the leaf has expired', () => {
    const later = NOW_SECONDS + 400 * 86_400;
    expect(verifyChainAgainstRoot(chainOf(pki.server), pki.rootCa.x509, 'localhost', later)).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
  });

  it.each([
    ['expired', 'expired'],
    ['not-yet-valid', 'not valid before'],
    ['self-signed', 'not issued by'],
    ['unknown-ca', 'not issued by'],
    ['wrong-key-usage', 'key usage'],
    ['server-wrong-host', 'does not match host'],
  ] as const)('rejects bad leaf %s', (name, reason) => {
    const verdict = verifyChainAgainstRoot(chainOf(pki.bad[name]), pki.rootCa.x509, 'localhost', NOW_SECONDS);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining(reason) });
  });

  it('rejects an empty chain and a chain holding only the root', () => {
    expect(verifyChainAgainstRoot([], pki.rootCa.x509, 'localhost', NOW_SECONDS).ok).toBe(false);
    expect(verifyChainAgainstRoot([pki.rootCa.x509], pki.rootCa.x509, 'localhost', NOW_SECONDS).ok).toBe(false);
  });

  it('enforces the intermediate path length constraint', async () => {
    const root = await createRootCa({ now: NOW });
    const first = await issueIntermediateCa(root, { now: NOW });
    const second = await issueIntermediateCa(first, { now: NOW, name: 'second' });
    const leaf = await issueServerLeaf(second, { now: NOW });
    const verdict = verifyChainAgainstRoot(chainOf(leaf), root.x509, 'localhost', NOW_SECONDS);
    expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('pathLenConstraint') });
  });

  it('rejects an intermediate that is not a CA', async () => {
    const root = await createRootCa({ now: NOW });
    const notCa = await issueCertificate({
      name: 'not-ca', keyType: 'ec-p256', subject: 'CN=Not A CA', issuer: root,
      notBefore: NOW, notAfter: new Date(NOW.getTime() + 86_400_000), basicConstraints: { ca: false },
    });
    const leaf = await issueServerLeaf(notCa, { now: NOW });
    const chain = [leaf.x509, notCa.x509];
    expect(verifyChainAgainstRoot(chain, root.x509, 'localhost', NOW_SECONDS)).toMatchObject({ ok: false, reason: expect.stringContaining('not a CA') });
  });
});
