/**
 * @module Client checks on initial trust and TLS: the root CA is obtained before the API is used, the client
 * verifies the WFM server against exactly that root CA (pinning), and it uses TLS 1.3.
 * @see spec seed page "Onboarding Sequence" (Initial Trust Establishment); spec-digest §4.1, §5.1 #4–#5
 */
import type { Evidence } from '../../core/check.js';
import { defineClientCheck } from './context.js';
import {
  arrivedMs,
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

const SECURITY = 'margo:api-requirements-and-security';
const ONBOARDING = 'margo:device-client-onboarding';
const PROFILES = ['rfc9421-v1', 'rfc9421-rc2'] as const;

/** OpenSSL / Node codes that mean the TLS versions did not overlap. */
const VERSION_ERROR = /VERSION|PROTOCOL/i;

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
    const signed = signedExchanges(rec, ctx.profile);
    const first = signed[0];
    if (first === undefined) {
      const evidence = downloads.slice(0, 1).map((x) => exchangeEvidence(x, 'root CA download'));
      return notReached(rec, 'the client sent no signed request, so the order of trust and API use cannot be judged', evidence);
    }
    const download = downloads[0];
    if (download === undefined) {
      return passed('no Certificate API call: the client took the root CA out of band (MARGO_CA_FILE)', [
        exchangeEvidence(first, 'first signed request'),
      ]);
    }
    const evidence = [exchangeEvidence(download, 'first root CA download'), exchangeEvidence(first, 'first signed request')];
    // Recording ids follow arrival order across connections.
    if (download.id < first.id) {
      return passed('the client downloaded the root CA before its first signed request', evidence);
    }
    return violated(
      'MUST',
      'the client sent a signed request before it had obtained the root CA',
      'root CA obtained before the first signed request',
      `first signed request #${first.id} (${describeExchange(first)}) before the CA download #${download.id}`,
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
    const refused = events.filter((e) => e.kind === 'handshake-failed' && !VERSION_ERROR.test(e.errorCode ?? ''));
    const evidence: Evidence[] = (refused.length > 0 ? refused : events).slice(0, 5).map((e) => tlsEvidence(e));
    if (refused.length === 0) {
      // A handshake alone could be any local process; a request over it shows it was the client under test.
      if (exchangesOf(rec).length === 0) return notReached(rec, 'the client sent no request over its TLS connections', evidence);
      return passed(`${events.length} handshake(s) with the genuine WFM chain, none refused`, evidence);
    }
    return violated(
      'MUST',
      'the client refused the genuine WFM chain: it does not trust the root CA it was given (or checks the wrong name)',
      'every handshake with the genuine chain completes',
      refused.map((e) => `#${e.id} ${e.errorCode ?? 'failed'}${e.alert === undefined ? '' : ` (alert: ${e.alert})`}`).join('; '),
      evidence,
    );
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
    const older = events.filter(
      (e) => (e.kind === 'handshake-ok' && e.protocol !== 'TLSv1.3') || (e.kind === 'handshake-failed' && VERSION_ERROR.test(e.errorCode ?? '')),
    );
    if (older.length === 0) {
      const ok = events.filter((e) => e.kind === 'handshake-ok');
      if (ok.length === 0 || exchangesOf(rec).length === 0) {
        return notReached(rec, 'no request over a completed TLS handshake, so the negotiated version is unknown', events.slice(0, 3).map((e) => tlsEvidence(e)));
      }
      return passed(`all ${ok.length} completed handshake(s) negotiated TLSv1.3`, ok.slice(0, 3).map((e) => tlsEvidence(e)));
    }
    return violated(
      'MUST',
      'the client negotiated (or offered only) a TLS version below 1.3',
      'TLSv1.3 on every connection',
      older.map((e) => `#${e.id} ${e.protocol ?? e.errorCode ?? e.kind}`).join('; '),
      older.slice(0, 5).map((e) => tlsEvidence(e)),
    );
  },
});

export const rejectsImposterServer = defineClientCheck({
  id: 'client.tls.rejects-imposter-server',
  title: 'The client aborts a TLS handshake whose chain is not issued by its root CA (downloaded or out of band)',
  role: 'client',
  level: 'MUST',
  scenario: 'tls-imposter',
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
    const evidence: Evidence[] = [
      ...(download === undefined ? [] : [exchangeEvidence(download, 'root CA download')]),
      ...events.slice(0, 3).map((e) => tlsEvidence(e)),
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
    return passed(`the client aborted ${events.length} handshake(s) with ${decision} and sent no signed request`, evidence);
  },
});

/** The TLS checks, in catalogue order. */
export const tlsChecks = [establishesTrustBeforeOnboarding, acceptsGenuineServer, usesTls13, rejectsImposterServer] as const;
