/**
 * @module Starting a mock WFM: PKI, state (in memory, or reloaded from `--data-dir`), the HTTPS API listener
 * (node:https, TLS 1.3 minimum by default), the opt-in plain-HTTP Certificate API listener, and the admin
 * listener on loopback. Returns a {@link MockWfm}.
 *
 * Decisions (see README.md): the server chain is issued by the mock's own root CA, which the Certificate API
 * returns; raw Buffer bodies; routes from the profile; TLS session resumption cannot carry a genuine-chain session
 * over to the imposter chain, because `setSecureContext` brings fresh ticket keys.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { systemClock } from '../core/clock.js';
import { DEFAULT_CONFIG } from '../core/config.js';
import { ConformanceError, isConformanceError } from '../core/errors.js';
import { ensureDirectory } from '../core/fs-safe.js';
import { packagePath } from '../core/paths.js';
import { createRootCa, parsePemBlocks, parseCertificate } from '../core/pki/index.js';
import { getProfile } from '../core/profiles/index.js';
import { loadSchemaRegistry } from '../core/schema.js';
import { createAdminHandler } from './admin-server.js';
import { createMockAdmin } from './admin-ops.js';
import { createApiHandler, createApiRouter } from './api-handler.js';
import { createClientFaultRegistry } from './client-faults.js';
import { republish, type MockContext } from './context.js';
import { parseDeploymentYaml, splitYamlDocuments } from './desired-state.js';
import { isMockFault, type MockFault } from './faults.js';
import { createStateWriter, loadState } from './persistence.js';
import { generateMockPki, loadOrCreatePki, serverHosts, type MockPki } from './pki-store.js';
import { answerClientErrors, applyTimeouts, closeServer, listen, recordHandshakes, tlsOptions, urlHost } from './listeners.js';
import { createRecorder } from './recorder.js';
import { createMockState, isFingerprint, normaliseFingerprint, type DeploymentDoc, type MockState } from './state.js';
import type { MockWfm, MockWfmOptions } from './types.js';
import { createSignatureVerifier } from './verify.js';

const MIB = 1024 * 1024;

/**
 * Reads the seed ApplicationDeployment YAMLs (`*.yaml`, `*.yml`, sorted by file name; `---` streams allowed).
 * A missing default folder gives no seeds; a missing explicit folder is an error.
 * @throws ConformanceError `CONFIG_INVALID` for an unreadable folder or an invalid document
 */
