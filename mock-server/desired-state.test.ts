import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { getProfile } from '../core/profiles/index.js';
import { deploymentYaml } from '../test/support/mock-probe.js';
import { acceptsManifest, ifNoneMatchMatches, parseDeploymentYaml, publishDesiredState, splitYamlDocuments } from './desired-state.js';
import { buildTar, readTar } from './tar.js';

const profile = getProfile('rfc9421-v1');
const A = 'a3e2f5dc-912e-494f-8395-52cf3769bc06';
const B = 'b3e2f5dc-912e-494f-8395-52cf3769bc07';

describe('desired state publishing', () => {
  it('writes manifestVersion exactly up to 2^64 - 1 and the ETag is the digest of those exact bytes', () => {
    const max = 2n ** 64n - 1n;
    const pub = publishDesiredState({ profile, clientId: 'c1', manifestVersion: max, deployments: [], basePath: '', faults: new Set() });
    const text = pub.manifestBody.toString('utf8');
    expect(text).toBe('{"manifestVersion":18446744073709551615,"bundle":null,"deployments":[]}');
    expect(pub.etag).toBe(`"sha256:${createHash('sha256').update(pub.manifestBody).digest('hex')}"`);
    expect(pub.bundle).toBeUndefined();
  });

  it('builds a deterministic bundle of <deploymentId>.yaml entries with the exact YAML bytes', () => {
    const docs = [parseDeploymentYaml(deploymentYaml(A)), parseDeploymentYaml(deploymentYaml(B, 'db'))];
    const one = publishDesiredState({ profile, clientId: 'c1', manifestVersion: 3n, deployments: docs, basePath: '', faults: new Set() });
    const two = publishDesiredState({ profile, clientId: 'c1', manifestVersion: 3n, deployments: docs, basePath: '', faults: new Set() });
    expect(one.bundle?.digest).toBe(two.bundle?.digest);
    const entries = readTar(gunzipSync(one.bundle?.bytes ?? Buffer.alloc(0)));
    expect(entries.map((e) => e.name)).toEqual([`${A}.yaml`, `${B}.yaml`]);
    expect(entries[1]?.data.toString()).toBe(deploymentYaml(B, 'db'));
    const manifest = JSON.parse(one.manifestBody.toString()) as { bundle: { digest: string; url: string }; deployments: { url: string }[] };
    expect(manifest.bundle.url).toBe(`/api/v1/clients/c1/bundles/${one.bundle?.digest}`);
    expect(manifest.deployments[0]?.url).toBe(`/api/v1/clients/c1/deployments/${A}/${docs[0]?.digest}`);
  });

  it('the ustar archive is readable by the system tar', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'margo-tar-'));
    const file = join(dir, 'b.tar');
    await writeFile(file, buildTar([{ name: `${A}.yaml`, data: Buffer.from(deploymentYaml(A)) }, { name: 'empty.yaml', data: Buffer.alloc(0) }]));
    const listing = execFileSync('tar', ['-tvf', file], { encoding: 'utf8' });
    expect(listing).toContain(`${A}.yaml`);
    expect(listing).toContain('empty.yaml');
    expect(execFileSync('tar', ['-xOf', file, `${A}.yaml`], { encoding: 'utf8' })).toBe(deploymentYaml(A));
  });

  it('rejects YAML that is not an ApplicationDeployment with an id, and splits --- streams', () => {
    expect(() => parseDeploymentYaml('kind: Other')).toThrow(/ApplicationDeployment/);
    expect(() => parseDeploymentYaml('kind: ApplicationDeployment\nmetadata: {}')).toThrow(/annotations.id/);
    expect(() => parseDeploymentYaml('a: [')).toThrow(/not valid YAML/);
    expect(splitYamlDocuments(`${deploymentYaml(A)}---\n${deploymentYaml(B)}`).map((d) => parseDeploymentYaml(d).deploymentId)).toEqual([A, B]);
  });
});

describe('content negotiation and conditional requests', () => {
  const type = 'application/vnd.margo.manifest.v1+json';
  it.each([
    [undefined, true],
    ['', true],
    [type, true],
    ['*/*', true],
    ['application/*', true],
    ['application/json', true],
    ['text/html, application/xml', false],
    [`${type};q=0`, false],
    [`text/html, ${type};q=0.1`, true],
  ])('Accept %s → acceptable %s', (accept, ok) => {
    expect(acceptsManifest(accept, type)).toBe(ok);
  });

  it.each([
    [undefined, false],
    ['"sha256:ab"', true],
    ['sha256:ab', true],
    ['W/"sha256:ab"', false],
    ['"x", "sha256:ab"', true],
    ['*', true],
    ['"sha256:cd"', false],
  ])('If-None-Match %s matches "sha256:ab" → %s', (header, ok) => {
    expect(ifNoneMatchMatches(header, '"sha256:ab"')).toBe(ok);
  });
});
