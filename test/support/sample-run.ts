/**
 * A realistic RunResult for report tests, produced by the real runner from hand-made checks: every verdict
 * status, a dependency chain, a negative check without evidence, a timeout, a signature failure with two
 * signature bases, hostile target output (markup, control characters) and planted secrets.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { BaseCheckContext, Check, Evidence, RunResult, Verdict } from '../../core/check.js';
import { fakeClock } from '../../core/clock.js';
import { ConformanceError } from '../../core/errors.js';
import { runChecks } from '../../core/runner.js';

/** Secrets planted in the run; none may appear in any report file. */
export interface PlantedSecrets {
  privateKeyPem: string;
  /** A line from the middle of the PEM body: survives JSON/HTML escaping unchanged. */
  privateKeyLine: string;
  signatureBytes: string;
  adminToken: string;
  vendorSecret: string;
}

/** Builds fresh planted secrets (a new EC key per call; nothing is written to disk). */
export function plantSecrets(): PlantedSecrets {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const lines = privateKeyPem.trim().split('\n');
  return {
    privateKeyPem,
    privateKeyLine: lines[2] ?? lines[1] ?? '',
    signatureBytes: randomBytes(64).toString('base64'),
    adminToken: `adm1n-${randomBytes(12).toString('hex')}`,
    vendorSecret: `vs-${randomBytes(12).toString('hex')}`,
  };
}

/** Markup and control characters a hostile target might return. */
export const HOSTILE_BODY = '<script>alert("xss")</script><img src=x onerror=alert(2)>\u001b[31mred\u0000';

const EXPECTED_BASE = [
  '"@method": POST',
  '"@target-uri": https://127.0.0.1:8443/api/v1/onboarding',
  '"content-digest": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
  '"@signature-params": ("@method" "@target-uri" "content-digest");created=1700000000;keyid="abc"',
].join('\n');
const REBUILT_BASE = [
  '"@method": POST',
  '"@target-uri": https://127.0.0.1:8443/api/v1/onboarding/',
  '"content-digest": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
  '"@signature-params": ("@method" "@target-uri" "content-digest");created=1700000000;keyid="abc"',
].join('\n');

function check(id: string, run: () => Promise<Verdict>, extra: Partial<Check> = {}): Check {
  return {
    id,
    title: `Title of ${id}`,
    role: 'wfm',
    level: 'MUST',
    clause: { source: 'margo:api-requirements-and-security', section: 'Payload Security', quote: 'requests MUST be signed' },
    related: [{ source: 'rfc9421', section: '2.5' }],
    profiles: ['rfc9421-v1'],
    ...extra,
    run,
  };
}

const ok = (message: string, evidence: Evidence[] = []) => async (): Promise<Verdict> => ({
  status: 'pass',
  message,
  evidence,
});