export async function readSeedDeployments(dir: string | undefined): Promise<DeploymentDoc[]> {
  const folder = dir ?? packagePath('fixtures', 'deployments');
  let names: string[];
  try {
    names = (await readdir(folder)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch (err) {
    if (dir === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConformanceError('CONFIG_INVALID', `cannot read deployments folder ${folder}`, { cause: err });
  }
  const docs: DeploymentDoc[] = [];
  for (const name of names) {
    for (const text of splitYamlDocuments(await readFile(join(folder, name), 'utf8'))) docs.push(parseDeploymentYaml(text));
  }
  return docs;
}

function checkFaults(faults: readonly string[]): Set<MockFault> {
  const unknown = faults.filter((f) => !isMockFault(f));
  if (unknown.length > 0) throw new ConformanceError('USAGE', `unknown mock fault(s): ${unknown.join(', ')} (see --list-faults)`);
  return new Set(faults as MockFault[]);
}

/** Shortest admin token accepted: 16 characters, so a token cannot be guessed or left empty by accident. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/**
 * Checks a configured admin token: absent is fine (a random one is made); present must be at least
 * {@link MIN_ADMIN_TOKEN_LENGTH} characters, so `''` never opens the admin API.
 * @returns the token as given
 * @throws ConformanceError `USAGE` for a shorter token (the token itself is never echoed)
 */
export function checkAdminToken(token: string | undefined): string | undefined {
  if (token !== undefined && token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConformanceError('USAGE', `the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (got ${token.length})`);
  }
  return token;
}

function checkAllowlist(fingerprints: readonly string[]): void {
  const bad = fingerprints.find((fp) => !isFingerprint(fp));
  if (bad !== undefined) {
    throw new ConformanceError('USAGE', `allowlist: expected a SHA-256 fingerprint (64 hex digits, colons allowed), got '${bad.slice(0, 100)}'`);
  }
}

function parseTrustedIssuers(pem: string): ReturnType<typeof parseCertificate>[] {
  try {
    return parsePemBlocks(pem).map((block) => parseCertificate(block.der));
  } catch (err) {
    if (!isConformanceError(err)) throw err;
    throw new ConformanceError('CONFIG_INVALID', `a trusted issuer CA is not a readable certificate: ${err.message}`, { cause: err });
  }
}

function seedTrust(state: MockState, opts: MockWfmOptions): void {
  for (const pem of [...state.trustedIssuerPems, ...(opts.trustedIssuers ?? [])]) {
    for (const cert of parseTrustedIssuers(pem)) {
      if (state.trustedIssuerCerts.some((c) => c.fingerprint256 === cert.fingerprint256)) continue;
      state.trustedIssuerCerts.push(cert);
      if (!state.trustedIssuerPems.includes(cert.toString())) state.trustedIssuerPems.push(cert.toString());
    }
  }
  for (const fp of opts.allowlist ?? []) state.allowedFingerprints.add(normaliseFingerprint(fp));
}

/**
 * Starts a mock WFM. Resolves once every listener is bound (port 0 picks free ports).
 *
 * @throws ConformanceError `USAGE` (unknown fault; admin token shorter than 16 characters; a port outside
 *   0..65535 or a listener that cannot bind, with `details.option` naming the port option — listeners already
 *   bound are closed first), `PROFILE_UNKNOWN`, `CONFIG_INVALID` (unreadable data dir, deployments folder, or a
 *   PKI / state file that is not the mock's)
 */
export async function startMockWfm(opts: MockWfmOptions = {}): Promise<MockWfm> {
  const config = opts.config ?? DEFAULT_CONFIG;
  const profile = getProfile(opts.profileId ?? config.profile);
  const clock = opts.clock ?? systemClock;
  const faults = checkFaults(opts.faults ?? []);
  const adminToken = checkAdminToken(opts.adminToken) ?? randomBytes(32).toString('base64url');
  checkAllowlist(opts.allowlist ?? []);
  const host = opts.host ?? '127.0.0.1';
  const hosts = serverHosts([...(opts.serverHosts ?? []), host]);
  if (opts.dataDir !== undefined) await ensureDirectory(opts.dataDir, 0o700, 'CONFIG_INVALID');
  const pki = await loadOrCreatePki({ ...(opts.pki === undefined ? {} : { given: opts.pki }), ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }), hosts });
  const unrelatedCa = faults.has('ca-not-issuer') ? await createRootCa({ commonName: 'Unrelated CA (ca-not-issuer fault)' }) : undefined;
  const state = createMockState();
  if (opts.dataDir !== undefined) await loadState(opts.dataDir, state);
  seedTrust(state, opts);
  const writer = opts.dataDir === undefined ? undefined : createStateWriter(opts.dataDir, state);
  const resolved = Promise.resolve();
  const clientFaults = createClientFaultRegistry(opts.clientFaults ?? []);
  const minVersion = opts.tlsMinVersion ?? config.tls.minVersion;
  const tls12Only = faults.has('tls12-only');
  let server: HttpsServer | undefined;
  let imposter: MockPki | undefined = clientFaults.has('imposter-tls-after-ca-download')
    ? await generateMockPki(hosts, 'Imposter CA (imposter-tls-after-ca-download)')
    : undefined;

  const ctx: MockContext = {
    profile,
    config,
    clock,
    basePath: (opts.basePath ?? '').replace(/\/+$/, ''),
    policy: opts.onboarding ?? 'auto-approve',
    trustAnyCertificate: opts.trustAnyCertificate ?? (opts.trustedIssuers ?? []).length === 0,
    faults,
    state,
    recorder: createRecorder(opts.recordLimit),
    verify: createSignatureVerifier(config, faults),
    schemas: loadSchemaRegistry(),
    clientFaults,
    bodyLimitBytes: opts.bodyLimitBytes ?? MIB,
    pendingHoldMs: opts.pendingHoldMs ?? 30_000,
    seedDeployments: await readSeedDeployments(opts.deploymentsDir),
    pki,
    ...(unrelatedCa === undefined ? {} : { unrelatedCa }),
    persist: writer === undefined ? () => resolved : () => writer.save(),
    async onCaDownloaded() {
      ctx.tlsState.caDownloaded = true;
      if (ctx.tlsState.served === 'imposter' || !clientFaults.has('imposter-tls-after-ca-download') || server === undefined) return;
      imposter ??= await generateMockPki(hosts, 'Imposter CA (imposter-tls-after-ca-download)');
      server.setSecureContext(tlsOptions(imposter, minVersion, tls12Only));
      ctx.tlsState.served = 'imposter';
    },
    tlsState: { caDownloaded: false, served: 'genuine' },
    holdWaiters: new Map(),
    log: opts.log ?? (() => undefined),
  };
  for (const client of state.clients.values()) republish(ctx, client);

  const router = createApiRouter(profile.routes);
  server = createHttpsServer({ ...tlsOptions(pki, minVersion, tls12Only), handshakeTimeout: 10_000, maxHeaderSize: 16_384 }, createApiHandler(ctx, router, 'api'));
  applyTimeouts(server, opts);
  recordHandshakes(server, ctx);
  answerClientErrors(server, ctx, 'api');
  const port = await listen(server, opts.port ?? 0, host, 'port');
  const api = server;
  // A listener that fails to bind must not leave the ones already bound running.
  const unwind = async (err: unknown): Promise<never> => {
    await Promise.all([closeServer(api, 0), ...(plain === undefined ? [] : [closeServer(plain, 0)])]);
    await writer?.idle();
    throw err;
  };

  let plain: HttpServer | undefined;
  let plainPort: number | undefined;
  if (opts.plainHttpCertificatePort !== undefined) {
    plain = createHttpServer({ maxHeaderSize: 16_384 }, createApiHandler(ctx, router, 'certificate-http'));
    applyTimeouts(plain, opts);
    answerClientErrors(plain, ctx, 'certificate-http');
    plainPort = await listen(plain, opts.plainHttpCertificatePort, host, 'plainHttpCertificatePort').catch(unwind);
  }

  const admin = createMockAdmin(ctx);
  const adminHost = opts.adminHost ?? '127.0.0.1';
  const url = `https://${urlHost(host)}:${port}${ctx.basePath}`;
  const info = (): Record<string, unknown> => ({
    url,
    profile: profile.id,
    policy: ctx.policy,
    faults: [...faults],
    caFingerprint256: pki.rootCa.fingerprint256,
    clientFaults: clientFaults.list(),
  });
  const adminServer = createHttpServer({ maxHeaderSize: 16_384 }, createAdminHandler({ ctx, admin, token: adminToken, info }));
  applyTimeouts(adminServer, opts);
  answerClientErrors(adminServer, ctx, 'admin');
  const adminPort = await listen(adminServer, opts.adminPort ?? 0, adminHost, 'adminPort').catch(unwind);

  return {
    url,
    port,
    adminUrl: `http://${urlHost(adminHost)}:${adminPort}/admin/`,
    adminToken,
    ...(plainPort === undefined ? {} : { plainHttpUrl: `http://${urlHost(host)}:${plainPort}${ctx.basePath}` }),
    profileId: profile.id,
    policy: ctx.policy,
    faults: [...faults],
    rootCa: pki.rootCa,
    caPem: pki.rootCa.certPem,
    caFingerprint256: pki.rootCa.fingerprint256,
    traffic: () => ctx.recorder.entries(),
    state: admin,
    async close() {
      for (const fp of [...ctx.holdWaiters.keys()]) for (const wake of ctx.holdWaiters.get(fp) ?? []) wake();
      await Promise.all([closeServer(api, 5_000), closeServer(adminServer, 1_000), ...(plain === undefined ? [] : [closeServer(plain, 1_000)])]);
      await writer?.idle();
    },
  };
}
