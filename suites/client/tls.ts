/**
 * @module Client checks on initial trust and TLS: the root CA is obtained before the API is used, the client
 * verifies the WFM server against exactly that root CA (pinning), and it uses TLS 1.3.
 * @see spec seed page "Onboarding Sequence" (Initial Trust Establishment); spec-digest §4.1, §5.1 #4–#5
 */
import type { Evidence } from '../../core/check.js';
import type { RecordedTlsEvent } from '../../core/traffic.js';
import { defineClientCheck } from './context.js';
import type { ScenarioRecording } from './context.js';
import { classifyHandshakeFailure, isCertificateRefusal } from './handshake-facts.js';
import type { HandshakeFailure } from './handshake-facts.js';
import {
  describeExchange,
  exchangeEvidence,
  exchangesOf,
  notReached,
  onRoutes,
  passed,
  recordingOf,
  signedExchanges,
  tlsEventsOf,
  tlsEvidence,
  violated,
} from './recorded.js';
import { signatureFactsOf } from './signature-facts.js';

const SECURITY = 'margo:api-requirements-and-security';
const ONBOARDING = 'margo:device-client-onboarding';
const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;

/** A failed handshake with what the recording tells about it. */
interface Failed {
  readonly e: RecordedTlsEvent;
  readonly why: HandshakeFailure;
}

/** The failed handshakes among `events`, classified. */
function failedHandshakes(rec: ScenarioRecording, events: readonly RecordedTlsEvent[]): Failed[] {
  return events.filter((e) => e.kind === 'handshake-failed').map((e) => ({ e, why: classifyHandshakeFailure(rec, e) }));
}

/** TLS evidence of a failed handshake, labelled with why it failed. */
function failedEvidence(f: Failed): Evidence {
  return tlsEvidence(f.e, `#${f.e.id} handshake-failed, ${f.e.servedCertificate} certificate${f.e.afterCaDownload ? ', after CA download' : ''}: ${f.why.detail}`);
}

/** `#3 the client sent plain HTTP…; #5 …` for messages. */
function describeFailures(failed: readonly Failed[]): string {
  return failed.slice(0, 3).map((f) => `#${f.e.id} ${f.why.detail}`).join('; ');
}

export const establishesTrustBeforeOnboarding = defineClientCheck({
  id: 'client.tls.establishes-trust-before-onboarding',
  title: 'The client obtains the WFM root CA (Certificate API or out of band) before its first signed request',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  clause: {
    source: ONBOARDING,
    section: 'Onboarding Sequence',
    quote: "The device's management client obtains the WFM's root CA certificate either out-of-band or via the Certificate API",
  },
  related: [{ source: SECURITY, section: 'Server authentication (client MUST trust the WFM through a pre-provisioned or securely obtained root CA)' }],
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const downloads = onRoutes(rec, 'certificate').filter((x) => x.response.status === 200);
    const onSignedRoutes = signedExchanges(rec, ctx.profile);
    // "Signed" means the request carries well-formed Signature-Input and Signature fields; whether the signature
    // verifies is judged by the payload-security checks.
    const first = onSignedRoutes.find((x) => signatureFactsOf(x, ctx.config.signatures.label).signed);
    if (first === undefined) {
      const evidence = [...downloads.slice(0, 1).map((x) => exchangeEvidence(x, 'root CA download')), ...onSignedRoutes.slice(0, 1).map((x) => exchangeEvidence(x, 'unsigned request'))];
      return notReached(rec, `the client sent no signed request (${onSignedRoutes.length} unsigned request(s) to signed routes), so the order of trust and API use cannot be judged`, evidence);
    }
    const download = downloads[0];
    if (download === undefined) {
      return passed('no Certificate API call: the client took the root CA out of band (MARGO_CA_FILE)', [exchangeEvidence(first, 'first signed request')]);
    }
    // Recording ids follow arrival order across connections. Any use of a signed route before the root CA counts.
    const early = onSignedRoutes.filter((x) => x.id < download.id);
    const evidence = [exchangeEvidence(download, 'first root CA download'), exchangeEvidence(early[0] ?? first, early.length > 0 ? 'request before the CA download' : 'first signed request')];
    if (early.length === 0) return passed(`the client downloaded the root CA (#${download.id}) before its first signed request (#${first.id})`, evidence);
    return violated(
      'MUST',
      'the client used the signed API before it had obtained the root CA',
      'root CA obtained before the first request to a signed route',
      early.slice(0, 3).map((x) => `#${x.id} (${describeExchange(x)})`).join('; ') + ` before the CA download #${download.id}`,
      evidence,
    );
  },
});

