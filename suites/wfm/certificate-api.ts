/**
 * @module Checks of the Certificate API (E1, `certificate` route): the WFM hands out its root CA, base64 without line
 * breaks, for the device to pin.
 *
 * @see spec-digest §2.2, §5.3 items 20–21; seed "Onboarding Sequence" (GET /onboarding/certificate)
 */
import { defineCheck } from '../../core/check.js';
import type { Evidence } from '../../core/check.js';
import { isConformanceError } from '../../core/errors.js';
import { basicConstraintsOf, describeCertificate, isSelfSigned, isStrictBase64 } from '../../core/pki/index.js';
import { allOf, exchangeEvidence, expectSchema, expectStatus, fail, noResponseReason, note, pass, unmet } from '../expect.js';
import type { WfmCheckContext, WfmExchange } from './context.js';
import { jsonBodyOf, routeOf, sendRoute } from './requests.js';
import { decodeRootCaField } from './root-ca.js';
import { isChainVerificationCode } from './transport.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const CERT_API = 'margo:certificate-api';
const QUOTE = 'the certificate field MUST contain the PEM-encoded X.509 root CA certificate, Base64 without line breaks';

/** Id of the check that downloads the root CA; later checks `require` it. */
export const RETURNS_ROOT_CA = 'wfm.certificate-api.returns-root-ca';

function certificateFieldOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)['certificate'];
  return typeof field === 'string' ? field : undefined;
}

/**
 * GET certificate over the pinned channel. When that channel fails chain verification and the root CA was
 * bootstrapped from this very API (`--insecure-bootstrap` or a system-store download), the request is repeated over
 * the bootstrap channel, as the device did: the advertised CA is then judged here, and the chain failure by
 * `wfm.tls.chain-verifies-against-advertised-ca`, instead of both ending inconclusive.
 */
async function fetchRootCa(ctx: WfmCheckContext): Promise<{ exchange: WfmExchange; notes: Evidence[] }> {
  const pinned = await sendRoute(ctx, 'certificate', { label: 'GET root CA', signing: 'unsigned' });
  if (pinned.response !== undefined || ctx.bootstrap === undefined || !isChainVerificationCode(pinned.tls?.errorCode)) {
    return { exchange: pinned, notes: [] };
  }
  const channel = ctx.target.trustAnchorSource === 'insecure-bootstrap' ? 'unverified TLS (--insecure-bootstrap)' : 'TLS verified by the system store';
  const exchange = await sendRoute({ ...ctx, wfm: ctx.bootstrap }, 'certificate', { label: `GET root CA over the bootstrap channel (${channel})`, signing: 'unsigned' });
  const why = `the pinned channel failed: ${noResponseReason(pinned)}; the root CA was fetched again over ${channel}, as at bootstrap`;
  return { exchange, notes: [note(why, 'bootstrap channel'), ...exchangeEvidence(pinned)] };
}

/** GET certificate → 200 `{certificate}` holding one X.509 CA certificate; stores it as the session's advertised root CA. */
export const returnsRootCa = defineCheck<WfmCheckContext>({
  id: RETURNS_ROOT_CA,
  title: 'Certificate API answers 200 with the WFM root CA as an X.509 CA certificate',
  role: 'wfm',
  level: 'MUST',
  clause: { source: CERT_API, section: 'Certificate API', quote: QUOTE },
  related: [{ source: 'rfc5280', section: '4.2.1.9' }],
  profiles: PROFILES,
  async run(ctx) {
    const route = routeOf(ctx, 'certificate');
    const { exchange, notes } = await fetchRootCa(ctx);
    const status = expectStatus(exchange, route.successStatuses, { what: 'Certificate API' });
    if (status.status !== 'pass') return { ...status, evidence: [...notes, ...status.evidence] };
    const evidence = [...notes, ...exchangeEvidence(exchange)];
    const parsed = jsonBodyOf(exchange);
    if (!parsed.ok) return fail('Certificate API body is not JSON', 'application/json {certificate}', parsed.message, evidence);
    const field = certificateFieldOf(parsed.value);
    if (field === undefined) return fail('Certificate API body has no string member certificate', '{"certificate": "<base64>"}', 'no certificate string', evidence);
    let decoded;
    try {
      decoded = decodeRootCaField(field);
    } catch (err) {
      if (!isConformanceError(err, 'CERT_ENCODING_INVALID', 'CERT_PARSE_FAILED')) throw err;
      return fail(`certificate field does not hold an X.509 certificate: ${err.message}`, 'base64 of an X.509 root CA', err.code, evidence);
    }
    const certEvidence: Evidence[] = [...evidence, describeCertificate(decoded.x509, 'advertised root CA')];
    if (basicConstraintsOf(decoded.x509)?.ca !== true) {
      return fail('the advertised certificate is not a CA (basicConstraints CA:true missing)', 'a root CA certificate', 'a certificate without CA:true', certEvidence);
    }
    ctx.session.rootCa = { ...decoded, field, exchange };
    const selfSigned = isSelfSigned(decoded.x509) ? '' : ' (note: not self-signed, so it is an intermediate rather than a root)';
    const via = notes.length === 0 ? '' : ' over the bootstrap channel (the pinned channel fails chain verification)';
    return pass(`Certificate API returned a CA certificate (${decoded.encoding})${via}${selfSigned}`, certEvidence);
  },
});

