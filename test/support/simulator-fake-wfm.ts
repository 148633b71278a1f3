/**
 * A small, strict loopback WFM for the device simulator's tests (node:https on 127.0.0.1, port 0). It verifies
 * every signed request with core/http-signatures under a strict policy, records what reached it (requests and TLS
 * handshakes), and can misbehave per route: a scripted status (403, 429 + Retry-After…), an imposter TLS
 * certificate after the CA download, or deployment bytes that do not match their digest.
 * The real mock WFM lives in mock-server/; this one stays tiny so each behaviour is obvious from the test.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultVerifyPolicy, verifyRequest } from '../../core/http-signatures/index.js';
import type { VerifyOutcome } from '../../core/http-signatures/index.js';
import { createRootCa, decodeCertificateField, encodeCertificateField, issueServerLeaf } from '../../core/pki/index.js';
import type { IssuedCertificate } from '../../core/pki/index.js';
import { getProfile, matchRoute, stripBasePath } from '../../core/profiles/index.js';
import type { RouteName } from '../../core/profiles/index.js';

/** A scripted answer for the n-th request (from 1) on a route; undefined = behave normally. */
export type Script = (n: number) => { status: number; headers?: Record<string, string>; body?: string } | undefined;

export interface FakeWfmOptions {
  profileId?: string;
  /** Path prefix before /api/v1, e.g. `/margo`. */
  prefix?: string;
  scripts?: Partial<Record<RouteName, Script>>;
  /** After the Certificate API answered, serve a leaf from another CA. */
  imposterAfterCaDownload?: boolean;
  /** Serve deployment bytes whose sha256 differs from the manifest digest. */
  tamperDeployment?: boolean;
  /** Shared PKI (saves key generation across servers). */
  pki?: FakePki;
}

export interface FakePki {
  rootCa: IssuedCertificate;
  server: IssuedCertificate;
  imposter: IssuedCertificate;
}

export interface RecordedCall {
  route?: RouteName;
  params: Record<string, string>;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  verify?: VerifyOutcome;
  status: number;
  at: number;
}

export interface FakeWfm {
  url: string;
  caPem: string;
  pki: FakePki;
  calls: RecordedCall[];
  handshakes: { ok: boolean; error?: string; imposter: boolean }[];
  /** TCP connections accepted, with the certificate they were served (the TLS alert may arrive after a test ends). */
  connections: { imposter: boolean }[];
  /** Calls on one route. */
  on(route: RouteName): RecordedCall[];
  close(): Promise<void>;
}

export const DEPLOYMENT_ID = 'a3e2f5dc-912e-494f-8395-52cf3769bc06';
export const DEPLOYMENT_YAML = `apiVersion: application.margo.org/v1alpha1
kind: ApplicationDeployment
metadata:
  annotations:
    id: ${DEPLOYMENT_ID}
    applicationId: digitron
  name: digitron
  namespace: margo
spec:
  deploymentProfile:
    type: helm.v3
    components:
      - name: digitron-orchestrator
        properties: { repository: "oci://example/orchestrator", revision: "1.2.3" }
      - name: database-services
        properties: { repository: "oci://example/db", revision: "2.0.0" }
`;