export const acceptsGenuineServer = defineClientCheck({
  id: 'client.tls.accepts-genuine-server',
  title: "The client trusts the WFM's genuine chain, issued by the root CA it was given",
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  clause: {
    source: SECURITY,
    section: 'Server authentication',
    quote: 'the client MUST trust the WFM server certificate through a pre-provisioned or securely obtained root CA',
  },
  related: [{ source: ONBOARDING, section: 'Onboarding Sequence (Verifies server cert chain based on RootCA)' }],
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const events = tlsEventsOf(rec).filter((e) => e.servedCertificate === 'genuine');
    if (events.length === 0) return notReached(rec, 'the client made no TLS handshake with the mock WFM');
    const failed = failedHandshakes(rec, events);
    const refused = failed.filter((f) => isCertificateRefusal(f.why));
    const completed = events.filter((e) => e.kind === 'handshake-ok');
    if (refused.length > 0) {
      return violated(
        'MUST',
        'the client refused the genuine WFM chain: it does not trust the root CA it was given (or checks the wrong name)',
        'every handshake with the genuine chain completes',
        describeFailures(refused),
        refused.slice(0, 5).map(failedEvidence),
      );
    }
    // Failures that are no certificate decision (plain HTTP, not TLS, version, killed) are not blamed here.
    const evidence: Evidence[] = [...completed.slice(0, 3).map((e) => tlsEvidence(e)), ...failed.slice(0, 3).map(failedEvidence)];
    if (completed.length === 0) {
      return notReached(rec, `no TLS handshake with the genuine chain completed (${describeFailures(failed)}), so whether the client trusts its root CA is unknown`, evidence);
    }
    // A handshake alone could be any local process; a request over it shows it was the client under test.
    if (exchangesOf(rec).length === 0) return notReached(rec, 'the client sent no request over its TLS connections', evidence);
    const other = failed.length === 0 ? '' : `; ${failed.length} other failed handshake(s) were no certificate decision (${describeFailures(failed)})`;
    return passed(`${completed.length} handshake(s) with the genuine WFM chain completed, none refused${other}`, evidence);
  },
});

export const usesTls13 = defineClientCheck({
  id: 'client.tls.uses-tls13',
  title: 'The client negotiates TLS 1.3 with the WFM',
  role: 'client',
  level: 'MUST',
  scenario: 'happy-path',
  clause: { source: SECURITY, section: 'Transport', quote: 'server-side TLS 1.3 (minimum)' },
  related: [{ source: 'rfc8446', section: '4.1' }],
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'happy-path');
    const events = tlsEventsOf(rec);
    if (events.length === 0) return notReached(rec, 'the client made no TLS handshake with the mock WFM');
    const failed = failedHandshakes(rec, events);
    const older = events.filter((e) => e.kind === 'handshake-ok' && e.protocol !== 'TLSv1.3');
    const versionOffers = failed.filter((f) => f.why.kind === 'version');
    if (older.length > 0 || versionOffers.length > 0) {
      return violated(
        'MUST',
        'the client negotiated (or offered only) a TLS version below 1.3',
        'TLSv1.3 on every connection',
        [...older.map((e) => `#${e.id} negotiated ${e.protocol ?? 'an unknown version'}`), ...versionOffers.map((f) => `#${f.e.id} ${f.why.detail}`)].slice(0, 5).join('; '),
        [...older.slice(0, 3).map((e) => tlsEvidence(e)), ...versionOffers.slice(0, 3).map(failedEvidence)],
      );
    }
    const plain = failed.filter((f) => f.why.kind === 'plain-http');
    if (plain.length > 0) {
      return violated('MUST', 'the client sent plain HTTP to the WFM: no TLS at all', 'TLSv1.3 on every connection', describeFailures(plain), plain.slice(0, 3).map(failedEvidence));
    }
    const ok = events.filter((e) => e.kind === 'handshake-ok');
    if (ok.length === 0 || exchangesOf(rec).length === 0) {
      const why = failed.length === 0 ? '' : ` (${describeFailures(failed)})`;
      return notReached(rec, `no request over a completed TLS handshake, so the negotiated version is unknown${why}`, [...ok.slice(0, 2).map((e) => tlsEvidence(e)), ...failed.slice(0, 3).map(failedEvidence)]);
    }
    return passed(`all ${ok.length} completed handshake(s) negotiated TLSv1.3`, ok.slice(0, 3).map((e) => tlsEvidence(e)));
  },
});