/** The field is base64 without line breaks, and the body is schema-valid. */
export const base64WithoutLineBreaks = defineCheck<WfmCheckContext>({
  id: 'wfm.certificate-api.base64-without-line-breaks',
  title: 'Certificate API carries the root CA as Base64 without line breaks in a schema-valid body',
  role: 'wfm',
  level: 'MUST',
  clause: { source: CERT_API, section: 'Certificate API', quote: QUOTE },
  related: [{ source: 'rfc4648', section: '4' }],
  profiles: PROFILES,
  requires: [RETURNS_ROOT_CA],
  faults: ['ca-as-raw-pem'],
  async run(ctx) {
    const root = ctx.session.rootCa;
    if (root === undefined) return fail('no advertised root CA in the session', 'a root CA', 'none', []);
    const parsed = jsonBodyOf(root.exchange);
    const schemaName = routeOf(ctx, 'certificate').responseSchema;
    const schema = schemaName === undefined || !parsed.ok
      ? pass('no response schema in the profile')
      : expectSchema(ctx.schemas, schemaName, parsed.value, 'Certificate API body');
    const evidence = exchangeEvidence(root.exchange);
    const encoding =
      root.encoding !== 'pem-text' && isStrictBase64(root.field)
        ? pass(`certificate is base64 without line breaks (${root.encoding})`, evidence)
        : fail(
            root.encoding === 'pem-text' ? 'certificate is PEM text (armour and line breaks), not base64' : 'certificate is not strict base64',
            'base64 (RFC 4648 §4) without line breaks',
            root.field.slice(0, 80),
            evidence,
          );
    return allOf([schema, encoding], 'Certificate API body is schema-valid and the root CA is base64 without line breaks');
  },
});

/**
 * Which base64 reading the field follows. The clause's "PEM-encoded …, Base64" has two readings (spec-digest §6.6);
 * this project reads base64(DER) as the default and flags the other one as `warn`, so the check is SHOULD-level.
 * Config key `certificate.encoding` (`base64-der` | `base64-pem` | `auto`) changes the expected reading.
 */
export const expectedEncoding = defineCheck<WfmCheckContext>({
  id: 'wfm.certificate-api.expected-encoding',
  title: 'Certificate API encodes the root CA as configured by certificate.encoding (default base64 of the DER)',
  role: 'wfm',
  level: 'SHOULD',
  clause: { source: CERT_API, section: 'Certificate API', quote: QUOTE },
  profiles: PROFILES,
  requires: ['wfm.certificate-api.base64-without-line-breaks'],
  async run(ctx) {
    const root = ctx.session.rootCa;
    if (root === undefined) return fail('no advertised root CA in the session', 'a root CA', 'none', []);
    const wanted = ctx.config.certificate.encoding;
    const evidence = [...exchangeEvidence(root.exchange), note(`certificate.encoding = ${wanted}; found ${root.encoding}`)];
    if (wanted === 'auto' || wanted === root.encoding) return pass(`root CA is ${root.encoding} (certificate.encoding ${wanted})`, evidence);
    return unmet(
      'SHOULD',
      `root CA is ${root.encoding}, not ${wanted} (other implementations may not decode it; see certificate.encoding)`,
      wanted,
      root.encoding,
      evidence,
    );
  },
});
