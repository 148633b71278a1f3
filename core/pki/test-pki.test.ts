import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_CERT_NAMES } from './bad-certificates.js';
import { GARBAGE_NAMES } from './garbage.js';
import { checkLeafProfile, isIssuedBy, isSelfSigned } from './inspect.js';
import { KEY_TYPES } from './key-types.js';
import { generateTestPki, type PkiManifestEntry, type TestPki } from './test-pki.js';
import { writeTestPki } from './write-test-pki.js';

const NOW = new Date('2031-03-01T08:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;
let pki: TestPki;
const tempDirs: string[] = [];

beforeAll(async () => {
  pki = await generateTestPki({ now: NOW });
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('generateTestPki', () => {
  it('issues one client leaf per key type, all under the root CA', () => {
    expect(Object.keys(pki.clients).sort()).toEqual([...KEY_TYPES].sort());
    for (const keyType of KEY_TYPES) {
      const client = pki.clients[keyType];
      expect(client.keyType).toBe(keyType);
      expect(isIssuedBy(client.x509, pki.rootCa.x509)).toBe(true);
    }
    expect(isIssuedBy(pki.server.x509, pki.rootCa.x509)).toBe(true);
    expect(pki.intermediate).toBeUndefined();
  });

  it('lists every item in the manifest under a unique name with a fingerprint', () => {
    const names = pki.manifest.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    const byName = new Map(pki.manifest.map((e) => [e.name, e]));
    const certs = [pki.rootCa, pki.server, pki.unknownCa, ...Object.values(pki.clients), ...Object.values(pki.bad)];
    for (const cert of certs) expect(byName.get(cert.name)?.fingerprint256).toBe(cert.fingerprint256);
    for (const name of GARBAGE_NAMES) expect(byName.get(`garbage-${name}`)).toMatchObject({ kind: 'garbage', expectedDecodeError: expect.any(String) });
    const good = pki.manifest.filter((e) => ['server', 'client', 'intermediate-ca'].includes(e.kind));
    expect(good.every((e) => e.defect === null)).toBe(true);
  });

  it('describes each bad leaf: defect and expected TLS error', () => {
    const bad = new Map(pki.manifest.filter((e) => e.kind === 'bad').map((e) => [e.name, e] as const));
    expect([...bad.keys()].sort()).toEqual(BAD_CERT_NAMES.map((n) => `bad-${n}`).sort());
    const expectations: Record<string, Partial<PkiManifestEntry>> = {
      'bad-expired': { expectedTlsError: 'CERT_HAS_EXPIRED' },
      'bad-not-yet-valid': { expectedTlsError: 'CERT_NOT_YET_VALID' },
      'bad-self-signed': { expectedTlsError: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
      'bad-unknown-ca': { expectedTlsError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', expectedTlsErrorWithRoot: 'SELF_SIGNED_CERT_IN_CHAIN', issuer: 'unknown-ca' },
      'bad-wrong-key-usage': { expectedTlsError: 'INVALID_PURPOSE' },
      'bad-server-wrong-host': { expectedTlsError: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    };
    for (const [name, expected] of Object.entries(expectations)) expect(bad.get(name)).toMatchObject(expected);
    expect(bad.get('bad-ca-true-leaf')?.expectedTlsError).toBeUndefined();
    for (const entry of bad.values()) expect(entry.defect).toEqual(expect.any(String));
  });

  it('gives each bad leaf exactly the profile problem it is named for', () => {
    const problems = (name: (typeof BAD_CERT_NAMES)[number]): string[] => checkLeafProfile(pki.bad[name].x509, NOW_SECONDS, 'client');
    expect(problems('expired')).toEqual([expect.stringContaining('expired')]);
    expect(problems('not-yet-valid')).toEqual([expect.stringContaining('not yet valid')]);
    expect(problems('ca-true-leaf')).toEqual(['basicConstraints CA:true on a leaf']);
    expect(problems('wrong-key-usage')).toEqual(['key usage lacks digitalSignature', 'key usage sets keyCertSign or cRLSign on a leaf']);
    expect(problems('self-signed')).toEqual([]);
    expect(isSelfSigned(pki.bad['self-signed'].x509)).toBe(true);
    expect(isIssuedBy(pki.bad['unknown-ca'].x509, pki.unknownCa.x509)).toBe(true);
    expect(pki.bad['server-wrong-host'].x509.subjectAltName).toBe('DNS:wrong-host.invalid');
  });

  it('issues from an intermediate and only the requested client key types', async () => {
    const small = await generateTestPki({ now: NOW, withIntermediate: true, clientKeyTypes: ['ec-p384'] });
    expect(Object.keys(small.clients)).toEqual(['ec-p384']);
    expect(small.intermediate).toBeDefined();
    if (small.intermediate === undefined) return;
    expect(isIssuedBy(small.clients['ec-p384'].x509, small.intermediate.x509)).toBe(true);
    expect(isIssuedBy(small.bad.expired.x509, small.intermediate.x509)).toBe(true);
    expect(small.manifest.find((e) => e.name === 'server')?.issuer).toBe('intermediate-ca');
  });
});

describe('writeTestPki', () => {
  it('writes certificates, chains, keys with mode 0600 and manifest.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-pki-'));
    tempDirs.push(dir);
    await writeTestPki(pki, join(dir, 'pki'));
    await writeTestPki(pki, join(dir, 'pki')); // overwriting works
    const files = await readdir(join(dir, 'pki'));
    expect(files).toContain('root-ca.crt.pem');
    expect(files).toContain('client-ed25519.key.pem');
    expect(files).toContain('bad-expired.chain.pem');
    expect(files).toContain('garbage-pem-text.txt');
    expect((await stat(join(dir, 'pki', 'server.key.pem'))).mode & 0o777).toBe(0o600);
    const manifest = JSON.parse(await readFile(join(dir, 'pki', 'manifest.json'), 'utf8')) as PkiManifestEntry[];
    expect(manifest).toEqual(pki.manifest);
    expect(await readFile(join(dir, 'pki', 'server.crt.pem'), 'utf8')).toBe(pki.server.certPem);
  });
});
