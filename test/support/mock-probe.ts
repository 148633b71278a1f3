/**
 * A plain scripted WFM client for the mock WFM's tests: pins the mock's root CA, signs requests with
 * core/http-signatures exactly as a Margo device would (Content-Digest sha-256, `@method @target-uri
 * content-digest`, keyid = SPKI SHA-256), and sends them over real loopback sockets with core/net.
 */
import type { KeyObject } from 'node:crypto';
import { createRequestSigner, type HttpRequestParts, type SigningFault } from '../../core/http-signatures/index.js';
import { createHttpClient, type HttpClient, type HttpResult } from '../../core/net/https-client.js';
import {
  createRootCa,
  encodeCertificateField,
  issueClientLeaf,
  type IssuedCertificate,
  type KeyType,
} from '../../core/pki/index.js';
import { buildOnboardingRequest, getProfile } from '../../core/profiles/index.js';
import type { MockWfm } from '../../mock-server/index.js';

/** How to sign one request. */
export interface SignWith {
  /** The signing key and the keyid source (a whole IssuedCertificate fits). */
  readonly cert: Pick<IssuedCertificate, 'privateKey' | 'spkiSha256Hex'>;
  readonly faults?: readonly SigningFault[];
  /** Unix seconds; default now. */
  readonly created?: number;
  readonly components?: readonly string[];
  readonly otherKey?: KeyObject;
}

/** A probe bound to one mock. */
export interface Probe {
  readonly http: HttpClient;
  /** `mock.url + path`. */
  url(path: string): string;
  send(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; sign?: SignWith }): Promise<HttpResult>;
  /** Onboards `cert` (signed with its own key); returns the response. */
  onboard(cert: IssuedCertificate, opts?: { field?: string; faults?: readonly SigningFault[]; created?: number }): Promise<HttpResult>;
  close(): Promise<void>;
}

/** Parses a JSON response body. */
export function jsonOf(res: HttpResult): Record<string, unknown> {
  return JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
}

/** Creates a probe trusting exactly the mock's root CA (or `caPem`). */
export function createProbe(mock: MockWfm, caPem: string = mock.caPem): Probe {
  const http = createHttpClient({ caPem, timeoutMs: 20_000 });
  const profile = getProfile(mock.profileId);
  const url = (path: string): string => `${mock.url}${path}`;
  const send: Probe['send'] = async (method, path, opts = {}) => {
    const body =
      opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers };
    let req: HttpRequestParts = { method, url: url(path), headers, ...(body === undefined ? {} : { body: new Uint8Array(body) }) };
    if (opts.sign !== undefined) {
      const s = opts.sign;
      const signer = createRequestSigner({
        privateKey: s.cert.privateKey,
        keyid: s.cert.spkiSha256Hex,
        ...(s.faults === undefined ? {} : { faults: s.faults }),
        ...(s.components === undefined ? {} : { components: s.components }),
        ...(s.otherKey === undefined ? {} : { otherKey: s.otherKey }),
      });
      const signed = signer.sign(req, s.created ?? Math.floor(Date.now() / 1000));
      req = { ...signed.request, headers: signed.request.headers };
    }
    return http.send(req);
  };
  return {
    http,
    url,
    send,
    onboard(cert, opts = {}) {
      const field = opts.field ?? encodeCertificateField(cert.certDer, 'base64-der');
      return send('POST', '/api/v1/onboarding', {
        body: buildOnboardingRequest(profile, field),
        sign: { cert, ...(opts.faults === undefined ? {} : { faults: opts.faults }), ...(opts.created === undefined ? {} : { created: opts.created }) },
      });
    },
    close: () => http.close(),
  };
}

/** A client CA and leaves for tests. */
export interface ClientPki {
  readonly ca: IssuedCertificate;
  leaf(keyType?: KeyType): Promise<IssuedCertificate>;
}

/** Creates a client-side CA whose leaves the tests onboard. */
export async function createClientPki(commonName = 'Device Vendor CA'): Promise<ClientPki> {
  const ca = await createRootCa({ commonName });
  let n = 0;
  return {
    ca,
    leaf: (keyType = 'ec-p256') => issueClientLeaf(ca, { keyType, commonName: `device-${(n += 1)}` }),
  };
}

/** An ApplicationDeployment YAML (md style, spec-digest §2.7) with deployment id `id`. */
export function deploymentYaml(id: string, name = 'digitron-orchestrator', revision = '1.2.3'): string {
  return [
    'apiVersion: application.margo.org/v1alpha1',
    'kind: ApplicationDeployment',
    'metadata:',
    '  annotations:',
    `    id: ${id}`,
    '    applicationId: com-northstartida-digitron-orchestrator',
    `  name: ${name}`,
    '  namespace: margo-apps',
    'spec:',
    '  deploymentProfile:',
    '    type: helm.v3',
    '    components:',
    `      - name: ${name}`,
    '        properties:',
    '          repository: oci://northstarida.azurecr.io/charts/digitron-orchestrator',
    `          revision: ${revision}`,
    '          timeout: 8m30s',
    '',
  ].join('\n');
}

/** A temporary deployments folder holding `ids.length` ApplicationDeployment YAMLs; returns its path. */
export async function writeDeploymentsDir(ids: readonly string[]): Promise<string> {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'margo-deployments-'));
  for (const id of ids) await writeFile(join(dir, `${id}.yaml`), deploymentYaml(id));
  return dir;
}
