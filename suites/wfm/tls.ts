/**
 * @module TLS checks: the chain the WFM serves verifies against exactly the root CA its Certificate API advertises
 * (what a pinning device does), and TLS 1.3 is offered.
 *
 * @see spec-digest §4.1 (server-side TLS 1.3, client trusts the advertised root CA), §5.1 items 4–5; seed
 *   "Client verifies server cert chain based on RootCA"
 */
import { defineCheck } from '../../core/check.js';
import type { Evidence } from '../../core/check.js';
import { isConformanceError } from '../../core/errors.js';
import { describeCertificate, verifyChainAgainstRoot } from '../../core/pki/index.js';
import { fail, inconclusive, note, pass } from '../expect.js';
import type { TlsHandshakeResult, WfmCheckContext } from './context.js';
import { RETURNS_ROOT_CA } from './certificate-api.js';

const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;
const SECURITY = 'margo:api-requirements-and-security';

function tlsEvidence(ctx: WfmCheckContext, label: string, tls: TlsHandshakeResult): Evidence {
  return { kind: 'tls', label, tls, host: ctx.target.host, port: ctx.target.port };
}

/** The handshake pinned to the advertised root CA succeeds; otherwise the offline chain check names the reason. */
export const chainVerifiesAgainstAdvertisedCa = defineCheck<WfmCheckContext>({
  id: 'wfm.tls.chain-verifies-against-advertised-ca',
  title: 'The TLS server chain verifies against exactly the root CA the Certificate API advertises',
  role: 'wfm',
  level: 'MUST',
  clause: {
    source: 'margo:device-client-onboarding',
    section: 'Onboarding Sequence',
    quote: 'the client verifies the server cert chain based on the RootCA obtained via the Certificate API',
  },
  related: [{ source: 'rfc5280', section: '6.1' }, { source: 'rfc6125', section: '6' }],
  profiles: PROFILES,
  requires: [RETURNS_ROOT_CA],
  faults: ['ca-not-issuer'],
  async run(ctx) {
    const root = ctx.session.rootCa;
    if (root === undefined) return fail('no advertised root CA in the session', 'a root CA', 'none', []);
    const pinned = await handshake(ctx, { caPem: root.pem, minVersion: 'TLSv1.2' });
    const evidence: Evidence[] = [describeCertificate(root.x509, 'advertised root CA'), tlsEvidence(ctx, 'handshake pinned to the advertised root CA', pinned)];
    if (pinned.authorized === true && pinned.errorCode === undefined) {
      return pass(`the served chain verifies against the advertised root CA (${pinned.protocol ?? 'TLS'})`, evidence);
    }
    let chain;
    try {
      chain = await ctx.tls.peerChain();
    } catch (err) {
      if (!isConformanceError(err, 'TARGET_UNREACHABLE', 'TLS_SETUP_FAILED')) throw err;
      return inconclusive(`pinned handshake failed (${pinned.errorCode ?? 'unknown'}) and the served chain could not be fetched: ${err.message}`, evidence);
    }
    const served = chain.certificates.map((c, i) => describeCertificate(c, i === 0 ? 'served leaf' : `served chain #${i}`));
    const offline = verifyChainAgainstRoot(chain.certificates, root.x509, ctx.target.servername, ctx.now());
    const reason = offline.ok ? `handshake error ${pinned.errorCode ?? 'unknown'}` : offline.reason;
    return fail(
      `the device refuses to continue: the served chain does not verify against the advertised root CA (${reason})`,
      'a server chain issued by the advertised root CA',
      `${pinned.errorCode ?? 'handshake failed'}: ${reason}`,
      [...evidence, ...served, note(reason, 'chain verification')],
    );
  },
});

/** One handshake; a TCP failure becomes a result with `errorCode` (recorded as evidence, judged by the caller). */
async function handshake(ctx: WfmCheckContext, opts: Parameters<WfmCheckContext['tls']['handshake']>[0]): Promise<TlsHandshakeResult> {
  try {
    return await ctx.tls.handshake(opts);
  } catch (err) {
    if (!isConformanceError(err, 'TARGET_UNREACHABLE')) throw err;
    return { errorCode: String(err.details?.['code'] ?? err.code), errorMessage: err.message, authorized: false };
  }
}

const VERSION_CODES = ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_UNSUPPORTED_PROTOCOL', 'ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'ERR_SSL_WRONG_VERSION_NUMBER'];

/** One unverified handshake offering TLS 1.2 and 1.3 (Node's defaults); a failure becomes a result with `errorCode`. */
async function negotiate(ctx: WfmCheckContext): Promise<TlsHandshakeResult> {
  try {
    return (await ctx.tls.peerChain()).tls;
  } catch (err) {
    if (!isConformanceError(err, 'TARGET_UNREACHABLE', 'TLS_SETUP_FAILED')) throw err;
    return { errorCode: String(err.details?.['tlsCode'] ?? err.details?.['code'] ?? err.code), errorMessage: err.message, authorized: false };
  }
}

/**
 * An unverified handshake offering TLS 1.2 and TLS 1.3 negotiates TLS 1.3 (RFC 8446 §4.2.1: a server that supports
 * TLS 1.3 selects it). Unverified on purpose: the protocol version does not depend on the trust anchor, so a chain
 * that does not verify (judged by `wfm.tls.chain-verifies-against-advertised-ca`) does not hide this verdict.
 */
export const offersTls13 = defineCheck<WfmCheckContext>({
  id: 'wfm.tls.offers-tls13',
  title: 'The WFM offers TLS 1.3',
  role: 'wfm',
  level: 'MUST',
  clause: { source: SECURITY, section: 'Transport', quote: 'server-side TLS 1.3 (minimum)' },
  related: [{ source: 'rfc8446', section: '4.2.1' }],
  profiles: PROFILES,
  faults: ['tls12-only'],
  async run(ctx) {
    const negotiated = await negotiate(ctx);
    const evidence: Evidence[] = [tlsEvidence(ctx, 'handshake offering TLS 1.2 and TLS 1.3 (chain not verified)', negotiated)];
    const { protocol, errorCode } = negotiated;
    if (protocol === 'TLSv1.3' && errorCode === undefined) return pass('TLS 1.3 negotiated when offered alongside TLS 1.2', evidence);
    if (protocol !== undefined && errorCode === undefined) {
      return fail(`TLS 1.3 is not offered: the WFM chose ${protocol} although the client offered TLS 1.3`, 'TLSv1.3', protocol, evidence);
    }
    if (errorCode !== undefined && VERSION_CODES.includes(errorCode)) {
      return fail(`no TLS 1.2 or TLS 1.3 handshake: refused with ${errorCode}`, 'TLSv1.3', errorCode, evidence);
    }
    return inconclusive(`no handshake completed (${errorCode ?? 'no protocol negotiated'})`, evidence);
  },
});