/** Generates the fake's PKI: a root CA, a server leaf for 127.0.0.1, and an imposter leaf from another CA. */
export async function createFakePki(): Promise<FakePki> {
  const rootCa = await createRootCa({ commonName: 'Fake WFM Root CA' });
  const other = await createRootCa({ commonName: 'Imposter Root CA' });
  return { rootCa, server: await issueServerLeaf(rootCa), imposter: await issueServerLeaf(other, { name: 'imposter' }) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** Starts the fake WFM. */
export async function startFakeWfm(opts: FakeWfmOptions = {}): Promise<FakeWfm> {
  const profile = getProfile(opts.profileId ?? 'rfc9421-v1');
  const pki = opts.pki ?? (await createFakePki());
  const prefix = opts.prefix ?? '';
  const calls: RecordedCall[] = [];
  const handshakes: FakeWfm['handshakes'] = [];
  const connections: FakeWfm['connections'] = [];
  const clients = new Map<string, X509Certificate>();
  const counts = new Map<string, number>();
  let imposterOn = false;
  const yamlBytes = Buffer.from(DEPLOYMENT_YAML);
  const digest = `sha256:${createHash('sha256').update(yamlBytes).digest('hex')}`;

  const server: Server = createServer({ key: pki.server.privateKeyPem, cert: pki.server.chainPem, minVersion: 'TLSv1.2' });
  server.on('connection', () => connections.push({ imposter: imposterOn }));
  server.on('secureConnection', () => handshakes.push({ ok: true, imposter: imposterOn }));
  server.on('tlsClientError', (err: Error & { code?: string }) => handshakes.push({ ok: false, error: err.code ?? err.message, imposter: imposterOn }));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const headers = headersOf(req);
    const url = new URL(req.url ?? '/', `https://${headers['host'] ?? 'localhost'}`);
    const rest = stripBasePath(prefix, url.pathname);
    const match = rest === undefined ? undefined : matchRoute(profile, req.method ?? 'GET', rest);
    const call: RecordedCall = { method: req.method ?? '', path: url.pathname, headers, body, params: match?.params ?? {}, status: 0, at: Date.now() };
    if (match !== undefined) call.route = match.route;
    calls.push(call);
    const send = (status: number, text = '', extra: Record<string, string> = {}): void => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json', ...extra });
      res.end(text);
    };
    if (match === undefined) return send(404, '{"error":"no route"}');
    const n = (counts.get(match.route) ?? 0) + 1;
    counts.set(match.route, n);
    const scripted = opts.scripts?.[match.route]?.(n);
    const spec = profile.routes[match.route];
    if (spec?.signed === true) {
      let key: X509Certificate | undefined;
      if (match.route === 'onboarding') {
        try {
          const field = (JSON.parse(body.toString('utf8')) as { certificate?: unknown }).certificate;
          key = decodeCertificateField(typeof field === 'string' ? field : '', ['base64-der']).x509;
        } catch {
          return send(400, '{"error":"Invalid certificate"}');
        }
      } else {
        key = clients.get(match.params['clientId'] ?? '');
        if (key === undefined) return send(404, '{"error":"unknown client"}');
      }
      const policy = defaultVerifyPolicy(Math.floor(Date.now() / 1000));
      const parts = { method: req.method ?? '', url: `https://${headers['host']}${req.url}`, headers, body };
      call.verify = await verifyRequest(parts, policy, () => key.publicKey);
      if (!call.verify.ok) return send(call.verify.reason.includes('digest') ? 400 : 401, '{"error":"Invalid signature"}');
      if (scripted !== undefined) return send(scripted.status, scripted.body ?? '', scripted.headers);
      if (match.route === 'onboarding') {
        const clientId = `client-${clients.size + 1}`;
        clients.set(clientId, key);
        return send(201, JSON.stringify({ clientId }));
      }
    } else if (scripted !== undefined) {
      return send(scripted.status, scripted.body ?? '', scripted.headers);
    }
    switch (match.route) {
      case 'certificate': {
        send(200, JSON.stringify({ certificate: encodeCertificateField(pki.rootCa.certDer, 'base64-der') }));
        if (opts.imposterAfterCaDownload === true && !imposterOn) {
          imposterOn = true;
          server.setSecureContext({ key: pki.imposter.privateKeyPem, cert: pki.imposter.chainPem });
        }
        return;
      }
      case 'desiredState': {
        const clientId = match.params['clientId'] ?? '';
        const manifest = JSON.stringify({
          manifestVersion: 1,
          bundle: null,
          deployments: [{ deploymentId: DEPLOYMENT_ID, digest, url: `/api/v1/clients/${clientId}/deployments/${DEPLOYMENT_ID}/${digest}` }],
        });
        const etag = `"sha256:${createHash('sha256').update(manifest).digest('hex')}"`;
        if (headers['if-none-match'] === etag) {
          call.status = 304;
          res.writeHead(304, { etag });
          res.end();
          return;
        }
        return send(200, manifest, { 'content-type': profile.mediaTypes.manifest, etag });
      }
      case 'deploymentByDigest': {
        if (match.params['digest'] !== digest) return send(404, '{"error":"unknown digest"}');
        return send(200, opts.tamperDeployment === true ? `${DEPLOYMENT_YAML}# tampered\n` : DEPLOYMENT_YAML, { 'content-type': 'application/yaml', etag: `"${digest}"` });
      }
      case 'deploymentStatus':
      case 'capabilitiesCreate':
      case 'capabilitiesUpdate':
        return send(201);
      default:
        return send(404, '{"error":"not served"}');
    }
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}${prefix}`,
    caPem: pki.rootCa.certPem,
    pki,
    calls,
    handshakes,
    connections,
    on: (route) => calls.filter((c) => c.route === route),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