export const rejectsImposterServer = defineClientCheck({
  id: 'client.tls.rejects-imposter-server',
  title: 'The client aborts a TLS handshake whose chain is not issued by its root CA (downloaded or out of band)',
  role: 'client',
  level: 'MUST',
  scenario: 'tls-imposter',
  uses: ['happy-path'],
  negative: true,
  faults: ['tls-verify-off'],
  clause: {
    source: ONBOARDING,
    section: 'Onboarding Sequence',
    quote: 'Client verifies server cert chain based on RootCA',
  },
  related: [{ source: SECURITY, section: 'Server authentication' }, { source: 'rfc5280', section: '6.1' }],
  profiles: PROFILES,
  async run(ctx) {
    const rec = recordingOf(ctx, 'tls-imposter');
    const download = onRoutes(rec, 'certificate').find((x) => x.response.status === 200);
    // Download clients meet the imposter after the CA download; out-of-band clients were given a root CA
    // (MARGO_CA_FILE) that did not issue the genuine chain. Either way every later handshake must be refused.
    const events = tlsEventsOf(rec).filter((e) => (download === undefined ? true : e.afterCaDownload && e.servedCertificate === 'imposter'));
    const accepted = events.filter((e) => e.kind === 'handshake-ok');
    const leaked = signedExchanges(rec, ctx.profile).filter((x) => download === undefined || x.id > download.id);
    const failed = failedHandshakes(rec, events);
    const evidence: Evidence[] = [
      ...(download === undefined ? [] : [exchangeEvidence(download, 'root CA download')]),
      ...accepted.slice(0, 2).map((e) => tlsEvidence(e)),
      ...failed.slice(0, 3).map(failedEvidence),
      ...leaked.slice(0, 3).map((x) => exchangeEvidence(x, `#${x.id} signed request that reached an unverifiable server`)),
    ];
    const decision = download === undefined ? 'the WFM chain (not issued by the root CA in MARGO_CA_FILE)' : 'the imposter chain';
    if (accepted.length > 0 || leaked.length > 0) {
      return violated(
        'MUST',
        `the client continued with a server whose chain does not verify against its root CA (${decision})`,
        'handshake aborted; no signed request reaches the server',
        `${accepted.length} handshake(s) with ${decision} completed, ${leaked.length} signed request(s) received`,
        evidence,
      );
    }
    if (events.length === 0) {
      const when = download === undefined ? '' : ' after the CA download';
      return notReached(rec, `the client made no TLS handshake${when}, so it never reached the pinning decision`, evidence);
    }
    const refused = failed.filter((f) => isCertificateRefusal(f.why));
    if (refused.length === 0) {
      return notReached(rec, `the handshake(s) with ${decision} failed without evidence that the client judged the certificate: ${describeFailures(failed)}`, evidence);
    }
    const capable = handshakeCapability(ctx.traffic.recording('happy-path'), rec);
    if (capable !== undefined) return notReached(rec, `the client aborted the handshake, but ${capable}, so the abort does not show certificate verification`, evidence);
    return passed(`the client refused ${decision} in ${refused.length} handshake(s) and sent no signed request: ${describeFailures(refused)}`, evidence);
  },
});

/**
 * Undefined when the client has shown it can complete a TLS handshake with the mock (a request in the pinning
 * scenario itself, such as the CA download, or in the happy path); otherwise why that is not shown.
 */
function handshakeCapability(happyPath: ScenarioRecording | undefined, imposter: ScenarioRecording): string | undefined {
  if (exchangesOf(imposter).length > 0) return undefined;
  if (happyPath === undefined) return 'the happy path did not run, so it is unknown whether the client can complete a TLS handshake at all';
  if (exchangesOf(happyPath).length > 0) return undefined;
  return 'the client never completed a TLS handshake with the genuine chain either (no request in the happy path)';
}

/** The TLS checks, in catalogue order. */
export const tlsChecks = [establishesTrustBeforeOnboarding, acceptsGenuineServer, usesTls13, rejectsImposterServer] as const;
