import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConformanceError } from './errors.js';
import { packagePath } from './paths.js';
import { createSchemaRegistry, loadSchemaRegistry, validateJsonBody } from './schema.js';

const registry = loadSchemaRegistry();
const bodies = packagePath('fixtures', 'bodies');

function fixtureFiles(kind: 'valid' | 'invalid'): { profile: string; file: string; text: string }[] {
  return readdirSync(join(bodies, kind), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(bodies, kind, d.name)).map((file) => ({
        profile: d.name,
        file,
        text: readFileSync(join(bodies, kind, d.name, file), 'utf8'),
      })),
    );
}

interface InvalidCase {
  schema: string;
  instancePath: string;
  keyword: string;
}
const cases = JSON.parse(readFileSync(join(bodies, 'invalid', 'cases.json'), 'utf8')) as Record<string, InvalidCase>;

describe('schema registry', () => {
  it('compiles every body schema of both profiles in strict mode', () => {
    const bodyKinds = [
      'capabilities',
      'certificate-response',
      'deployment-status',
      'desired-state',
      'error',
      'onboarding-request',
      'onboarding-response',
      'problem',
    ];
    for (const profile of ['rfc9421-v1', 'rfc9421-rc2']) {
      for (const kind of bodyKinds) expect(registry.names()).toContain(`${profile}/${kind}`);
    }
    expect(createSchemaRegistry().names()).toEqual(registry.names());
  });

  it('gives every schema an $id of the form urn:margo:<profile>:<body>', () => {
    for (const name of registry.names()) {
      const [profile, body] = name.split('/');
      const schema = JSON.parse(readFileSync(packagePath('schemas', `${name}.schema.json`), 'utf8')) as { $id: string };
      expect(schema.$id).toBe(`urn:margo:${profile}:${body}`);
    }
  });

  it('throws SCHEMA_UNKNOWN for an unknown schema name, listing the known ones', () => {
    expect.assertions(2);
    try {
      registry.validate('rfc9421-v1/nope', {});
    } catch (err) {
      expect(isConformanceError(err, 'SCHEMA_UNKNOWN')).toBe(true);
      expect((err as Error).message).toContain('rfc9421-v1/desired-state');
    }
  });
});

describe('valid fixtures', () => {
  const files = fixtureFiles('valid');
  it('has fixtures for every schema', () => {
    const covered = new Set(files.map((f) => `${f.profile}/${f.file.split('.')[0]}`));
    expect([...covered].sort()).toEqual(registry.names());
  });
  for (const { profile, file, text } of files) {
    it(`accepts valid/${profile}/${file}`, () => {
      const result = validateJsonBody(registry, `${profile}/${file.split('.')[0]}`, text);
      expect(result.errors).toEqual([]);
      expect(result.ok).toBe(true);
    });
  }
});

describe('invalid fixtures', () => {
  const files = fixtureFiles('invalid');
  it('lists every invalid fixture in cases.json', () => {
    expect(Object.keys(cases).sort()).toEqual(files.map((f) => `${f.profile}/${f.file}`).sort());
  });
  for (const { profile, file, text } of files) {
    const c = cases[`${profile}/${file}`];
    it(`rejects invalid/${profile}/${file} with ${c?.keyword} at '${c?.instancePath}'`, () => {
      if (c === undefined) throw new Error('missing case');
      const result = validateJsonBody(registry, c.schema, text);
      expect(result.ok).toBe(false);
      expect(result.errors).toContainEqual(expect.objectContaining({ instancePath: c.instancePath, keyword: c.keyword }));
    });
  }
});

describe('readable messages', () => {
  it('names expected enum values and the value found', () => {
    const text = readFileSync(join(bodies, 'invalid', 'rfc9421-v1', 'capabilities.spec-example-verbatim.json'), 'utf8');
    const { errors } = validateJsonBody(registry, 'rfc9421-v1/capabilities', text);
    expect(errors.map((e) => e.message)).toEqual([
      "/properties/roles/0: must be one of 'Standalone Cluster', 'Cluster Leader', 'Standalone Device' (found 'standalone cluster')",
      "/properties/roles/1: must be one of 'Standalone Cluster', 'Cluster Leader', 'Standalone Device' (found 'cluster leader')",
      "/properties/resources/cpu/0/architecture: must be one of 'amd64', 'arm64', 'arm' (found 'x86_64')",
      "/properties/resources/peripherals/0/type: must be one of 'gpu', 'display', 'camera', 'microphone', 'speaker' (found 'GPU')",
    ]);
  });

  it('says which property is missing, which is not allowed, and what type was found', () => {
    const missing = registry.validate('rfc9421-v1/onboarding-request', { apiVersion: 'x', kind: 'OnboardingRequest' });
    expect(missing.errors[0]?.message).toBe("(root): missing required property 'certificate'");
    const extra = registry.validate('rfc9421-rc2/capabilities', {
      apiVersion: 'x',
      kind: 'DeviceCapabilitiesManifest',
      properties: { id: 'd', vendor: 'v', modelNumber: 'm', serialNumber: 's' },
      roles: [],
    });
    expect(extra.errors[0]?.message).toBe("(root): property 'roles' is not allowed");
    const type = registry.validate('rfc9421-v1/desired-state', { manifestVersion: '7', bundle: null, deployments: [] });
    expect(type.errors[0]?.message).toBe("/manifestVersion: must be integer (found string '7')");
    const min = registry.validate('rfc9421-v1/desired-state', { manifestVersion: 0, bundle: null, deployments: [] });
    expect(min.errors[0]?.message).toBe('/manifestVersion: must be >= 1 (found 0)');
  });

  it('reports a JSON syntax error with keyword json and its position', () => {
    const result = validateJsonBody(registry, 'rfc9421-v1/onboarding-response', '{"clientId": }');
    expect(result.ok).toBe(false);
    expect(result.value).toBeUndefined();
    expect(result.errors).toEqual([
      { instancePath: '', keyword: 'json', message: expect.stringContaining('line 1 column 14') as unknown as string },
    ]);
  });
});

describe('desired state', () => {
  it('accepts manifestVersion 2^64-1 and rejects 2^64, judged on the exact value', () => {
    const max = validateJsonBody(registry, 'rfc9421-v1/desired-state', '{"manifestVersion":18446744073709551615,"bundle":null,"deployments":[]}');
    expect(max.ok).toBe(true);
    expect((max.value as { manifestVersion: unknown }).manifestVersion).toBe(18446744073709551615n);
    const over = validateJsonBody(registry, 'rfc9421-v1/desired-state', '{"manifestVersion":18446744073709551616,"bundle":null,"deployments":[]}');
    expect(over.errors).toEqual([
      {
        instancePath: '/manifestVersion',
        keyword: 'semantic',
        message: '/manifestVersion: must be <= 18446744073709551615 (2^64-1) (found 18446744073709551616)',
      },
    ]);
  });

  it('uses the SHA-256 of the deployment YAML fixtures as deployment digests', () => {
    const manifest = JSON.parse(readFileSync(join(bodies, 'valid', 'rfc9421-v1', 'desired-state.json'), 'utf8')) as {
      deployments: { deploymentId: string; digest: string }[];
    };
    const yamlDigests = readdirSync(packagePath('fixtures', 'deployments')).map(
      (f) => `sha256:${createHash('sha256').update(readFileSync(packagePath('fixtures', 'deployments', f))).digest('hex')}`,
    );
    for (const d of manifest.deployments) expect(yamlDigests).toContain(d.digest);
  });
});