/** The sample catalogue (hand-made checks) built around the planted secrets. */
export function sampleCatalogue(s: PlantedSecrets): Check[] {
  const signedRequest: Evidence = {
    kind: 'exchange',
    label: 'onboarding',
    request: {
      method: 'POST',
      url: 'https://127.0.0.1:8443/api/v1/onboarding',
      headers: {
        'content-type': 'application/json',
        'signature-input': 'sig1=("@method" "@target-uri" "content-digest");created=1700000000;keyid="abc"',
        signature: `sig1=:${s.signatureBytes}:`,
        authorization: `Bearer ${s.adminToken}`,
        'x-vendor-secret': s.vendorSecret,
      },
      body: JSON.stringify({ kind: 'OnboardingRequest', key: s.privateKeyPem }),
    },
    response: { status: 201, headers: { 'content-type': 'application/json' }, body: `{"clientId":"c-1","echo":"${s.adminToken}"}` },
  };
  const rejected: Evidence = {
    kind: 'exchange',
    request: { method: 'POST', url: "https://127.0.0.1:8443/api/v1/onboarding?q=it's", headers: { 'x-evil': 'a\u001bb' } },
    response: { status: 200, headers: { 'content-type': 'text/html' }, body: HOSTILE_BODY },
  };
  return [
    check('wfm.onboarding.accepts-signed-request', ok('onboarding accepted; clientId c-1', [signedRequest])),
    check('wfm.onboarding.rejects-stale-created', ok('stale created rejected with 401', [{ ...rejected, response: { status: 401, headers: {} } }]), {
      negative: true,
      requires: ['wfm.onboarding.accepts-signed-request'],
    }),
    check(
      'wfm.onboarding.rejects-bad-signature',
      async () => ({
        status: 'fail',
        message: `accepted a request with a bad signature <b>${s.vendorSecret}</b>`,
        expected: '401',
        actual: '200',
        evidence: [
          rejected,
          { kind: 'signature-base', label: 'sig1', base: REBUILT_BASE, expected: EXPECTED_BASE, outcome: 'bad-signature' },
          { kind: 'note', text: `vendor header was ${s.vendorSecret}; key ${s.privateKeyPem.slice(0, 80)}` },
        ],
      }),
      { negative: true, requires: ['wfm.onboarding.accepts-signed-request'] },
    ),
    check(
      'wfm.capabilities.reports-manifest',
      async () => ({
        status: 'warn',
        message: 'DeviceCapabilitiesManifest has extra fields',
        evidence: [{ kind: 'schema-errors', schema: 'rfc9421-v1/capabilities', errors: [{ instancePath: '/properties/x', keyword: 'additionalProperties', message: 'must NOT have additional properties <x>' }] }],
      }),
      { level: 'SHOULD', requires: ['wfm.onboarding.accepts-signed-request'] },
    ),
    check('wfm.capabilities.rejects-unsigned', ok('rejected (no evidence)'), { negative: true }),
    check('wfm.capabilities.after-bad-signature', ok('never runs'), { requires: ['wfm.onboarding.rejects-bad-signature'] }),
    check('wfm.status.target-down', async () => {
      throw new ConformanceError('TARGET_UNREACHABLE', 'connect ECONNREFUSED 127.0.0.1:8443');
    }),
    check('wfm.status.hangs', () => new Promise<Verdict>(() => undefined)),
    check('wfm.status.other-profile', ok('never runs'), { profiles: ['rfc9421-rc2'] }),
    check('wfm.status.filtered', ok('never runs')),
    check(
      'wfm.tls.handshake',
      ok('TLS 1.3 with the downloaded root CA', [
        { kind: 'tls', host: '127.0.0.1', port: 8443, tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', authorized: true } },
        {
          kind: 'certificate',
          label: 'leaf',
          subject: 'CN=wfm.example',
          issuer: 'CN=Test Root CA',
          spkiSha256: 'a'.repeat(64),
          fingerprint256: 'AB:CD',
          notBefore: '2026-01-01T00:00:00Z',
          notAfter: '2027-01-01T00:00:00Z',
          keyType: 'ec P-256',
        },
      ]),
      { level: 'MAY' },
    ),
  ];
}

/** Runs the sample catalogue with the real runner (fake clock, 30 ms timeout for the hanging check). */
export async function sampleRun(s: PlantedSecrets = plantSecrets()): Promise<RunResult> {
  const clock = fakeClock(1_700_000_000);
  return runChecks<BaseCheckContext>({
    role: 'wfm',
    profileId: 'rfc9421-v1',
    specRevision: 'margo-test-rev',
    target: 'https://127.0.0.1:8443',
    config: {
      target: 'https://127.0.0.1:8443',
      admin: { token: s.adminToken },
      tls: { clientKeyPem: s.privateKeyPem },
      signatures: { maxAgeSeconds: 300 },
      secretHeaders: ['x-vendor-secret'],
    },
    catalogue: sampleCatalogue(s),
    skip: ['wfm.status.filtered'],
    makeContext: (signal) => ({ now: () => clock.nowSeconds(), signal }),
    clock,
    checkTimeoutMs: 30,
    notes: ['insecure bootstrap used for the root CA download'],
  });
}
