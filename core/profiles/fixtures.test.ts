import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packagePath } from '../paths.js';

interface ApplicationDeployment {
  apiVersion: string;
  kind: string;
  metadata: { annotations: { id: string; applicationId: string }; name: string; namespace: string };
  spec: {
    deploymentProfile: { type: string; components: { name: string; properties: Record<string, unknown> }[] };
    parameters?: Record<string, { value: unknown; targets: { pointer: string; components: string[] }[] }>;
  };
}

const dir = packagePath('fixtures', 'deployments');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('ApplicationDeployment fixtures (markdown style, spec-digest §2.7)', () => {
  it('has two or three deployments with distinct UUID ids', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    const ids = files.map((f) => (parse(readFileSync(`${dir}/${f}`, 'utf8')) as ApplicationDeployment).metadata.annotations.id);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });

  for (const file of files) {
    it(`${file} has the required md-style fields and consistent parameter targets`, () => {
      const doc = parse(readFileSync(`${dir}/${file}`, 'utf8')) as ApplicationDeployment;
      expect(doc.kind).toBe('ApplicationDeployment');
      expect(doc.apiVersion).toBe('application.margo.org/v1alpha1');
      expect(doc.metadata.annotations.applicationId).toMatch(/^[-a-z0-9]{1,200}$/);
      expect(doc.metadata.name.length).toBeGreaterThan(0);
      expect(doc.metadata.namespace.length).toBeGreaterThan(0);
      expect(['helm.v3', 'compose']).toContain(doc.spec.deploymentProfile.type);
      const names = doc.spec.deploymentProfile.components.map((c) => c.name);
      expect(names.length).toBeGreaterThan(0);
      const key = doc.spec.deploymentProfile.type === 'compose' ? 'packageLocation' : 'repository';
      for (const c of doc.spec.deploymentProfile.components) expect(c.properties).toHaveProperty(key);
      for (const p of Object.values(doc.spec.parameters ?? {})) {
        for (const t of p.targets) for (const c of t.components) expect(names).toContain(c);
      }
    });
  }
});
